//! The lookback window is read once per base: a repeated run, or one for a new head on the same
//! base, reads only the range; a configuration that changes features reads the window again.
//! What git was asked to do is taken from git's own trace (`GIT_TRACE`).

use std::path::Path;

use crate::helpers::{lines, risk};
use shipline_testkit::repo::TestRepo;

/// The history reads (`git log --numstat`) a `shipline-risk` run made, as git traced them:
/// (walks a range, args). Light reads of subjects only (the version's lookback) do not count.
fn logs(trace: &Path) -> Vec<(bool, String)> {
    let text = std::fs::read_to_string(trace).unwrap_or_default();
    let _ = std::fs::remove_file(trace);
    text.lines()
        .filter_map(|l| l.split_once("trace: built-in: git log ").map(|(_, a)| a))
        .filter(|args| args.contains("--numstat"))
        .map(|args| {
            (
                args.split(' ').any(|a| a.starts_with('^')),
                args.to_string(),
            )
        })
        .collect()
}

/// The passes over changed lines (`git log -p`, comments told from code) a run made; the trace is
/// left for [`logs`].
fn patch_passes(trace: &Path) -> usize {
    std::fs::read_to_string(trace)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once("trace: built-in: git log ").map(|(_, a)| a))
        .filter(|args| args.split(' ').any(|a| a == "-p"))
        .count()
}

fn run(repo: &TestRepo, trace: &Path) -> String {
    let out = risk(repo.path())
        .env("GIT_TRACE", trace)
        .args(["--format", "json"])
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

fn window_reads(logs: &[(bool, String)]) -> usize {
    logs.iter().filter(|(range, _)| !range).count()
}

#[test]
fn lookback_window_is_read_once_per_base() {
    let repo = TestRepo::new();
    for i in 0..120 {
        repo.commit(&format!("feat: step {i}"))
            .file(
                format!("src/m{}.rs", i % 9),
                lines("pub fn f() {}\n", i + 2),
            )
            .create();
    }
    repo.tag("v1.0.0");
    for i in 0..5 {
        repo.commit(&format!("fix: after {i}"))
            .file(format!("src/m{i}.rs"), lines("pub fn g() {}\n", 3))
            .create();
    }
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace");

    let first = run(&repo, &trace);
    assert!(patch_passes(&trace) >= 1, "the changed lines are read once");
    let first_logs = logs(&trace);
    assert!(window_reads(&first_logs) >= 1, "{first_logs:?}");
    assert!(first_logs.iter().any(|(range, _)| *range));
    let mut cached: Vec<String> = std::fs::read_dir(repo.path().join(".git/shipline"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cached.sort();
    assert_eq!(cached.len(), 2, "{cached:?}");
    assert_eq!(cached[0], "code-lines-v3.json", "{cached:?}");
    assert!(cached[1].starts_with("risk-v5-"), "{cached:?}");

    let second = run(&repo, &trace);
    assert_eq!(
        patch_passes(&trace),
        0,
        "every change's lines are in the cache"
    );
    let second_logs = logs(&trace);
    assert_eq!(window_reads(&second_logs), 0, "{second_logs:?}");
    assert_eq!(second_logs.len(), 1, "only the range: {second_logs:?}");
    assert_eq!(first, second, "the cached window gives the same report");
    let json: serde_json::Value = serde_json::from_str(&second).unwrap();
    assert_eq!(json["lookback"], 120);
    assert_eq!(json["changes"].as_array().unwrap().len(), 5);

    // A new head on the same base: still only the range.
    repo.commit("feat: one more")
        .file("src/new.rs", lines("pub fn n() {}\n", 30))
        .create();
    let third = run(&repo, &trace);
    assert_eq!(
        patch_passes(&trace),
        1,
        "only the new change's lines are read"
    );
    assert_eq!(window_reads(&logs(&trace)), 0);
    let json: serde_json::Value = serde_json::from_str(&third).unwrap();
    assert_eq!(json["changes"].as_array().unwrap().len(), 6);

    // Sensitive paths change features: the window is read again, once.
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "risk:\n  sensitive:\n    - { paths: [\"src/m1.rs\"], weight: 30, reason: billing }\n",
    )
    .unwrap();
    let fourth = run(&repo, &trace);
    assert!(window_reads(&logs(&trace)) >= 1);
    assert!(fourth.contains("billing"), "{fourth}");
    run(&repo, &trace);
    assert_eq!(window_reads(&logs(&trace)), 0);
}

#[test]
fn an_unusable_cache_is_read_again_not_trusted() {
    let repo = TestRepo::new();
    for i in 0..60 {
        repo.commit(&format!("feat: step {i}"))
            .file(
                format!("src/m{}.rs", i % 4),
                lines("pub fn f() {}\n", i + 2),
            )
            .create();
    }
    repo.tag("v1.0.0");
    repo.commit("fix: later")
        .file("src/m1.rs", lines("pub fn g() {}\n", 9))
        .create();
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace");
    let first = run(&repo, &trace);
    logs(&trace);
    let cache_dir = repo.path().join(".git/shipline");
    for entry in std::fs::read_dir(&cache_dir).unwrap() {
        std::fs::write(entry.unwrap().path(), b"{\"raws\": [1.0, \"not json").unwrap();
    }
    let again = run(&repo, &trace);
    assert!(
        window_reads(&logs(&trace)) >= 1,
        "a broken cache file is recomputed"
    );
    assert_eq!(first, again);
}

/// `--repo` at a bare mirror reads it and leaves nothing behind: the caches live in
/// `.git/shipline/` of a checkout, and a bare repository gets none (a mirror is read, never
/// written to). The same run in the checkout does write them, so the check can fail.
#[test]
fn a_bare_mirror_is_read_without_writing_a_cache_into_it() {
    let repo = TestRepo::new();
    for i in 0..30 {
        repo.commit(&format!("feat: step {i}"))
            .file(
                format!("src/m{}.rs", i % 4),
                lines("pub fn f() {}\n", i + 2),
            )
            .create();
    }
    repo.push();
    let bare = repo.bare_path();
    let before = files_under(bare);

    let elsewhere = tempfile::tempdir().unwrap();
    let out = risk(elsewhere.path())
        .arg("--repo")
        .arg(bare)
        .args(["--format", "json"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(report["score"].is_number(), "{report}");
    assert!(
        !bare.join("shipline").exists(),
        "a cache was written into the bare repository"
    );
    assert_eq!(files_under(bare), before, "the bare repository changed");

    risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    assert!(
        repo.path().join(".git/shipline").is_dir(),
        "the checkout keeps its caches in .git/shipline"
    );
}

/// Every file under `dir`, with its size.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), entry.metadata().map_or(0, |m| m.len())));
            }
        }
    }
    out.sort();
    out
}
