//! Branches and server-side commit reverts, for revert merge requests made without a push.
//!
//! GitLab can revert a commit onto a branch itself (`POST /repository/commits/:sha/revert`),
//! with a `dry_run` that checks the revert applies without committing. A revert merge request is
//! then: check, create the branch, revert onto it, open the merge request.

use http::Method;
use serde_json::json;

use super::client::{Req, encode_segment};
use super::project::GitLab;
use crate::forge::error::ForgeError;

const WRITE_NEEDS: &str = "the Developer role (a project access token with the `api` scope)";

/// What a commit revert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitRevert {
    /// `dry_run`: the revert applies cleanly; nothing was committed.
    Applies,
    /// The revert commit made on the branch.
    Committed(String),
    /// GitLab refused: the revert conflicts or changes nothing (its message).
    Refused(String),
}

impl GitLab {
    /// Creates `branch` at `from` (a branch name or SHA).
    pub async fn create_branch(&self, branch: &str, from: &str) -> Result<(), ForgeError> {
        let req = Req::post(
            "/projects/:id/repository/branches",
            format!("{}/repository/branches", self.project()),
            json!({ "branch": branch, "ref": from }),
        )
        .needs(WRITE_NEEDS);
        let _: serde_json::Value = self.client.json(&req).await?;
        Ok(())
    }

    /// Deletes `branch`; a branch that is already gone is not an error.
    pub async fn delete_branch(&self, branch: &str) -> Result<(), ForgeError> {
        let req = Req::new(
            Method::DELETE,
            "/projects/:id/repository/branches/:branch",
            format!(
                "{}/repository/branches/{}",
                self.project(),
                encode_segment(branch)
            ),
        )
        .needs(WRITE_NEEDS);
        match self.client.send(&req).await {
            Ok(_) | Err(ForgeError::NotFound { .. }) => Ok(()),
            Err(other) => Err(other),
        }
    }

    /// Reverts `sha` onto `branch` (merge commits against their first parent, as GitLab does);
    /// with `dry_run` only checks that it would apply.
    pub async fn revert_commit(
        &self,
        sha: &str,
        branch: &str,
        dry_run: bool,
    ) -> Result<CommitRevert, ForgeError> {
        let req = Req::post(
            "/projects/:id/repository/commits/:sha/revert",
            format!(
                "{}/repository/commits/{}/revert",
                self.project(),
                encode_segment(sha)
            ),
            json!({ "branch": branch, "dry_run": dry_run }),
        )
        .needs(WRITE_NEEDS);
        match self.client.json::<serde_json::Value>(&req).await {
            Ok(_) if dry_run => Ok(CommitRevert::Applies),
            Ok(commit) => Ok(CommitRevert::Committed(
                commit["id"].as_str().unwrap_or_default().to_string(),
            )),
            Err(ForgeError::Invalid {
                status: 400,
                message,
                ..
            }) => Ok(CommitRevert::Refused(message)),
            Err(other) => Err(other),
        }
    }
}
