//! docs/tutorial.md, run: every `sh` block of the page in order, in an empty directory, with the
//! workspace's tools on PATH, each block's output checked against the `text` block that follows
//! it. A block marked `<!-- tutorial: skip (reason) -->` is not run and is counted, with its
//! reason, so the page cannot quietly stop being tested.
//!
//! A block marked `<!-- tutorial: fake github (...) -->` or `fake gitlab` pushes to a forge. It
//! runs as written, with `origin` pointed at a bare repository of the test's own (and `gh`, the
//! GitHub CLI, a stand-in that records what it was asked); the forge's side is then checked
//! against the fake forge: on GitHub, the jobs of the workflow `init` wrote run by a simulated
//! runner (`actions/`) for the pull request and the push; on GitLab, the pipeline the page
//! includes run by gitlab-ci-local (`gitlab/`).
//!
//! Expected lines are abridged: each must match one line of what the block printed (stdout and
//! stderr), where `…` in the expected line stands for any text (SHAs, times, durations).

mod actions;
mod gitlab;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use actions::{Event, Runner, Workflow};
use gitlab::{Pipeline, connect_checkout, merge_request_vars};
use serde_json::Value;
use shipline_testkit::bins;
use shipline_testkit::fixtures::webhook;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::github::Pull;
use shipline_testkit::forge::gitlab::NewMergeRequest;

/// Where a block runs.
#[derive(Debug, Clone, PartialEq)]
enum Runs {
    /// Here, with no forge.
    Locally,
    /// Not at all, for this reason.
    Skipped(String),
    /// Against a bare origin, the forge's side checked against the fake forge named.
    AgainstFake {
        /// `github` or `gitlab`.
        forge: String,
        /// What the marker says.
        reason: String,
    },
}

/// One `sh` block and what it should print.
#[derive(Debug)]
struct Step {
    script: String,
    expected: Vec<String>,
    runs: Runs,
}

/// What a `<!-- tutorial: ... -->` marker line says about the next block, if it is one.
fn marker(line: &str) -> Option<Runs> {
    let inner = line
        .strip_prefix("<!-- tutorial: ")?
        .strip_suffix(") -->")?;
    if let Some(reason) = inner.strip_prefix("skip (") {
        return Some(Runs::Skipped(reason.to_string()));
    }
    let (forge, reason) = inner.strip_prefix("fake ")?.split_once(" (")?;
    Some(Runs::AgainstFake {
        forge: forge.to_string(),
        reason: reason.to_string(),
    })
}

fn steps(page: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut runs: Option<Runs> = None;
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        if let Some(marked) = marker(line) {
            runs = Some(marked);
            continue;
        }
        let fence = line.trim_end();
        if fence != "```sh" && fence != "```text" {
            continue;
        }
        let mut body = Vec::new();
        for inner in lines.by_ref() {
            if inner.trim_end() == "```" {
                break;
            }
            body.push(inner.to_string());
        }
        if fence == "```sh" {
            steps.push(Step {
                script: body.join("\n"),
                expected: Vec::new(),
                runs: runs.take().unwrap_or(Runs::Locally),
            });
        } else if let Some(step) = steps.last_mut() {
            step.expected = body;
        }
    }
    steps
}

/// Whether `line` is `pattern`, with each `…` of the pattern standing for any text.
fn matches(line: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    let (first, rest) = parts.split_first().expect("split gives one part at least");
    let Some(mut tail) = line.strip_prefix(first) else {
        return false;
    };
    for (i, part) in rest.iter().enumerate() {
        if i + 1 == rest.len() {
            return tail.ends_with(part);
        }
        match tail.find(part) {
            Some(at) => tail = &tail[at + part.len()..],
            None => return false,
        }
    }
    tail.is_empty()
}

