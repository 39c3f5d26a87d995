//! Which commits a run reports on: tags, flags, empty ranges, unknown refs, shallow clones.

use std::os::unix::ffi::OsStrExt;

use predicates::prelude::*;

use crate::helpers::{deployed, lines, released_repo, risk};

#[test]
fn latest_tag_to_head_by_default() {
    let repo = released_repo();
    let fix = repo
        .commit("fix: handle empty input")
        .file("src/lib.rs", lines("pub fn a() { let _ = 1; }\n", 41))
        .create();
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["base"], repo.rev("v1.0.0"));
    assert_eq!(json["head"], fix);
    assert_eq!(json["base_source"]["kind"], "tag");
    assert_eq!(json["changes"].as_array().unwrap().len(), 1);
    assert_eq!(json["bump"], "patch");
    assert_eq!(json["next_version"], "1.0.1");
}

#[test]
fn flags_override_the_range() {
    let repo = released_repo();
    let first = repo.rev("HEAD~1");
    let out = risk(repo.path())
        .args(["--format", "json", "--base", &first, "--head", "HEAD"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["base_source"]["kind"], "flag");
    assert_eq!(json["changes"][0]["type"], "test");
}

#[test]
fn whole_history_without_tags() {
    let repo = shipline_testkit::repo::TestRepo::new();
    repo.commit("feat: start")
        .file("src/main.rs", "fn main() {}\n")
        .create();
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["base"], serde_json::Value::Null);
    assert_eq!(json["base_source"]["kind"], "whole_history");
    assert_eq!(json["next_version"], "0.1.0");
}

