//! One client over GitHub and GitLab.
//!
//! [`Forge`] is a closed enum over the two backends: the tools call one method and the backend
//! translates it into REST or GraphQL calls, converting answers into the shared types in
//! [`types`]. Each backend keeps its request/response shapes to itself.
//!
//! Writes are made safe to retry: a write whose outcome is unknown (a 5xx, a dropped connection)
//! is reconciled by reading back before it is sent again, so a flaky network ends with one
//! comment, one deployment status, one pull request.

mod config;
mod error;
pub mod github;
pub mod gitlab;
pub mod retry;
pub mod types;

use std::collections::BTreeMap;

pub use config::ForgeConfig;
pub use error::ForgeError;
pub use types::*;

/// A connected forge client.
#[derive(Debug, Clone)]
pub enum Forge {
    /// GitHub.com or GitHub Enterprise Server.
    GitHub(github::GitHub),
    /// GitLab.com or self-managed GitLab.
    GitLab(gitlab::GitLab),
}

/// Dispatches one call to whichever backend this is.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Forge::GitHub(f) => f.$method($($arg),*).await,
            Forge::GitLab(f) => f.$method($($arg),*).await,
        }
    };
}

impl Forge {
    /// Builds the client for `config.kind`.
    pub fn connect(config: ForgeConfig) -> Result<Self, ForgeError> {
        crate::tls::init();
        Ok(match config.kind {
            ForgeKind::GitHub => Forge::GitHub(github::GitHub::new(config)?),
            ForgeKind::GitLab => Forge::GitLab(gitlab::GitLab::new(config)?),
        })
    }

    /// Which forge this is.
    pub fn kind(&self) -> ForgeKind {
        match self {
            Forge::GitHub(_) => ForgeKind::GitHub,
            Forge::GitLab(_) => ForgeKind::GitLab,
        }
    }

    /// Comments on a PR/MR, oldest first, all pages.
    pub async fn list_comments(&self, pr: u64) -> Result<Vec<Comment>, ForgeError> {
        dispatch!(self.list_comments(pr))
    }

    /// The first comment on a PR/MR whose body contains `marker` (a hidden HTML comment).
    pub async fn find_comment(&self, pr: u64, marker: &str) -> Result<Option<Comment>, ForgeError> {
        Ok(self
            .list_comments(pr)
            .await?
            .into_iter()
            .find(|c| c.body.contains(marker)))
    }

    /// Adds a comment. Control characters never reach the forge (every body written goes
    /// through [`crate::text::plain_lines`], whatever the caller cleaned already).
    pub async fn create_comment(&self, pr: u64, body: &str) -> Result<Comment, ForgeError> {
        let body = &crate::text::plain_lines(body);
        dispatch!(self.create_comment(pr, body))
    }

    /// Replaces a comment's body.
    pub async fn update_comment(
        &self,
        pr: u64,
        id: u64,
        body: &str,
    ) -> Result<Comment, ForgeError> {
        let body = &crate::text::plain_lines(body);
        dispatch!(self.update_comment(pr, id, body))
    }

    /// Creates or updates the one comment carrying `marker` on a PR/MR. The marker is added to
    /// `body` when missing. A create whose outcome is unknown is reconciled by looking again, so
    /// retries never leave two comments.
    pub async fn upsert_sticky_comment(
        &self,
        pr: u64,
        marker: &str,
        body: &str,
    ) -> Result<Comment, ForgeError> {
        let body = crate::text::plain_lines(&if body.contains(marker) {
            body.to_string()
        } else {
            format!("{marker}\n{body}")
        });
        if let Some(existing) = self.find_comment(pr, marker).await? {
            if existing.body == body {
                return Ok(existing);
            }
            return self.update_comment(pr, existing.id, &body).await;
        }
        match self.create_comment(pr, &body).await {
            Ok(created) => Ok(created),
            Err(err) if err.outcome_unknown() => match self.find_comment(pr, marker).await? {
                Some(existing) => Ok(existing),
                None => self.create_comment(pr, &body).await,
            },
            Err(err) => Err(err),
        }
    }

    /// One pull/merge request.
    pub async fn pull_request(&self, number: u64) -> Result<PullRequest, ForgeError> {
        dispatch!(self.pull_request(number))
    }

    /// PRs/MRs from a source branch, in every state, newest first.
    pub async fn pull_requests_by_head(
        &self,
        branch: &str,
    ) -> Result<Vec<PullRequest>, ForgeError> {
        dispatch!(self.pull_requests_by_head(branch))
    }

