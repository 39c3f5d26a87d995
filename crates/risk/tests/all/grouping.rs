//! How the summary groups a range's changes: by type where the messages name types, by area
//! where they are "area: subject", by component otherwise (an "area: subject"
//! repository got everything under "Other changes" and `ignore/types:` under "Not
//! conventional").

use serde_json::Value;
use shipline_testkit::repo::TestRepo;

use crate::helpers::{lines, risk};

fn summary(repo: &TestRepo) -> (String, Value) {
    let md = risk(repo.path())
        .args(["--base", "v1.0.0"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = risk(repo.path())
        .args(["--base", "v1.0.0", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    (
        String::from_utf8(md).unwrap(),
        serde_json::from_slice(&json).unwrap(),
    )
}

fn started() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("Initial import")
        .file("README.md", "x\n")
        .create();
    repo.tag("v1.0.0");
    repo
}

fn group_of<'a>(json: &'a Value, title: &str) -> &'a str {
    json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"].as_str().unwrap().contains(title))
        .unwrap_or_else(|| panic!("no change {title}: {json:#}"))["group"]
        .as_str()
        .unwrap()
}

#[test]
fn area_subject_messages_are_grouped_by_area() {
    let repo = started();
    for (i, message) in [
        "printer: fix a crash on empty lines",
        "printer: add hyperlinks",
        "ignore/types: add Seed7",
        "ignore: add min_depth",
        "doc: fix a link",
        "docs(ignore/types): list the R types",
        "zsh: complete flags",
        "Release 1.1.0",
    ]
    .into_iter()
    .enumerate()
    {
        repo.commit(message)
            .file(
                format!("crates/c{i}/src/lib.rs"),
                lines("pub fn f() {}\n", 5),
            )
            .create();
    }
    let (md, json) = summary(&repo);
    assert_eq!(json["grouping"]["by"], "area");
    assert!(
        md.contains("<summary>Changes by area (8)</summary>"),
        "{md}"
    );
    assert!(md.contains("_Grouped by area: 63% of the messages start with one (`area: subject`), 25% with a type"), "{md}");
    assert!(!md.contains("Not conventional"), "{md}");
    for heading in ["**ignore (", "**printer (", "**docs (", "**Other changes ("] {
        assert!(md.contains(heading), "{heading} missing: {md}");
    }
    assert_eq!(group_of(&json, "ignore/types: add Seed7"), "ignore");
    assert_eq!(group_of(&json, "list the R types"), "docs");
    // An area of one change is listed among the other changes, its line naming it.
    assert_eq!(group_of(&json, "complete flags"), "Other changes");
    assert!(md.contains("zsh: complete flags"), "{md}");
}

#[test]
fn plain_sentences_are_grouped_by_the_component_changed_most() {
    let repo = started();
    for (message, path, n) in [
        ("Add a pager", "crates/pager/src/lib.rs", 20),
        ("Speed up paging", "crates/pager/src/fast.rs", 20),
        ("Tidy the tests", "tests/cli.rs", 5),
        ("Cover more cases", "tests/more.rs", 5),
        ("Update the changelog", "CHANGELOG.md", 1),
    ] {
        repo.commit(message)
            .file(path, lines("line\n", n))
            .file("Cargo.lock", lines("generated\n", 200))
            .create();
    }
    let (md, json) = summary(&repo);
    assert_eq!(json["grouping"]["by"], "component");
    assert!(
        md.contains("<summary>Changes by component (5)</summary>"),
        "{md}"
    );
    // The lockfile's 200 generated lines do not outweigh the code.
    assert_eq!(group_of(&json, "Add a pager"), "crates/pager");
    assert_eq!(group_of(&json, "Tidy the tests"), "tests");
    assert_eq!(group_of(&json, "Update the changelog"), "Other changes");
    assert!(!md.contains("Not conventional"), "{md}");
}

#[test]
fn conventional_messages_keep_sections_by_type() {
    let repo = started();
    for (i, message) in ["feat: a", "fix(api): b", "tests: c", "Tweak d"]
        .into_iter()
        .enumerate()
    {
        repo.commit(message)
            .file(format!("src/m{i}.rs"), lines("x\n", 3))
            .create();
    }
    let (md, json) = summary(&repo);
    assert_eq!(json["grouping"]["by"], "type");
    assert!(
        md.contains("<summary>Changes by type (4)</summary>"),
        "{md}"
    );
    assert_eq!(group_of(&json, "c"), "Other changes");
    assert_eq!(group_of(&json, "Tweak d"), "Not conventional");
}