#[test]
fn empty_range_says_nothing_to_ship() {
    let repo = released_repo();
    risk(repo.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to ship"))
        .stderr(predicate::str::contains("level=low"));
}

#[test]
fn unknown_base_names_the_flag() {
    let repo = released_repo();
    risk(repo.path())
        .args(["--base", "no-such-ref"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--base `no-such-ref`"))
        .stderr(predicate::str::contains("unknown revision"));
}

#[test]
fn shallow_clone_is_deepened_for_the_range() {
    let repo = released_repo();
    for i in 0..5 {
        repo.commit(&format!("feat: step {i}"))
            .file(format!("src/m{i}.rs"), lines("pub fn s() {}\n", 5))
            .create();
    }
    repo.push_all();
    let clone = repo.clone_shallow(1);
    let out = risk(&clone).args(["--format", "json"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // The tag is not in a depth-1 clone; the range comes from the deepened history or, without
    // the tag, from the whole history: either way all five new changes are there.
    assert!(json["changes"].as_array().unwrap().len() >= 5, "{json}");
}

#[test]
fn shallow_clone_without_origin_fails_with_the_fix() {
    let repo = released_repo();
    repo.push_all();
    let clone = repo.clone_shallow(1);
    std::process::Command::new("git")
        .args(["remote", "remove", "origin"])
        .current_dir(&clone)
        .output()
        .unwrap();
    risk(&clone)
        .args(["--base", "HEAD~1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("fetch-depth: 0"));
}

#[test]
fn last_successful_production_deployment_to_head() {
    let repo = released_repo();
    let deployed_sha = repo
        .commit("feat: shipped already")
        .file("src/shipped.rs", lines("pub fn s() {}\n", 10))
        .create();
    repo.commit("feat: not yet shipped")
        .file("src/pending.rs", lines("pub fn p() {}\n", 10))
        .create();
    deployed(&repo, "production", &deployed_sha);
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["base"], deployed_sha);
    assert_eq!(json["base_source"]["kind"], "deployment");
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["title"], "not yet shipped");
}

#[test]
fn binary_files_and_non_utf8_paths() {
    let repo = shipline_testkit::repo::TestRepo::new();
    repo.commit("feat: start")
        .file("src/lib.rs", lines("pub fn a() {}\n", 5))
        .create();
    repo.tag("v0.1.0");
    repo.commit("feat: logo")
        .binary("assets/logo.png", [0u8, 159, 146, 150, 0, 1, 2, 3])
        .create();
    // A file name that is not UTF-8, committed with the git CLI.
    let name = std::ffi::OsStr::from_bytes(b"src/caf\xe9.rs");
    std::fs::write(repo.path().join(name), "pub fn c() {}\n").unwrap();
    let add = std::process::Command::new("git")
        .arg("add")
        .arg(name)
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(add.status.success());
    repo.run(["commit", "-q", "-m", "feat: latin-1 file name"]);
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    let logo = changes.iter().find(|c| c["title"] == "logo").unwrap();
    assert!(
        logo["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "binary")
    );
    let history = risk(repo.path()).arg("history").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&history.get_output().stdout)
            .lines()
            .count(),
        3
    );
}

// Regression: `--base` newer than `--head` gave "nothing to ship", low, exit 0, which passed a
// `--fail-above` gate.
#[test]
fn reversed_range_is_refused_with_exit_2() {
    let repo = released_repo();
    repo.commit("feat: after the release")
        .file("src/new.rs", lines("pub fn n() {}\n", 10))
        .create();
    repo.tag("v1.1.0");
    risk(repo.path())
        .args([
            "--base",
            "v1.1.0",
            "--head",
            "v1.0.0",
            "--fail-above",
            "low",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--base `v1.1.0`"))
        .stderr(predicate::str::contains("--head `v1.0.0`"))
        .stderr(predicate::str::contains("--base v1.0.0 --head v1.1.0"));
}

// Regression: a base that shares no history with the head is not a release range.
#[test]
fn unrelated_range_is_refused_with_exit_2() {
    let repo = released_repo();
    let main = repo.head();
    repo.run(["checkout", "-q", "--orphan", "pages"]);
    repo.run(["rm", "-rfq", "."]);
    repo.commit("docs: site")
        .file("index.html", "<p>hi</p>\n")
        .create();
    risk(repo.path())
        .args(["--base", "pages", "--head", &main])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no common history"))
        .stderr(predicate::str::contains("--base `pages`"));
}

// Regression: an empty range says so in words rather than showing an empty report.
#[test]
fn base_equal_to_head_says_nothing_to_ship() {
    let repo = released_repo();
    risk(repo.path())
        .args(["--base", "v1.0.0", "--head", "v1.0.0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to ship"));
}

// Regression: the Markdown never named where the range starts, so a reader could not tell a
// release since the last tag from the whole history.
#[test]
fn base_is_named_in_the_first_table() {
    let repo = released_repo();
    repo.commit("fix: handle empty input")
        .file("src/lib.rs", lines("pub fn a() { let _ = 1; }\n", 41))
        .create();
    let tagged = repo.rev("v1.0.0");
    let out = risk(repo.path()).assert().success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        md.contains(&format!(
            "| Base | since tag `v1.0.0` (`{}`) |",
            &tagged[..7]
        )),
        "{md}"
    );
    let out = risk(repo.path())
        .args(["--base", "v1.0.0"])
        .assert()
        .success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(md.contains("since tag `v1.0.0`"), "{md}");
    assert!(md.contains("given with --base"), "{md}");
    let out = risk(repo.path())
        .args(["--base", "HEAD~1", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["base_source"]["kind"], "flag");
    assert_eq!(json["base_source"]["rev"], "HEAD~1");
    assert_eq!(json["base_source"]["tag"], false);
}

// Regression: with no tag or deployment the range silently became the whole history.
#[test]
fn whole_history_is_a_warning_line_not_a_detail() {
    let repo = shipline_testkit::repo::TestRepo::new();
    repo.commit("feat: start")
        .file("src/main.rs", "fn main() {}\n")
        .create();
    let out = risk(repo.path()).assert().success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let warning = md
        .lines()
        .find(|l| l.starts_with("> ⚠️"))
        .unwrap_or_else(|| panic!("no warning line in {md}"));
    assert!(
        warning.contains("whole history: no tag or deployment found; pass --base"),
        "{warning}"
    );
    assert!(md.contains("| Base | whole history"), "{md}");
}
