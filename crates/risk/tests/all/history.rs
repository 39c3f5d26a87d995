//! `shipline-risk history`: one line per non-merge commit; code changes outrank docs and tests.

use crate::helpers::{lines, risk};
use shipline_testkit::repo::CommitSpec;
use shipline_testkit::repo::{MergeStyle, PrSpec, TestRepo};

#[test]
fn one_line_per_non_merge_commit_with_features() {
    let repo = TestRepo::new();
    repo.commit("feat: core")
        .file("src/core.rs", lines("pub fn c() {}\n", 200))
        .create();
    repo.commit("docs: guide")
        .file("docs/guide.md", lines("text\n", 200))
        .create();
    repo.commit("test: more")
        .file("tests/t.rs", lines("#[test] fn t() {}\n", 200))
        .create();
    repo.merge_pr(PrSpec {
        number: 4,
        title: "fix: parsing".into(),
        branch: "fix".into(),
        commits: vec![
            CommitSpec::new("fix: parsing").file("src/core.rs", lines("pub fn d() {}\n", 210)),
        ],
        style: MergeStyle::Merge,
    });
    let out = risk(repo.path())
        .args(["history", "--format", "jsonl"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    let score = |i: usize| rows[i]["score"].as_f64().unwrap();
    for row in &rows {
        assert!(row["sha"].as_str().unwrap().len() == 40);
        assert!(row["level"].is_string());
        assert!(row["features"]["la"].is_u64());
    }
    // Same size, different kind: code above docs and tests.
    assert!(score(0) > score(1) && score(0) > score(2), "{text}");
    assert_eq!(rows[3]["features"]["fix"], true);
    assert!(rows[3]["features"]["code_changes"].as_u64().unwrap() >= 1);
}
