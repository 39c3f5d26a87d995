//! The GitLab CI template, run for real: `gitlab-ci-local` (shell executor) executes a pipeline
//! that includes `.gitlab-ci-template.yml` with `inputs:` and extends its hidden jobs, in a temp
//! git repository, with the shipline binaries of this workspace on PATH and the jobs talking to
//! the fake GitLab. This is what proves the template's scripts, its dotenv reports (outputs of one
//! job read by the next) and the deployments it leaves behind, rather than only its schema.
//!
//! `gitlab-ci-local` and `rsync` are outside the Rust toolchain. Without them the test says it is
//! skipped and how to install them, on stderr past the output capture; with
//! `SHIPLINE_REQUIRE_GITLAB_CI_LOCAL=1` (set by `.ci/run`) a missing tool fails it instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use shipline_testkit::forge::FakeForge;
use shipline_testkit::repo::TestRepo;

const INSTALL_HINT: &str = "npm install --global gitlab-ci-local@4.60.0 (Node 20) and apt-get install rsync; .ci/run installs both";
const TOOLS: [&str; 4] = [
    "shipline-risk",
    "shipline-status",
    "shipline-promote",
    "shipline-revert",
];
const PROJECT: &str = "acme/widgets";
const TOKEN: &str = "glpat-template-test";

/// The pipeline a team would write: the template included with inputs, its hidden jobs
/// extended, and two jobs of its own that consume the dotenv outputs.
const PIPELINE: &str = r#"include:
  - local: .gitlab-ci-template.yml
    inputs:
      install: path
      comment: false
      deploy-stage: deploy
      promote-stage: production

stages: [test, deploy, verify, production, report]

risk:
  extends: .shipline-risk

deploy-staging:
  extends: .shipline-deploy
  variables:
    SHIPLINE_ENV: staging
  script:
    - echo "deploying $CI_COMMIT_SHA to staging" > deployed.txt

check-staging:
  stage: verify
  needs: [risk, deploy-staging]
  script:
    - test -n "$DEPLOYMENT_ID"
    - echo "$DEPLOYMENT_ID" > staging-deployment-id.txt
    - echo "$LEVEL" > risk-level.txt
    - shipline-status show --env staging --format json > staging-show.json
  artifacts:
    paths: [staging-deployment-id.txt, risk-level.txt, staging-show.json]

promote-production:
  extends: .shipline-promote
  needs: [risk, check-staging]
  variables:
    SHIPLINE_ENV: production

check-production:
  stage: report
  needs: [promote-production]
  script:
    - echo "$PROMOTED $DEPLOYMENT_ID" > production.txt
  artifacts:
    paths: [production.txt]
"#;

const SHIPLINE_YML: &str = r#"environments:
  staging: {}
  production:
    after: [staging]
    auto_promote_max_risk: critical
    rollout:
      command: echo "step $SHIPLINE_STEP at $SHIPLINE_WEIGHT%" >> rollout.log
      steps: [50, 100]
"#;

