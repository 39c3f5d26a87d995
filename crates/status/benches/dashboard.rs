//! `shipline-status dashboard` over a 10,000-deployment git-notes ledger.
//!
//! Generates 4,200 commits with fast-import, then the ledger with fast-import too: 3,000 commits
//! deployed to dev, staging and production over the last 12 weeks, and every third production
//! deployment failing once before a second attempt restores it (10,000 deployments, with risk
//! scores on production). Times the binary writing the page, best of 3 (wall time: the git
//! processes it runs are part of its work), and prints the page's size.
//!
//! The reference, timed in the same run: git alone reading the ledger's text (`git notes list`,
//! then every note through one `git cat-file --batch`), the least any reader of this ledger
//! does. The ratio says what the page costs beyond that.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::{Duration, Utc};
use shipline_core::forge::DeploymentState;
use shipline_core::ledger::record::{EVENT_VERSION, Event, EventKind};
use shipline_testkit::repo::{FastImportSpec, fast_import};

/// Commits generated; the first [`DEPLOYED`] of them on the first-parent line are deployed.
const COMMITS: usize = 4_200;

/// Commits deployed: three environments each, and a failed first attempt in production for
/// every third, make 10,000 deployments.
const DEPLOYED: usize = 3_000;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn event(id: &str, environment: &str, sha: &str, at: chrono::DateTime<Utc>, i: usize) -> Event {
    let production = environment == "production";
    Event {
        v: EVENT_VERSION,
        id: id.to_string(),
        event: EventKind::Start,
        environment: environment.to_string(),
        sha: sha.to_string(),
        git_ref: Some("main".into()),
        version: Some(format!("1.{i}.0")),
        state: DeploymentState::InProgress,
        at,
        by: Some("release-bot".into()),
        url: None,
        log_url: None,
        description: None,
        run_id: None,
        production: Some(production),
        transient: Some(false),
        risk_score: production.then_some((i * 37 % 101) as u8),
        risk_level: production.then(|| "medium".to_string()),
    }
}

/// The ledger as a fast-import stream of one notes commit; returns the deployments written.
fn write_ledger(repo: &Path) -> usize {
    let mut shas: Vec<String> = git(repo, &["rev-list", "--first-parent", "main"])
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        shas.len() >= DEPLOYED,
        "only {} first-parent commits, {DEPLOYED} needed",
        shas.len()
    );
    // The newest DEPLOYED, oldest first.
    shas.truncate(DEPLOYED);
    shas.reverse();
    let now = Utc::now();
    let step = Duration::days(83) / shas.len() as i32;
    let mut stream = Vec::new();
    writeln!(
        stream,
        "commit refs/notes/shipline\ncommitter bench <bench@example.com> {} +0000\ndata 6\nledger",
        now.timestamp()
    )
    .unwrap();
    let mut deployments = 0;
    for (i, sha) in shas.iter().enumerate() {
        let base = now - Duration::days(83) + step * i as i32;
        let mut lines = Vec::new();
        let mut attempts = vec![("dev", true), ("staging", true)];
        if i % 3 == 0 {
            attempts.push(("production", false));
        }
        attempts.push(("production", true));
        for (k, (environment, works)) in attempts.into_iter().enumerate() {
            let at = base + Duration::minutes(5 * k as i64 + 1);
            let id = format!("{environment}-{}-{}-{k:04x}", &sha[..7], at.timestamp());
            let start = event(&id, environment, sha, at, i);
            let end = Event {
                event: EventKind::State,
                state: if works {
                    DeploymentState::Success
                } else {
                    DeploymentState::Failure
                },
                at: at + Duration::minutes(3),
                git_ref: None,
                version: None,
                risk_score: None,
                risk_level: None,
                ..start.clone()
            };
            lines.push(start.to_line());
            lines.push(end.to_line());
            deployments += 1;
        }
        let text = lines.join("\n") + "\n";
        write!(stream, "N inline {sha}\ndata {}\n{text}\n", text.len()).unwrap();
    }
    let mut child = Command::new("git")
        .current_dir(repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run git fast-import");
    child.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(child.wait().unwrap().success());
    deployments
}

/// Reads every note of `refs/notes/shipline` with git alone; returns the bytes read.
fn read_notes(repo: &Path) -> usize {
    let list = git(repo, &["notes", "--ref", "shipline", "list"]);
    let blobs: String = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|b| format!("{b}\n"))
        .collect();
    let mut child = Command::new("git")
        .current_dir(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run git cat-file");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(blobs.as_bytes()));
    let out = child.wait_with_output().expect("git cat-file");
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout.len()
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    let setup = Instant::now();
    let spec = FastImportSpec {
        files: 300,
        ..FastImportSpec::new(COMMITS)
    };
    fast_import(&repo, &spec);
    let deployments = write_ledger(&repo);
    println!(
        "ledger: {deployments} deployments on {COMMITS} commits, made in {:.1}s",
        setup.elapsed().as_secs_f64()
    );
    let out = dir.path().join("site");
    let mut best = f64::MAX;
    for round in 1..=3 {
        let start = Instant::now();
        let run = Command::new(env!("CARGO_BIN_EXE_shipline-status"))
            .current_dir(&repo)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["--backend", "git", "dashboard", "--out"])
            .arg(&out)
            .output()
            .expect("run shipline-status");
        let seconds = start.elapsed().as_secs_f64();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        println!("round {round}: {seconds:.3}s");
        best = best.min(seconds);
    }
    let mut reference = f64::MAX;
    for _ in 1..=3 {
        let start = Instant::now();
        let bytes = read_notes(&repo);
        reference = reference.min(start.elapsed().as_secs_f64());
        assert!(bytes > 0, "the ledger's notes are empty");
    }
    println!(
        "reference (git reading every note): best {reference:.3}s; dashboard / reference = {:.2}",
        best / reference
    );
    let size = std::fs::metadata(out.join("index.html")).unwrap().len();
    println!(
        "dashboard of {deployments} deployments: best {best:.3}s, index.html {size} bytes ({:.0} KB)",
        size as f64 / 1024.0
    );
}
