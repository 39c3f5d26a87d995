//! Issues, opened when a revert cannot be finished automatically.

use chrono::Utc;
use serde_json::json;

use super::GitLab;
use super::client::Req;
use super::types::GlIssue;
use crate::forge::{ForgeError, Issue, NewIssue};

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
}
