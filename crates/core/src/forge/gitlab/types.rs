//! GitLab's REST v4 shapes, as documented per endpoint, and their conversion into the shared
//! domain types. Only the fields shipline reads are declared; GitLab sends many more.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::forge::types::{
    Check, CheckState, Comment, Deployment, DeploymentState, DeploymentStatus, Issue, Permission,
    PrState, PullRequest, Release, Tag,
};

/// A merge request's state as a PR state, with what landed on the target branch when it is
/// merged: its merge or squash commit (`landed`), else (a fast-forward or rebase merge leaves
/// neither) the source head.
pub(crate) fn landing(
    state: &str,
    landed: Option<String>,
    head: Option<&str>,
) -> (PrState, Option<String>) {
    match state {
        "merged" => (PrState::Merged, landed.or_else(|| head.map(str::to_string))),
        "opened" | "locked" => (PrState::Open, None),
        _ => (PrState::Closed, None),
    }
}

/// Whether a merge request title marks it a draft, as GitLab reads titles: `Draft:`,
/// `[Draft]`, `(Draft)` or `Draft - ` at the start, in any case. Where GitLab gives no draft
/// flag (`CI_MERGE_REQUEST_DRAFT` exists only from GitLab 17.10), the title says it.
pub fn is_draft_title(title: &str) -> bool {
    let title = title.trim_start().to_ascii_lowercase();
    ["draft:", "[draft]", "(draft)", "draft - "]
        .iter()
        .any(|prefix| title.starts_with(prefix))
        || title.trim_end() == "draft"
}

/// A user as embedded in other objects (`author`, `user`, `merged_by`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct UserRef {
    pub id: u64,
    pub username: String,
}

/// `GET /projects/:id/merge_requests/:iid/notes` items.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Note {
    pub id: u64,
    pub body: String,
    pub author: UserRef,
    #[serde(default)]
    pub system: bool,
    pub created_at: DateTime<Utc>,
}

impl Note {
    pub fn into_comment(self, mr_url: &str) -> Comment {
        Comment {
            url: Some(format!("{mr_url}#note_{}", self.id)),
            id: self.id,
            body: self.body,
            author: self.author.username,
        }
    }
}

/// A merge request (`GET /projects/:id/merge_requests/:iid` and lists).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MergeRequest {
    pub iid: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `opened`, `closed`, `locked` or `merged`.
    pub state: String,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub work_in_progress: bool,
    pub author: UserRef,
    pub source_branch: String,
    pub target_branch: String,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub squash_commit_sha: Option<String>,
    /// Squashed on merge.
    #[serde(default)]
    pub squash: bool,
    #[serde(default)]
    pub merged_by: Option<UserRef>,
    #[serde(default)]
    pub merge_user: Option<UserRef>,
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
    pub web_url: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub reviewers: Vec<UserRef>,
}

impl MergeRequest {
    pub fn into_pull_request(self) -> PullRequest {
        // A squashed merge request that names no commit did not land as its source head: what
        // landed is unknown.
        let unknown =
            self.squash && self.merge_commit_sha.is_none() && self.squash_commit_sha.is_none();
        let (state, mut merge_commit_sha) = landing(
            &self.state,
            self.merge_commit_sha.or(self.squash_commit_sha),
            self.sha.as_deref(),
        );
        if unknown {
            merge_commit_sha = None;
        }
        PullRequest {
            number: self.iid,
            title: self.title,
            body: self.description.unwrap_or_default(),
            state,
            draft: self.draft || self.work_in_progress,
            author: self.author.username,
            head_ref: self.source_branch,
            head_sha: self.sha.unwrap_or_default(),
            base_ref: self.target_branch,
            merge_commit_sha,
            merged_by: self.merge_user.or(self.merged_by).map(|u| u.username),
            merged_at: self.merged_at,
            url: self.web_url,
            labels: self.labels,
            node_id: None,
            // The MR lists carry neither approvals nor the head pipeline: GraphQL adds them.
            approvals: None,
            review_decision: None,
            head_checks: None,
            merge_checks: None,
        }
    }
}

