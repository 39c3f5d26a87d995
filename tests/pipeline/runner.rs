//! The simulated GitHub Actions runner: locates (or builds once) the four binaries, runs one of
//! them as a workflow step would run it (the job's variables, the event payload, the output and
//! summary files, the token), and reads back what the step left behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;
use shipline_testkit::fixtures::{GitHubEnv, webhook, webhook_event};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::github_violations;
use shipline_testkit::repo::TestRepo;

/// The repository the fake GitHub serves (the test repository's slug).
pub const REPO: &str = "acme/widgets";
/// The job token; the fake accepts no other.
pub const TOKEN: &str = "ghs_pipelineJobToken0123456789abcdef";

const TOOLS: [&str; 4] = [
    "shipline-risk",
    "shipline-status",
    "shipline-promote",
    "shipline-revert",
];

/// The directory holding the tools' binaries: the profile directory above this test executable
/// (`target/debug/deps/pipeline_github-*` → `target/debug`). When a tool is missing there
/// (`cargo test -p shipline-testkit` builds only this package), they are built once with
/// `cargo build`; the `OnceLock` keeps parallel tests of this binary from racing, and cargo's
/// own lock on the target directory keeps other processes out.
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test executable's path");
        let deps = exe.parent().expect("the test executable's directory");
        let dir = if deps.ends_with("deps") {
            deps.parent().expect("the profile directory").to_path_buf()
        } else {
            deps.to_path_buf()
        };
        let missing: Vec<&str> = TOOLS
            .iter()
            .copied()
            .filter(|tool| !dir.join(exe_name(tool)).is_file())
            .collect();
        if !missing.is_empty() {
            build_tools(&missing);
        }
        for tool in TOOLS {
            assert!(
                dir.join(exe_name(tool)).is_file(),
                "{} is missing after `cargo build`; build the tools with `cargo build --bins`",
                dir.join(exe_name(tool)).display()
            );
        }
        dir
    })
}

fn exe_name(tool: &str) -> String {
    format!("{tool}{}", std::env::consts::EXE_SUFFIX)
}

fn build_tools(tools: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let mut command = Command::new(&cargo);
    command.arg("build").arg("--manifest-path").arg(&manifest);
    for tool in tools {
        command.args(["-p", tool, "--bin", tool]);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run `{cargo} build` for {tools:?}: {e}"));
    assert!(
        status.success(),
        "`{cargo} build` of {tools:?} failed ({status}); run `cargo build --bins` and look at its errors"
    );
}

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

    /// The step outputs, parsed from `$GITHUB_OUTPUT`.
    pub fn outputs(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.env.output_file()).unwrap_or_default();
        parse_github_output(&text).unwrap_or_else(|e| panic!("{e}\n$GITHUB_OUTPUT:\n{text}"))
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

/// Parses the `$GITHUB_OUTPUT` file format: `name=value` lines and multi-line
/// `name<<DELIMITER` … `DELIMITER` blocks. A later value for a name replaces an earlier one.
pub fn parse_github_output(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let heredoc = line
            .split_once("<<")
            .filter(|(name, _)| !name.contains('='));
        if let Some((name, delimiter)) = heredoc {
            let mut value = Vec::new();
            let mut closed = false;
            for (_, body) in lines.by_ref() {
                if body == delimiter {
                    closed = true;
                    break;
                }
                value.push(body);
            }
            if !closed {
                return Err(format!(
                    "line {}: `{name}<<{delimiter}` is never closed",
                    index + 1
                ));
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        } else {
            return Err(format!(
                "line {}: `{line}` is neither name=value nor name<<DELIMITER",
                index + 1
            ));
        }
    }
    Ok(out)
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
        let output = Command::new(bin_dir().join(exe_name(tool)))
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

#[cfg(test)]
mod tests {
    use super::parse_github_output;

    #[test]
    fn github_output_format_round_trips_single_and_multi_line_values() {
        let text = "a=1\nnote<<ghadelimiter_1\nline one\nline=two\nghadelimiter_1\na=2\n";
        let parsed = parse_github_output(text).unwrap();
        assert_eq!(parsed["a"], "2");
        assert_eq!(parsed["note"], "line one\nline=two");
        assert!(parse_github_output("x<<EOF\nnever closed\n").is_err());
        assert!(parse_github_output("garbage\n").is_err());
    }
}
