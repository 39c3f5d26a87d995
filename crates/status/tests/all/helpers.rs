//! Running the binary with a clean environment, and reading what it wrote.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use shipline_testkit::fixtures::GitHubEnv;
use shipline_testkit::forge::FakeForge;

/// The token the fake GitHub accepts.
pub const GH_TOKEN: &str = "ghs_statusTestToken0123456789";

/// The binary with nothing but PATH and HOME from the test's environment.
pub fn status() -> Command {
    let mut cmd = Command::cargo_bin("shipline-status").expect("binary builds");
    cmd.env_clear();
    for key in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    cmd
}

/// The binary run locally (git backend) in `dir`.
pub fn local(dir: &Path) -> Command {
    let mut cmd = status();
    cmd.current_dir(dir);
    cmd
}

/// A GitHub Actions job (from a real webhook payload) against the fake GitHub, whose repository
/// is the payload's.
pub struct GitHubJob {
    /// The fake.
    pub fake: FakeForge,
    /// The job's variables and files.
    pub env: GitHubEnv,
    /// `owner/name`.
    pub repo: String,
}

impl GitHubJob {
    /// A job started by the committed webhook example `webhook`.
    pub fn new(webhook: &str) -> Self {
        let fake = FakeForge::start();
        let mut env = GitHubEnv::for_webhook(webhook);
        let repo = env.vars()["GITHUB_REPOSITORY"].clone();
        let sha = env.vars()["GITHUB_SHA"].clone();
        {
            let mut state = fake.state();
            state.github.require_token(GH_TOKEN);
            let r = state.github.add_repo(&repo);
            r.refs.insert(sha.clone(), sha.clone());
            r.refs.insert("main".into(), sha);
        }
        env.set("GITHUB_API_URL", &fake.github_api_url())
            .set("GITHUB_GRAPHQL_URL", &fake.github_graphql_url())
            .set("GITHUB_TOKEN", GH_TOKEN);
        Self { fake, env, repo }
    }

    /// The commit the job runs for.
    pub fn sha(&self) -> String {
        self.env.vars()["GITHUB_SHA"].clone()
    }

    /// The binary inside this job.
    pub fn cmd(&self) -> Command {
        let mut cmd = status();
        cmd.envs(self.env.vars()).current_dir(self.env.workspace());
        cmd
    }

    /// The outputs written so far.
    pub fn outputs(&self) -> BTreeMap<String, String> {
        shipline_testkit::outputs::read_github_output(&self.env.output_file())
    }

    /// Every request so far conforms to GitHub's OpenAPI description.
    pub fn assert_conformance(&self) {
        shipline_testkit::openapi::assert_github_conformance(&self.fake);
    }

    /// Requests so far that were not reads (GraphQL queries are reads).
    pub fn writes(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method != "GET" && r.path != "/api/graphql")
            .count()
    }
}
