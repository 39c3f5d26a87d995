//! Pull requests: read, list by head branch, open, label, request reviewers.

use http::Method;
use serde_json::json;

use super::GitHub;
use super::client::{Op, encode};
use super::types::Pull;
use crate::forge::error::ForgeError;
use crate::forge::types::{NewPullRequest, PullRequest};

const GET: Op = Op::get(
    "/repos/{owner}/{repo}/pulls/{pull_number}",
    "pull-requests: read",
);
const LIST: Op = Op::get("/repos/{owner}/{repo}/pulls", "pull-requests: read");
const CREATE: Op = Op::write(
    Method::POST,
    "/repos/{owner}/{repo}/pulls",
    "pull-requests: write",
);
// Adding labels or reviewers twice leaves the same set: safe to retry.
const LABELS: Op = Op::write(
    Method::POST,
    "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    "issues: write",
)
.idempotent();
// Removing a label that is gone already answers 404, which the caller treats as done.
const UNLABEL: Op = Op::write(
    Method::DELETE,
    "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    "issues: write",
)
.idempotent();
const REVIEWERS: Op = Op::write(
    Method::POST,
    "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    "pull-requests: write",
)
.idempotent();

impl GitHub {
    /// One pull request.
    pub async fn pull_request(&self, number: u64) -> Result<PullRequest, ForgeError> {
        let url = self.rest_url(&format!("{}/pulls/{number}", self.repo_path()));
        let pull: Pull = self.json(&GET, &url, None).await?;
        Ok(pull.into())
    }

    /// PRs from `branch` of this repository, every state, newest first.
    pub async fn pull_requests_by_head(
        &self,
        branch: &str,
    ) -> Result<Vec<PullRequest>, ForgeError> {
        let head = format!("{}:{}", self.config.repo.owner, branch);
        let path = format!(
            "{}/pulls?state=all&head={}&sort=created&direction=desc",
            self.repo_path(),
            encode(&head)
        );
        let pulls: Vec<Pull> = self.paginate(&LIST, &path).await?;
        Ok(pulls.into_iter().map(PullRequest::from).collect())
    }

    /// Opens a pull request.
    pub async fn create_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<PullRequest, ForgeError> {
        let url = self.rest_url(&format!("{}/pulls", self.repo_path()));
        let body = json!({
            "title": new.title,
            "body": new.body,
            "head": new.head,
            "base": new.base,
            "draft": new.draft,
        });
        let pull: Pull = self.json(&CREATE, &url, Some(&body)).await?;
        Ok(pull.into())
    }

    /// Adds labels (GitHub creates unknown ones).
    pub async fn add_labels(&self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        let url = self.rest_url(&format!("{}/issues/{number}/labels", self.repo_path()));
        let _: serde_json::Value = self
            .json(&LABELS, &url, Some(&json!({ "labels": labels })))
            .await?;
        Ok(())
    }

    /// Removes one label; a label the PR does not carry is not an error.
    pub async fn remove_label(&self, number: u64, label: &str) -> Result<(), ForgeError> {
        let url = self.rest_url(&format!(
            "{}/issues/{number}/labels/{}",
            self.repo_path(),
            encode(label)
        ));
        match self.json::<serde_json::Value>(&UNLABEL, &url, None).await {
            Ok(_) | Err(ForgeError::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Requests reviews from users.
    pub async fn request_reviewers(&self, number: u64, users: &[String]) -> Result<(), ForgeError> {
        let url = self.rest_url(&format!(
            "{}/pulls/{number}/requested_reviewers",
            self.repo_path()
        ));
        let _: serde_json::Value = self
            .json(&REVIEWERS, &url, Some(&json!({ "reviewers": users })))
            .await?;
        Ok(())
    }
}
