//! The deployment ledger on real git repositories: the git notes backend end to end, shared
//! through a bare origin, raced by concurrent writers, read from notes written by other versions,
//! and read with a counted number of git processes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use shipline_core::forge::DeploymentState;
use shipline_core::git::Git;
use shipline_core::ledger::notes::NotesLedger;
use shipline_core::ledger::{
    Ledger, LedgerError, ListQuery, NOTES_REF, NewDeploymentRecord, TransitionRequest,
};
use tempfile::TempDir;

/// Runs git in `dir` with a fixed identity and returns trimmed stdout; panics on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    git_input(dir, args, None)
}

fn git_input(dir: &Path, args: &[&str], input: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("git runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.unwrap_or("").to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository with `commits` commits on `main`; returns it and the SHAs, oldest first.
fn repo(commits: usize) -> (TempDir, Vec<String>) {
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    let mut shas = Vec::new();
    for i in 0..commits {
        std::fs::write(dir.path().join("file.txt"), format!("{i}\n")).unwrap();
        git(dir.path(), &["add", "file.txt"]);
        git(dir.path(), &["commit", "-q", "-m", &format!("change {i}")]);
        shas.push(git(dir.path(), &["rev-parse", "HEAD"]));
    }
    (dir, shas)
}

/// A bare origin holding a two-commit `main`, and `clones` clones of it.
fn origin_and_clones(clones: usize) -> (TempDir, PathBuf, Vec<PathBuf>, Vec<String>) {
    let (seed, shas) = repo(2);
    let root = TempDir::new().unwrap();
    let origin = root.path().join("origin.git");
    git(
        root.path(),
        &["init", "-q", "--bare", "-b", "main", "origin.git"],
    );
    git(
        seed.path(),
        &["push", "-q", origin.to_str().unwrap(), "main"],
    );
    let paths = (0..clones)
        .map(|i| {
            let name = format!("clone{i}");
            git(
                root.path(),
                &["clone", "-q", origin.to_str().unwrap(), &name],
            );
            root.path().join(name)
        })
        .collect();
    (root, origin, paths, shas)
}

fn start_request(environment: &str, sha: &str) -> NewDeploymentRecord {
    NewDeploymentRecord {
        environment: environment.into(),
        sha: sha.into(),
        git_ref: "main".into(),
        version: Some("1.0.0".into()),
        creator: "ada".into(),
        log_url: Some("https://ci.example/run/1".into()),
        run_id: Some("run-1".into()),
        ..NewDeploymentRecord::default()
    }
}

fn to(state: DeploymentState) -> TransitionRequest {
    TransitionRequest::new(state)
}

#[tokio::test]
async fn start_transition_list_latest_last_successful() {
    let (dir, shas) = repo(2);
    let ledger = Ledger::git(Git::new(dir.path()), None);

    let first = ledger
        .start(&start_request("staging", "HEAD~1"))
        .await
        .unwrap();
    assert_eq!(first.sha, shas[0], "revisions resolve to the full SHA");
    assert_eq!(first.state, DeploymentState::InProgress);
    assert!(
        first.id.starts_with(&format!("staging-{}-", &shas[0][..7])),
        "{}",
        first.id
    );
    let done = ledger
        .transition(
            &first.id,
            &TransitionRequest {
                environment_url: Some("https://staging.example".into()),
                description: "healthy".into(),
                ..to(DeploymentState::Success)
            },
        )
        .await
        .unwrap();
    assert_eq!(done.state, DeploymentState::Success);
    assert_eq!(
        done.environment_url.as_deref(),
        Some("https://staging.example")
    );

    let second = ledger
        .start(&start_request("staging", &shas[1]))
        .await
        .unwrap();
    ledger
        .transition(&second.id, &to(DeploymentState::Failure))
        .await
        .unwrap();
    let prod = ledger
        .start(&start_request("production", &shas[0]))
        .await
        .unwrap();

    let all = ledger.list(&ListQuery::default()).await.unwrap();
    let ids: Vec<_> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [&prod.id, &second.id, &first.id], "newest first");
    let staging = ledger
        .list(&ListQuery {
            environment: Some("Staging".into()),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        staging.len(),
        2,
        "environment names compare case-insensitively"
    );
    let limited = ledger
        .list(&ListQuery {
            limit: Some(1),
            since: Some(first.created_at),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(limited[0].id, prod.id);

    let latest = ledger.latest("staging").await.unwrap().unwrap();
    assert_eq!(latest.id, second.id);
    assert_eq!(latest.state, DeploymentState::Failure);
    let good = ledger.last_successful("staging").await.unwrap().unwrap();
    assert_eq!(good.id, first.id);
    let states: Vec<_> = good.history.iter().map(|t| t.state).collect();
    assert_eq!(
        states,
        [DeploymentState::InProgress, DeploymentState::Success]
    );
    assert_eq!(good.history[1].description, "healthy");
    assert!(
        ledger
            .last_successful("production")
            .await
            .unwrap()
            .is_none()
    );
    assert!(ledger.latest("qa").await.unwrap().is_none());

    let rerun = ledger
        .find_by_run("staging", &shas[1], "run-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rerun.id, second.id);
    assert!(
        ledger
            .find_by_run("staging", &shas[1], "run-2")
            .await
            .unwrap()
            .is_none()
    );

    // The ledger is plain git notes: git itself shows the JSON lines on the deployed commit.
    let note = git(
        dir.path(),
        &["notes", "--ref", "shipline", "show", &shas[0]],
    );
    let lines: Vec<serde_json::Value> = note
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{note}");
    assert_eq!(lines[0]["v"], 1);
    assert_eq!(lines[0]["event"], "start");
    assert_eq!(lines[0]["ref"], "main");
    assert_eq!(lines[0]["version"], "1.0.0");
    assert_eq!(lines[0]["run_id"], "run-1");
    assert_eq!(lines[1]["event"], "state");
    assert_eq!(lines[1]["state"], "success");
    assert_eq!(lines[1]["url"], "https://staging.example");
}

#[tokio::test]
async fn deactivate_previous_retires_live_deployments_but_the_kept_one() {
    let (dir, shas) = repo(3);
    let ledger = Ledger::git(Git::new(dir.path()), None);
    let mut ids = Vec::new();
    for sha in &shas {
        let r = ledger
            .start(&start_request("production", sha))
            .await
            .unwrap();
        ledger
            .transition(&r.id, &to(DeploymentState::Success))
            .await
            .unwrap();
        ids.push(r.id);
    }
    let other = ledger
        .start(&start_request("staging", &shas[0]))
        .await
        .unwrap();
    ledger
        .transition(&other.id, &to(DeploymentState::Success))
        .await
        .unwrap();

    let changed = ledger
        .deactivate_previous("production", Some(&ids[2]))
        .await
        .unwrap();
    let changed: BTreeSet<_> = changed.into_iter().map(|r| r.id).collect();
    assert_eq!(changed, BTreeSet::from([ids[0].clone(), ids[1].clone()]));
    for (id, state) in [
        (&ids[0], DeploymentState::Inactive),
        (&ids[1], DeploymentState::Inactive),
        (&ids[2], DeploymentState::Success),
        (&other.id, DeploymentState::Success),
    ] {
        assert_eq!(ledger.get(id).await.unwrap().state, state, "{id}");
    }
    assert_eq!(
        ledger.get(&ids[0]).await.unwrap().history[2].description,
        format!("superseded by {}", ids[2])
    );
    // Superseded deployments still count as having succeeded.
    let last = ledger.last_successful("production").await.unwrap().unwrap();
    assert_eq!(last.id, ids[2]);
    assert!(
        ledger
            .deactivate_previous("production", Some(&ids[2]))
            .await
            .unwrap()
            .is_empty(),
        "nothing left to deactivate"
    );
}

#[tokio::test]
async fn records_survive_a_fresh_clone() {
    let (root, origin, clones, shas) = origin_and_clones(1);
    let ledger = Ledger::git(Git::new(&clones[0]), Some("origin".into()));
    let started = ledger
        .start(&start_request("production", &shas[1]))
        .await
        .unwrap();
    ledger
        .transition(&started.id, &to(DeploymentState::Success))
        .await
        .unwrap();
    let on_origin = git(&origin, &["notes", "--ref", "shipline", "show", &shas[1]]);
    assert_eq!(on_origin.lines().count(), 2, "{on_origin}");

    git(
        root.path(),
        &["clone", "-q", origin.to_str().unwrap(), "fresh"],
    );
    let fresh_dir = root.path().join("fresh");
    let fresh = Ledger::git_default(Git::new(&fresh_dir)).unwrap();
    let read = fresh.get(&started.id).await.unwrap();
    assert_eq!(read.state, DeploymentState::Success);
    assert_eq!(read.sha, shas[1]);
    assert_eq!(read.version.as_deref(), Some("1.0.0"));
    assert_eq!(read.history.len(), 2);
    // The read fetched the notes into the fresh clone too.
    let local = git(
        &fresh_dir,
        &["notes", "--ref", "shipline", "show", &shas[1]],
    );
    assert_eq!(local, on_origin);
}

#[tokio::test]
async fn a_remote_without_notes_yet_is_fine() {
    let (_root, _origin, clones, _) = origin_and_clones(1);
    let ledger = Ledger::git(Git::new(&clones[0]), Some("origin".into()));
    assert!(ledger.list(&ListQuery::default()).await.unwrap().is_empty());
    let unreachable = Ledger::git(Git::new(&clones[0]), Some("nowhere".into()));
    let err = unreachable.list(&ListQuery::default()).await.unwrap_err();
    assert!(matches!(err, LedgerError::Remote { .. }), "{err}");
    assert!(err.to_string().contains("`nowhere`"), "{err}");
}

/// A push the remote refuses itself (here a pre-receive hook, as a protected ref would): one
/// attempt, the remote's own words in the error, and the local notes as they were.
#[tokio::test]
async fn a_push_the_remote_refuses_fails_at_once_and_leaves_nothing_behind() {
    let (_root, origin, clones, shas) = origin_and_clones(1);
    let hook = origin.join("hooks/pre-receive");
    let pushes = origin.join("pushes");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho push >> '{}'\necho 'notes are read-only here' >&2\nexit 1\n",
            pushes.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let ledger = Ledger::git(Git::new(&clones[0]), Some("origin".into()));

    let err = ledger
        .start(&start_request("staging", &shas[1]))
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::Remote { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("notes are read-only here"), "{text}");
    assert!(text.contains("push access"), "{text}");
    let local = git(&clones[0], &["for-each-ref", "refs/notes/shipline"]);
    assert_eq!(local, "", "the refused record is not kept locally");
    assert_eq!(
        std::fs::read_to_string(&pushes).unwrap(),
        "push\n",
        "one push, no retries"
    );
}

#[tokio::test]
async fn out_of_order_transitions_are_rejected() {
    let (dir, shas) = repo(1);
    let ledger = Ledger::git(Git::new(dir.path()), None);

    let missing = ledger
        .transition("staging-0000000-1-abcd", &to(DeploymentState::Success))
        .await
        .unwrap_err();
    assert!(matches!(missing, LedgerError::NotFound { .. }), "{missing}");
    assert!(missing.to_string().contains("staging-0000000-1-abcd"));

    let queued = ledger
        .start(&NewDeploymentRecord {
            state: DeploymentState::Queued,
            ..start_request("staging", &shas[0])
        })
        .await
        .unwrap();
    let err = ledger
        .transition(&queued.id, &to(DeploymentState::Success))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::InvalidTransition { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("never started"), "{err}");

    ledger
        .transition(&queued.id, &to(DeploymentState::InProgress))
        .await
        .unwrap();
    ledger
        .transition(&queued.id, &to(DeploymentState::Success))
        .await
        .unwrap();
    let back = ledger
        .transition(&queued.id, &to(DeploymentState::InProgress))
        .await
        .unwrap_err();
    assert!(
        back.to_string()
            .contains("is success; it cannot move to in_progress"),
        "{back}"
    );
    let failed = ledger
        .transition(&queued.id, &to(DeploymentState::Failure))
        .await
        .unwrap_err();
    assert!(matches!(failed, LedgerError::InvalidTransition { .. }));

    // Finishing twice is harmless and records nothing new.
    let again = ledger
        .transition(&queued.id, &to(DeploymentState::Success))
        .await
        .unwrap();
    assert_eq!(again.history.len(), 3);
    let note = git(
        dir.path(),
        &["notes", "--ref", "shipline", "show", &shas[0]],
    );
    assert_eq!(
        note.lines().count(),
        3,
        "rejected moves write nothing: {note}"
    );
}

#[tokio::test]
async fn invalid_environment_names_are_rejected() {
    let (dir, shas) = repo(1);
    let ledger = Ledger::git(Git::new(dir.path()), None);
    for name in [
        "prod uction",
        "/review/42",
        "review/../x",
        "bad\nname",
        "",
        "-x",
        "ünicode",
    ] {
        let err = ledger
            .start(&start_request(name, &shas[0]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, LedgerError::InvalidEnvironment { .. }),
            "{name:?}: {err}"
        );
        assert!(
            err.to_string().contains("invalid environment name"),
            "{err}"
        );
        let err = ledger.latest(name).await.unwrap_err();
        assert!(matches!(err, LedgerError::InvalidEnvironment { .. }));
    }
    let refs = git(dir.path(), &["for-each-ref", NOTES_REF]);
    assert!(refs.is_empty(), "nothing was written: {refs}");
}

/// Writes `count` deployments through `ledger` on its own runtime, returning their ids.
fn write_many(ledger: Ledger, environment: &'static str, sha: String, count: usize) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let mut ids = Vec::new();
        for i in 0..count {
            let record = ledger
                .start(&NewDeploymentRecord {
                    run_id: Some(format!("{environment}-{i}")),
                    ..start_request(environment, &sha)
                })
                .await
                .unwrap();
            ids.push(record.id);
        }
        ids
    })
}

/// The start lines of the note on `sha` in the repository at `dir`, by id.
fn start_ids_in_note(dir: &Path, sha: &str) -> Vec<String> {
    let note = git(dir, &["notes", "--ref", "shipline", "show", sha]);
    note.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event"] == "start")
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn two_clones_writing_at_once_lose_no_record() {
    let (_root, origin, clones, shas) = origin_and_clones(2);
    let writers: Vec<_> = clones
        .iter()
        .zip(["staging", "production"])
        .map(|(clone, env)| {
            let ledger = Ledger::git(Git::new(clone), Some("origin".into()));
            let sha = shas[1].clone();
            std::thread::spawn(move || write_many(ledger, env, sha, 25))
        })
        .collect();
    let written: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let expected: BTreeSet<String> = written.iter().cloned().collect();
    assert_eq!(expected.len(), 50);

    // All 50 on origin, each exactly once (both writers annotated the same commit).
    let on_origin = start_ids_in_note(&origin, &shas[1]);
    assert_eq!(on_origin.len(), 50, "no duplicates");
    assert_eq!(on_origin.into_iter().collect::<BTreeSet<_>>(), expected);

    // And in both clones after a read.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for clone in &clones {
        let ledger = Ledger::git(Git::new(clone), Some("origin".into()));
        let records = runtime
            .block_on(ledger.list(&ListQuery::default()))
            .unwrap();
        let ids: BTreeSet<String> = records.into_iter().map(|r| r.id).collect();
        assert_eq!(ids, expected, "{}", clone.display());
    }
}

#[test]
fn two_writers_on_one_repository_lose_no_record() {
    let (dir, shas) = repo(1);
    let writers: Vec<_> = ["staging", "production"]
        .into_iter()
        .map(|env| {
            let ledger = Ledger::git(Git::new(dir.path()), None);
            let sha = shas[0].clone();
            std::thread::spawn(move || write_many(ledger, env, sha, 25))
        })
        .collect();
    let expected: BTreeSet<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert_eq!(expected.len(), 50);
    let in_note = start_ids_in_note(dir.path(), &shas[0]);
    assert_eq!(in_note.len(), 50);
    assert_eq!(in_note.into_iter().collect::<BTreeSet<_>>(), expected);
}

#[tokio::test]
async fn notes_from_other_versions_still_read() {
    let (dir, shas) = repo(2);
    // As an older or newer shipline (or a person) might have left them: an unknown field, an
    // unknown event kind, a line that is not JSON, written with `git notes` itself.
    let note = [
        r#"{"v":1,"id":"production-old-1-aaaa","event":"start","environment":"production","sha":"SHA","ref":"main","state":"in_progress","at":"2023-01-01T00:00:00Z","by":"old","canary":{"weight":10}}"#,
        r#"{"v":1,"id":"production-old-1-aaaa","event":"state","environment":"production","sha":"SHA","state":"success","at":"2023-01-01T00:05:00Z","approved_by":["eve"]}"#,
        r#"{"v":2,"id":"production-old-1-aaaa","event":"annotate","environment":"production","sha":"SHA","state":"success","at":"2023-01-01T00:06:00Z"}"#,
        "deployed by hand, see the wiki",
    ]
    .join("\n")
    .replace("SHA", &shas[0]);
    git(
        dir.path(),
        &["notes", "--ref", "shipline", "add", "-m", &note, &shas[0]],
    );

    let notes = NotesLedger::new(Git::new(dir.path()), None);
    let folded = notes.snapshot().unwrap();
    assert_eq!(folded.records.len(), 1);
    assert_eq!(folded.skipped.len(), 1, "{:?}", folded.skipped);
    assert_eq!(folded.skipped[0].line, 4);
    assert_eq!(folded.skipped[0].commit, shas[0]);

    let ledger = Ledger::Git(notes);
    let old = ledger.last_successful("production").await.unwrap().unwrap();
    assert_eq!(old.id, "production-old-1-aaaa");
    assert_eq!(old.creator, "old");
    assert_eq!(old.history.len(), 2);

    // Writing on top keeps what it did not understand.
    ledger
        .transition(&old.id, &to(DeploymentState::Inactive))
        .await
        .unwrap();
    let new = ledger
        .start(&start_request("production", &shas[1]))
        .await
        .unwrap();
    let text = git(
        dir.path(),
        &["notes", "--ref", "shipline", "show", &shas[0]],
    );
    assert!(text.contains("deployed by hand"), "{text}");
    assert!(text.contains(r#""canary":{"weight":10}"#), "{text}");
    assert_eq!(
        ledger.latest("production").await.unwrap().unwrap().id,
        new.id
    );
    assert_eq!(
        ledger.get(&old.id).await.unwrap().state,
        DeploymentState::Inactive
    );
}

/// Fills `dir` (a repository with the commits `shas`) with `per_commit` finished deployments on
/// each commit, through one `git fast-import` (which fans the notes tree out as `git notes`
/// does for large trees).
fn fill_notes(dir: &Path, shas: &[String], per_commit: usize) -> usize {
    let mut stream =
        String::from("commit refs/notes/shipline\ncommitter T <t@e> 0 +0000\ndata 4\nfill\n");
    let mut n = 0;
    for sha in shas {
        let mut note = String::new();
        for _ in 0..per_commit {
            let env = ["staging", "production"][n % 2];
            let id = format!("{env}-{}-{n}-beef", &sha[..7]);
            let minute = n % 60;
            let hour = (n / 60) % 24;
            let day = 1 + n / 1440;
            let at = format!("2024-01-{day:02}T{hour:02}:{minute:02}:00Z");
            note.push_str(&format!(
                r#"{{"v":1,"id":"{id}","event":"start","environment":"{env}","sha":"{sha}","ref":"main","state":"in_progress","at":"{at}","by":"ci"}}"#
            ));
            note.push('\n');
            note.push_str(&format!(
                r#"{{"v":1,"id":"{id}","event":"state","environment":"{env}","sha":"{sha}","state":"success","at":"{at}"}}"#
            ));
            note.push('\n');
            n += 1;
        }
        stream.push_str(&format!("N inline {sha}\ndata {}\n{note}\n", note.len()));
    }
    git_input(dir, &["fast-import", "--quiet"], Some(&stream));
    n
}

/// Commits made quickly through fast-import: `count` commits on `main`.
fn many_commits(dir: &Path, count: usize) -> Vec<String> {
    let mut stream = String::new();
    for i in 0..count {
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{}\ncommitter T <t@e> {i} +0000\ndata 2\nc\nM 644 inline f\ndata {}\n{i}\n\n",
            i + 1,
            format!("{i}\n").len()
        ));
    }
    git_input(dir, &["fast-import", "--quiet"], Some(&stream));
    git(dir, &["rev-list", "--reverse", "main"])
        .lines()
        .map(str::to_string)
        .collect()
}

const CHILD_REPO: &str = "SHIPLINE_LEDGER_TEST_REPO";

#[cfg(unix)]
#[test]
fn reading_2000_records_takes_a_fixed_number_of_git_processes() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    let shas = many_commits(dir.path(), 500);
    assert_eq!(fill_notes(dir.path(), &shas, 4), 2000);
    let tree = git(dir.path(), &["ls-tree", "--name-only", NOTES_REF]);
    assert!(tree.lines().count() < 500, "the notes tree is fanned out");

    // A `git` first on PATH that logs each invocation, then runs the real one.
    let real_git = std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|p| p.join("git"))
                .find(|p| p.is_file())
        })
        .expect("git on PATH");
    let bin = TempDir::new().unwrap();
    let log = bin.path().join("calls.log");
    let wrapper = bin.path().join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real_git.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();

    // The read runs in a child test process so the changed PATH affects nothing else.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "ledger::counted_read_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PATH", path)
        .env(CHILD_REPO, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    let calls: Vec<&str> = calls.lines().collect();
    assert!(!calls.is_empty(), "the wrapper saw no git call");
    // One list, one last_successful: three processes each, whatever the number of notes.
    assert_eq!(calls.len(), 6, "{calls:?}");
    assert_eq!(
        calls,
        [
            "for-each-ref",
            "ls-tree",
            "cat-file",
            "for-each-ref",
            "ls-tree",
            "cat-file"
        ]
    );
}

#[tokio::test]
#[ignore = "run by reading_2000_records_takes_a_fixed_number_of_git_processes"]
async fn counted_read_child() {
    let Some(dir) = std::env::var_os(CHILD_REPO) else {
        return;
    };
    let ledger = Ledger::git(Git::new(PathBuf::from(dir)), None);
    let all = ledger.list(&ListQuery::default()).await.unwrap();
    assert_eq!(all.len(), 2000);
    assert!(all.iter().all(|r| r.state == DeploymentState::Success));
    assert!(all.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let last = ledger.last_successful("production").await.unwrap().unwrap();
    assert_eq!(
        last.id,
        all.iter()
            .find(|r| r.environment == "production")
            .unwrap()
            .id
    );
}
