//! Reading commit history: metadata and per-file line statistics over a range.
//!
//! The risk tool scores every change in a release and calibrates against the repository's own
//! past, so it reads tens of thousands of commits with their `--numstat` figures. This module
//! makes that as cheap as git itself allows: it streams `git log -z --numstat` through a small
//! NUL-token parser (paths stay raw bytes, never split on newlines), keeps memory bounded, and on
//! multi-core machines runs several `git log` processes over consecutive parts of the range,
//! handing commits back in order: a range of known, moderate length is split by position
//! (`--skip`/`--max-count`), so every process starts at once; a longer one is listed first with
//! `git rev-list` and fed in chunks to `git log --no-walk --stdin`. Commits come newest first, or
//! oldest first with [`HistoryQuery::reverse`], so a caller that needs the past before each
//! change can work while git is still reading.
//!
//! Merge commits: with [`HistoryQuery::first_parent`] a merge's file stats are its diff against
//! the first parent (what the merge brought into the branch); without it, merges carry no file
//! stats (their changes are already counted on the commits that were merged).

use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;

mod commit;
mod jobs;
mod log;
mod parse;

pub use commit::{Commit, FileChange, GitPath, GitTime};

use super::{Git, GitError};
use jobs::{Job, run_jobs};
use log::run_log;
use parse::FORMAT;

/// Below this many commits a single git process is as fast as several.
const PARALLEL_MIN_COMMITS: usize = 500;

/// Up to this many commits (when the count is known), the range is split by position: each
/// process walks past the commits before its part, which costs less than listing the range first
/// as long as the parts are few and short.
const SPLIT_MAX_COMMITS: usize = 4_000;

/// What to read: a range and what to include for each commit.
#[derive(Debug, Clone)]
pub struct HistoryQuery {
    /// Exclusive lower end (`base..head`); `None` reads all history reachable from `head`.
    pub base: Option<String>,
    /// Inclusive upper end, any revision git understands.
    pub head: String,
    /// Follow only first parents (the mainline of a merge-based workflow); merges then carry their
    /// diff against the first parent.
    pub first_parent: bool,
    /// Include merge commits in the output.
    pub include_merges: bool,
    /// Stop after this many commits (newest first).
    pub max_commits: Option<usize>,
    /// Read per-file line statistics (`--numstat`).
    pub stats: bool,
    /// Detect renames (git's default similarity, `-M`).
    pub renames: bool,
    /// Only commits touching these pathspecs; file stats are limited to them too.
    pub paths: Vec<String>,
    /// Hand commits back oldest first (git's `--reverse`; the limit still keeps the newest).
    pub reverse: bool,
    /// How many git processes to run at once.
    pub parallel: Parallel,
}

impl HistoryQuery {
    /// All commits reachable from `head`, with stats and renames, merges included, no limit.
    pub fn new(head: impl Into<String>) -> Self {
        Self {
            base: None,
            head: head.into(),
            first_parent: false,
            include_merges: true,
            max_commits: None,
            stats: true,
            renames: true,
            paths: Vec::new(),
            reverse: false,
            parallel: Parallel::Auto,
        }
    }

    /// Sets the exclusive lower end of the range.
    pub fn base(mut self, base: impl Into<String>) -> Self {
        self.base = Some(base.into());
        self
    }
}

/// Parallelism of the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallel {
    /// Several processes when the machine has several cores and the range is large.
    #[default]
    Auto,
    /// Exactly one `git log` process, streamed.
    Off,
    /// `threads` processes over chunks of `chunk` commits listed with `git rev-list` first,
    /// whatever the range size.
    Fixed {
        /// Processes running at once (at least 1).
        threads: usize,
        /// Commits per process (at least 1).
        chunk: usize,
    },
    /// `parts` processes at once over equal parts of the newest [`HistoryQuery::max_commits`]
    /// commits, picked by position (`--skip`, `--max-count`) without listing the range first.
    /// Without `max_commits`, the range is listed and split into `parts` chunks instead.
    Split {
        /// Processes, one per part (at least 1).
        parts: usize,
    },
}

