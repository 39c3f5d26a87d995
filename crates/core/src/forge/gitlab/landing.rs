//! How a merged merge request landed on its target branch.
//!
//! GitLab keeps it in the merge request itself, where git alone cannot always tell: with the
//! merge commit method `merge_commit_sha` is the merge (also when the commits were squashed
//! first); with fast-forward merges and squashing only `squash_commit_sha` is set, and that
//! commit's message is the title, with no `!N` to find it by; a fast-forward merge without
//! squashing sets neither, and the merge request's own commits (rebased onto the target) are
//! what landed.

use serde::Deserialize;

use super::client::Req;
use super::project::GitLab;
use crate::forge::error::ForgeError;
use crate::forge::types::PullRequest;

/// What a merge request left on its target branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landed {
    /// Not merged (open, closed or locked).
    NotMerged,
    /// A merge commit.
    MergeCommit(String),
    /// One squash commit, fast-forwarded onto the target.
    Squash(String),
    /// The merge request's commits, fast-forwarded (rebased first where needed), as GitLab lists
    /// them.
    FastForward(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct CommitId {
    id: String,
}

impl GitLab {
    /// The merge request and how it landed: one `GET .../merge_requests/:iid`, plus
    /// `GET .../merge_requests/:iid/commits` (all pages) for a fast-forward merge without
    /// squashing.
    pub async fn merge_request_landing(
        &self,
        iid: u64,
    ) -> Result<(PullRequest, Landed), ForgeError> {
        let mr = self.merge_request(iid).await?;
        let landed = match (
            mr.state.as_str(),
            mr.merge_commit_sha.clone(),
            mr.squash_commit_sha.clone(),
        ) {
            ("merged", Some(merge), _) => Landed::MergeCommit(merge),
            ("merged", None, Some(squash)) => Landed::Squash(squash),
            ("merged", None, None) => {
                let req = Req::get(
                    "/projects/:id/merge_requests/:iid/commits",
                    format!("{}/merge_requests/{iid}/commits", self.project()),
                );
                let commits: Vec<CommitId> = self.client.all(req).await?;
                Landed::FastForward(commits.into_iter().map(|c| c.id).collect())
            }
            _ => Landed::NotMerged,
        };
        Ok((mr.into_pull_request(), landed))
    }
}
