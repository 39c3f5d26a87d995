//! Repositories, environments and assertions shared by the topic modules.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use shipline_testkit::fixtures::{GitHubEnv, webhook};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::github::Pull;
use shipline_testkit::repo::{CommitSpec, MergeStyle, MergedPr, PrSpec, TestRepo};

pub const REPO: &str = "acme/widgets";
pub const TOKEN: &str = "ghs_revert_test_token_0123456789";

/// The binary with a clean environment: PATH, HOME and a git that ignores the machine's config.
pub fn bin(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("shipline-revert").expect("binary built");
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    cmd
}

/// Runs the binary locally (no CI variables, no token) in `repo`.
pub fn run_local(repo: &TestRepo, args: &[&str]) -> Output {
    bin(repo.path())
        .current_dir(repo.path())
        .args(args)
        .output()
        .expect("run shipline-revert")
}

/// A repository with two files on `main`, pushed.
pub fn base_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("chore: start")
        .file("app.txt", "one\ntwo\nthree\n")
        .file("README.md", "widgets\n")
        .create();
    repo.push();
    repo
}

/// Merges a PR that adds `file` and pushes everything.
pub fn merge(
    repo: &TestRepo,
    number: u64,
    title: &str,
    style: MergeStyle,
    commits: usize,
) -> MergedPr {
    let specs = (0..commits)
        .map(|i| {
            CommitSpec::new(&format!("feat: {title} part {i}"))
                .file(format!("pr{number}/f{i}.txt"), format!("{title} {i}\n"))
                .author("Alice Author", "alice@example.com")
        })
        .collect();
    let merged = repo.merge_pr(PrSpec {
        number,
        title: title.to_string(),
        branch: format!("feature-{number}"),
        commits: specs,
        style,
    });
    repo.push_all();
    merged
}

/// Asserts that `branch` has the tree `before` had, for `paths`.
pub fn assert_tree_restored(repo: &TestRepo, before: &str, branch: &str, paths: &[&str]) {
    let mut args = vec!["diff", "--exit-code", "--stat", before, branch, "--"];
    args.extend_from_slice(paths);
    let out = repo.try_output(&args);
    assert!(
        out.status.success(),
        "{branch} differs from {before} for {paths:?}:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Asserts the JSON report's `status` and that its `skipped` reason says `why`.
pub fn assert_skipped(report: &Value, status: &str, why: &str) {
    assert_eq!(report["status"], status, "{report}");
    let reason = report["skipped"]
        .as_str()
        .unwrap_or_else(|| panic!("no skipped reason in {report}"));
    assert!(reason.contains(why), "{reason:?} does not say {why:?}");
}

/// The full messages on `branch` after `main`, newest first.
pub fn messages(repo: &TestRepo, range: &str) -> Vec<String> {
    repo.run(["log", "--format=%B%x1e", range])
        .split('\u{1e}')
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

/// Which of `reverted` each revert commit in `range` undoes, oldest revert first: `[2, 1, 0]`
/// means the newest commit was reverted first.
pub fn revert_order(repo: &TestRepo, range: &str, reverted: &[String]) -> Vec<usize> {
    messages(repo, range)
        .iter()
        .rev()
        .map(|m| {
            reverted
                .iter()
                .position(|s| m.contains(&format!("This reverts commit {s}")))
                .unwrap_or_else(|| panic!("{m:?} reverts none of {reverted:?}"))
        })
        .collect()
}

/// Whether the bare origin has `refs/heads/<branch>`.
pub fn origin_has(repo: &TestRepo, branch: &str) -> bool {
    std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo.bare_path())
        .args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A fake GitHub whose `acme/widgets` is backed by the test repository's origin.
pub fn fake_github(repo: &TestRepo) -> FakeForge {
    let forge = FakeForge::start();
    {
        let mut st = forge.state();
        st.github.add_repo(REPO).git_dir = Some(repo.bare_path().to_path_buf());
        st.github.set_permission(REPO, "alice", "write");
        st.github.set_permission(REPO, "maria", "maintain");
        st.github.set_permission(REPO, "rita", "read");
    }
    forge
}

/// Registers a merged PR on the fake, authored by `alice`.
pub fn add_pull(forge: &FakeForge, number: u64, title: &str, merged: &MergedPr) {
    let merge_sha = merged
        .merge_commit
        .clone()
        .unwrap_or_else(|| merged.landed.last().cloned().expect("landed commits"));
    let mut pull = Pull::open(
        title,
        &format!("feature-{number}"),
        merged.commits.last().expect("PR commits"),
    )
    .merged(&merge_sha, "maria");
    pull.number = number;
    pull.user = "alice".into();
    pull.body = format!("Adds {title}.");
    forge.state().github.add_pull(REPO, pull);
}

/// A GitHub Actions environment for `event` with the payload from the webhook example `name`,
/// changed by `edit`, pointed at the fake and at the test repository.
pub fn github_env(
    repo: &TestRepo,
    forge: &FakeForge,
    name: &str,
    edit: impl FnOnce(&mut Value),
) -> GitHubEnv {
    let mut payload = webhook(name);
    payload["repository"]["full_name"] = REPO.into();
    payload["repository"]["name"] = "widgets".into();
    payload["repository"]["owner"]["login"] = "acme".into();
    payload["repository"]["default_branch"] = "main".into();
    edit(&mut payload);
    let event = shipline_testkit::fixtures::webhook_event(name).to_string();
    let mut env = GitHubEnv::for_event(&event, &payload);
    env.set("GITHUB_WORKSPACE", &repo.path().to_string_lossy())
        .set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", TOKEN);
    env
}

/// Runs the binary as a GitHub Actions step.
pub fn run_github(env: &GitHubEnv, args: &[&str]) -> Output {
    bin(env.dir())
        .current_dir(env.workspace())
        .envs(env.vars())
        .args(args)
        .output()
        .expect("run shipline-revert")
}

/// The step outputs written to `$GITHUB_OUTPUT` (last value wins).
pub fn outputs(env: &GitHubEnv) -> BTreeMap<String, String> {
    shipline_testkit::outputs::read_github_output(&env.output_file())
}

/// Stdout as JSON (for `--format json`).
pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Panics with both streams unless the exit code is `code`.
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Open, closed and merged PRs on the fake from `head`.
pub fn pulls_from(forge: &FakeForge, head: &str) -> Vec<Pull> {
    forge
        .state()
        .github
        .repo(REPO)
        .pulls
        .values()
        .filter(|p| p.head_ref == head)
        .cloned()
        .collect()
}
