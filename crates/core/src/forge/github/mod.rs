//! The GitHub backend (to be written).

use super::{ForgeConfig, ForgeError};

/// GitHub client.
#[derive(Debug, Clone)]
pub struct GitHub {
    config: ForgeConfig,
}

impl GitHub {
    /// Builds the client.
    pub fn new(config: ForgeConfig) -> Result<Self, ForgeError> {
        Ok(Self { config })
    }
}

/// The GraphQL endpoint that belongs with a REST base URL.
pub fn graphql_url_for(api_url: &str) -> String {
    format!("{}/graphql", api_url.trim_end_matches('/'))
}

// Placeholder surface so the crate builds while the backend is written; every method is replaced.
#[allow(unused_variables, missing_docs)]
impl GitHub {
    fn pending<T>(&self, op: &str) -> Result<T, ForgeError> {
        let _ = &self.config;
        Err(ForgeError::Unsupported {
            forge: super::ForgeKind::GitHub,
            operation: op.into(),
        })
    }
    pub async fn list_comments(&self, pr: u64) -> Result<Vec<super::Comment>, ForgeError> {
        self.pending("list_comments")
    }
    pub async fn create_comment(&self, pr: u64, body: &str) -> Result<super::Comment, ForgeError> {
        self.pending("create_comment")
    }
    pub async fn update_comment(
        &self,
        pr: u64,
        id: u64,
        body: &str,
    ) -> Result<super::Comment, ForgeError> {
        self.pending("update_comment")
    }
    pub async fn pull_request(&self, number: u64) -> Result<super::PullRequest, ForgeError> {
        self.pending("pull_request")
    }
    pub async fn pull_requests_by_head(
        &self,
        branch: &str,
    ) -> Result<Vec<super::PullRequest>, ForgeError> {
        self.pending("pull_requests_by_head")
    }
    pub async fn create_pull_request(
        &self,
        new: &super::NewPullRequest,
    ) -> Result<super::PullRequest, ForgeError> {
        self.pending("create_pull_request")
    }
    pub async fn add_labels(&self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        self.pending("add_labels")
    }
    pub async fn request_reviewers(&self, number: u64, users: &[String]) -> Result<(), ForgeError> {
        self.pending("request_reviewers")
    }
    pub async fn pull_requests_for_commits(
        &self,
        shas: &[String],
    ) -> Result<std::collections::BTreeMap<String, Vec<super::PullRequest>>, ForgeError> {
        self.pending("pull_requests_for_commits")
    }
    pub async fn create_deployment(
        &self,
        new: &super::NewDeployment,
    ) -> Result<super::DeploymentCreated, ForgeError> {
        self.pending("create_deployment")
    }
    pub async fn create_deployment_status(
        &self,
        id: u64,
        status: &super::NewDeploymentStatus,
    ) -> Result<super::DeploymentStatus, ForgeError> {
        self.pending("create_deployment_status")
    }
    pub async fn deployment(&self, id: u64) -> Result<super::Deployment, ForgeError> {
        self.pending("deployment")
    }
    pub async fn list_deployments(
        &self,
        filter: &super::DeploymentFilter,
    ) -> Result<Vec<super::Deployment>, ForgeError> {
        self.pending("list_deployments")
    }
    pub async fn deployment_statuses(
        &self,
        id: u64,
    ) -> Result<Vec<super::DeploymentStatus>, ForgeError> {
        self.pending("deployment_statuses")
    }
    pub async fn checks(&self, sha: &str) -> Result<super::ChecksSummary, ForgeError> {
        self.pending("checks")
    }
    pub async fn permission(&self, user: &str) -> Result<super::Permission, ForgeError> {
        self.pending("permission")
    }
    pub async fn create_issue(&self, new: &super::NewIssue) -> Result<super::Issue, ForgeError> {
        self.pending("create_issue")
    }
    pub async fn tags(&self) -> Result<Vec<super::Tag>, ForgeError> {
        self.pending("tags")
    }
    pub async fn release_by_tag(&self, tag: &str) -> Result<Option<super::Release>, ForgeError> {
        self.pending("release_by_tag")
    }
    pub async fn create_release(
        &self,
        new: &super::NewRelease,
    ) -> Result<super::Release, ForgeError> {
        self.pending("create_release")
    }
}
