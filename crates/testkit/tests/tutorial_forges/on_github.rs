//! Section 9, on GitHub: the branch and the pull request the page's block pushed and asked `gh`
//! for, opened on the fake GitHub, and the jobs of the workflow `init` wrote run by the simulated
//! runner (`actions/`) for the pull request and for the push to `main`.

use serde_json::Value;
use shipline_testkit::bins;
use shipline_testkit::fixtures::webhook;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::github::Pull;

use crate::actions::{Event, Runner, Workflow};
use crate::{Pushed, page};

/// The job token on the fake GitHub; the fake accepts no other.
const GITHUB_TOKEN: &str = "ghs_tutorialJobToken0123456789abcdef";

/// What the page has the reader put in place of the workflow's `(edit me)` step.
const STAGING_DEPLOY: &str = "./deploy.sh staging";

/// A webhook example moved onto the tutorial's repository.
fn github_event(name: &str, slug: &str, edit: impl FnOnce(&mut Value)) -> Event {
    let mut payload = webhook(name);
    let (owner, repo) = slug.split_once('/').expect("owner/name");
    payload["repository"]["full_name"] = slug.into();
    payload["repository"]["name"] = repo.into();
    payload["repository"]["owner"]["login"] = owner.into();
    payload["repository"]["default_branch"] = "main".into();
    edit(&mut payload);
    Event {
        name: shipline_testkit::fixtures::webhook_event(name).to_string(),
        payload,
    }
}

/// The risk comments on PR `number`.
fn risk_comments(forge: &FakeForge, slug: &str, number: u64) -> Vec<String> {
    forge
        .state()
        .github
        .comments_on(slug, number)
        .into_iter()
        .map(|c| c.body)
        .filter(|body| body.starts_with("<!-- shipline-risk -->"))
        .collect()
}

