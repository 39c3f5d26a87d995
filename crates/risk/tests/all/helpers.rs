//! Running the real binary against real repositories with a cleared environment.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use shipline_testkit::repo::TestRepo;

/// `shipline-risk` with only PATH and HOME, run in `dir`.
pub fn risk(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("shipline-risk").expect("binary built");
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .current_dir(dir);
    cmd
}

/// The JSON report of `shipline-risk --format json` run in `dir`, which must succeed.
pub fn json_report(dir: &Path) -> serde_json::Value {
    let out = risk(dir)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("JSON report")
}

/// `shipline-risk` with exactly `vars` besides PATH and HOME.
pub fn risk_with(dir: &Path, vars: &BTreeMap<String, String>) -> Command {
    let mut cmd = risk(dir);
    cmd.envs(vars);
    cmd
}

/// A small history: a released v1.0.0, then features, a fix, docs, tests.
pub fn released_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("feat: first cut")
        .file("src/lib.rs", lines("pub fn a() {}\n", 40))
        .file("README.md", "# widgets\n")
        .create();
    repo.commit("test: cover a")
        .file("tests/a.rs", lines("#[test] fn t() {}\n", 10))
        .create();
    repo.tag("v1.0.0");
    repo
}

/// `text` repeated `n` times, each copy numbered so the lines differ.
pub fn lines(text: &str, n: usize) -> String {
    (0..n).map(|i| format!("// {i}\n{text}")).collect()
}

/// Replaces SHAs (7 to 40 hex digits) and version-looking times so snapshots are stable.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_hexdigit() && !bytes[i].is_ascii_uppercase() {
            i += 1;
        }
        let run = i - start;
        let bounded = (start == 0 || !bytes[start - 1].is_ascii_alphanumeric())
            && (i == bytes.len() || !bytes[i].is_ascii_alphanumeric());
        let has_letter = bytes[start..i].iter().any(|c| c.is_ascii_alphabetic());
        let has_digit = bytes[start..i].iter().any(|c| c.is_ascii_digit());
        if run >= 7 && bounded && has_letter && has_digit {
            out.push_str("[sha]");
        } else if run > 0 {
            out.extend(&bytes[start..i]);
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The JSON report's change with this title.
pub fn change<'a>(json: &'a serde_json::Value, title: &str) -> &'a serde_json::Value {
    json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == title)
        .unwrap_or_else(|| panic!("no change titled {title}"))
}

/// A change's reason message with this code.
pub fn reason<'a>(change: &'a serde_json::Value, code: &str) -> Option<&'a str> {
    change["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .and_then(|r| r["message"].as_str())
}

/// Records a successful production deployment of `sha` to `environment` in the repository's
/// git-notes ledger, as `shipline-status start` and `finish` would.
pub fn deployed(repo: &TestRepo, environment: &str, sha: &str) {
    use shipline_core::forge::DeploymentState;
    use shipline_core::ledger::{Ledger, NewDeploymentRecord, TransitionRequest};

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let ledger = Ledger::git(repo.git(), None);
        let record = ledger
            .start(&NewDeploymentRecord {
                environment: environment.into(),
                sha: sha.to_string(),
                creator: "ci".into(),
                production: true,
                ..Default::default()
            })
            .await
            .unwrap();
        ledger
            .transition(
                &record.id,
                &TransitionRequest::new(DeploymentState::Success),
            )
            .await
            .unwrap();
    });
}

/// The `path` of each area of a JSON report.
pub fn area_paths(json: &serde_json::Value) -> Vec<&str> {
    json["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .filter_map(|a| a["path"].as_str())
        .collect()
}
