//! Deployments whose job died without finishing them (killed, cancelled without a trap): shown
//! as stale once open for longer than `stale_after`, and closed as `error` by the next start in
//! their environment, with the reason in their history. Once, they stayed in progress for ever.

use chrono::{Duration, Utc};
use serde_json::Value;
use shipline_core::forge::DeploymentState;
use shipline_core::ledger::record::{EVENT_VERSION, Event, EventKind, fold};
use shipline_testkit::repo::TestRepo;

use crate::helpers::local;

/// A repository whose origin's ledger holds a staging deployment started `hours` ago and never
/// finished, written as the ledger writes it; returns its id.
fn abandoned(repo: &TestRepo, hours: i64) -> String {
    let sha = repo.head();
    let id = format!("staging-{}-1-dead", &sha[..7]);
    let event = Event {
        v: EVENT_VERSION,
        id: id.clone(),
        event: EventKind::Start,
        environment: "staging".into(),
        sha: sha.clone(),
        git_ref: Some("main".into()),
        version: None,
        state: DeploymentState::InProgress,
        at: Utc::now() - Duration::hours(hours),
        by: Some("killed-job".into()),
        url: None,
        log_url: None,
        description: None,
        run_id: None,
        production: None,
        transient: None,
        risk_score: None,
        risk_level: None,
    };
    repo.run([
        "notes",
        "--ref",
        "refs/notes/shipline",
        "add",
        "-m",
        &event.to_line(),
        &sha,
    ]);
    repo.run(["push", "-q", "origin", "refs/notes/shipline"]);
    id
}

fn show_json(repo: &TestRepo) -> Value {
    let out = local(repo.path())
        .args(["show", "--format", "json"])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn staging_latest(report: &Value) -> Value {
    report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["environment"] == "staging")
        .unwrap()["latest"]
        .clone()
}

#[test]
fn a_deployment_open_past_stale_after_is_shown_stale_and_closed_by_the_next_start() {
    let repo = TestRepo::new();
    repo.commit("feat: first").file("a.txt", "a\n").create();
    repo.push();
    let dead = abandoned(&repo, 7);

    let latest = staging_latest(&show_json(&repo));
    assert_eq!(latest["deployment_id"], dead.as_str());
    assert_eq!(latest["state"], "in_progress");
    assert_eq!(latest["stale"], true, "{latest}");
    local(repo.path())
        .args(["show"])
        .assert()
        .success()
        .stdout(predicates::str::contains("⚠️ stale: in_progress since"));

    let out = local(repo.path())
        .args(["start", "--env", "staging"])
        .assert()
        .success();
    let new = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let new = new.trim();
    assert!(new.starts_with("staging-"), "{new}");

    let notes = repo.run([
        "--git-dir",
        &repo.bare_path().display().to_string(),
        "notes",
        "--ref",
        "refs/notes/shipline",
        "show",
        &repo.head(),
    ]);
    let head = repo.head();
    let folded = fold([(head.as_str(), notes.as_str())]);
    let closed = folded.records.iter().find(|r| r.id == dead).unwrap();
    assert_eq!(closed.state, DeploymentState::Error);
    let why = &closed.history.last().unwrap().description;
    assert!(why.starts_with("superseded: in_progress since"), "{why}");
    assert!(why.contains("stale_after, 6h"), "{why}");
    assert!(
        why.contains(&format!("closed by the start of {new}")),
        "{why}"
    );
    assert!(closed.was_superseded());
    let started = folded.records.iter().find(|r| r.id == new).unwrap();
    assert_eq!(started.state, DeploymentState::InProgress);

    // The new one is young: not stale.
    assert_eq!(staging_latest(&show_json(&repo))["stale"], false);
}

#[test]
fn a_deployment_younger_than_stale_after_is_left_open() {
    let repo = TestRepo::new();
    repo.commit("feat: first").file("a.txt", "a\n").create();
    std::fs::write(repo.path().join(".shipline.yml"), "stale_after: 12h\n").unwrap();
    repo.push();
    let open = abandoned(&repo, 7);
    assert_eq!(staging_latest(&show_json(&repo))["stale"], false);
    local(repo.path())
        .args(["start", "--env", "staging"])
        .assert()
        .success();
    let notes = repo.run([
        "--git-dir",
        &repo.bare_path().display().to_string(),
        "notes",
        "--ref",
        "refs/notes/shipline",
        "show",
        &repo.head(),
    ]);
    let head = repo.head();
    let folded = fold([(head.as_str(), notes.as_str())]);
    let still = folded.records.iter().find(|r| r.id == open).unwrap();
    assert_eq!(still.state, DeploymentState::InProgress);
}
