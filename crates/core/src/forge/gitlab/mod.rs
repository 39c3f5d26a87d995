//! The GitLab backend: REST v4 over reqwest, for GitLab.com and self-managed instances.
//!
//! The project is addressed by its URL-encoded full path (`group%2Fsub%2Fproject`, nested groups
//! included) or, inside GitLab CI for the same project, by `CI_PROJECT_ID`. Credentials are a
//! project/group/personal access token (`GITLAB_TOKEN`, sent as `PRIVATE-TOKEN`) or the CI/CD job
//! token (`CI_JOB_TOKEN`, sent as `JOB-TOKEN`), which GitLab accepts only for deployments,
//! environments and releases; calls it cannot make fail before anything is sent, naming the
//! variable to create ([`job_token_allows`]).
//!
//! One file per concept: [`client`] (HTTP, retries, pagination, errors), then notes, merge
//! requests (and how a merged one landed), deployments, pipelines (checks), members
//! (permissions), issues, releases, and branches with server-side commit reverts.
//!
//! Request counts, for the operations where they matter:
//! - `pull_requests_for_changes`: merge requests named by commit messages or the pipeline cost
//!   one GraphQL query per 100 (with approvals and head pipeline); commits that name none cost one
//!   `GET /repository/commits/:sha/merge_requests` each, eight at a time, because neither REST
//!   nor GraphQL looks merge requests up by commit in batches; the merge requests those find join
//!   the GraphQL batch.
//! - `list_comments`: one request per 100 notes; `upsert_sticky_comment`: list + one write.
//! - `create_deployment`: one `POST` (plus one read of the commit when the ref is neither a SHA
//!   nor the job's own ref; plus one list when running inside the job that owns the deployment).

mod branches;
mod client;
mod deployments;
mod graphql;
mod issues;
mod landing;
mod members;
mod merge_requests;
mod notes;
mod pipelines;
mod releases;
mod types;

pub use branches::CommitRevert;
pub use client::{JOB_TOKEN_HINT, TokenKind, encode_segment, job_token_allows};
pub use landing::Landed;
pub use members::is_bot_username;
pub use notes::MergeRequestNote;
pub use types::{deployment_state, gitlab_status, permission_for};

use super::{ForgeConfig, ForgeError};
use client::Client;

/// What a GitLab CI job says about itself through its predefined variables. Used to find the
/// deployment GitLab already created for a job with the `environment:` keyword, and to resolve
/// the job's ref to a SHA without asking the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiJob {
    /// `CI_JOB_ID`: the job, which is the `deployable` of its deployment.
    pub job_id: Option<u64>,
    /// `CI_ENVIRONMENT_NAME`: set only in jobs with `environment:`.
    pub environment: Option<String>,
    /// `CI_COMMIT_SHA`.
    pub commit_sha: Option<String>,
    /// `CI_COMMIT_REF_NAME`: branch or tag name.
    pub ref_name: Option<String>,
    /// `CI_COMMIT_TAG`: set when the pipeline runs for a tag.
    pub tag: Option<String>,
}

impl CiJob {
    /// Reads the job's variables; `None` outside GitLab CI (`GITLAB_CI` is not `true`).
    pub fn from_env() -> Option<Self> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if var("GITLAB_CI").as_deref() != Some("true") {
            return None;
        }
        Some(Self {
            job_id: var("CI_JOB_ID").and_then(|v| v.parse().ok()),
            environment: var("CI_ENVIRONMENT_NAME"),
            commit_sha: var("CI_COMMIT_SHA"),
            ref_name: var("CI_COMMIT_REF_NAME"),
            tag: var("CI_COMMIT_TAG"),
        })
    }
}

/// GitLab client.
#[derive(Debug, Clone)]
pub struct GitLab {
    client: Client,
    job: Option<CiJob>,
    /// `group/sub/project`, for web links.
    full_path: String,
}

impl GitLab {
    /// Builds the client. Inside GitLab CI, the job's variables are read ([`CiJob::from_env`]),
    /// and `CI_PROJECT_ID` addresses the project when `CI_PROJECT_PATH` is the configured repo.
    pub fn new(config: ForgeConfig) -> Result<Self, ForgeError> {
        crate::tls::init();
        let job = CiJob::from_env();
        let project_id = job.as_ref().and_then(|_| {
            let path = std::env::var("CI_PROJECT_PATH").ok()?;
            if path.trim() != config.repo.full_name() {
                return None;
            }
            std::env::var("CI_PROJECT_ID").ok()?.trim().parse().ok()
        });
        Ok(Self {
            client: Client::new(&config, project_id)?,
            job,
            full_path: config.repo.full_name(),
        })
    }

    /// Replaces what the client knows about the CI job it runs in (`None`: not in a job).
    pub fn with_ci_job(mut self, job: Option<CiJob>) -> Self {
        self.job = job;
        self
    }

    /// The CI job this client runs in, if any.
    pub fn ci_job(&self) -> Option<&CiJob> {
        self.job.as_ref()
    }

    /// Which credential the client sends.
    pub fn token_kind(&self) -> TokenKind {
        self.client.token_kind()
    }

    fn project(&self) -> String {
        self.client.project_path()
    }
}

/// The GraphQL endpoint that belongs with a REST base URL (`.../api/v4` → `.../api/graphql`).
pub fn graphql_url_for(api_url: &str) -> String {
    let base = api_url.trim().trim_end_matches('/');
    match base.strip_suffix("/v4") {
        Some(api) => format!("{api}/graphql"),
        None => format!("{base}/graphql"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_next_to_rest() {
        assert_eq!(
            graphql_url_for("https://gitlab.com/api/v4/"),
            "https://gitlab.com/api/graphql"
        );
        assert_eq!(
            graphql_url_for("https://git.example/gitlab/api/v4"),
            "https://git.example/gitlab/api/graphql"
        );
    }
}
