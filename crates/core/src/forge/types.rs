//! Forge-neutral domain types: what the tools see, whichever forge answered.
//!
//! GitHub and GitLab responses are converted into these in `forge::github` and `forge::gitlab`;
//! no forge-specific type leaves the forge layer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A repository on a forge. On GitLab `owner` is the full namespace (`group/subgroup`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RepoId {
    /// User, organisation or (GitLab) namespace path.
    pub owner: String,
    /// Repository (project) name.
    pub name: String,
}

impl RepoId {
    /// Splits `owner/name` (the last `/` separates the name, so nested GitLab groups work).
    pub fn parse(full: &str) -> Option<Self> {
        let full = full.trim().trim_matches('/');
        let (owner, name) = full.rsplit_once('/')?;
        if owner.is_empty() || name.is_empty() {
            return None;
        }
        Some(Self {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

impl std::fmt::Display for RepoId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Which forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    /// GitHub.com or GitHub Enterprise Server.
    GitHub,
    /// GitLab.com or self-managed GitLab.
    GitLab,
}

impl std::fmt::Display for ForgeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ForgeKind::GitHub => "GitHub",
            ForgeKind::GitLab => "GitLab",
        })
    }
}

/// A comment on a pull request (GitHub issue comment) or merge request (GitLab note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Forge id of the comment.
    pub id: u64,
    /// Markdown body.
    pub body: String,
    /// Login of the author.
    pub author: String,
    /// Link to the comment, where the forge gives one.
    pub url: Option<String>,
}

/// The state of a pull/merge request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrState {
    /// Open (including drafts).
    Open,
    /// Closed without merging.
    Closed,
    /// Merged.
    Merged,
}

/// A pull request (GitHub) or merge request (GitLab). `number` is the MR IID on GitLab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// PR number / MR IID.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Description (may be empty).
    pub body: String,
    /// Open, closed or merged.
    pub state: PrState,
    /// Draft / work in progress.
    pub draft: bool,
    /// Login of the author.
    pub author: String,
    /// Source branch.
    pub head_ref: String,
    /// Source commit.
    pub head_sha: String,
    /// Target branch.
    pub base_ref: String,
    /// The commit the merge produced on the target branch (merge, squash or last rebased commit).
    pub merge_commit_sha: Option<String>,
    /// Who merged it.
    pub merged_by: Option<String>,
    /// When it was merged.
    pub merged_at: Option<DateTime<Utc>>,
    /// Web URL.
    pub url: String,
    /// Label names.
    pub labels: Vec<String>,
    /// GitHub's GraphQL node id, for mutations (`enablePullRequestAutoMerge`); `None` on GitLab
    /// and where GitHub did not send it.
    #[serde(default)]
    pub node_id: Option<String>,
    /// Approving reviews (GitLab: approvers); `None` when the forge did not say (REST lists).
    #[serde(default)]
    pub approvals: Option<u32>,
    /// GitHub's review decision under the branch protection rules; `None` when unknown or when
    /// no review is required.
    #[serde(default)]
    pub review_decision: Option<ReviewDecision>,
    /// Combined state of the checks on the head commit; `None` when unknown or none ran.
    #[serde(default)]
    pub head_checks: Option<CheckState>,
    /// Combined state of the checks on the merge commit; `None` when unknown or none ran.
    #[serde(default)]
    pub merge_checks: Option<CheckState>,
}

/// A commit whose PR/MR is wanted, with the number its message or the event already names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRef {
    /// Full SHA.
    pub sha: String,
    /// The PR/MR number known without asking the forge, if any.
    pub number: Option<u64>,
}

/// Whether a pull request's reviews satisfy the branch protection rules (GitHub).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Approved as the rules require.
    Approved,
    /// A reviewer asked for changes.
    ChangesRequested,
    /// A review is required and missing.
    ReviewRequired,
}

/// What asking a forge to merge a PR/MR by itself ended with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoMerge {
    /// It merges by itself once its checks pass.
    Enabled,
    /// Its checks had passed already, so the forge merged it at once.
    Merged,
    /// The forge will not merge it yet, for the reason given (approvals missing, say); it stays
    /// open for a person.
    Blocked(String),
}

/// What to open as a new pull/merge request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPullRequest {
    /// Title.
    pub title: String,
    /// Markdown description.
    pub body: String,
    /// Source branch.
    pub head: String,
    /// Target branch.
    pub base: String,
    /// Open as draft.
    pub draft: bool,
}

/// Deployment states, the union of GitHub's deployment statuses and GitLab's deployment states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentState {
    /// Created, not started (GitHub `queued`/`pending`, GitLab `created`/`blocked`).
    Queued,
    /// Running (GitHub `in_progress`, GitLab `running`).
    InProgress,
    /// Finished and live.
    Success,
    /// The deployment failed (GitHub `failure`, GitLab `failed`).
    Failure,
    /// The deployment errored before it could succeed or fail.
    Error,
    /// Superseded or stopped (GitHub `inactive`, GitLab `canceled`/`skipped`).
    Inactive,
}

impl DeploymentState {
    /// Whether no later transition is expected.
    pub fn is_final(self) -> bool {
        !matches!(self, DeploymentState::Queued | DeploymentState::InProgress)
    }

    /// The lower-case name used in JSON, git notes and GitHub's API.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentState::Queued => "queued",
            DeploymentState::InProgress => "in_progress",
            DeploymentState::Success => "success",
            DeploymentState::Failure => "failure",
            DeploymentState::Error => "error",
            DeploymentState::Inactive => "inactive",
        }
    }
}

