//! The Markdown and JSON report of a representative range, snapshotted with SHAs redacted.

use crate::helpers::{json_report, lines, redact, released_repo, risk};
use shipline_testkit::repo::{CommitSpec, MergeStyle, PrSpec};

const OLD_LOCK: &str = "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"rand\"\nversion = \"0.8.5\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
const NEW_LOCK: &str = "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.210\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"rand\"\nversion = \"0.9.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

fn representative() -> shipline_testkit::repo::TestRepo {
    let repo = released_repo();
    repo.commit("chore: lockfile")
        .file("Cargo.lock", OLD_LOCK)
        .create();
    repo.tag("v1.1.0");
    repo.merge_pr(PrSpec {
        number: 12,
        title: "feat: export widgets as CSV".into(),
        branch: "csv".into(),
        commits: vec![
            CommitSpec::new("feat: export widgets as CSV")
                .file("src/csv.rs", lines("pub fn row() {}\n", 120))
                .file("tests/csv.rs", lines("#[test] fn row() {}\n", 30)),
        ],
        style: MergeStyle::Merge,
    });
    repo.merge_pr(PrSpec {
        number: 13,
        title: "fix: quote commas in CSV".into(),
        branch: "quote".into(),
        commits: vec![
            CommitSpec::new("fix: quote commas in CSV")
                .file("src/csv.rs", lines("pub fn row() { quote(); }\n", 121)),
        ],
        style: MergeStyle::Squash,
    });
    repo.merge_pr(PrSpec {
        number: 14,
        title: "feat!: widgets table gets an owner".into(),
        branch: "owner".into(),
        commits: vec![
            CommitSpec::new("feat!: widgets table gets an owner")
                .file(
                    "migrations/0002_owner.sql",
                    "ALTER TABLE widgets ADD owner TEXT NOT NULL;\n",
                )
                .file("src/model.rs", lines("pub struct Owner;\n", 20)),
        ],
        style: MergeStyle::Squash,
    });
    repo.commit("build(deps): rand 0.9")
        .file("Cargo.lock", NEW_LOCK)
        .create();
    repo.commit("docs: describe CSV export")
        .file("docs/csv.md", lines("CSV\n", 15))
        .create();
    repo
}

#[test]
fn markdown_and_json_snapshots() {
    let repo = representative();
    let md = risk(repo.path()).assert().success();
    let md = String::from_utf8(md.get_output().stdout.clone()).unwrap();
    assert!(md.starts_with("<!-- shipline-risk -->"));
    assert!(md.len() < 65_536);
    insta::assert_snapshot!("representative_markdown", redact(&md));

    let json = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(json["bump"], "major");
    assert_eq!(json["next_version"], "2.0.0");
    let changes = json["changes"].as_array().unwrap();
    let direct: Vec<_> = changes.iter().filter(|c| c["pr"].is_null()).collect();
    assert_eq!(
        direct.len(),
        2,
        "the lockfile bump and the docs commit were pushed directly"
    );
    let codes = |c: &serde_json::Value| -> Vec<String> {
        c["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap().to_string())
            .collect()
    };
    let breaking = changes.iter().find(|c| c["breaking"] == true).unwrap();
    assert!(codes(breaking).contains(&"migration".to_string()));
    let deps = json["dependencies"].as_array().unwrap();
    assert!(
        deps.iter()
            .any(|d| d["name"] == "rand" && d["major"] == true)
    );
    assert!(
        json["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "dependency_major")
    );
    let docs = changes.iter().find(|c| c["type"] == "docs").unwrap();
    let feat = changes.iter().find(|c| c["pr"] == 12).unwrap();
    assert!(feat["score"].as_f64() > docs["score"].as_f64());
    insta::assert_json_snapshot!("representative_json", json, {
        ".base" => "[sha]", ".head" => "[sha]", ".changes[].sha" => "[sha]",
        ".reasons[].message" => insta::dynamic_redaction(|v, _| redact(v.as_str().unwrap_or_default())),
    });
}

#[test]
fn fail_above_exits_3() {
    let repo = representative();
    // Five changes make a low release on the default levels; medium starts at 10 here.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("levels.yml");
    std::fs::write(
        &config,
        "risk:\n  levels: { medium: 10, high: 50, critical: 90 }\n",
    )
    .unwrap();
    risk(repo.path())
        .args(["--fail-above", "low"])
        .arg("--config")
        .arg(&config)
        .assert()
        .code(3);
    risk(repo.path())
        .args(["--fail-above", "critical"])
        .arg("--config")
        .arg(&config)
        .assert()
        .success();
    risk(repo.path())
        .args(["--fail-above", "low"])
        .assert()
        .success();
}

#[test]
fn repeated_runs_use_the_cache() {
    let repo = representative();
    let first = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let git_dir = repo.path().join(".git").join("shipline");
    let cached: Vec<_> = std::fs::read_dir(&git_dir)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("risk-")
        })
        .collect();
    assert_eq!(cached.len(), 1);
    let second = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    assert_eq!(first.get_output().stdout, second.get_output().stdout);
}

