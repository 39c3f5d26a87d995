//! The commits between two deployed SHAs, with the PRs and reverts their messages name.
//!
//! `show` needs them to say what waits upstream, `metrics` to know which commits a deployment
//! delivered (lead time) and which deployments a later revert undid (change failure rate).
//! Numbers come from the merge and squash subjects the forges write, so no API call is needed.

use shipline_commits::{Reverted, references};
use shipline_core::git::history::{self, HistoryQuery, Parallel};
use shipline_core::git::{Git, GitError};

/// One commit of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RangeCommit {
    /// Full SHA.
    pub sha: String,
    /// Committer time (seconds since the epoch): when the change landed.
    pub committed_at: i64,
    /// The PR/MR the commit came from, when its message says.
    pub pr: Option<u64>,
    /// What the commit reverts.
    pub reverts: Vec<Reverted>,
}

/// Commits reachable from `head` and not from `base` (all history when `base` is `None`),
/// newest first.
pub(crate) fn commits(
    git: &Git,
    base: Option<&str>,
    head: &str,
) -> Result<Vec<RangeCommit>, GitError> {
    let mut query = HistoryQuery::new(head);
    query.base = base.map(str::to_string);
    query.stats = false;
    query.renames = false;
    query.parallel = Parallel::Off;
    Ok(history::read(git, &query)?
        .into_iter()
        .map(|c| {
            let message = format!("{}\n\n{}", c.subject, c.body);
            let refs = references(&message);
            RangeCommit {
                sha: c.sha,
                committed_at: c.committer_time.seconds,
                pr: refs.pr.map(|p| p.number),
                reverts: refs.reverts,
            }
        })
        .collect())
}

/// The distinct PR numbers of `commits`, ascending.
pub(crate) fn pull_requests(commits: &[RangeCommit]) -> Vec<u64> {
    let mut prs: Vec<u64> = commits.iter().filter_map(|c| c.pr).collect();
    prs.sort_unstable();
    prs.dedup();
    prs
}

/// Whether `sha` resolves to a commit in this clone (a shallow or stale clone may lack it).
pub(crate) fn has_commit(git: &Git, sha: &str) -> bool {
    git.check(["cat-file", "-e", &format!("{sha}^{{commit}}")])
        .unwrap_or(false)
}