/// The GitHub side of section 9: the branch and the pull request the block pushed and asked
/// `gh` for, and the jobs of the workflow `init` wrote, for the pull request and for the push.
pub fn check(pushed: &Pushed) {
    let reader = pushed.reader;
    let slug = pushed.slug.as_str();
    assert!(
        page().contains(&format!("step with `{STAGING_DEPLOY}`")),
        "the page no longer says what replaces the `(edit me)` step"
    );
    let forge = FakeForge::start();
    {
        let mut state = forge.state();
        state.github.add_repo(slug).git_dir = Some(pushed.origin.clone());
        state.github.require_token(GITHUB_TOKEN);
    }

    // `gh pr create --fill` from the pushed branch: the PR, titled by its one commit.
    let asked = std::fs::read_to_string(reader.root.path().join("gh.log")).unwrap_or_default();
    assert_eq!(asked.trim(), "pr create --fill", "what gh was asked");
    let branch = reader.git(&["branch", "--show-current"]);
    let head = reader.git(&["rev-parse", "HEAD"]);
    let main = reader.git(&["rev-parse", "main"]);
    let pushed_head = reader.git(&[
        "--git-dir",
        &pushed.origin.to_string_lossy(),
        "rev-parse",
        &format!("refs/heads/{branch}"),
    ]);
    assert_eq!(pushed_head, head, "the branch on the origin");
    let title = reader.git(&["log", "-1", "--format=%s"]);
    let number = forge
        .state()
        .github
        .add_pull(slug, Pull::open(&title, &branch, &head));

    // The workflow as pushed with the branch.
    let text = reader.git(&[
        "--git-dir",
        &pushed.origin.to_string_lossy(),
        "show",
        &format!("{head}:.github/workflows/shipline.yml"),
    ]);
    let workflow = Workflow::parse(".github/workflows/shipline.yml", &text);
    let runner = Runner {
        forge: &forge,
        origin: &pushed.origin,
        slug,
        token: GITHUB_TOKEN,
        bins: bins::dir().to_path_buf(),
        edits: vec![("(edit me)".into(), STAGING_DEPLOY.into())],
    };

    // The pull request: one risk comment, still one when the jobs run again.
    let opened = github_event("pull_request.opened", slug, |p| {
        p["number"] = number.into();
        p["pull_request"]["number"] = number.into();
        p["pull_request"]["title"] = title.clone().into();
        p["pull_request"]["head"]["sha"] = head.clone().into();
        p["pull_request"]["head"]["ref"] = branch.clone().into();
        p["pull_request"]["base"]["sha"] = main.clone().into();
        p["pull_request"]["base"]["ref"] = "main".into();
    });
    assert!(workflow.triggers(&opened), "no run for an opened PR");
    let jobs = workflow.first_jobs(&opened);
    assert!(!jobs.is_empty(), "no job runs for a pull request");
    for round in ["opened", "re-run"] {
        let mut ran = Vec::new();
        for job in &jobs {
            let run = runner.run_job(&workflow, job, &opened);
            run.assert_success();
            ran.extend(run.shipline_steps().iter().map(|s| s.to_string()));
        }
        assert!(
            ran.iter().any(|s| s.contains("shipline-risk")),
            "{round}: no job ran shipline-risk: {ran:?}"
        );
        let comments = risk_comments(&forge, slug, number);
        assert_eq!(comments.len(), 1, "{round}: risk comments {comments:#?}");
        assert!(
            comments[0].contains(&format!("`{}` more", &head[..7])),
            "{round}: the comment does not list the PR's commit:\n{}",
            comments[0]
        );
    }

    // The push to main: the jobs GitHub starts first record the staging deployment.
    let push = github_event("push", slug, |p| {
        p["ref"] = "refs/heads/main".into();
        p["before"] = "0".repeat(40).into();
        p["after"] = main.clone().into();
        p["head_commit"]["id"] = main.clone().into();
    });
    assert!(workflow.triggers(&push), "no run for a push to main");
    let first = workflow.first_jobs(&push);
    assert!(!first.is_empty(), "no job runs for a push to main");
    for job in &first {
        runner.run_job(&workflow, job, &push).assert_success();
    }
    let deployments = |environment: &str| {
        forge.state().github.repos[slug]
            .deployments
            .iter()
            .filter(|d| d.environment == environment)
            .cloned()
            .collect::<Vec<_>>()
    };
    let staging = deployments("staging");
    assert_eq!(staging.len(), 1, "staging deployments: {staging:?}");
    assert_eq!(staging[0].sha, main);
    assert_eq!(staging[0].latest_state(), Some("success"), "{staging:?}");

    // Then the jobs that need them: the promotion, blocked by the `build` gate until a
    // check of that name is green on the commit, then rolled out.
    let then = workflow.jobs(&push, |job| job.get("needs").is_some());
    assert!(!then.is_empty(), "no job follows the staging deployment");
    let promote = |expect: &str| {
        for job in &then {
            let run = runner.run_job(&workflow, job, &push);
            assert_eq!(run.status, expect, "job {job}:\n{}", run.log());
            if expect == "failure" {
                // Exit code 3: blocked by a gate.
                let failed = run.steps.iter().find(|s| s.outcome == "failure");
                assert!(
                    failed.is_some_and(|s| s.script.contains("shipline-promote") && s.code == Some(3)),
                    "job {job} did not stop at the gate:\n{}",
                    run.log()
                );
            }
        }
    };
    promote("failure");
    assert!(
        deployments("production").is_empty(),
        "deployed past the gate"
    );
    forge
        .state()
        .github
        .add_check_run(slug, &main, "build", "completed", Some("success"));
    promote("success");
    let production = deployments("production");
    assert_eq!(
        production.len(),
        1,
        "production deployments: {production:?}"
    );
    assert_eq!(production[0].sha, main);
    assert_eq!(
        production[0].latest_state(),
        Some("success"),
        "{production:?}"
    );
}
