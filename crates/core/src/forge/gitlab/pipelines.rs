//! Checks on a commit: GitLab's commit statuses (every CI job is one, external tools add more)
//! plus the newest pipeline for the commit, which sums the jobs up.

use super::client::{Req, encode_segment};
use super::project::GitLab;
use super::types::{CommitStatus, Pipeline};
use crate::forge::error::ForgeError;
use crate::forge::types::ChecksSummary;

impl GitLab {
    /// Commit statuses (latest per name, all pages) and the newest pipeline for `sha`.
    pub async fn checks(&self, sha: &str) -> Result<ChecksSummary, ForgeError> {
        let statuses_req = Req::get(
            "/projects/:id/repository/commits/:sha/statuses",
            format!(
                "{}/repository/commits/{}/statuses",
                self.project(),
                encode_segment(sha)
            ),
        );
        let statuses: Vec<CommitStatus> = self.client.all(statuses_req).await?;
        let pipeline_req = Req::get(
            "/projects/:id/pipelines",
            format!("{}/pipelines", self.project()),
        )
        .query("sha", sha)
        .query("order_by", "id")
        .query("sort", "desc")
        .query("per_page", 1);
        let pipelines: Vec<Pipeline> = self.client.json(&pipeline_req).await?;
        let mut checks: Vec<_> = statuses.into_iter().map(CommitStatus::into_check).collect();
        if let Some(pipeline) = pipelines.into_iter().next() {
            checks.push(pipeline.into_check());
        }
        Ok(ChecksSummary {
            sha: sha.to_string(),
            checks,
        })
    }
}
