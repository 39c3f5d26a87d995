//! Which PR/MR each change came with, read from messages as real histories write them, and what
//! the summary may claim about it with and without a forge ("reached the branch
//! without a PR/MR" was said in local mode of changes whose messages name their PR).

use serde_json::Value;
use shipline_testkit::fixtures::{GitHubEnv, webhook};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::github::Pull;
use shipline_testkit::repo::TestRepo;

use crate::helpers::{lines, risk, risk_with};

fn pr_of(json: &Value, title: &str) -> Value {
    json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == title)
        .unwrap_or_else(|| panic!("no change {title}: {json:#}"))["pr"]
        .clone()
}

/// A history in the styles of ripgrep (`PR #N` on a line of references) and rust-lang's homu
/// (`Auto merge of #N`), with a PR mentioned in prose and a change that names none.
fn maintainer_history() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("chore: start")
        .file("README.md", "x\n")
        .create();
    repo.tag("v1.0.0");
    repo.commit("printer: stop a crash on empty lines\n\nSome explanation.\n\nCloses #10, PR #11")
        .file("crates/printer/src/lib.rs", lines("pub fn p() {}\n", 10))
        .create();
    repo.commit("ignore: handle a corner case\n\nPR #3 introduced this bug; see #4.")
        .file("crates/ignore/src/lib.rs", lines("pub fn i() {}\n", 10))
        .create();
    repo.branch("speed");
    repo.commit("searcher: speed up the inner loop")
        .file("crates/searcher/src/lib.rs", lines("pub fn s() {}\n", 10))
        .create();
    repo.checkout("main");
    repo.run([
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Auto merge of #12 - ada:speed, r=bob\n\nsearcher: speed up the inner loop",
        "speed",
    ]);
    repo.commit("doc: reword the guide")
        .file("GUIDE.md", "words\n")
        .create();
    repo
}

#[test]
fn local_mode_claims_no_direct_pushes_and_reads_pr_lines_and_bot_merges() {
    let repo = maintainer_history();
    let out = risk(repo.path())
        .args(["--base", "v1.0.0", "--format", "json"])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(pr_of(&json, "stop a crash on empty lines"), 11);
    assert_eq!(pr_of(&json, "speed up the inner loop"), 12);
    // `PR #3` in prose is the PR that caused the bug, not this change's.
    assert_eq!(pr_of(&json, "handle a corner case"), Value::Null);
    assert_eq!(pr_of(&json, "reword the guide"), Value::Null);
    assert_eq!(json["forge_checked"], false);
    let reasons = json["reasons"].to_string();
    assert!(!reasons.contains("direct_push"), "{reasons}");
    assert!(!json["changes"].to_string().contains("direct_push"));

    let out = risk(repo.path())
        .args(["--base", "v1.0.0"])
        .assert()
        .success();
    let md = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!md.contains("Direct pushes"), "{md}");
    assert!(!md.contains("without a PR/MR"), "{md}");
    assert_eq!(md.matches("Review status unknown").count(), 1, "{md}");
    assert!(
        md.contains("2 of 4 change(s) name their PR/MR in the message"),
        "{md}"
    );
    assert!(md.contains("`GITHUB_TOKEN`"), "{md}");
}

#[test]
fn with_a_forge_direct_pushes_are_still_named() {
    let forge = FakeForge::start();
    let repo = TestRepo::new();
    repo.commit("chore: start")
        .file("README.md", "x\n")
        .create();
    repo.tag("v1.0.0");
    repo.commit("feat: reviewed (#1)")
        .file("src/a.rs", lines("pub fn a() {}\n", 10))
        .create();
    let reviewed = repo.head();
    repo.commit("feat: pushed straight")
        .file("src/b.rs", lines("pub fn b() {}\n", 10))
        .create();
    let payload = webhook("push");
    let full_name = payload["repository"]["full_name"]
        .as_str()
        .unwrap()
        .to_string();
    {
        let mut st = forge.state();
        let gh = &mut st.github;
        gh.add_repo(&full_name);
        let mut pull =
            Pull::open("feat: reviewed", "reviewed", &"e".repeat(40)).merged(&reviewed, "bob");
        pull.approvals = 1;
        gh.add_pull(&full_name, pull);
    }
    let mut env = GitHubEnv::for_event("push", &payload);
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", "ghs_test_token_0123456789")
        .set("GITHUB_SHA", &repo.head())
        .set("GITHUB_WORKSPACE", &repo.path().to_string_lossy());
    let out = risk_with(repo.path(), env.vars()).assert().success();
    let md = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(md.contains("Direct pushes (1)"), "{md}");
    assert!(
        md.contains("1 change(s) reached the branch without a PR/MR"),
        "{md}"
    );
    assert!(!md.contains("Review status unknown"), "{md}");
}
