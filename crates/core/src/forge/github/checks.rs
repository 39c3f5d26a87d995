//! Checks on a commit: classic commit statuses and check runs, merged into one list.

use super::GitHub;
use super::client::{Op, encode};
use super::types::{CheckRuns, CombinedStatus};
use crate::forge::error::ForgeError;
use crate::forge::types::{Check, ChecksSummary};

const STATUS: Op = Op::get(
    "/repos/{owner}/{repo}/commits/{ref}/status",
    "statuses: read",
);
const CHECK_RUNS: Op = Op::get(
    "/repos/{owner}/{repo}/commits/{ref}/check-runs",
    "checks: read",
);

impl GitHub {
    /// The combined status (one context per entry, newest state) plus every check run; each
    /// list is paginated (100 per page).
    pub async fn checks(&self, sha: &str) -> Result<ChecksSummary, ForgeError> {
        let git_ref = encode(sha);
        let mut checks: Vec<Check> = Vec::new();
        let status_path = format!("{}/commits/{git_ref}/status", self.repo_path());
        self.paginate_with(&STATUS, &status_path, |reply| {
            let page: CombinedStatus = reply.decode(&STATUS)?;
            let _ = page.total_count;
            checks.extend(page.statuses.into_iter().map(Check::from));
            Ok(())
        })
        .await?;
        let runs_path = format!("{}/commits/{git_ref}/check-runs", self.repo_path());
        self.paginate_with(&CHECK_RUNS, &runs_path, |reply| {
            let page: CheckRuns = reply.decode(&CHECK_RUNS)?;
            let _ = page.total_count;
            checks.extend(page.check_runs.into_iter().map(Check::from));
            Ok(())
        })
        .await?;
        Ok(ChecksSummary {
            sha: sha.to_string(),
            checks,
        })
    }
}
