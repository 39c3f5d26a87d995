//! The version and bump a report states, on repositories built the way real projects tag and
//! write messages (every claim true or saying what it doesn't know).

use crate::helpers::{lines, risk};
use shipline_testkit::repo::TestRepo;

fn json(out: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&out.get_output().stdout).expect("JSON report")
}

/// Plain `13.0.0`/`14.0.0` tags and "area: subject" messages, as ripgrep writes them.
fn area_subject_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("printer: first cut")
        .file("src/lib.rs", lines("pub fn a() {}\n", 20))
        .create();
    repo.tag("13.0.0");
    repo.commit("ignore: walk faster")
        .file("src/walk.rs", lines("pub fn w() {}\n", 20))
        .create();
    repo.commit("printer: drop the old flag")
        .file("src/lib.rs", lines("pub fn b() {}\n", 20))
        .create();
    repo
}

// Regression: `--base 13.0.0 --head 14.0.0` said "Version 14.0.0 → 14.0.1, Bump Patch" although
// 14.0.0 is the release and the move from 13.0.0 was major.
#[test]
fn tag_at_head_is_the_version_with_the_real_bump() {
    let repo = area_subject_repo();
    repo.tag("14.0.0");
    let out = risk(repo.path())
        .args(["--base", "13.0.0", "--head", "14.0.0", "--format", "json"])
        .assert()
        .success();
    let json = json(&out);
    assert_eq!(json["current_version"], "13.0.0");
    assert_eq!(json["next_version"], "14.0.0");
    assert_eq!(json["bump"], "major");
    assert_eq!(json["version"]["decided_by"], "tag_at_head");
    let out = risk(repo.path())
        .args(["--base", "13.0.0", "--head", "14.0.0"])
        .assert()
        .success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(md.contains("| Version | 13.0.0 → **14.0.0** |"), "{md}");
    assert!(
        md.contains("version 14.0.0 from tag 14.0.0 at head; major from 13.0.0"),
        "{md}"
    );
}

// Regression: "area: subject" repositories got "Patch" stated as fact.
#[test]
fn area_subject_messages_state_no_bump() {
    let repo = area_subject_repo();
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json = json(&out);
    assert_eq!(json["bump"], serde_json::Value::Null);
    assert_eq!(json["next_version"], serde_json::Value::Null);
    assert_eq!(json["current_version"], "13.0.0");
    assert_eq!(json["version"]["decided_by"], "not_stated");
    let md = String::from_utf8_lossy(&risk(repo.path()).assert().success().get_output().stdout)
        .to_string();
    assert!(md.contains("| Bump | not stated |"), "{md}");
    assert!(
        md.contains("bump: not stated — 0% of the last 3 messages follow Conventional Commits"),
        "{md}"
    );
}

// Regression: prefixed tags (`name-1.39.0`, as multi-crate workspaces tag) read as no tag at all:
// "0.1.0 (first release)".
#[test]
fn prefixed_tags_are_recognised() {
    let repo = TestRepo::new();
    repo.commit("feat: start")
        .file("src/lib.rs", lines("pub fn a() {}\n", 10))
        .create();
    repo.tag("grep-cli-1.39.0");
    repo.commit("feat: colors")
        .file("src/color.rs", lines("pub fn c() {}\n", 10))
        .create();
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json = json(&out);
    assert_eq!(json["base_source"]["tag"], "grep-cli-1.39.0");
    assert_eq!(json["current_version"], "1.39.0");
    assert_eq!(json["next_version"], "1.40.0");
    assert_eq!(json["version"]["tag"], "grep-cli-1.40.0");
    assert_eq!(json["version"]["tag_family"], "grep-cli-");
    repo.tag("grep-cli-1.40.0");
    let out = risk(repo.path())
        .args([
            "--base",
            "grep-cli-1.39.0",
            "--head",
            "grep-cli-1.40.0",
            "--format",
            "json",
        ])
        .assert()
        .success();
    assert_eq!(json_bump(&out), ("minor".into(), "1.40.0".into()));
}

fn json_bump(out: &assert_cmd::assert::Assert) -> (String, String) {
    let json = json(out);
    (
        json["bump"].as_str().unwrap_or_default().to_string(),
        json["next_version"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

// Regression: the risk tool always used the default tag scheme; the prefix is configured once
// (`versions.tag_prefix`) for risk and promote.
#[test]
fn configured_prefix_picks_the_family() {
    let repo = TestRepo::new();
    repo.commit("feat: start")
        .file(".shipline.yml", "versions:\n  tag_prefix: api-\n")
        .file("src/lib.rs", lines("pub fn a() {}\n", 10))
        .create();
    repo.tag("v3.0.0");
    repo.tag("v3.1.0");
    repo.tag("api-v1.2.0");
    repo.commit("fix: api crash")
        .file("src/lib.rs", lines("pub fn b() {}\n", 10))
        .create();
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json = json(&out);
    assert_eq!(json["base_source"]["tag"], "api-v1.2.0");
    assert_eq!(json["next_version"], "1.2.1");
    assert_eq!(json["version"]["tag"], "api-v1.2.1");
}

// Regression: a manifest's own version raised in the range is evidence of the next version.
#[test]
fn a_raised_manifest_version_is_the_next_version() {
    let repo = area_subject_repo();
    repo.commit("release: prepare")
        .file(
            "Cargo.toml",
            "[package]\nname = \"rg\"\nversion = \"14.0.0\"\n",
        )
        .create();
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json = json(&out);
    assert_eq!(json["version"]["decided_by"], "manifest");
    assert_eq!(json["next_version"], "14.0.0");
    assert_eq!(json["bump"], "major");
}

// Regression: a Conventional Commits range of only `ci:`/`test:` commits (a release cut to repair
// the release pipeline) said "nothing to release"; a release of it moves the patch number.
#[test]
fn a_release_of_chores_only_moves_the_patch_number() {
    let repo = TestRepo::new();
    repo.commit("feat: first cut")
        .file("src/lib.rs", lines("pub fn a() {}\n", 20))
        .create();
    repo.tag("v2.0.0");
    repo.commit("ci(cd): build the wheels again")
        .file(".github/workflows/cd.yml", "on: push\n")
        .create();
    repo.commit("test(cd): check the upload")
        .file("tests/cd.rs", "#[test]\nfn t() {}\n")
        .create();
    let json = json(
        &risk(repo.path())
            .args(["--format", "json"])
            .assert()
            .success(),
    );
    assert_eq!(json["bump"], "patch");
    assert_eq!(json["next_version"], "2.0.1");
    assert_eq!(json["version"]["decided_by"], "conventional_commits");
    assert!(
        json["version"]["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("a release moves at least the patch number")),
        "{}",
        json["version"]
    );
}
