//! The simulated GitHub Actions runner: runs one of the four binaries (as the workspace build
//! left them, see `shipline_testkit::bins`) as a workflow step would run it (the job's variables,
//! the event payload, the output and summary files, the token), and reads back what the step left
//! behind.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use serde_json::Value;
use shipline_testkit::bins;
use shipline_testkit::fixtures::{GitHubEnv, webhook, webhook_event};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::github_violations;
use shipline_testkit::outputs::read_github_output;
use shipline_testkit::repo::TestRepo;

/// The repository the fake GitHub serves (the test repository's slug).
pub const REPO: &str = "acme/widgets";
/// The job token; the fake accepts no other.
pub const TOKEN: &str = "ghs_pipelineJobToken0123456789abcdef";

/// What one step left behind: its process output and the runner files it wrote.
pub struct StepRun {
    /// The job environment (payload, `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).
    pub env: GitHubEnv,
    /// Exit status, stdout, stderr.
    pub output: Output,
}

impl StepRun {
    /// Panics with both streams unless the exit code is `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.output.status.code(),
            Some(code),
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            String::from_utf8_lossy(&self.output.stderr)
        );
        self
    }

    /// Stdout as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout()))
    }

    /// The step outputs, read from `$GITHUB_OUTPUT`.
    pub fn outputs(&self) -> BTreeMap<String, String> {
        read_github_output(&self.env.output_file())
    }

    /// One output, panicking with all of them when it is absent.
    pub fn output(&self, name: &str) -> String {
        let outputs = self.outputs();
        outputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no output `{name}` in {outputs:?}"))
    }

    /// The step summary (`$GITHUB_STEP_SUMMARY`), "" when none was written.
    pub fn summary(&self) -> String {
        std::fs::read_to_string(self.env.summary_file()).unwrap_or_default()
    }
}

/// One job's world: the checkout, the fake GitHub, and a HOME for the steps.
pub struct Runner<'a> {
    /// The checkout (`$GITHUB_WORKSPACE`).
    pub repo: &'a TestRepo,
    /// The fake GitHub.
    pub forge: &'a FakeForge,
    home: tempfile::TempDir,
}

impl<'a> Runner<'a> {
    /// A runner for `repo` against `forge`.
    pub fn new(repo: &'a TestRepo, forge: &'a FakeForge) -> Self {
        Self {
            repo,
            forge,
            home: tempfile::tempdir().expect("a HOME for the steps"),
        }
    }

    /// Runs `tool args` as a step of a job triggered by the webhook example `webhook_name`,
    /// its payload moved onto the test repository and then changed by `edit`. Every request
    /// the step made must conform to GitHub's description, and it must have made some.
    pub fn step(
        &self,
        webhook_name: &str,
        edit: impl FnOnce(&mut Value),
        tool: &str,
        args: &[&str],
    ) -> StepRun {
        let mut payload = webhook(webhook_name);
        payload["repository"]["full_name"] = REPO.into();
        payload["repository"]["name"] = "widgets".into();
        payload["repository"]["owner"]["login"] = "acme".into();
        payload["repository"]["default_branch"] = "main".into();
        edit(&mut payload);
        let mut env = GitHubEnv::for_event(webhook_event(webhook_name), &payload);
        let workspace = self.repo.path().to_string_lossy().into_owned();
        env.set("GITHUB_WORKSPACE", &workspace)
            .set("GITHUB_API_URL", &self.forge.github_api_url())
            .set("GITHUB_GRAPHQL_URL", &self.forge.github_graphql_url())
            .set("GITHUB_TOKEN", TOKEN);

        let before = self.forge.requests().len();
        let output = Command::new(bins::exe(tool))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .envs(env.vars())
            .current_dir(self.repo.path())
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        let requests = self.forge.requests();
        let made = &requests[before..];
        assert!(
            !made.is_empty(),
            "`{tool} {}` made no request to the fake GitHub\nstderr:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        let violations = github_violations(made);
        assert!(
            violations.is_empty(),
            "`{tool} {}` broke GitHub's description:\n{}",
            args.join(" "),
            violations.join("\n")
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr
                .lines()
                .filter(|l| l.contains(TOKEN))
                .all(|l| l.starts_with("::add-mask::")),
            "`{tool}` printed the token outside `::add-mask::`:\n{stderr}"
        );
        StepRun { env, output }
    }
}
