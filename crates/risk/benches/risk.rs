//! shipline-risk vs `git log --numstat` over the same ranges, in one run.
//!
//! Builds a 20,000-commit synthetic repository with fast-import (or uses
//! `SHIPLINE_BENCH_REPO=/path/to/repo`; a path that does not exist yet is generated there and
//! kept), then for the newest 1,000 and 20,000 commits (all of them in a smaller repository)
//! times `shipline-risk history --max-commits N` (reading the history, computing every change's
//! features and scores, printing JSON lines) and `git log --numstat -M -n N` with its output read
//! and discarded, alternating, 5 times each. The first risk run starts without the per-commit
//! cache under `.git/shipline/` (as in a fresh clone: it reads every change's lines); the others
//! find it filled (as every later run in the same clone). Prints the seconds of the cold run and
//! the best of the warm ones, git's best, both ratios and the peak memory of each (the largest
//! process of the measured tree, from `/usr/bin/time -f %M` when it is installed). Best-of
//! figures keep a busy machine's stalls out of the ratio.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use shipline_testkit::repo::bench_repo;

struct Measure {
    seconds: f64,
    peak_kb: u64,
}

fn run(mut cmd: Command, timer: bool) -> Measure {
    let mut full = if timer {
        let mut t = Command::new("/usr/bin/time");
        t.arg("-f").arg("%M").arg(cmd.get_program());
        t.args(cmd.get_args());
        if let Some(dir) = cmd.get_current_dir() {
            t.current_dir(dir);
        }
        t
    } else {
        std::mem::replace(&mut cmd, Command::new("true"))
    };
    let start = Instant::now();
    let out = full
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run the measured command");
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_kb = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    Measure { seconds, peak_kb }
}

fn main() {
    let (repo, _keep) = bench_repo(20_000);
    let timer = Path::new("/usr/bin/time").exists();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("repository: {}, {cores} cores", repo.display());
    println!(
        "{:>8} | {:>10} {:>10} {:>8} | {:>12} {:>8} | {:>10} {:>10}",
        "commits",
        "cold (s)",
        "warm (s)",
        "risk MB",
        "git log (s)",
        "git MB",
        "cold ratio",
        "warm ratio"
    );
    // A repository with fewer commits is measured over all of them (the row says how many).
    let total: usize = String::from_utf8_lossy(
        &Command::new("git")
            .current_dir(&repo)
            .args(["rev-list", "--count", "HEAD"])
            .output()
            .expect("run git rev-list --count")
            .stdout,
    )
    .trim()
    .parse()
    .expect("a commit count");
    let mut sizes = vec![1_000usize.min(total), 20_000usize.min(total)];
    sizes.dedup();
    for n in sizes {
        let (mut cold, mut warm, mut git) = (0.0, f64::MAX, f64::MAX);
        let (mut risk_kb, mut git_kb) = (0, 0);
        for round in 0..5 {
            if round == 0 {
                let cache = repo.join(".git").join("shipline");
                if cache.exists() {
                    std::fs::remove_dir_all(&cache).expect("remove the per-commit cache");
                }
            }
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_shipline-risk"));
            cmd.args([
                "history",
                "--format",
                "jsonl",
                "--max-commits",
                &n.to_string(),
            ])
            .arg("--repo")
            .arg(&repo);
            let m = run(cmd, timer);
            if round == 0 {
                cold = m.seconds;
            } else {
                warm = warm.min(m.seconds);
            }
            risk_kb = risk_kb.max(m.peak_kb);

            let mut cmd = Command::new("git");
            cmd.current_dir(&repo).args([
                "log",
                "--numstat",
                "-M",
                "--no-color",
                &format!("--max-count={n}"),
                "HEAD",
            ]);
            let m = run(cmd, timer);
            git = git.min(m.seconds);
            git_kb = git_kb.max(m.peak_kb);
        }
        println!(
            "{n:>8} | {cold:>10.3} {warm:>10.3} {:>8.1} | {git:>12.3} {:>8.1} | {:>10.2} {:>10.2}",
            risk_kb as f64 / 1024.0,
            git_kb as f64 / 1024.0,
            cold / git,
            warm / git
        );
    }
}
