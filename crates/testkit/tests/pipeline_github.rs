//! The whole continuous deployment story on GitHub, one workflow step at a time.
//!
//! One real repository whose bare origin also backs the fake GitHub, and the four real binaries
//! run the way a GitHub Actions runner runs them: the job's variables, a real webhook payload
//! moved onto the repository's commits, `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` files, a
//! token. Each step is checked through what a later step or a person would see: the outputs
//! file, the fake's state, the repository, and every request against GitHub's description.
//!
//! PR opened → risk comment → squash merge → staging deployed → production promotion in three
//! steps whose health check fails at step 2 → rollback → the failed deployment status triggers a
//! revert PR → the revert is merged and deployed → metrics count one failure and one restore.

mod pipeline;

use pipeline::runner::{REPO, Runner, TOKEN};
use pipeline::service::Service;
use serde_json::Value;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::github::{Deployment, Pull};
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::TestRepo;

const PR_TITLE: &str = "Cache widget lookups";

fn config(service: &str, scratch: &str) -> String {
    format!(
        r#"environments:
  staging:
  production:
    after: [staging]
    rollout:
      command: printf '%s' "$SHIPLINE_WEIGHT" > {scratch}/weight && printf '%s %s %s\n' "$SHIPLINE_STEP" "$SHIPLINE_WEIGHT" "$SHIPLINE_SHA" >> {scratch}/deploy.log
      rollback: printf '%s %s %s\n' "$SHIPLINE_STEP" "$SHIPLINE_WEIGHT" "$SHIPLINE_SHA" > {scratch}/rollback.log
      steps: [10, 50, 100]
      bake: 120ms
      interval: 30ms
      health:
        - name: healthz
          http: {service}/healthz
          expect_status: 200
          body_contains: ok
"#
    )
}

/// A `push` to main from `before` to `after`, as GitHub sends it.
fn push_event(before: &str, after: &str) -> impl FnOnce(&mut Value) {
    let (before, after) = (before.to_string(), after.to_string());
    move |p: &mut Value| {
        p["ref"] = "refs/heads/main".into();
        p["before"] = before.into();
        p["after"] = after.clone().into();
        p["head_commit"]["id"] = after.into();
    }
}

/// The deployments of `environment` on the fake, oldest first.
fn deployments(forge: &FakeForge, environment: &str) -> Vec<Deployment> {
    forge.state().github.repos[REPO]
        .deployments
        .iter()
        .filter(|d| d.environment == environment)
        .cloned()
        .collect()
}

/// `shipline-status start` then `finish --state success` for `sha` in a job run by a push.
fn deploy(runner: &Runner, environment: &str, before: &str, sha: &str) -> u64 {
    let start = runner.step(
        "push",
        push_event(before, sha),
        "shipline-status",
        &["start", "--env", environment],
    );
    start.assert_code(0);
    assert_eq!(start.output("environment"), environment);
    assert_eq!(start.output("sha"), sha);
    assert_eq!(start.output("state"), "in_progress");
    let id = start.output("deployment-id");
    let finish = runner.step(
        "push",
        push_event(before, sha),
        "shipline-status",
        &[
            "finish",
            "--env",
            environment,
            "--state",
            "success",
            "--deployment",
            &id,
            "--ref",
            sha,
        ],
    );
    finish.assert_code(0);
    assert_eq!(finish.output("deployment-id"), id);
    assert_eq!(finish.output("state"), "success");
    assert_eq!(finish.output("sha"), sha);
    assert!(!finish.summary().is_empty(), "finish wrote no summary line");

    let id: u64 = id.parse().expect("deployment-id is a number");
    let state = forge_deployment(runner.forge, id);
    assert_eq!(state.environment, environment);
    assert_eq!(state.sha, sha);
    assert_eq!(state.latest_state(), Some("success"));
    id
}

fn forge_deployment(forge: &FakeForge, id: u64) -> Deployment {
    forge
        .state()
        .github
        .deployment(REPO, id)
        .cloned()
        .unwrap_or_else(|| panic!("the fake has no deployment {id}"))
}

/// Squash-merges `branch` into main the way GitHub does (subject `Title (#N)`, the branch's
/// messages as the body), pushes, and marks the PR merged on the fake.
fn squash_merge(
    repo: &TestRepo,
    forge: &FakeForge,
    number: u64,
    title: &str,
    branch: &str,
) -> String {
    repo.checkout("main");
    let messages = repo.run([
        "log",
        "--reverse",
        "--format=* %B",
        &format!("main..{branch}"),
    ]);
    repo.run(["merge", "-q", "--squash", branch]);
    let sha = repo
        .commit(&format!("{title} (#{number})\n\n{messages}"))
        .author("Alice Author", "alice@example.com")
        .create();
    repo.push();
    let mut state = forge.state();
    let pull = state
        .github
        .repo(REPO)
        .pulls
        .get_mut(&number)
        .unwrap_or_else(|| panic!("the fake has no PR #{number}"));
    *pull = pull.clone().merged(&sha, "maria");
    sha
}

