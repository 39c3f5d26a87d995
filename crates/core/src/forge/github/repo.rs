//! Repository-level operations: a user's permission, issues, tags and releases.

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use serde_json::json;

use super::GitHub;
use super::client::{Op, encode};
use super::types;
use crate::forge::error::ForgeError;
use crate::forge::types::{Issue, NewIssue, NewRelease, Permission, Release, Tag};

const PERMISSION: Op = Op::get(
    "/repos/{owner}/{repo}/collaborators/{username}/permission",
    "metadata: read",
);
const CREATE_ISSUE: Op = Op::write(
    Method::POST,
    "/repos/{owner}/{repo}/issues",
    "issues: write",
);
const LIST_ISSUES: Op = Op::get("/repos/{owner}/{repo}/issues", "issues: read");
const TAGS: Op = Op::get("/repos/{owner}/{repo}/tags", "contents: read");
const RELEASE_BY_TAG: Op = Op::get(
    "/repos/{owner}/{repo}/releases/tags/{tag}",
    "contents: read",
);
const CREATE_RELEASE: Op = Op::write(
    Method::POST,
    "/repos/{owner}/{repo}/releases",
    "contents: write",
);

impl GitHub {
    /// A user's permission (`role_name` first, which knows maintain and triage).
    pub async fn permission(&self, user: &str) -> Result<Permission, ForgeError> {
        let url = self.rest_url(&format!(
            "{}/collaborators/{}/permission",
            self.repo_path(),
            encode(user)
        ));
        let found: types::CollaboratorPermission = self.json(&PERMISSION, &url, None).await?;
        Ok(found.level())
    }

    /// Opens an issue.
    pub async fn create_issue(&self, new: &NewIssue) -> Result<Issue, ForgeError> {
        let url = self.rest_url(&format!("{}/issues", self.repo_path()));
        let body = json!({ "title": new.title, "body": new.body, "labels": new.labels });
        let issue: types::Issue = self.json(&CREATE_ISSUE, &url, Some(&body)).await?;
        Ok(issue.into())
    }

    /// The newest issue, open or closed, whose body contains `marker`, among the issues updated
    /// since `since` (GitHub's list also holds pull requests; they are skipped). Lets a tool that
    /// opens an issue for a situation find the one it opened on an earlier run.
    pub async fn find_issue(
        &self,
        marker: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Issue>, ForgeError> {
        let path = format!(
            "{}/issues?state=all&sort=created&direction=desc&since={}",
            self.repo_path(),
            encode(&since.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        );
        let issues: Vec<types::ListedIssue> = self.paginate(&LIST_ISSUES, &path).await?;
        Ok(issues
            .into_iter()
            .find(|i| i.pull_request.is_none() && i.body.as_deref().unwrap_or("").contains(marker))
            .map(|i| Issue {
                number: i.number,
                title: i.title,
                url: i.html_url,
            }))
    }

    /// All tags, all pages.
    pub async fn tags(&self) -> Result<Vec<Tag>, ForgeError> {
        let path = format!("{}/tags", self.repo_path());
        let tags: Vec<types::Tag> = self.paginate(&TAGS, &path).await?;
        Ok(tags.into_iter().map(Tag::from).collect())
    }

    /// The release of a tag; `None` when GitHub answers 404.
    pub async fn release_by_tag(&self, tag: &str) -> Result<Option<Release>, ForgeError> {
        let url = self.rest_url(&format!(
            "{}/releases/tags/{}",
            self.repo_path(),
            encode(tag)
        ));
        let reply = self.call(&RELEASE_BY_TAG, &url, None).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !reply.status.is_success() {
            return Err(self.error_for(&RELEASE_BY_TAG, &reply));
        }
        let release: types::Release = reply.decode(&RELEASE_BY_TAG)?;
        Ok(Some(release.into()))
    }

    /// Publishes a release, creating the tag at `target_sha` when it does not exist.
    pub async fn create_release(&self, new: &NewRelease) -> Result<Release, ForgeError> {
        let url = self.rest_url(&format!("{}/releases", self.repo_path()));
        let body = json!({
            "tag_name": new.tag,
            "target_commitish": new.target_sha,
            "name": new.name,
            "body": new.body,
            "prerelease": new.prerelease,
        });
        let release: types::Release = self.json(&CREATE_RELEASE, &url, Some(&body)).await?;
        Ok(release.into())
    }
}