#[test]
fn patterns_match_with_ellipses_for_what_changes() {
    assert!(matches(
        "deployed abc to production (50%)",
        "deployed … to production (50%)"
    ));
    assert!(matches("exit code: 3", "exit code: 3"));
    assert!(!matches("exit code: 3", "exit code: 0"));
    assert!(!matches("exit code: 30", "exit code: 3"));
    assert!(matches(
        "| Changes | 1 in `a1..b2` |",
        "| Changes | 1 in `…..…` |"
    ));
    assert!(!matches(
        "| Changes | 2 in `a1..b2` |",
        "| Changes | 1 in `…..…` |"
    ));
}

#[test]
fn markers_say_where_a_block_runs() {
    assert_eq!(
        marker("<!-- tutorial: skip (needs a phone) -->"),
        Some(Runs::Skipped("needs a phone".into()))
    );
    assert_eq!(
        marker("<!-- tutorial: fake gitlab (pushes; checked) -->"),
        Some(Runs::AgainstFake {
            forge: "gitlab".into(),
            reason: "pushes; checked".into()
        })
    );
    assert_eq!(marker("<!-- a comment -->"), None);
}

/// The page as committed.
fn page() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/tutorial.md"))
        .expect("read docs/tutorial.md")
}

/// The tutorial's world: the temp directory the page starts in, its git configuration, and a
/// directory of stand-ins for commands that talk to a real forge.
struct Reader {
    root: tempfile::TempDir,
}

impl Reader {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            root.path().join("gitconfig"),
            "[user]\n\tname = Dee Ploy\n\temail = dee@example.com\n",
        )
        .expect("write gitconfig");
        // `gh` records what it was asked; the test then does it on the fake GitHub.
        let stand_ins = root.path().join("stand-ins");
        std::fs::create_dir_all(&stand_ins).expect("stand-ins dir");
        std::fs::write(
            stand_ins.join("gh"),
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$HOME/gh.log\"\n",
        )
        .expect("write gh");
        let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(stand_ins.join("gh"), mode).expect("chmod gh");
        Self { root }
    }

    /// `gizmo/` once the first block made it, the start directory before.
    fn dir(&self) -> PathBuf {
        let repo = self.repo();
        if repo.is_dir() {
            repo
        } else {
            self.root.path().to_path_buf()
        }
    }

    fn repo(&self) -> PathBuf {
        self.root.path().join("gizmo")
    }

    /// Runs `script` with `sh` the way a reader would, with `first` in front of PATH.
    fn sh(&self, script: &str, first: &[&Path]) -> Output {
        self.command("sh", first)
            .args(["-c", script])
            .output()
            .expect("run sh")
    }

    /// `program` in the tutorial's directory, in a cleared environment: the tools on PATH
    /// after `first`, the tutorial's HOME and git configuration.
    fn command(&self, program: &str, first: &[&Path]) -> Command {
        let path = std::env::join_paths(
            first
                .iter()
                .map(|p| p.to_path_buf())
                .chain(std::iter::once(bins::dir().to_path_buf()))
                .chain(std::env::split_paths(
                    &std::env::var_os("PATH").unwrap_or_default(),
                )),
        )
        .expect("PATH");
        let mut command = Command::new(program);
        command
            .current_dir(self.dir())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", self.root.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.root.path().join("gitconfig"));
        command
    }

    /// `git args` in the tutorial's repository; its stdout, trimmed.
    fn git(&self, args: &[&str]) -> String {
        let out = self
            .command("git", &[])
            .args(args)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// The tutorial's repository right after a block that pushes has run against a bare origin.
struct Pushed<'a> {
    reader: &'a Reader,
    /// The bare repository the block pushed to.
    origin: PathBuf,
    /// `owner/name`, from the forge URL `origin` had on the page.
    slug: String,
}

/// Whether the walk goes on after a forge block.
#[derive(PartialEq)]
enum Next {
    Continue,
    Stop,
}

/// What a walk through the page did.
struct Walked {
    ran: usize,
    against_fakes: Vec<(String, String)>,
    skipped: Vec<String>,
}

