//! Issues, opened when a revert cannot be finished automatically.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::client::Req;
use super::project::GitLab;
use super::types::GlIssue;
use crate::forge::error::ForgeError;
use crate::forge::types::{Issue, NewIssue};

impl GitLab {
    /// Opens an issue. An unknown outcome is reconciled by searching the project's issues for
    /// the same title and description created in the last minutes.
    pub async fn create_issue(&self, new: &NewIssue) -> Result<Issue, ForgeError> {
        let req = Req::post(
            "/projects/:id/issues",
            format!("{}/issues", self.project()),
            json!({
                "title": new.title,
                "description": new.body,
                "labels": new.labels.join(","),
            }),
        )
        .needs("the Guest role (Planner or higher on private projects)");
        let since = Utc::now() - chrono::Duration::minutes(10);
        let issue: GlIssue = self
            .client
            .create(&req, || async move {
                let search = Req::get("/projects/:id/issues", format!("{}/issues", self.project()))
                    .query("search", &new.title)
                    .query("in", "title")
                    .query("created_after", since.to_rfc3339())
                    .query("order_by", "created_at")
                    .query("sort", "desc");
                let found: Vec<GlIssue> = self.client.all(search).await?;
                Ok(found.into_iter().find(|i| {
                    i.title == new.title && i.description.as_deref().unwrap_or("") == new.body
                }))
            })
            .await?;
        Ok(issue.into_issue())
    }

    /// The newest issue, open or closed, whose description contains `marker`, among the issues
    /// created since `since`. GitLab's search matches words, so it is asked for `marker`'s
    /// longest word and the exact marker is checked here.
    pub async fn find_issue(
        &self,
        marker: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Issue>, ForgeError> {
        let word = marker
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .max_by_key(|w| w.len())
            .unwrap_or(marker);
        let search = Req::get("/projects/:id/issues", format!("{}/issues", self.project()))
            .query("search", word)
            .query("in", "description")
            .query("state", "all")
            .query("scope", "all")
            .query("created_after", since.to_rfc3339())
            .query("order_by", "created_at")
            .query("sort", "desc");
        let found: Vec<GlIssue> = self.client.all(search).await?;
        Ok(found
            .into_iter()
            .find(|i| i.description.as_deref().unwrap_or("").contains(marker))
            .map(GlIssue::into_issue))
    }
}