    /// One PR/MR (when `number` is given) and the PRs/MRs from source branch `head` in every
    /// state, newest first. GitHub answers both in one GraphQL query; GitLab needs two requests.
    pub async fn pull_request_and_head_prs(
        &self,
        number: Option<u64>,
        head: &str,
    ) -> Result<(Option<PullRequest>, Vec<PullRequest>), ForgeError> {
        match self {
            Forge::GitHub(f) => f.pull_request_and_head_prs(number, head).await,
            Forge::GitLab(f) => {
                let pr = match number {
                    Some(n) => Some(f.pull_request(n).await?),
                    None => None,
                };
                Ok((pr, f.pull_requests_by_head(head).await?))
            }
        }
    }

    /// One pull request and the pull requests that reference it (GitHub: cross-references, in
    /// one GraphQL query). GitLab keeps no such link: it answers with the merge request and
    /// `None`, and the caller has to look the other merge requests up itself.
    pub async fn pull_request_and_references(
        &self,
        number: u64,
    ) -> Result<(PullRequest, Option<Vec<PullRequest>>), ForgeError> {
        match self {
            Forge::GitHub(f) => {
                let (pr, references) = f.pull_request_and_references(number).await?;
                Ok((pr, Some(references)))
            }
            Forge::GitLab(f) => Ok((f.pull_request(number).await?, None)),
        }
    }

    /// Turns on auto-merge for an open PR/MR: GitHub's `enablePullRequestAutoMerge` (needs the
    /// PR's node id, which GitHub sends with every PR), GitLab's merge with `auto_merge`, which
    /// merges at once when the pipeline has passed already.
    pub async fn enable_auto_merge(&self, pr: &PullRequest) -> Result<AutoMerge, ForgeError> {
        match self {
            Forge::GitHub(f) => match pr.node_id.as_deref() {
                Some(id) => f.enable_auto_merge(id).await.map(|()| AutoMerge::Enabled),
                None => Err(ForgeError::Config(format!(
                    "pull request #{} came without a node id, so auto-merge cannot be enabled; enable it on the pull request page",
                    pr.number
                ))),
            },
            Forge::GitLab(f) => f.enable_auto_merge(pr.number, &pr.head_sha).await,
        }
    }