#[test]
fn gitlab_template_pipeline_runs_in_gitlab_ci_local_or_reports_skipped() {
    let missing = missing_tools();
    if !missing.is_empty() {
        let message = format!(
            "gitlab_template: SKIPPED, not run: {} not found on PATH; install: {INSTALL_HINT}",
            missing.join(" and ")
        );
        if std::env::var("SHIPLINE_REQUIRE_GITLAB_CI_LOCAL").as_deref() == Ok("1") {
            panic!("{message} (SHIPLINE_REQUIRE_GITLAB_CI_LOCAL=1 makes this a failure)");
        }
        // Written to the process's stderr, not through the test harness's capture, so the skip
        // shows in the output of a passing run.
        let _ = writeln!(std::io::stderr(), "\n{message}\n");
        return;
    }
    let bins = shipline_bins();

    let forge = FakeForge::start();
    let repo = TestRepo::new();
    let template = workspace_root().join(".gitlab-ci-template.yml");
    let template = std::fs::read_to_string(&template)
        .unwrap_or_else(|e| panic!("read {}: {e}", template.display()));
    let head = repo
        .commit("feat: first version")
        .file("README.md", "widgets\n")
        .file(".gitlab-ci-template.yml", template)
        .file(".gitlab-ci.yml", PIPELINE)
        .file(".shipline.yml", SHIPLINE_YML)
        .file(".gitignore", ".gitlab-ci-local/\n.shipline/\n")
        .create();
    repo.push();
    repo.run(["fetch", "-q", "origin"]);
    repo.run(["remote", "set-head", "origin", "main"]);
    // gitlab-ci-local derives the project path and server from this remote; `origin` stays
    // the bare repository git talks to.
    let server = forge.url();
    repo.run([
        "remote",
        "add",
        "gcl-origin",
        &format!("{server}/{PROJECT}.git"),
    ]);
    let project_id = {
        let mut state = forge.state();
        let id = state.gitlab.add_project(PROJECT);
        state.gitlab.set_repo(PROJECT, repo.bare_path());
        state.gitlab.add_token(TOKEN, "widgets-bot", PROJECT, 40);
        id
    };

    let home = tempfile::tempdir().expect("temp HOME");
    let vars = vec![
        ("GITLAB_CI", "true".to_string()),
        ("CI_SERVER_URL", server.clone()),
        ("CI_API_V4_URL", forge.gitlab_api_url()),
        ("CI_PROJECT_ID", project_id.to_string()),
        ("GITLAB_TOKEN", TOKEN.to_string()),
    ];
    let out = gitlab_ci_local(repo.path(), home.path(), &bins, &vars, &[]);
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "gitlab-ci-local failed ({}):\n{log}",
        out.status
    );

    // GitLab (and gitlab-ci-local) only warn when after_script fails: `shipline-status finish`
    // must have succeeded.
    let plain = strip_ansi(&log);
    assert!(
        !plain
            .lines()
            .any(|l| l.contains("WARN") && l.contains("after_script")),
        "an after_script failed:\n{plain}"
    );

    let read = |name: &str| {
        let path = repo.path().join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("artifact {} missing ({e}); log:\n{log}", path.display()))
    };

    // The fake GitLab holds one deployment per environment, both successful, of this commit.
    let (staging, production) = {
        let state = forge.state();
        let project = state.gitlab.project(PROJECT).expect("project");
        let of = |env: &str| {
            let env_id = project
                .environment(env)
                .unwrap_or_else(|| panic!("no {env} environment; log:\n{log}"))
                .id;
            project
                .deployments
                .iter()
                .filter(|d| d.environment_id == env_id)
                .cloned()
                .collect::<Vec<_>>()
        };
        (of("staging"), of("production"))
    };
    assert_eq!(staging.len(), 1, "staging deployments: {staging:?}\n{log}");
    assert_eq!(staging[0].status, "success", "{staging:?}\n{log}");
    assert_eq!(staging[0].sha, head);
    assert_eq!(production.len(), 1, "production: {production:?}\n{log}");
    assert_eq!(production[0].status, "success", "{production:?}\n{log}");
    assert_eq!(production[0].sha, head);

    // DEPLOYMENT_ID went from deploy-staging's dotenv report into check-staging, and is the
    // deployment the fake GitLab holds; shipline-status in that job sees it running.
    let passed_id = read("staging-deployment-id.txt");
    assert_eq!(passed_id.trim(), staging[0].id.to_string(), "{log}");
    let show: serde_json::Value =
        serde_json::from_str(&read("staging-show.json")).expect("show JSON");
    let running = &show["environments"][0]["running"];
    assert_eq!(
        running["deployment_id"],
        staging[0].id.to_string(),
        "{show}"
    );
    assert_eq!(running["sha"], head.as_str(), "{show}");

    // The risk job's LEVEL output reached the later jobs.
    let level = read("risk-level.txt");
    assert!(
        ["low", "medium", "high", "critical"].contains(&level.trim()),
        "risk level {level:?}\n{log}"
    );

    // promote-production ran the rollout's two steps and reported through its dotenv.
    let production_out = read("production.txt");
    assert_eq!(
        production_out.trim(),
        format!("true {}", production[0].id),
        "{log}"
    );

    // GitLab's deploy freeze blocks the promotion: the job fails and nothing is deployed.
    let mut frozen_vars = vars.clone();
    frozen_vars.push(("CI_DEPLOY_FREEZE", "true".to_string()));
    let frozen = gitlab_ci_local(
        repo.path(),
        home.path(),
        &bins,
        &frozen_vars,
        &["promote-production"],
    );
    let frozen_log = strip_ansi(&format!(
        "{}\n{}",
        String::from_utf8_lossy(&frozen.stdout),
        String::from_utf8_lossy(&frozen.stderr)
    ));
    assert!(
        !frozen.status.success(),
        "promotion ran in a freeze:\n{frozen_log}"
    );
    assert!(
        frozen_log.contains("GitLab deploy freeze is active (CI_DEPLOY_FREEZE=true)"),
        "the block does not name the freeze:\n{frozen_log}"
    );
    let state = forge.state();
    let project = state.gitlab.project(PROJECT).expect("project");
    assert_eq!(project.deployments.len(), 2, "{:?}", project.deployments);
}