/// Runs the page's blocks in order, checking what each prints; after each block marked for a
/// fake forge (run against a bare origin) calls `at_forge` with the forge's name.
fn walk(reader: &Reader, mut at_forge: impl FnMut(&str, &Pushed) -> Next) -> Walked {
    let page = page();
    let steps = steps(&page);
    let mut walked = Walked {
        ran: 0,
        against_fakes: Vec::new(),
        skipped: Vec::new(),
    };
    for (n, step) in steps.iter().enumerate() {
        let mut pushed = None;
        let out = match &step.runs {
            Runs::Skipped(reason) => {
                walked.skipped.push(reason.clone());
                continue;
            }
            Runs::Locally => reader.sh(&step.script, &[]),
            Runs::AgainstFake { forge, reason } => {
                walked.against_fakes.push((forge.clone(), reason.clone()));
                let url = reader.git(&["remote", "get-url", "origin"]);
                let host = format!("https://{forge}.com/");
                let slug = url
                    .strip_prefix(&host)
                    .and_then(|rest| rest.strip_suffix(".git"))
                    .unwrap_or_else(|| {
                        panic!("block {}: origin is {url}, not a {host} repository", n + 1)
                    })
                    .to_string();
                let origin = reader.root.path().join(format!("{forge}-origin.git"));
                reader.git(&[
                    "init",
                    "-q",
                    "--bare",
                    "-b",
                    "main",
                    &origin.to_string_lossy(),
                ]);
                reader.git(&["remote", "set-url", "origin", &origin.to_string_lossy()]);
                pushed = Some(Pushed {
                    reader,
                    origin,
                    slug,
                });
                reader.sh(&step.script, &[&reader.root.path().join("stand-ins")])
            }
        };
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "docs/tutorial.md block {}:\n{}\nexited {:?}:\n{printed}",
            n + 1,
            step.script,
            out.status.code()
        );
        for want in step.expected.iter().filter(|l| !l.trim().is_empty()) {
            assert!(
                printed.lines().any(|line| matches(line.trim_end(), want)),
                "docs/tutorial.md block {}:\n{}\ndid not print `{want}`; it printed:\n{printed}",
                n + 1,
                step.script
            );
        }
        walked.ran += 1;
        if let (Some(pushed), Runs::AgainstFake { forge, .. }) = (pushed, &step.runs)
            && at_forge(forge, &pushed) == Next::Stop
        {
            break;
        }
    }
    walked
}

/// The tests that check each forge's side of the page, by forge.
const FORGE_TESTS: [(&str, &str); 2] = [
    ("github", "the_github_steps_run_against_the_fake_github"),
    ("gitlab", "the_gitlab_steps_run_against_the_fake_gitlab"),
];