    /// Opens a PR/MR. An unknown outcome is reconciled by listing PRs from the same head branch.
    pub async fn create_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<PullRequest, ForgeError> {
        let new = &NewPullRequest {
            title: crate::text::plain(&new.title),
            body: crate::text::plain_lines(&new.body),
            ..new.clone()
        };
        match dispatch!(self.create_pull_request(new)) {
            Ok(pr) => Ok(pr),
            Err(err) if err.outcome_unknown() => {
                let open = self
                    .pull_requests_by_head(&new.head)
                    .await?
                    .into_iter()
                    .find(|pr| pr.state == PrState::Open && pr.base_ref == new.base);
                match open {
                    Some(pr) => Ok(pr),
                    None => dispatch!(self.create_pull_request(new)),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Adds labels to a PR/MR (creating unknown labels where the forge does).
    pub async fn add_labels(&self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        if labels.is_empty() {
            return Ok(());
        }
        dispatch!(self.add_labels(number, labels))
    }

    /// Removes a label from a PR/MR; one it does not carry is not an error.
    pub async fn remove_label(&self, number: u64, label: &str) -> Result<(), ForgeError> {
        dispatch!(self.remove_label(number, label))
    }

    /// Asks users to review a PR/MR and returns those the forge kept as reviewers. GitHub keeps
    /// all of them or answers with an error; GitLab may keep fewer and still answer 200 (one
    /// reviewer on the Free tier; users who cannot see the project are dropped).
    pub async fn request_reviewers(
        &self,
        number: u64,
        users: &[String],
    ) -> Result<Vec<String>, ForgeError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Forge::GitHub(f) => f
                .request_reviewers(number, users)
                .await
                .map(|()| users.to_vec()),
            Forge::GitLab(f) => f.request_reviewers(number, users).await,
        }
    }

    /// The PRs/MRs that contain each commit, in as few requests as the forge allows (GitHub: one
    /// GraphQL query per 100 commits). Commits without a PR map to an empty list.
    pub async fn pull_requests_for_commits(
        &self,
        shas: &[String],
    ) -> Result<BTreeMap<String, Vec<PullRequest>>, ForgeError> {
        if shas.is_empty() {
            return Ok(BTreeMap::new());
        }
        dispatch!(self.pull_requests_for_commits(shas))
    }

    /// The PRs/MRs behind `changes`, with the process signals the forge knows (approvals,
    /// checks, who merged), in as few requests as the forge allows. GitHub: every commit is
    /// looked up, one GraphQL query per 100, named or not. GitLab: named merge requests are
    /// read by number, one GraphQL query per 100; commits that name none are looked up one
    /// request each. A named PR/MR the forge does not know maps to an empty list.
    pub async fn pull_requests_for_changes(
        &self,
        changes: &[CommitRef],
    ) -> Result<BTreeMap<String, Vec<PullRequest>>, ForgeError> {
        if changes.is_empty() {
            return Ok(BTreeMap::new());
        }
        match self {
            Forge::GitHub(f) => {
                let shas: Vec<String> = changes.iter().map(|c| c.sha.clone()).collect();
                f.pull_requests_for_commits(&shas).await
            }
            Forge::GitLab(f) => f.pull_requests_for_changes(changes).await,
        }
    }

    /// Creates a deployment record.
    pub async fn create_deployment(
        &self,
        new: &NewDeployment,
    ) -> Result<DeploymentCreated, ForgeError> {
        dispatch!(self.create_deployment(new))
    }

    /// Adds a status to a deployment.
    pub async fn create_deployment_status(
        &self,
        deployment_id: u64,
        status: &NewDeploymentStatus,
    ) -> Result<DeploymentStatus, ForgeError> {
        dispatch!(self.create_deployment_status(deployment_id, status))
    }

    /// One deployment with its latest status.
    pub async fn deployment(&self, id: u64) -> Result<Deployment, ForgeError> {
        dispatch!(self.deployment(id))
    }

    /// Deployments matching `filter`, newest first, all pages. `latest` is filled where the
    /// forge returns it with the list (GitLab) or can batch it (GitHub: one GraphQL query per
    /// 100 deployments; the status's `id` is 0 there, GraphQL does not expose it).
    pub async fn list_deployments(
        &self,
        filter: &DeploymentFilter,
    ) -> Result<Vec<Deployment>, ForgeError> {
        dispatch!(self.list_deployments(filter))
    }

    /// Status history of a deployment, newest first.
    pub async fn deployment_statuses(
        &self,
        deployment_id: u64,
    ) -> Result<Vec<DeploymentStatus>, ForgeError> {
        dispatch!(self.deployment_statuses(deployment_id))
    }

    /// Checks (commit statuses, check runs, pipelines) on a commit.
    pub async fn checks(&self, sha: &str) -> Result<ChecksSummary, ForgeError> {
        dispatch!(self.checks(sha))
    }

    /// A user's permission on the repository.
    pub async fn permission(&self, user: &str) -> Result<Permission, ForgeError> {
        dispatch!(self.permission(user))
    }

    /// Opens an issue.
    pub async fn create_issue(&self, new: &NewIssue) -> Result<Issue, ForgeError> {
        let new = &NewIssue {
            title: crate::text::plain(&new.title),
            body: crate::text::plain_lines(&new.body),
            ..new.clone()
        };
        dispatch!(self.create_issue(new))
    }

    /// The newest issue, open or closed, whose body contains `marker`, among those updated
    /// (GitLab: created) since `since`.
    pub async fn find_issue(
        &self,
        marker: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Issue>, ForgeError> {
        dispatch!(self.find_issue(marker, since))
    }

    /// All tags, all pages.
    pub async fn tags(&self) -> Result<Vec<Tag>, ForgeError> {
        dispatch!(self.tags())
    }

    /// The release for a tag, if there is one.
    pub async fn release_by_tag(&self, tag: &str) -> Result<Option<Release>, ForgeError> {
        dispatch!(self.release_by_tag(tag))
    }

    /// Publishes a release (creating its tag at `target_sha` when missing). An unknown outcome is
    /// reconciled by looking the tag's release up.
    pub async fn create_release(&self, new: &NewRelease) -> Result<Release, ForgeError> {
        let new = &NewRelease {
            name: crate::text::plain(&new.name),
            body: crate::text::plain_lines(&new.body),
            ..new.clone()
        };
        match dispatch!(self.create_release(new)) {
            Ok(release) => Ok(release),
            Err(err) if err.outcome_unknown() => match self.release_by_tag(&new.tag).await? {
                Some(release) => Ok(release),
                None => dispatch!(self.create_release(new)),
            },
            Err(err) => Err(err),
        }
    }
}
