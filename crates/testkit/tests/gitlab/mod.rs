//! Machinery shared by the tests that run GitLab pipelines for real with `gitlab-ci-local`
//! (shell executor): finding the tool or reporting the test as skipped, the workspace's
//! binaries (never built here: `cargo test --workspace` builds them), and one pipeline run in a
//! cleared environment.
//!
//! `gitlab-ci-local` and `rsync` are outside the Rust toolchain. testkit's build script sets
//! `cfg(gitlab_ci_local)` when it finds them (or when `SHIPLINE_REQUIRE_GITLAB_CI_LOCAL=1`, set
//! by `.ci/run`, demands them); without it these tests are ignored with the install command as
//! the reason (`#[cfg_attr(not(gitlab_ci_local), ignore = ...)]`), so a plain `cargo test`
//! reports them skipped, never passed. A test that runs and lacks the tools fails.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

pub mod releases;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::{MergeRequest, access};
use shipline_testkit::repo::TestRepo;

/// How to get the tools.
pub const INSTALL_HINT: &str = "npm install --global gitlab-ci-local@4.60.0 (Node 20) and apt-get install rsync; .ci/run installs both";

/// Panics with the install command unless `gitlab-ci-local` and `rsync` are on PATH: a test
/// that runs without them must not pass.
pub fn require_tools(test: &str) {
    let missing = missing_tools();
    assert!(
        missing.is_empty(),
        "{test}: {} not found on PATH; install: {INSTALL_HINT}",
        missing.join(" and ")
    );
}

/// The names of the external tools these tests need that are not on PATH.
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

/// The workspace root (where `.gitlab-ci-template.yml` is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The template as committed.
pub fn template() -> String {
    let path = workspace_root().join(".gitlab-ci-template.yml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The directory holding the four tools as the workspace build left them (see
/// `shipline_testkit::bins`), for `install: path` jobs to find on PATH.
pub fn shipline_bins() -> PathBuf {
    shipline_testkit::bins::dir().to_path_buf()
}

/// `text` without terminal colour sequences (gitlab-ci-local colours its log).
pub fn strip_ansi(text: &str) -> String {
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

/// What one `gitlab-ci-local` run left: its exit status and its log (both streams, no colours).
pub struct PipelineRun {
    /// Exit status, stdout, stderr.
    pub output: Output,
    /// stdout then stderr, colours removed.
    pub log: String,
}

impl PipelineRun {
    /// Whether every job that ran succeeded.
    pub fn success(&self) -> bool {
        self.output.status.success()
    }

    /// Panics with the log unless the run succeeded.
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.success(),
            "gitlab-ci-local failed ({}):\n{}",
            self.output.status,
            self.log
        );
        self
    }

    /// GitLab (and gitlab-ci-local) only warn when `after_script` fails: panics if one did.
    pub fn assert_after_scripts_passed(&self) -> &Self {
        assert!(
            !self
                .log
                .lines()
                .any(|l| l.contains("WARN") && l.contains("after_script")),
            "an after_script failed:\n{}",
            self.log
        );
        self
    }
}

/// One pipeline run with gitlab-ci-local.
pub struct Pipeline<'a> {
    /// The checkout the pipeline runs in (`CI_PROJECT_DIR`).
    pub repo: &'a Path,
    /// HOME and gitlab-ci-local's `--home`.
    pub home: &'a Path,
    /// Directories put in front of PATH (the shipline binaries, for `install: path`).
    pub path: Vec<PathBuf>,
    /// `--variable KEY=VALUE` pairs: what GitLab would set (predefined, CI/CD variables).
    pub vars: Vec<(String, String)>,
    /// The pipeline file (`--file`); `None` for `.gitlab-ci.yml`.
    pub file: Option<&'a str>,
}

impl Pipeline<'_> {
    /// Runs the pipeline (or, with `jobs`, only those jobs, reusing the artifacts and dotenv
    /// reports of the earlier run) in a cleared environment, so that nothing of the machine
    /// running the test (a CI system's own variables) reaches the jobs.
    ///
    /// Without `--shell-isolation`: with it, gitlab-ci-local re-copies the tracked files into the
    /// build directory before `after_script` and deletes everything else, unlike a GitLab runner,
    /// whose `after_script` sees the files the job's script left (the deploy job hands its
    /// deployment id to `after_script` through the dotenv file).
    pub fn run(&self, jobs: &[&str]) -> PipelineRun {
        self.run_with(&[], jobs)
    }

    /// Like [`Pipeline::run`], each job in a build directory of its own (`--shell-isolation`),
    /// as a GitLab runner gives each job its own checkout: parallel jobs (a `parallel: matrix:`)
    /// then do not share their dotenv reports. For pipelines without `after_script` (see
    /// [`Pipeline::run`]).
    pub fn run_isolated(&self, jobs: &[&str]) -> PipelineRun {
        self.run_with(&["--shell-isolation"], jobs)
    }

    fn run_with(&self, extra: &[&str], jobs: &[&str]) -> PipelineRun {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = self.path.clone();
        paths.extend(std::env::split_paths(&path));
        let path = std::env::join_paths(paths).expect("PATH");
        let mut cmd = Command::new("gitlab-ci-local");
        cmd.current_dir(self.repo)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home)
            .arg("--home")
            .arg(self.home)
            .args(["--color", "false", "--max-job-name-padding", "0"]);
        cmd.args(extra);
        if let Some(file) = self.file {
            cmd.args(["--file", file]);
        }
        for (key, value) in &self.vars {
            cmd.arg("--variable").arg(format!("{key}={value}"));
        }
        cmd.args(jobs);
        let output = cmd.output().expect("run gitlab-ci-local");
        let log = strip_ansi(&format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
        PipelineRun { output, log }
    }
}