/// Six past releases of ten changes each (new files of varied sizes, so every stretch of history
/// looks alike); the release under review is judged against them.
#[test]
fn a_release_is_compared_with_the_past_releases() {
    let repo = shipline_testkit::repo::TestRepo::new();
    let mut n = 0;
    let mut change = |repo: &shipline_testkit::repo::TestRepo| {
        n += 1;
        repo.commit(&format!("feat: change {n}"))
            .file(
                format!("src/m{n}.rs"),
                lines("pub fn f() {}\n", 5 + (n * 37) % 90),
            )
            .create();
    };
    for minor in 0..6 {
        for _ in 0..10 {
            change(&repo);
        }
        repo.tag(&format!("v1.{minor}.0"));
    }
    for _ in 0..10 {
        change(&repo);
    }
    let run = |repo: &shipline_testkit::repo::TestRepo| -> serde_json::Value {
        let out = risk(repo.path())
            .args(["--format", "json"])
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let usual = run(&repo);
    assert_eq!(usual["changes"].as_array().unwrap().len(), 10);
    let first = &usual["reasons"][0];
    assert_eq!(first["code"], "compared_with_history");
    let message = first["message"].as_str().unwrap();
    assert!(
        message.contains("of the 5 past releases in the last")
            && message.contains("typically 10 changes"),
        "{message}"
    );
    let score = usual["score"].as_f64().unwrap();
    assert!(
        score > 10.0 && score < 90.0,
        "a release like the others: {score}"
    );

    // Ten times the usual release: beyond every past one.
    for _ in 0..90 {
        change(&repo);
    }
    let big = run(&repo);
    assert_eq!(big["changes"].as_array().unwrap().len(), 100);
    assert_eq!(big["level"], "critical", "{}", big["reasons"][0]["message"]);
}

#[test]
fn a_riskiest_change_with_no_reasons_says_so() {
    // Empty commits: nothing changed, so nothing to give as a reason.
    let repo = shipline_testkit::repo::TestRepo::new();
    repo.commit("chore: start").create();
    repo.commit("chore: again").create();
    let json = json_report(repo.path());
    let top = json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "riskiest_change")
        .unwrap_or_else(|| panic!("no riskiest_change reason: {json}"));
    let message = top["message"].as_str().unwrap();
    assert!(
        message.ends_with("with nothing in it that stands out"),
        "{message:?}"
    );
}

#[test]
fn mentions_and_control_characters_in_messages_never_reach_the_summary_live() {
    let repo = crate::helpers::released_repo();
    repo.commit("fix: thanks @octocat and @acme/ops \u{1b}[31mfor the report\u{7}")
        .file("src/lib.rs", crate::helpers::lines("pub fn b() {}\n", 40))
        .create();
    let out = crate::helpers::risk(repo.path())
        .args(["--base", "v1.0.0"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("`@octocat`"), "{stdout}");
    assert!(
        shipline_core::text::live_mentions(&stdout).is_empty(),
        "{:?}",
        shipline_core::text::live_mentions(&stdout)
    );
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout}"
    );
}