impl std::fmt::Display for DeploymentState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One status transition of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentStatus {
    /// Forge id of the status (GitLab has none per transition: 0).
    pub id: u64,
    /// The state reached.
    pub state: DeploymentState,
    /// Free-text description.
    pub description: String,
    /// Where the deployed thing can be reached.
    pub environment_url: Option<String>,
    /// Where the deployment's log is (the CI run).
    pub log_url: Option<String>,
    /// When the transition happened.
    pub created_at: DateTime<Utc>,
}

/// A deployment of one commit to one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// Forge id.
    pub id: u64,
    /// Commit deployed.
    pub sha: String,
    /// Ref the deployment was made from (branch, tag or SHA).
    pub git_ref: String,
    /// Environment name.
    pub environment: String,
    /// Who created it.
    pub creator: String,
    /// Description given at creation.
    pub description: String,
    /// Extra data stored with the deployment (GitHub `payload`).
    pub payload: serde_json::Value,
    /// A short-lived environment (a review app): GitHub's `transient_environment`; GitLab
    /// deployments do not say.
    #[serde(default)]
    pub transient: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The newest status, when known.
    pub latest: Option<DeploymentStatus>,
}

/// What to create as a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDeployment {
    /// Ref to deploy (branch, tag or SHA).
    pub git_ref: String,
    /// The exact commit, when known. GitLab records it with the ref (instead of resolving the ref
    /// to whatever it points at now); GitHub deploys `git_ref`, so pass the SHA there.
    pub sha: Option<String>,
    /// Environment name.
    pub environment: String,
    /// Description.
    pub description: String,
    /// Extra data (run URL, version).
    pub payload: serde_json::Value,
    /// Environment goes away (review apps).
    pub transient_environment: bool,
    /// Environment serves end users.
    pub production_environment: bool,
    /// Status contexts GitHub must see green first; empty = none (shipline checks its own gates).
    pub required_contexts: Vec<String>,
}

/// The outcome of asking for a deployment.
// Short-lived return value: boxing the common variant would cost more than the size difference.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeploymentCreated {
    /// The deployment exists now.
    Created(Deployment),
    /// GitHub answered 202: it merged the default branch into the ref first or is waiting; no
    /// deployment was made. The message is GitHub's.
    Accepted(String),
}

/// A new status for a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDeploymentStatus {
    /// State to move to.
    pub state: DeploymentState,
    /// Description (GitHub keeps at most 140 characters).
    pub description: String,
    /// Where the deployed thing can be reached.
    pub environment_url: Option<String>,
    /// The CI run.
    pub log_url: Option<String>,
    /// Let the forge mark earlier deployments of the environment inactive (GitHub `auto_inactive`).
    pub auto_inactive: bool,
}

/// Which deployments to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentFilter {
    /// Only this environment.
    pub environment: Option<String>,
    /// Only this commit.
    pub sha: Option<String>,
    /// Only this ref.
    pub git_ref: Option<String>,
    /// Only the newest page (100 deployments, one request): enough for what looks at recent
    /// deployments only, such as closing the stale ones at each start.
    pub newest_page: bool,
}

/// The overall state of checks (statuses, check runs, pipelines) on a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// Passed.
    Success,
    /// Not finished.
    Pending,
    /// Failed, errored, cancelled or timed out.
    Failure,
    /// Skipped or neutral: neither green nor red.
    Skipped,
}

/// One check on a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Context / check-run name / pipeline name.
    pub name: String,
    /// Its state.
    pub state: CheckState,
    /// Link to details.
    pub url: Option<String>,
}

/// All checks on a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecksSummary {
    /// The commit.
    pub sha: String,
    /// Each check, statuses and check runs alike.
    pub checks: Vec<Check>,
}

impl ChecksSummary {
    /// Failure if any failed, else pending if any pending, else success (skipped ones aside);
    /// `None` when there are no checks at all.
    pub fn overall(&self) -> Option<CheckState> {
        let states: Vec<_> = self.checks.iter().map(|c| c.state).collect();
        if states.is_empty() {
            None
        } else if states.contains(&CheckState::Failure) {
            Some(CheckState::Failure)
        } else if states.contains(&CheckState::Pending) {
            Some(CheckState::Pending)
        } else if states.iter().all(|s| *s == CheckState::Skipped) {
            Some(CheckState::Skipped)
        } else {
            Some(CheckState::Success)
        }
    }
}

/// A user's permission on a repository, highest first. GitLab access levels map onto these
/// (Owner → Admin, Maintainer → Maintain, Developer → Write, Reporter → Triage, Guest → Read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// No access.
    None,
    /// Read.
    Read,
    /// Triage.
    Triage,
    /// Write (push).
    Write,
    /// Maintain.
    Maintain,
    /// Admin / owner.
    Admin,
}

impl Permission {
    /// Write, maintain or admin.
    pub fn can_write(self) -> bool {
        self >= Permission::Write
    }
}

/// An issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Issue number (GitLab IID).
    pub number: u64,
    /// Title.
    pub title: String,
    /// Web URL.
    pub url: String,
}

/// What to open as an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIssue {
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Labels.
    pub labels: Vec<String>,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// Tag name.
    pub name: String,
    /// Commit it points at.
    pub sha: String,
}

/// A release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// Forge id (GitLab: 0, releases are keyed by tag).
    pub id: u64,
    /// Tag name.
    pub tag: String,
    /// Title.
    pub name: String,
    /// Notes (Markdown).
    pub body: String,
    /// Web URL.
    pub url: String,
}

/// What to publish as a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRelease {
    /// Tag to create or use.
    pub tag: String,
    /// Commit the tag points at when it is created.
    pub target_sha: String,
    /// Title.
    pub name: String,
    /// Notes (Markdown).
    pub body: String,
    /// Mark as pre-release (GitHub only).
    pub prerelease: bool,
}