/// The fake GitLab project a test pipeline runs for, and the variables GitLab would set that
/// gitlab-ci-local cannot know.
pub struct FakeProject {
    /// The project's numeric id (`CI_PROJECT_ID`).
    pub id: u64,
    /// `GITLAB_CI`, `CI_SERVER_URL`, `CI_API_V4_URL`, `CI_PROJECT_ID` and the project access
    /// token `GITLAB_TOKEN` (a masked CI/CD variable on a real instance).
    pub vars: Vec<(String, String)>,
}

/// Makes `repo` the checkout of `project` on the fake GitLab: the project backed by the repo's
/// bare origin, an access token with the Developer role, and a `gcl-origin` remote from which
/// gitlab-ci-local derives the project path and server (`origin` stays the bare repository git
/// talks to). Call after the first push.
pub fn connect(repo: &TestRepo, forge: &FakeForge, project: &str, token: &str) -> FakeProject {
    connect_checkout(repo.path(), repo.bare_path(), forge, project, token)
}

/// The same for any checkout whose `origin` is the bare repository `bare`.
pub fn connect_checkout(
    checkout: &Path,
    bare: &Path,
    forge: &FakeForge,
    project: &str,
    token: &str,
) -> FakeProject {
    let server = forge.url();
    for args in [
        vec!["fetch", "-q", "origin"],
        vec!["remote", "set-head", "origin", "main"],
        vec![
            "remote",
            "add",
            "gcl-origin",
            &format!("{server}/{project}.git"),
        ],
    ] {
        shipline_testkit::repo::git_in(checkout, &args);
    }
    let id = {
        let mut state = forge.state();
        let id = state.gitlab.add_project(project);
        state.gitlab.set_repo(project, bare);
        state
            .gitlab
            .add_token(token, "widgets-bot", project, access::DEVELOPER);
        id
    };
    let vars = [
        ("GITLAB_CI", "true".to_string()),
        ("CI_SERVER_URL", server),
        ("CI_API_V4_URL", forge.gitlab_api_url()),
        ("CI_API_GRAPHQL_URL", forge.gitlab_graphql_url()),
        ("CI_PROJECT_ID", id.to_string()),
        ("GITLAB_TOKEN", token.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    FakeProject { id, vars }
}

/// The variables GitLab sets in a merge request pipeline for `mr` of `project` (at `path` on
/// `forge`) and gitlab-ci-local cannot know: every `CI_MERGE_REQUEST_*` name of the documented
/// fixture (and only those), with this MR's values; `base` is the diff's base commit. A detached
/// pipeline, the first of the MR.
pub fn merge_request_vars(
    forge: &FakeForge,
    project: &FakeProject,
    path: &str,
    mr: &MergeRequest,
    base: &str,
) -> Vec<(String, String)> {
    let documented = gitlab_vars(GitLabPipeline::MergeRequest);
    let server = forge.url();
    let project_url = format!("{server}/{path}");
    let id = project.id.to_string();
    let values: BTreeMap<&str, String> = [
        ("CI_PIPELINE_SOURCE", "merge_request_event".to_string()),
        ("CI_COMMIT_BEFORE_SHA", "0".repeat(40)),
        ("CI_OPEN_MERGE_REQUESTS", format!("{path}!{}", mr.iid)),
        ("CI_MERGE_REQUEST_ID", mr.id.to_string()),
        ("CI_MERGE_REQUEST_IID", mr.iid.to_string()),
        ("CI_MERGE_REQUEST_TITLE", mr.title.clone()),
        ("CI_MERGE_REQUEST_DESCRIPTION", mr.description.clone()),
        ("CI_MERGE_REQUEST_EVENT_TYPE", "detached".to_string()),
        ("CI_MERGE_REQUEST_DIFF_ID", "1".to_string()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.to_string()),
        ("CI_MERGE_REQUEST_LABELS", String::new()),
        ("CI_MERGE_REQUEST_ASSIGNEES", "alice".to_string()),
        ("CI_MERGE_REQUEST_APPROVED", "false".to_string()),
        ("CI_MERGE_REQUEST_PROJECT_ID", id.clone()),
        ("CI_MERGE_REQUEST_PROJECT_PATH", path.to_string()),
        ("CI_MERGE_REQUEST_PROJECT_URL", project_url.clone()),
        (
            "CI_MERGE_REQUEST_REF_PATH",
            format!("refs/merge-requests/{}/head", mr.iid),
        ),
        (
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
            mr.source_branch.clone(),
        ),
        (
            "CI_MERGE_REQUEST_SOURCE_BRANCH_PROTECTED",
            "false".to_string(),
        ),
        // Set in merged results pipelines only; this is a detached one.
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", String::new()),
        ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", id),
        ("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", path.to_string()),
        ("CI_MERGE_REQUEST_SOURCE_PROJECT_URL", project_url),
        ("CI_MERGE_REQUEST_SQUASH_ON_MERGE", "false".to_string()),
        (
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
            mr.target_branch.clone(),
        ),
        (
            "CI_MERGE_REQUEST_TARGET_BRANCH_PROTECTED",
            "true".to_string(),
        ),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_SHA", String::new()),
    ]
    .into_iter()
    .collect();
    // Every merge request variable GitLab documents is set, and only documented ones.
    for key in documented
        .keys()
        .filter(|k| k.starts_with("CI_MERGE_REQUEST_"))
    {
        assert!(values.contains_key(key.as_str()), "{key} is not set");
    }
    for key in values.keys() {
        assert!(documented.contains_key(*key), "{key} is not documented");
    }
    values
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}
