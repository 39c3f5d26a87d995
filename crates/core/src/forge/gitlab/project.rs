//! The GitLab client of one project: the HTTP client, the project it addresses and the CI job
//! it runs in. The other files of this backend add the operations, one concept each.

use super::client::{Client, TokenKind};
use super::job::CiJob;
use crate::forge::config::ForgeConfig;
use crate::forge::error::ForgeError;

/// GitLab client.
#[derive(Debug, Clone)]
pub struct GitLab {
    pub(super) client: Client,
    pub(super) job: Option<CiJob>,
    /// `group/sub/project`, for web links.
    pub(super) full_path: String,
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

    /// `projects/<id or encoded path>`, the prefix of every project route.
    pub(super) fn project(&self) -> String {
        self.client.project_path()
    }
}
