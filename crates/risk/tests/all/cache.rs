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
