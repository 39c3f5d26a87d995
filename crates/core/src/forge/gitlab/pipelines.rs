//! Checks on a commit: the newest pipeline for the commit, which sums its jobs up, and the
//! commit statuses of that pipeline (every CI job is one, external tools add more).
//!
//! GitLab lists the statuses of every pipeline that ran for a SHA: a job that failed in an
//! older pipeline, or in a sibling one (a branch and a merge request pipeline for the same
//! commit), stays listed after a passing re-run. Only the newest pipeline says what the commit's
//! checks are now, so its statuses are asked for (`pipeline_id=`) and, for GitLab versions that
//! ignore that filter, the answer is narrowed by each status's `pipeline_id` again. Statuses that
//! carry no pipeline id (older than GitLab 16.4) are kept as they are.

use super::client::{Req, encode_segment};
use super::project::GitLab;
use super::types::{CommitStatus, Pipeline};
use crate::forge::error::ForgeError;
use crate::forge::types::ChecksSummary;

impl GitLab {
    /// The newest pipeline for `sha` and its commit statuses (all pages).
    pub async fn checks(&self, sha: &str) -> Result<ChecksSummary, ForgeError> {
        let pipeline_req = Req::get(
            "/projects/:id/pipelines",
            format!("{}/pipelines", self.project()),
        )
        .query("sha", sha)
        .query("order_by", "id")
        .query("sort", "desc")
        .query("per_page", 1);
        let pipelines: Vec<Pipeline> = self.client.json(&pipeline_req).await?;
        let newest = pipelines.into_iter().next();
        let mut statuses_req = Req::get(
            "/projects/:id/repository/commits/:sha/statuses",
            format!(
                "{}/repository/commits/{}/statuses",
                self.project(),
                encode_segment(sha)
            ),
        );
        if let Some(pipeline) = &newest {
            statuses_req = statuses_req.query("pipeline_id", pipeline.id);
        }
        let statuses: Vec<CommitStatus> = self.client.all(statuses_req).await?;
        let newest_id = newest.as_ref().map(|p| p.id);
        let mut checks: Vec<_> = statuses
            .into_iter()
            .filter(|s| {
                newest_id.is_none() || s.pipeline_id.is_none() || s.pipeline_id == newest_id
            })
            .map(CommitStatus::into_check)
            .collect();
        if let Some(pipeline) = newest {
            checks.push(pipeline.into_check());
        }
        Ok(ChecksSummary {
            sha: sha.to_string(),
            checks,
        })
    }
}
