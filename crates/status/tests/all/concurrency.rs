//! Parallel deploy jobs writing one git-notes ledger through one bare `origin`: every `start`
//! and `finish` succeeds, every id printed is in the shared ledger, and every record there was
//! printed by a call that succeeded (no lost and no phantom records). Once seen: lock races on
//! the fetched notes ref reported as unreachable remotes, and a failed `start` whose record
//! was pushed anyway.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use shipline_core::forge::DeploymentState;
use shipline_core::ledger::record::fold;
use shipline_testkit::repo::TestRepo;

use crate::helpers::local;

const PAIRS: usize = 50;
const CLONES: usize = 10;

fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("feat: first").file("a.txt", "a\n").create();
    repo.push();
    repo
}

fn clone_of(repo: &TestRepo, name: &str) -> PathBuf {
    let dir = repo.path().parent().unwrap().join(name);
    let out = std::process::Command::new("git")
        .arg("clone")
        .arg("-q")
        .arg(repo.bare_path())
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    dir
}

/// What one job saw: the start's output, and the finish's when the start printed an id.
struct Job {
    start: Output,
    finish: Option<Output>,
}

fn run_pairs(dirs: &[PathBuf]) -> Vec<Job> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..PAIRS)
            .map(|i| {
                let dir = dirs[i % dirs.len()].clone();
                scope.spawn(move || job(&dir, i))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn job(dir: &Path, i: usize) -> Job {
    let start = local(dir)
        .args([
            "start",
            "--env",
            "staging",
            "--version",
            &format!("1.0.{i}"),
        ])
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&start.stdout).trim().to_string();
    let finish = (start.status.success() && !id.is_empty()).then(|| {
        local(dir)
            .args(["finish", "--env", "staging", "--deployment", &id])
            .args(["--state", "success"])
            .output()
            .unwrap()
    });
    Job { start, finish }
}

/// Checks the jobs against the ledger as the remote has it.
fn check(repo: &TestRepo, jobs: &[Job]) {
    let mut printed = BTreeSet::new();
    for job in jobs {
        assert!(
            job.start.status.success(),
            "start failed: {}",
            String::from_utf8_lossy(&job.start.stderr)
        );
        let finish = job.finish.as_ref().expect("every start printed an id");
        assert!(
            finish.status.success(),
            "finish failed: {}",
            String::from_utf8_lossy(&finish.stderr)
        );
        printed.insert(
            String::from_utf8_lossy(&job.start.stdout)
                .trim()
                .to_string(),
        );
    }
    assert_eq!(printed.len(), PAIRS, "every start printed its own id");

    let notes = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo.bare_path())
        .args([
            "notes",
            "--ref",
            "refs/notes/shipline",
            "show",
            &repo.head(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(notes.stdout).unwrap();
    let folded = fold([(repo.head().as_str(), text.as_str())]);
    assert!(folded.skipped.is_empty(), "{:?}", folded.skipped);
    let recorded: BTreeSet<String> = folded.records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(recorded, printed, "no lost and no phantom records");
    for record in &folded.records {
        assert!(
            record.reached(DeploymentState::Success).is_some(),
            "{} never finished: {:?}",
            record.id,
            record.history
        );
    }
    // Each success retired the live one before it: exactly one is live at the end.
    let live = folded.records.iter().filter(|r| r.is_live()).count();
    assert_eq!(live, 1, "one live deployment");
}

#[test]
fn fifty_parallel_jobs_in_one_clone_lose_nothing_and_invent_nothing() {
    let repo = repo();
    let jobs = run_pairs(&[repo.path().to_path_buf()]);
    check(&repo, &jobs);
}

/// Ten clones (runners), five jobs each: writers of different clones race through the remote,
/// those of one clone also queue on its lock.
#[test]
fn fifty_parallel_jobs_in_ten_clones_lose_nothing_and_invent_nothing() {
    let repo = repo();
    let dirs: Vec<PathBuf> = (0..CLONES)
        .map(|i| clone_of(&repo, &format!("runner-{i}")))
        .collect();
    let jobs = run_pairs(&dirs);
    check(&repo, &jobs);
}