/// The environment embedded in a deployment.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EnvironmentRef {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub external_url: Option<String>,
}

/// The job (`deployable`) that created a deployment, when a job did.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Deployable {
    pub id: u64,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// `GET /projects/:id/deployments/:deployment_id` and lists.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlDeployment {
    pub id: u64,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub sha: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// `created`, `running`, `success`, `failed`, `canceled`, `skipped` or `blocked`.
    pub status: String,
    #[serde(default)]
    pub user: Option<UserRef>,
    pub environment: EnvironmentRef,
    #[serde(default)]
    pub deployable: Option<Deployable>,
}

/// GitLab's deployment states onto the shared ones: `created` and `blocked` (waiting for an
/// approval or a manual action) are queued, `running` is in progress, `failed` is a failure,
/// `canceled` and `skipped` never went live and count as inactive.
pub fn deployment_state(status: &str) -> DeploymentState {
    match status {
        "running" => DeploymentState::InProgress,
        "success" => DeploymentState::Success,
        "failed" => DeploymentState::Failure,
        "canceled" | "skipped" => DeploymentState::Inactive,
        _ => DeploymentState::Queued,
    }
}

/// The status GitLab accepts in `POST`/`PUT /deployments` for a shared state. GitLab takes only
/// `running`, `success`, `failed` and `canceled`: queued is sent as running (the record is made
/// when the deploy starts), error as failed, inactive as canceled.
pub fn gitlab_status(state: DeploymentState) -> &'static str {
    match state {
        DeploymentState::Queued | DeploymentState::InProgress => "running",
        DeploymentState::Success => "success",
        DeploymentState::Failure | DeploymentState::Error => "failed",
        DeploymentState::Inactive => "canceled",
    }
}

impl GlDeployment {
    /// The one status GitLab keeps: the current one (it has no per-transition history).
    pub fn current_status(&self) -> DeploymentStatus {
        DeploymentStatus {
            id: 0,
            state: deployment_state(&self.status),
            description: String::new(),
            environment_url: self.environment.external_url.clone(),
            log_url: self.deployable.as_ref().and_then(|d| d.web_url.clone()),
            created_at: self
                .finished_at
                .or(self.updated_at)
                .unwrap_or(self.created_at),
        }
    }

    pub fn into_deployment(self) -> Deployment {
        let latest = Some(self.current_status());
        Deployment {
            id: self.id,
            sha: self.sha,
            git_ref: self.git_ref,
            environment: self.environment.name,
            creator: self.user.map(|u| u.username).unwrap_or_default(),
            description: String::new(),
            payload: serde_json::Value::Null,
            transient: false,
            created_at: self.created_at,
            latest,
        }
    }
}

/// `GET /projects/:id/repository/commits/:sha/statuses` items.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommitStatus {
    /// The pipeline the status belongs to (sent since GitLab 16.4).
    #[serde(default)]
    pub pipeline_id: Option<u64>,
    pub name: String,
    /// `pending`, `running`, `success`, `failed`, `canceled`, `skipped`, `manual`, ...
    pub status: String,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub allow_failure: bool,
}

/// `GET /projects/:id/pipelines` items.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Pipeline {
    pub id: u64,
    pub status: String,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// Pipeline and job statuses onto check states. A job allowed to fail does not turn a commit
/// red, so its failure counts as skipped; `manual` jobs nobody started are skipped too.
pub fn check_state(status: &str, allow_failure: bool) -> CheckState {
    match status {
        "success" => CheckState::Success,
        "failed" if allow_failure => CheckState::Skipped,
        "failed" | "canceled" => CheckState::Failure,
        "skipped" | "manual" => CheckState::Skipped,
        _ => CheckState::Pending,
    }
}

