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

use crate::code_lines::CodeLines;
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
/// non-merge commit's features; with `paths` (git pathspecs), only the commits and files they
/// select. Returns the commits oldest first.
pub fn scan(
    git: &Git,
    head: &str,
    limit: Option<usize>,
    paths: &[String],
    config: &RiskConfig,
) -> Result<Vec<Scanned>, GitError> {
    let mut query = HistoryQuery::new(head);
    query.max_commits = limit;
    query.paths = paths.to_vec();
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
    // Comments, blank lines and whitespace-only edits are not code: the changed lines of
    // each change are read first (or found in the cache).
    let code = CodeLines::read(git, &query)?;
    // Oldest first, so each change's features are computed while git is still reading.
    query.reverse = true;
    history::for_each(git, &query, |mut commit| {
        shorten_body(&mut commit.body);
        let message = CommitMessage::parse(&full_message(&commit));
        let features = if commit.is_merge() {
            None
        } else {
            let measured = code.get(&commit.sha);
            Some(tracker.observe(&commit, &message, config, measured.as_ref()))
        };
        f(Scanned {
            commit,
            message,
            features,
        });
        ControlFlow::Continue(())
    })
}

/// Bodies are only needed to read the message; keep them short for memory's sake. The start
/// carries the PR/MR title of merge commits and the end the trailers (`PR #12`, `PR-URL:`,
/// `See merge request`), so a long body keeps its first 3 KiB and its last whole lines up to
/// 1 KiB.
fn shorten_body(body: &mut String) {
    const HEAD: usize = 3072;
    const TAIL: usize = 1024;
    if body.len() <= HEAD + TAIL {
        return;
    }
    let mut head_end = HEAD;
    while !body.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let tail_start = body.len() - TAIL;
    let tail_start = body[tail_start..]
        .find('\n')
        .map_or(body.len(), |at| tail_start + at + 1);
    let tail = body[tail_start..].to_string();
    body.truncate(head_end);
    body.push_str("\n\n");
    body.push_str(&tail);
}

/// The message as the commit holds it: subject, blank line, body.
pub fn full_message(commit: &Commit) -> String {
    if commit.body.is_empty() {
        commit.subject.clone()
    } else {
        format!("{}\n\n{}", commit.subject, commit.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_keeps_its_start_and_its_trailers() {
        let mut body = format!(
            "Title line\n\n{}\n\nPR #2684",
            "é long prose\n".repeat(2_000)
        );
        shorten_body(&mut body);
        assert!(body.len() <= 3072 + 1024 + 2);
        assert!(body.starts_with("Title line"));
        assert!(body.ends_with("\nPR #2684"));
        // The tail starts at a whole line: no cut-off word reads as a reference.
        assert!(body.contains("\n\né long prose\n"));
        let mut short = String::from("short\n\nPR #1");
        shorten_body(&mut short);
        assert_eq!(short, "short\n\nPR #1");
    }
}