/// How one read is carried out.
enum Plan {
    Sequential,
    Listed { threads: usize, chunk: usize },
    Split { parts: usize, total: usize },
}

/// Reads the whole range into memory (newest first). Prefer [`for_each`] for very long ranges.
pub fn read(git: &Git, query: &HistoryQuery) -> Result<Vec<Commit>, GitError> {
    let mut out = Vec::new();
    for_each(git, query, |commit| {
        out.push(commit);
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// Streams the range to `f`, newest first (git's default order) or oldest first
/// ([`HistoryQuery::reverse`]), until `f` breaks.
pub fn for_each<F>(git: &Git, query: &HistoryQuery, f: F) -> Result<(), GitError>
where
    F: FnMut(Commit) -> ControlFlow<()>,
{
    // Full SHAs usually come from git already (`shallow::ensure_resolved`): they are checked
    // only if git refuses them, to report an unknown one the same way.
    let resolve = |rev: &str| {
        if super::is_full_sha(rev) {
            Ok(rev.to_string())
        } else {
            git.resolve(rev)
        }
    };
    let head = resolve(&query.head)?;
    let base = match &query.base {
        Some(base) => Some(resolve(base)?),
        None => None,
    };
    match read_resolved(git, query, head, base, f) {
        Err(err @ GitError::Command { .. }) => {
            git.resolve(&query.head)?;
            if let Some(base) = &query.base {
                git.resolve(base)?;
            }
            Err(err)
        }
        outcome => outcome,
    }
}

fn read_resolved<F>(
    git: &Git,
    query: &HistoryQuery,
    head: String,
    base: Option<String>,
    f: F,
) -> Result<(), GitError>
where
    F: FnMut(Commit) -> ControlFlow<()>,
{
    let mut revs = vec![head];
    if let Some(base) = base {
        revs.push(format!("^{base}"));
    }
    let plan = match query.parallel {
        Parallel::Off => Plan::Sequential,
        Parallel::Fixed { threads, chunk } => Plan::Listed {
            threads: threads.max(1),
            chunk: chunk.max(1),
        },
        Parallel::Split { parts } => match query.max_commits {
            Some(total) => Plan::Split {
                parts: parts.max(1),
                total,
            },
            None => Plan::Listed {
                threads: parts.max(1),
                chunk: 0,
            },
        },
        Parallel::Auto => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let small = query.max_commits.is_some_and(|n| n < PARALLEL_MIN_COMMITS);
            let threads = cores.min(8);
            if cores < 2 || !query.stats || small {
                Plan::Sequential
            } else {
                match query.max_commits {
                    Some(total) if total <= SPLIT_MAX_COMMITS => Plan::Split {
                        // Parts of at least half the parallel threshold: a process per handful
                        // of commits would cost more to start than it saves.
                        parts: threads.min(total / (PARALLEL_MIN_COMMITS / 2)).max(1),
                        total,
                    },
                    _ => Plan::Listed { threads, chunk: 0 },
                }
            }
        }
    };
    match plan {
        Plan::Sequential => sequential(git, query, revs, f),
        Plan::Split { parts, total } => split(git, query, &revs, parts, total, f),
        Plan::Listed { threads, chunk } => {
            let mut list = rev_list(git, query, &revs)?;
            let chunk = if chunk > 0 {
                chunk
            } else if list.len() < PARALLEL_MIN_COMMITS {
                // Walking twice is cheaper than feeding a short list through `--stdin`.
                return sequential(git, query, revs, f);
            } else {
                // Several chunks per thread so an uneven chunk does not leave a core idle at
                // the end.
                (list.len() / (threads * 4)).clamp(500, 5_000)
            };
            if query.reverse {
                // `--no-walk=unsorted` prints the commits in the order they are fed.
                list.reverse();
            }
            let mut args = log_args(query);
            args.retain(|a| !a.starts_with("--max-count") && a != "--reverse");
            args.extend(["--no-walk=unsorted".into(), "--stdin".into(), "--".into()]);
            args.extend(query.paths.iter().cloned());
            let jobs: Vec<Job<'_>> = list
                .chunks(chunk)
                .map(|revs| Job {
                    args: args.clone(),
                    stdin: Some(revs),
                })
                .collect();
            run_jobs(git, &jobs, threads, f)
        }
    }
}

/// `parts` processes over consecutive slices of the newest `total` commits, by position.
fn split<F>(
    git: &Git,
    query: &HistoryQuery,
    revs: &[String],
    parts: usize,
    total: usize,
    f: F,
) -> Result<(), GitError>
where
    F: FnMut(Commit) -> ControlFlow<()>,
{
    let size = total.div_ceil(parts).max(1);
    let mut args = log_args(query);
    args.retain(|a| !a.starts_with("--max-count"));
    let mut jobs: Vec<Job<'_>> = (0..parts)
        .map(|k| k * size)
        .filter(|skip| *skip < total)
        .map(|skip| {
            let mut args = args.clone();
            args.push(format!("--skip={skip}"));
            args.push(format!("--max-count={}", size.min(total - skip)));
            args.extend(revs.iter().cloned());
            args.push("--".into());
            args.extend(query.paths.iter().cloned());
            Job { args, stdin: None }
        })
        .collect();
    if query.reverse {
        // Each part prints oldest first (`--reverse` applies after the limits); the oldest
        // part goes first.
        jobs.reverse();
    }
    let threads = jobs.len();
    run_jobs(git, &jobs, threads, f)
}

/// One `git log` over the whole range, streamed.
fn sequential<F>(git: &Git, query: &HistoryQuery, revs: Vec<String>, f: F) -> Result<(), GitError>
where
    F: FnMut(Commit) -> ControlFlow<()>,
{
    let mut args = log_args(query);
    args.extend(revs);
    args.push("--".into());
    args.extend(query.paths.iter().cloned());
    let stop = AtomicBool::new(false);
    run_log(git, &args, None, &stop, f)
}

/// The flags shared by both reading strategies (no revisions, no pathspec).
fn log_args(query: &HistoryQuery) -> Vec<String> {
    let mut args: Vec<String> = [
        "log",
        "-z",
        FORMAT,
        "--date=raw",
        "--no-color",
        "--no-show-signature",
        "--no-ext-diff",
        "--no-textconv",
        "--no-relative",
    ]
    .map(String::from)
    .to_vec();
    if query.stats {
        args.push("--numstat".into());
        args.push(if query.renames { "-M" } else { "--no-renames" }.into());
    }
    if query.first_parent {
        args.push("--first-parent".into());
        args.push("--diff-merges=first-parent".into());
    } else {
        args.push("--diff-merges=off".into());
    }
    if !query.include_merges {
        args.push("--no-merges".into());
    }
    if let Some(n) = query.max_commits {
        args.push(format!("--max-count={n}"));
    }
    if query.reverse {
        args.push("--reverse".into());
    }
    args
}

fn rev_list(git: &Git, query: &HistoryQuery, revs: &[String]) -> Result<Vec<String>, GitError> {
    let mut args: Vec<String> = vec!["rev-list".into()];
    if query.first_parent {
        args.push("--first-parent".into());
    }
    if !query.include_merges {
        args.push("--no-merges".into());
    }
    if let Some(n) = query.max_commits {
        args.push(format!("--max-count={n}"));
    }
    args.extend(revs.iter().cloned());
    args.push("--".into());
    args.extend(query.paths.iter().cloned());
    let out = git.output(&args)?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().map(str::to_string).collect())
}