/// `text` without terminal colour sequences (gitlab-ci-local colours its log).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI sequences end with a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The names of the external tools this test needs that are not on PATH.
fn missing_tools() -> Vec<&'static str> {
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut missing = Vec::new();
    if !runs("gitlab-ci-local") {
        missing.push("gitlab-ci-local");
    }
    if !runs("rsync") {
        missing.push("rsync");
    }
    missing
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The directory holding this workspace's shipline binaries: the profile directory this test
/// executable lives in (`target/debug/deps/..`). Builds them when any is missing.
fn shipline_bins() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable sits in target/<profile>/deps")
        .to_path_buf();
    let exe_suffix = std::env::consts::EXE_SUFFIX;
    let all_built = || {
        TOOLS
            .iter()
            .all(|t| dir.join(format!("{t}{exe_suffix}")).is_file())
    };
    if !all_built() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace_root())
            .args(["build", "--bins"])
            .status()
            .expect("run cargo build --bins");
        assert!(status.success(), "cargo build --bins failed");
        assert!(
            all_built(),
            "cargo build --bins left no binaries in {}",
            dir.display()
        );
    }
    dir
}

/// Runs the pipeline with gitlab-ci-local in `repo`, in a cleared environment so that
/// nothing of the machine running the test (a CI system's own variables) reaches the jobs.
///
/// Without `--shell-isolation`: with it, gitlab-ci-local re-copies the tracked files into the
/// build directory before `after_script` and deletes everything else, unlike a GitLab runner,
/// whose `after_script` sees the files the job's script left (the deploy job hands its
/// deployment id to `after_script` through the dotenv file).
/// `jobs` empty runs the whole pipeline; else only those jobs (with the artifacts and dotenv
/// reports of the earlier run).
fn gitlab_ci_local(
    repo: &Path,
    home: &Path,
    bins: &Path,
    vars: &[(&str, String)],
    jobs: &[&str],
) -> Output {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bins.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(paths).expect("PATH");
    let mut cmd = Command::new("gitlab-ci-local");
    cmd.current_dir(repo)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .arg("--home")
        .arg(home)
        .args(["--color", "false", "--max-job-name-padding", "0"]);
    for (key, value) in vars {
        cmd.arg("--variable").arg(format!("{key}={value}"));
    }
    cmd.args(jobs);
    cmd.output().expect("run gitlab-ci-local")
}