#[test]
fn the_tutorial_runs_as_written() {
    let reader = Reader::new();
    let walked = walk(&reader, |_, _| Next::Continue);
    let page = page();
    let local = walked.ran - walked.against_fakes.len();
    let forges: Vec<String> = walked
        .against_fakes
        .iter()
        .map(|(forge, reason)| {
            let (_, test) = FORGE_TESTS
                .iter()
                .find(|(name, _)| name == forge)
                .unwrap_or_else(|| panic!("no test checks blocks marked `fake {forge}`"));
            let ignored = if *forge == "gitlab" && !cfg!(gitlab_ci_local) {
                format!(", ignored here: needs {}", gitlab::INSTALL_HINT)
            } else {
                String::new()
            };
            format!("{forge} by {test}{ignored}: {reason}")
        })
        .collect();
    eprintln!(
        "docs/tutorial.md: {local} blocks ran locally; {} ran against a bare origin and were checked against fake forges ({}); {} skipped{}{}",
        walked.against_fakes.len(),
        forges.join("; "),
        walked.skipped.len(),
        if walked.skipped.is_empty() { "" } else { ": " },
        walked.skipped.join("; ")
    );
    assert!(local >= 10, "only {local} blocks ran locally");
    assert_eq!(
        walked.skipped.len(),
        page.matches("<!-- tutorial: skip (").count(),
        "a skip marker is not followed by an sh block"
    );
    assert_eq!(
        walked.against_fakes.len(),
        page.matches("<!-- tutorial: fake ").count(),
        "a fake forge marker is not followed by an sh block"
    );
}

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
fn github_side(pushed: &Pushed) {
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

#[test]
fn the_github_steps_run_against_the_fake_github() {
    let reader = Reader::new();
    let mut checked = false;
    walk(&reader, |forge, pushed| {
        if forge != "github" {
            return Next::Continue;
        }
        github_side(pushed);
        checked = true;
        Next::Stop
    });
    assert!(checked, "the page has no block marked `fake github`");
}

/// The project access token on the fake GitLab (a masked CI/CD variable on a real instance).
const GITLAB_TOKEN: &str = "glpat-tutorial-test";

/// The GitLab side of section 10: the pipeline the pushed `.gitlab-ci.yml` defines, run by
/// gitlab-ci-local in a fresh clone of what was pushed, for the push to the default branch.
///
/// The included file pulls shipline's template from its release tag on GitHub and installs the
/// release archive; no test reaches the internet, so the clone takes the template from this
/// workspace (`local:`) and `install: path` (this workspace's binaries on PATH) instead. Nothing
/// else of what the page pushed is changed.
fn gitlab_side(pushed: &Pushed) {
    let reader = pushed.reader;
    let slug = pushed.slug.as_str();
    let checkout = reader.root.path().join("gitlab-checkout");
    reader.git(&[
        "clone",
        "-q",
        &pushed.origin.to_string_lossy(),
        &checkout.to_string_lossy(),
    ]);
    let included = checkout.join(".gitlab/shipline.yml");
    let written = std::fs::read_to_string(&included).unwrap_or_else(|e| {
        panic!(
            "the pushed .gitlab/shipline.yml ({e}); pushed:\n{}\n{}",
            reader.git(&["log", "--stat", "-2", "main"]),
            reader.git(&["status", "--short"])
        )
    });
    let remote = format!(
        "  - remote: https://raw.githubusercontent.com/shipline/shipline/v{}/.gitlab-ci-template.yml\n    inputs:\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        written.contains(&remote),
        "the included file does not take the template of this release:\n{written}"
    );
    let local = "  - local: .gitlab-ci-template.yml\n    inputs:\n      install: path\n";
    std::fs::write(&included, written.replace(&remote, local)).expect("write the include");
    std::fs::write(checkout.join(".gitlab-ci-template.yml"), gitlab::template())
        .expect("write the template");

    let forge = FakeForge::start();
    let project = connect_checkout(&checkout, &pushed.origin, &forge, slug, GITLAB_TOKEN);
    let main = reader.git(&["rev-parse", "main"]);
    let home = tempfile::tempdir().expect("temp HOME");
    let mut vars = project.vars.clone();
    vars.push(("CI_PIPELINE_SOURCE".into(), "push".into()));
    vars.push(("CI_COMMIT_BEFORE_SHA".into(), "0".repeat(40)));
    let pipeline = Pipeline {
        repo: &checkout,
        home: home.path(),
        path: vec![bins::dir().to_path_buf()],
        vars,
        file: None,
    };
    let run = pipeline.run(&[]);
    let log = &run.log;

    let deployments = |environment: &str| {
        let state = forge.state();
        let project = state.gitlab.project(slug).expect("project");
        let Some(env) = project.environment(environment) else {
            return Vec::new();
        };
        project
            .deployments
            .iter()
            .filter(|d| d.environment_id == env.id)
            .cloned()
            .collect::<Vec<_>>()
    };
    // Staging: deployed by the page's own command inside shipline's job, recorded on the fake.
    let staging = deployments("staging");
    assert_eq!(staging.len(), 1, "staging deployments: {staging:?}\n{log}");
    assert_eq!(staging[0].sha, main, "{log}");
    assert_eq!(staging[0].status, "success", "{staging:?}\n{log}");
    assert!(
        log.contains("deployed  to staging"),
        "the page's deploy command did not run:\n{log}"
    );
    // Production: the `build` gate blocks the promotion (the page's project has no such job)
    // and the pipeline fails; nothing is deployed.
    assert!(!run.success(), "promoted without a build check:\n{log}");
    assert!(
        log.contains("| required_checks | ❌ fail | `build` missing on"),
        "the promotion was not blocked by the build check:\n{log}"
    );
    let successful = |environment: &str| {
        deployments(environment)
            .into_iter()
            .filter(|d| d.status == "success")
            .count()
    };
    assert_eq!(successful("production"), 0, "{log}");
    // Once a `build` status is green on the commit, the promotion job rolls it out.
    forge
        .state()
        .gitlab
        .add_status(slug, &main, "build", "success");
    let promoted = pipeline.run(&["promote-production"]);
    promoted.assert_success();
    let production = deployments("production");
    assert_eq!(
        production
            .iter()
            .map(|d| (d.sha.as_str(), d.status.as_str()))
            .collect::<Vec<_>>(),
        [(main.as_str(), "success")],
        "{}",
        promoted.log
    );

    // A merge request from a branch of the checkout: one risk note, still one after the
    // pipeline runs again.
    let git = |args: &[&str]| {
        let mut all = vec!["-C", checkout.to_str().expect("UTF-8 path")];
        all.extend_from_slice(args);
        reader.git(&all)
    };
    git(&[
        "clean",
        "-q",
        "-ffdx",
        "-e",
        ".gitlab-ci-local/",
        "-e",
        ".gitlab-ci-template.yml",
    ]);
    git(&["switch", "-qc", "more"]);
    std::fs::write(
        checkout.join("helper.c"),
        "int helper(void) { return 2; }\n",
    )
    .expect("change helper.c");
    git(&["commit", "-qm", "fix: a better helper", "helper.c"]);
    git(&["push", "-q", "origin", "more"]);
    let head = git(&["rev-parse", "HEAD"]);
    let listed = format!("`{}` a better helper", &head[..7]);
    let iid = forge.state().gitlab.add_merge_request(
        slug,
        NewMergeRequest {
            title: "fix: a better helper".into(),
            author: "dee".into(),
            source_branch: "more".into(),
            target_branch: "main".into(),
            sha: head.clone(),
            commits: vec![head.clone()],
            merged_as: None,
        },
    );
    let mr = forge
        .state()
        .gitlab
        .project(slug)
        .and_then(|p| p.merge_request(iid))
        .cloned()
        .expect("the merge request");
    let mut vars = project.vars.clone();
    vars.extend(merge_request_vars(&forge, &project, slug, &mr, &main));
    let merge_request = Pipeline { vars, ..pipeline };
    for round in ["opened", "re-run"] {
        let run = merge_request.run(&[]);
        run.assert_success().assert_after_scripts_passed();
        let notes: Vec<String> = forge
            .state()
            .gitlab
            .project(slug)
            .expect("project")
            .comments(iid)
            .into_iter()
            .map(|n| n.body.clone())
            .filter(|body| body.starts_with("<!-- shipline-risk -->"))
            .collect();
        assert_eq!(
            notes.len(),
            1,
            "{round}: risk notes {notes:#?}\n{}",
            run.log
        );
        assert!(
            notes[0].contains(&listed),
            "{round}: the note does not list the MR's commit:\n{}",
            notes[0]
        );
    }
}

#[test]
#[cfg_attr(
    not(gitlab_ci_local),
    ignore = "needs gitlab-ci-local and rsync: npm install --global gitlab-ci-local@4.60.0 (Node 20), apt-get install rsync; .ci/run installs both"
)]
fn the_gitlab_steps_run_against_the_fake_gitlab() {
    gitlab::require_tools("tutorial on GitLab");
    let reader = Reader::new();
    let mut checked = false;
    walk(&reader, |forge, pushed| {
        if forge != "gitlab" {
            return Next::Continue;
        }
        gitlab_side(pushed);
        checked = true;
        Next::Stop
    });
    assert!(checked, "the page has no block marked `fake gitlab`");
}
