//! One streamed pass over the history: every commit read once, features computed oldest first.
//!
//! Features such as a file's past changes or an author's experience need everything that came
//! before a change, so commits are read oldest first (in parallel `git log` processes on
//! multi-core machines) and fed to a [`Tracker`] as they arrive, while git is still reading. A
//! tracker can carry on from where an earlier pass left it, which is how the lookback window
//! before a range is read once and reused ([`crate::report`]). Only what the model and the report
//! need is kept per commit.

use std::ops::ControlFlow;

use shipline_core::config::RiskConfig;
use shipline_core::git::history::{self, Commit, HistoryQuery};
use shipline_core::git::{Git, GitError};

use crate::features::{Features, Tracker};
use shipline_commits::CommitMessage;

/// A commit with its parsed message and features.
#[derive(Debug, Clone)]
pub struct Scanned {
    /// The commit as git reported it (files included).
    pub commit: Commit,
    /// Its message, read.
    pub message: CommitMessage,
    /// Its features; `None` for merges (their changes are counted on the merged commits).
    pub features: Option<Features>,
}

/// Reads `head`'s history, newest `limit` commits at most (merges included), and computes each
/// non-merge commit's features. Returns the commits oldest first.
pub fn scan(
    git: &Git,
    head: &str,
    limit: Option<usize>,
    config: &RiskConfig,
) -> Result<Vec<Scanned>, GitError> {
    let mut query = HistoryQuery::new(head);
    query.max_commits = limit;
    let mut scanned = Vec::with_capacity(limit.unwrap_or(0).min(100_000));
    scan_each(git, query, &mut Tracker::new(), config, |s| scanned.push(s))?;
    Ok(scanned)
}

/// Reads what `query` selects, oldest first, continuing `tracker`, and hands each commit with its
/// message and features to `f` as soon as it is read.
pub fn scan_each(
    git: &Git,
    mut query: HistoryQuery,
    tracker: &mut Tracker,
    config: &RiskConfig,
    mut f: impl FnMut(Scanned),
) -> Result<(), GitError> {
    // Oldest first, so each change's features are computed while git is still reading.
    query.reverse = true;
    history::for_each(git, &query, |mut commit| {
        // Bodies are only needed to read the message; keep them short for memory's sake.
        if commit.body.len() > 4096 {
            let mut end = 4096;
            while !commit.body.is_char_boundary(end) {
                end -= 1;
            }
            commit.body.truncate(end);
        }
        let message = CommitMessage::parse(&full_message(&commit));
        let features = if commit.is_merge() {
            None
        } else {
            Some(tracker.observe(&commit, &message, config))
        };
        f(Scanned {
            commit,
            message,
            features,
        });
        ControlFlow::Continue(())
    })
}

/// The message as the commit holds it: subject, blank line, body.
pub fn full_message(commit: &Commit) -> String {
    if commit.body.is_empty() {
        commit.subject.clone()
    } else {
        format!("{}\n\n{}", commit.subject, commit.body)
    }
}