fn comments_on(forge: &FakeForge, number: u64) -> Vec<String> {
    forge
        .state()
        .github
        .comments_on(REPO, number)
        .into_iter()
        .map(|c| c.body)
        .collect()
}

#[test]
fn pr_to_production_failure_revert_and_restore() {
    let scratch = tempfile::tempdir().unwrap();
    let scratch_path = scratch.path().to_string_lossy().into_owned();
    let service = Service::start(&scratch.path().join("weight"));
    let read = |name: &str| std::fs::read_to_string(scratch.path().join(name)).unwrap_or_default();

    // The repository as it runs in production before the story starts.
    let repo = TestRepo::new();
    repo.commit("feat: widgets service")
        .file("app.txt", "lookup: direct\n")
        .file(".shipline.yml", config(&service.url, &scratch_path))
        .create();
    repo.push();
    let initial = repo.head();

    let forge = FakeForge::start();
    {
        let mut state = forge.state();
        state.github.add_repo(REPO).git_dir = Some(repo.bare_path().to_path_buf());
        state.github.require_token(TOKEN);
        state.github.set_permission(REPO, "alice", "write");
        state.github.set_permission(REPO, "maria", "maintain");
    }
    let runner = Runner::new(&repo, &forge);
    let first_production = deploy(&runner, "production", &"0".repeat(40), &initial);

    // 1. A pull request is opened.
    let branch = "feature-cache";
    repo.branch(branch);
    let head = repo
        .commit("feat: cache widget lookups")
        .file("app.txt", "lookup: cached\n")
        .file("cache.txt", "ttl: 60\n")
        .author("Alice Author", "alice@example.com")
        .create();
    repo.run(["push", "-q", "origin", branch]);
    let number = {
        let mut pull = Pull::open(PR_TITLE, branch, &head);
        pull.user = "alice".into();
        pull.body = "Caches widget lookups for a minute.".into();
        forge.state().github.add_pull(REPO, pull)
    };

    // 2. Risk: one sticky comment on the PR, the level in the outputs.
    let risk = runner.step(
        "pull_request.opened",
        |p| {
            p["number"] = number.into();
            p["pull_request"]["number"] = number.into();
            p["pull_request"]["title"] = PR_TITLE.into();
            p["pull_request"]["head"]["sha"] = head.clone().into();
            p["pull_request"]["head"]["ref"] = branch.into();
            p["pull_request"]["base"]["sha"] = initial.clone().into();
            p["pull_request"]["base"]["ref"] = "main".into();
        },
        "shipline-risk",
        &["--comment"],
    );
    risk.assert_code(0);
    let level = risk.output("level");
    assert!(
        ["low", "medium", "high", "critical"].contains(&level.as_str()),
        "level {level:?}"
    );
    let score: f64 = risk.output("score").parse().expect("score is a number");
    assert!((0.0..=100.0).contains(&score), "score {score}");
    let comments = comments_on(&forge, number);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert!(
        comments[0].starts_with("<!-- shipline-risk -->"),
        "{}",
        comments[0]
    );
    assert!(comments[0].contains(&level), "{}", comments[0]);
    assert!(
        risk.summary().contains("<!-- shipline-risk -->"),
        "{}",
        risk.summary()
    );

    // 3. Squash merge into main.
    let merged = squash_merge(&repo, &forge, number, PR_TITLE, branch);

    // 4. The push deploys staging.
    deploy(&runner, "staging", &initial, &merged);

    // 5. Promotion to production: healthy at 10%, unhealthy from 50%.
    service.fail_from_weight(50);
    let promote = runner.step(
        "push",
        push_event(&initial, &merged),
        "shipline-promote",
        &["--to", "production"],
    );
    promote.assert_code(1);
    assert_eq!(promote.output("decision"), "promote");
    assert_eq!(promote.output("promoted"), "false");
    assert_eq!(promote.output("rolled-back"), "true");
    assert_eq!(promote.output("failed-step"), "2");
    assert!(
        promote.output("reason").contains("healthz"),
        "{:?}",
        promote.outputs()
    );
    assert_eq!(
        read("deploy.log"),
        format!("1 10 {merged}\n2 50 {merged}\n")
    );
    assert_eq!(read("rollback.log"), format!("2 50 {merged}\n"));
    let failed: u64 = promote
        .output("deployment-id")
        .parse()
        .expect("deployment-id is a number");
    let failed_deployment = forge_deployment(&forge, failed);
    assert_eq!(failed_deployment.environment, "production");
    assert_eq!(failed_deployment.sha, merged);
    assert_eq!(failed_deployment.latest_state(), Some("failure"));
    assert_eq!(
        forge_deployment(&forge, first_production).latest_state(),
        Some("success"),
        "the running version must stay live after a failed rollout"
    );
    assert!(
        promote.summary().contains("| 2 | 50% |"),
        "{}",
        promote.summary()
    );
    service.heal();

    // 6. The failed deployment status triggers the revert.
    let revert = runner.step(
        "deployment_status.created",
        |p| {
            p["deployment"]["id"] = failed.into();
            p["deployment"]["sha"] = merged.clone().into();
            p["deployment"]["ref"] = merged.clone().into();
            p["deployment"]["environment"] = "production".into();
            p["deployment_status"]["state"] = "failure".into();
            p["deployment_status"]["environment"] = "production".into();
        },
        "shipline-revert",
        &[],
    );
    revert.assert_code(0);
    let revert_branch = format!("shipline/revert-{}", &merged[..12]);
    assert_eq!(revert.output("branch"), revert_branch);
    assert_eq!(revert.output("skipped"), "");
    let revert_number: u64 = revert.output("pr-number").parse().expect("pr-number");
    assert!(
        revert
            .output("pr-url")
            .ends_with(&format!("/pull/{revert_number}")),
        "{:?}",
        revert.outputs()
    );
    let revert_pulls: Vec<Pull> = forge.state().github.repos[REPO]
        .pulls
        .values()
        .filter(|p| p.head_ref.starts_with("shipline/revert-"))
        .cloned()
        .collect();
    assert_eq!(revert_pulls.len(), 1, "{revert_pulls:#?}");
    let revert_pull = &revert_pulls[0];
    assert_eq!(revert_pull.number, revert_number);
    assert_eq!(revert_pull.head_ref, revert_branch);
    assert_eq!(revert_pull.base_ref, "main");
    assert_eq!(revert_pull.state, "open");
    // A deployment trigger reverts a range; its one commit is the squash, named by its subject.
    assert_eq!(
        revert_pull.title,
        format!("Revert \"{PR_TITLE} (#{number})\"")
    );
    assert!(
        revert_pull
            .body
            .contains("to `production` ended in `failure`"),
        "{}",
        revert_pull.body
    );

    // 7. The revert PR is merged: main has the production tree again.
    repo.run(["fetch", "-q", "origin", &revert_branch]);
    repo.run(["branch", "-q", "-f", &revert_branch, "FETCH_HEAD"]);
    let reverted = squash_merge(
        &repo,
        &forge,
        revert_number,
        &revert_pull.title,
        &revert_branch,
    );
    let diff = repo.try_output(["diff", "--exit-code", "--stat", &initial, &reverted]);
    assert!(
        diff.status.success(),
        "the revert does not restore the production tree:\n{}",
        String::from_utf8_lossy(&diff.stdout)
    );

    // 8. The revert goes to production.
    let restored = deploy(&runner, "production", &merged, &reverted);
    assert_eq!(
        forge_deployment(&forge, first_production).latest_state(),
        Some("inactive"),
        "the earlier production deployment must be marked inactive"
    );
    let states: Vec<Option<String>> = deployments(&forge, "production")
        .iter()
        .map(|d| d.latest_state().map(str::to_string))
        .collect();
    assert_eq!(
        states,
        [
            Some("inactive".to_string()),
            Some("failure".to_string()),
            Some("success".to_string())
        ]
    );
    assert_eq!(deployments(&forge, "production")[2].id, restored);

    // 9. Metrics: one failure, one restore.
    let metrics = runner.step(
        "push",
        push_event(&merged, &reverted),
        "shipline-status",
        &["metrics", "--env", "production", "--format", "json"],
    );
    metrics.assert_code(0);
    let report = metrics.json();
    let environments = report["environments"].as_array().expect("environments");
    assert_eq!(environments.len(), 1, "{report:#}");
    let production = &environments[0];
    assert_eq!(production["environment"], "production", "{report:#}");
    assert_eq!(production["deployments"], 3, "{report:#}");
    assert_eq!(production["successful"], 2, "{report:#}");
    assert_eq!(production["failed"], 1, "{report:#}");
    assert_eq!(production["unrestored"], 0, "{report:#}");
    let rate = production["change_failure_rate"]
        .as_f64()
        .expect("change_failure_rate");
    assert!((rate - 1.0 / 3.0).abs() < 0.01, "{report:#}");
    assert_eq!(production["time_to_restore"]["count"], 1, "{report:#}");
    assert!(
        production["time_to_restore"]["median_seconds"]
            .as_f64()
            .is_some_and(|s| s >= 0.0),
        "{report:#}"
    );

    assert_github_conformance(&forge);
}
