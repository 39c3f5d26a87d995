//! History reader vs `git log --numstat` on the same range, in one run.
//!
//! Builds a 20,000-commit synthetic repository (or uses `SHIPLINE_BENCH_REPO=/path/to/repo`; a
//! path that does not exist yet receives the generated repository and keeps it for later runs),
//! then for the whole history and for a 1,000-commit range times, alternately, best of 3:
//! the reader with stats and renames (auto parallelism), the reader in one git process, and plain
//! `git log --numstat -M` with its output counted and discarded.
//!
//! Each measurement runs in a fresh child process (this binary again), so memory figures are not
//! polluted by repository generation: "self" is the peak RSS (VmHWM) of the process that ran the
//! reader, i.e. our parsing and buffers; "tree" is the peak RSS of the largest process in the
//! measured tree (the reader and the git processes it spawned, or the git log process), as
//! reported by `/usr/bin/time -f %M` when it is installed.

use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use shipline_core::git::Git;
use shipline_core::git::history::{self, HistoryQuery, Parallel};
use shipline_testkit::repo::bench_repo;

const CHILD: &str = "SHIPLINE_BENCH_CHILD";

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let (repo, _keep) = bench_repo(20_000);
    let git = Git::new(&repo);
    let head = git.resolve("HEAD").expect("HEAD resolves");
    let list = git.run(["rev-list", &head]).expect("rev-list");
    let total = list.lines().count();
    let mut ranges = vec![("full history".to_string(), None)];
    if let Some(base) = list.lines().nth(1_000) {
        ranges.push(("1,000-commit range".to_string(), Some(base.to_string())));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "repository: {} ({total} commits), {cores} cores",
        repo.display()
    );
    let timer = Path::new("/usr/bin/time").exists();
    if !timer {
        println!("(/usr/bin/time not found: tree peak memory not measured)");
    }

    for (label, base) in ranges {
        let mut best = [f64::MAX; 3];
        let mut commits = [0usize; 3];
        let mut self_kb = [0u64; 3];
        let mut tree_kb = [0u64; 3];
        for _round in 0..3 {
            for (i, mode) in ["reader", "reader-1", "git"].iter().enumerate() {
                let m = measure(&repo, mode, base.as_deref(), &head, timer);
                best[i] = best[i].min(m.seconds);
                commits[i] = m.commits;
                self_kb[i] = self_kb[i].max(m.self_kb);
                tree_kb[i] = tree_kb[i].max(m.tree_kb);
            }
        }
        assert_eq!(
            commits[0], commits[2],
            "reader and git log disagree on the commit count"
        );
        println!("\n{label}: {} commits", commits[0]);
        println!(
            "  {:<26} {:>9} {:>10} {:>12} {:>12}",
            "", "seconds", "commits/s", "self peak", "tree peak"
        );
        for (i, name) in [
            "reader (auto parallel)",
            "reader (1 git process)",
            "git log --numstat",
        ]
        .iter()
        .enumerate()
        {
            let own = if i == 2 {
                "-".to_string()
            } else {
                format!("{:.1} MB", self_kb[i] as f64 / 1024.0)
            };
            let tree = if timer {
                format!("{:.1} MB", tree_kb[i] as f64 / 1024.0)
            } else {
                "n/a".to_string()
            };
            println!(
                "  {name:<26} {:>9.3} {:>10.0} {own:>12} {tree:>12}",
                best[i],
                commits[i] as f64 / best[i]
            );
        }
        println!(
            "  ratio reader/git: {:.2} (auto), {:.2} (1 process)",
            best[0] / best[2],
            best[1] / best[2]
        );
    }
}

struct Measurement {
    seconds: f64,
    commits: usize,
    self_kb: u64,
    tree_kb: u64,
}

fn measure(repo: &Path, mode: &str, base: Option<&str>, head: &str, timer: bool) -> Measurement {
    let exe = std::env::current_exe().expect("current exe");
    let peak_file = tempfile::NamedTempFile::new().expect("temp file");
    let mut cmd = if timer {
        let mut cmd = Command::new("/usr/bin/time");
        cmd.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(peak_file.path())
            .arg(exe);
        cmd
    } else {
        Command::new(exe)
    };
    cmd.env(CHILD, "1")
        .arg(mode)
        .arg(repo)
        .arg(base.unwrap_or("-"))
        .arg(head);
    let out = cmd.output().expect("run the measuring child");
    assert!(
        out.status.success(),
        "child {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    let tree_kb = std::fs::read_to_string(peak_file.path())
        .ok()
        .and_then(|s| s.trim().lines().last()?.trim().parse().ok())
        .unwrap_or(0);
    Measurement {
        seconds: fields[0].parse().expect("seconds"),
        commits: fields[1].parse().expect("commits"),
        self_kb: fields[2].parse().expect("kb"),
        tree_kb,
    }
}

/// Runs one measurement and prints `seconds commits self_peak_kb`.
fn child() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, repo, base, head) = (&args[0], &args[1], &args[2], &args[3]);
    let base = (base != "-").then(|| base.clone());
    let start = Instant::now();
    let commits = match mode.as_str() {
        "git" => {
            let mut cmd = Command::new("git");
            cmd.current_dir(repo)
                .args(["log", "--numstat", "-M", head])
                .stdout(Stdio::piped());
            if let Some(base) = &base {
                cmd.arg(format!("^{base}"));
            }
            let mut child = cmd.spawn().expect("spawn git log");
            let mut out = BufReader::with_capacity(256 * 1024, child.stdout.take().unwrap());
            let mut commits = 0;
            let mut line = Vec::new();
            loop {
                line.clear();
                if out.read_until(b'\n', &mut line).expect("read git log") == 0 {
                    break;
                }
                if line.starts_with(b"commit ") {
                    commits += 1;
                }
            }
            let mut rest = Vec::new();
            out.read_to_end(&mut rest).ok();
            assert!(child.wait().expect("wait git log").success());
            commits
        }
        _ => {
            let query = HistoryQuery {
                base,
                parallel: if mode == "reader-1" {
                    Parallel::Off
                } else {
                    Parallel::Auto
                },
                ..HistoryQuery::new(head.clone())
            };
            let mut commits = 0;
            let mut files = 0;
            history::for_each(&Git::new(repo), &query, |c| {
                commits += 1;
                files += c.files.len();
                ControlFlow::Continue(())
            })
            .expect("read history");
            std::hint::black_box(files);
            commits
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!("{seconds} {commits} {peak_kb}");
}
