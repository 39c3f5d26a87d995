//! Comments on pull requests (GitHub keeps them as issue comments).

use http::Method;
use serde_json::json;

use super::GitHub;
use super::client::Op;
use super::types::IssueComment;
use crate::forge::error::ForgeError;
use crate::forge::types::Comment;

const LIST: Op = Op::get(
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    "pull-requests: read",
);
const CREATE: Op = Op::write(
    Method::POST,
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    "pull-requests: write",
);
const UPDATE: Op = Op::write(
    Method::PATCH,
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    "pull-requests: write",
)
.idempotent();

impl GitHub {
    /// Comments on a PR, oldest first, all pages.
    pub async fn list_comments(&self, pr: u64) -> Result<Vec<Comment>, ForgeError> {
        let path = format!("{}/issues/{pr}/comments", self.repo_path());
        let comments: Vec<IssueComment> = self.paginate(&LIST, &path).await?;
        Ok(comments.into_iter().map(Comment::from).collect())
    }

    /// Adds a comment. Not retried when the outcome is unknown: the caller reconciles.
    pub async fn create_comment(&self, pr: u64, body: &str) -> Result<Comment, ForgeError> {
        let url = self.rest_url(&format!("{}/issues/{pr}/comments", self.repo_path()));
        let created: IssueComment = self
            .json(&CREATE, &url, Some(&json!({ "body": body })))
            .await?;
        Ok(created.into())
    }

    /// Replaces a comment's body (a PATCH: safe to repeat).
    pub async fn update_comment(
        &self,
        _pr: u64,
        id: u64,
        body: &str,
    ) -> Result<Comment, ForgeError> {
        let url = self.rest_url(&format!("{}/issues/comments/{id}", self.repo_path()));
        let updated: IssueComment = self
            .json(&UPDATE, &url, Some(&json!({ "body": body })))
            .await?;
        Ok(updated.into())
    }
}