impl CommitStatus {
    pub fn into_check(self) -> Check {
        Check {
            state: check_state(&self.status, self.allow_failure),
            name: self.name,
            url: self.target_url,
        }
    }
}

impl Pipeline {
    pub fn into_check(self) -> Check {
        Check {
            name: format!("pipeline #{}", self.id),
            state: check_state(&self.status, false),
            url: self.web_url,
        }
    }
}

/// `GET /users?username=` items.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct User {
    pub id: u64,
    pub username: String,
}

/// `GET /projects/:id/members/all/:user_id`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Member {
    pub access_level: u32,
}

/// GitLab roles onto permissions: Owner (50) admin, Maintainer (40) maintain, Developer (30)
/// write, Reporter (20) triage, Planner (15) and Guest (10) read, Minimal access (5) none.
pub fn permission_for(access_level: u32) -> Permission {
    match access_level {
        50.. => Permission::Admin,
        40..=49 => Permission::Maintain,
        30..=39 => Permission::Write,
        20..=29 => Permission::Triage,
        10..=19 => Permission::Read,
        _ => Permission::None,
    }
}

/// `POST /projects/:id/issues` answer.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlIssue {
    pub iid: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub web_url: String,
}

impl GlIssue {
    pub fn into_issue(self) -> Issue {
        Issue {
            number: self.iid,
            title: self.title,
            url: self.web_url,
        }
    }
}

/// The commit embedded in a tag.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommitRef {
    pub id: String,
}

/// `GET /projects/:id/repository/tags` items.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlTag {
    pub name: String,
    pub commit: CommitRef,
}

impl GlTag {
    pub fn into_tag(self) -> Tag {
        Tag {
            name: self.name,
            sha: self.commit.id,
        }
    }
}

/// `_links` of a release.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ReleaseLinks {
    #[serde(rename = "self", default)]
    pub self_url: Option<String>,
}

/// `GET /projects/:id/releases/:tag_name`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlRelease {
    pub tag_name: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "_links", default)]
    pub links: ReleaseLinks,
}

impl GlRelease {
    pub fn into_release(self) -> Release {
        Release {
            id: 0,
            name: self.name.unwrap_or_else(|| self.tag_name.clone()),
            tag: self.tag_name,
            body: self.description.unwrap_or_default(),
            url: self.links.self_url.unwrap_or_default(),
        }
    }
}

/// `GET /projects/:id/repository/commits/:ref`: only the SHA is needed.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlCommit {
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_both_ways() {
        for (gitlab, shared) in [
            ("created", DeploymentState::Queued),
            ("blocked", DeploymentState::Queued),
            ("running", DeploymentState::InProgress),
            ("success", DeploymentState::Success),
            ("failed", DeploymentState::Failure),
            ("canceled", DeploymentState::Inactive),
            ("skipped", DeploymentState::Inactive),
        ] {
            assert_eq!(deployment_state(gitlab), shared, "{gitlab}");
        }
        assert_eq!(gitlab_status(DeploymentState::Error), "failed");
        assert_eq!(gitlab_status(DeploymentState::Inactive), "canceled");
    }

    #[test]
    fn draft_titles() {
        for draft in [
            "Draft: x",
            "draft:x",
            "[Draft] x",
            "(DRAFT) x",
            "Draft - x",
            "Draft",
        ] {
            assert!(is_draft_title(draft), "{draft}");
        }
        for ready in ["Add drafts", "Drafting: x", "x Draft:", ""] {
            assert!(!is_draft_title(ready), "{ready}");
        }
    }

    #[test]
    fn access_levels() {
        assert_eq!(permission_for(50), Permission::Admin);
        assert_eq!(permission_for(40), Permission::Maintain);
        assert_eq!(permission_for(30), Permission::Write);
        assert_eq!(permission_for(20), Permission::Triage);
        assert_eq!(permission_for(15), Permission::Read);
        assert_eq!(permission_for(5), Permission::None);
    }
}
