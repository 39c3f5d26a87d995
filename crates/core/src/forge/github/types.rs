//! GitHub's wire types: only the fields shipline reads, converted into the forge-neutral types.
//!
//! octocrab's models describe every field GitHub may send and fail to decode when a field they
//! require is absent or renamed (GitHub Enterprise versions lag behind github.com). These
//! structs ask for the few fields we use, with defaults wherever GitHub documents a field as
//! nullable, so a response that is valid per GitHub's OpenAPI description always decodes.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::forge::types as domain;

/// A user reference (`simple-user`); GitHub sends `null` for deleted ("ghost") users.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct User {
    pub login: String,
}

pub(crate) fn login(user: &Option<User>) -> String {
    user.as_ref()
        .map(|u| u.login.clone())
        .unwrap_or_else(|| "ghost".to_string())
}

/// `issue-comment`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssueComment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub html_url: Option<String>,
}

impl From<IssueComment> for domain::Comment {
    fn from(c: IssueComment) -> Self {
        domain::Comment {
            id: c.id,
            body: c.body.unwrap_or_default(),
            author: login(&c.user),
            url: c.html_url,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Label {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GitRef {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub sha: String,
}

/// `pull-request` and `pull-request-simple`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Pull {
    pub number: u64,
    #[serde(default)]
    pub node_id: Option<String>,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    pub state: String,
    #[serde(default)]
    pub draft: Option<bool>,
    #[serde(default)]
    pub user: Option<User>,
    pub head: GitRef,
    pub base: GitRef,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub merged_by: Option<User>,
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
    pub html_url: String,
    #[serde(default)]
    pub labels: Vec<Label>,
}

impl From<Pull> for domain::PullRequest {
    fn from(p: Pull) -> Self {
        let state = if p.merged_at.is_some() {
            domain::PrState::Merged
        } else if p.state == "open" {
            domain::PrState::Open
        } else {
            domain::PrState::Closed
        };
        domain::PullRequest {
            number: p.number,
            title: p.title,
            body: p.body.unwrap_or_default(),
            state,
            draft: p.draft.unwrap_or(false),
            author: login(&p.user),
            head_ref: p.head.git_ref,
            head_sha: p.head.sha,
            base_ref: p.base.git_ref,
            merge_commit_sha: p.merge_commit_sha,
            merged_by: p.merged_by.map(|u| u.login),
            merged_at: p.merged_at,
            url: p.html_url,
            labels: p.labels.into_iter().map(|l| l.name).collect(),
            node_id: p.node_id,
            approvals: None,
            review_decision: None,
            head_checks: None,
            merge_checks: None,
        }
    }
}

/// `deployment`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Deployment {
    pub id: u64,
    #[serde(default)]
    pub node_id: Option<String>,
    pub sha: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub environment: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub payload: serde_json::Value,
    #[serde(default)]
    pub creator: Option<User>,
    #[serde(default)]
    pub transient_environment: Option<bool>,
    pub created_at: DateTime<Utc>,
}

impl Deployment {
    pub fn into_domain(self, latest: Option<domain::DeploymentStatus>) -> domain::Deployment {
        domain::Deployment {
            id: self.id,
            sha: self.sha,
            git_ref: self.git_ref,
            environment: self.environment,
            creator: login(&self.creator),
            description: self.description.unwrap_or_default(),
            // GitHub stores a string payload as given; shipline always sends an object.
            payload: match self.payload {
                serde_json::Value::String(s) if s.is_empty() => serde_json::Value::Null,
                serde_json::Value::String(s) => {
                    serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
                }
                other => other,
            },
            transient: self.transient_environment.unwrap_or(false),
            created_at: self.created_at,
            latest,
        }
    }
}

/// The body of a 202 answer to a deployment request.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Message {
    #[serde(default)]
    pub message: String,
}

/// `deployment-status`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DeploymentStatus {
    pub id: u64,
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub environment_url: Option<String>,
    #[serde(default)]
    pub log_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// GitHub's deployment status names (REST lower-case, GraphQL upper-case) as ours.
pub(crate) fn deployment_state(name: &str) -> Option<domain::DeploymentState> {
    use domain::DeploymentState as S;
    Some(match name.to_ascii_lowercase().as_str() {
        "queued" | "pending" | "waiting" => S::Queued,
        "in_progress" => S::InProgress,
        "success" => S::Success,
        "failure" => S::Failure,
        "error" => S::Error,
        "inactive" | "destroyed" | "abandoned" => S::Inactive,
        _ => return None,
    })
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

impl DeploymentStatus {
    pub fn into_domain(self) -> Option<domain::DeploymentStatus> {
        Some(domain::DeploymentStatus {
            id: self.id,
            state: deployment_state(&self.state)?,
            description: self.description.unwrap_or_default(),
            environment_url: non_empty(self.environment_url),
            log_url: non_empty(self.log_url),
            created_at: self.created_at,
        })
    }
}

/// `combined-commit-status`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CombinedStatus {
    #[serde(default)]
    pub statuses: Vec<CommitStatus>,
    #[serde(default)]
    pub total_count: u64,
}

/// `simple-commit-status`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommitStatus {
    pub context: String,
    pub state: String,
    #[serde(default)]
    pub target_url: Option<String>,
}

impl From<CommitStatus> for domain::Check {
    fn from(s: CommitStatus) -> Self {
        let state = match s.state.as_str() {
            "success" => domain::CheckState::Success,
            "pending" => domain::CheckState::Pending,
            _ => domain::CheckState::Failure,
        };
        domain::Check {
            name: s.context,
            state,
            url: non_empty(s.target_url),
        }
    }
}

/// The check-runs list envelope.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CheckRuns {
    #[serde(default)]
    pub total_count: u64,
    #[serde(default)]
    pub check_runs: Vec<CheckRun>,
}

/// `check-run`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CheckRun {
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

impl From<CheckRun> for domain::Check {
    fn from(r: CheckRun) -> Self {
        use domain::CheckState as S;
        let state = if r.status != "completed" {
            S::Pending
        } else {
            match r.conclusion.as_deref() {
                Some("success") => S::Success,
                Some("neutral" | "skipped" | "stale") => S::Skipped,
                _ => S::Failure,
            }
        };
        domain::Check {
            name: r.name,
            state,
            url: non_empty(r.html_url),
        }
    }
}

/// `repository-collaborator-permission`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CollaboratorPermission {
    pub permission: String,
    #[serde(default)]
    pub role_name: Option<String>,
}

impl CollaboratorPermission {
    /// `role_name` knows maintain and triage, which `permission` folds into write and read;
    /// custom roles fall back to `permission`.
    pub fn level(&self) -> domain::Permission {
        let parse = |name: &str| match name {
            "admin" => Some(domain::Permission::Admin),
            "maintain" => Some(domain::Permission::Maintain),
            "write" | "push" => Some(domain::Permission::Write),
            "triage" => Some(domain::Permission::Triage),
            "read" | "pull" => Some(domain::Permission::Read),
            "none" => Some(domain::Permission::None),
            _ => None,
        };
        self.role_name
            .as_deref()
            .and_then(parse)
            .or_else(|| parse(&self.permission))
            .unwrap_or(domain::Permission::None)
    }
}

/// `issue`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Issue {
    pub number: u64,
    pub title: String,
    pub html_url: String,
}

/// `issue` as listed (`GET /repos/{owner}/{repo}/issues`), which also lists pull requests.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ListedIssue {
    pub number: u64,
    pub title: String,
    pub html_url: String,
    #[serde(default)]
    pub body: Option<String>,
    /// Present on pull requests only.
    #[serde(default)]
    pub pull_request: Option<serde_json::Value>,
}

impl From<Issue> for domain::Issue {
    fn from(i: Issue) -> Self {
        domain::Issue {
            number: i.number,
            title: i.title,
            url: i.html_url,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TagCommit {
    pub sha: String,
}

/// `tag`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Tag {
    pub name: String,
    pub commit: TagCommit,
}

impl From<Tag> for domain::Tag {
    fn from(t: Tag) -> Self {
        domain::Tag {
            name: t.name,
            sha: t.commit.sha,
        }
    }
}

/// `release`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Release {
    pub id: u64,
    pub tag_name: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    pub html_url: String,
}

impl From<Release> for domain::Release {
    fn from(r: Release) -> Self {
        domain::Release {
            id: r.id,
            tag: r.tag_name,
            name: r.name.unwrap_or_default(),
            body: r.body.unwrap_or_default(),
            url: r.html_url,
        }
    }
}

/// GitHub's error body.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Vec<serde_json::Value>,
}

impl ErrorBody {
    /// `message` followed by each field error (`resource.field: code (message)`).
    pub fn describe(&self) -> String {
        let mut out = self
            .message
            .clone()
            .unwrap_or_else(|| "no message".to_string());
        let details: Vec<String> = self
            .errors
            .iter()
            .map(|e| match e {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Object(o) => {
                    let get = |k: &str| o.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                    let mut item = String::new();
                    match (get("resource"), get("field")) {
                        ("", "") => {}
                        (r, "") => item.push_str(r),
                        ("", f) => item.push_str(f),
                        (r, f) => item.push_str(&format!("{r}.{f}")),
                    }
                    if !get("code").is_empty() {
                        if !item.is_empty() {
                            item.push_str(": ");
                        }
                        item.push_str(get("code"));
                    }
                    if !get("message").is_empty() {
                        item.push_str(&format!(" ({})", get("message")));
                    }
                    item
                }
                other => other.to_string(),
            })
            .collect();
        if !details.is_empty() {
            out.push_str(": ");
            out.push_str(&details.join("; "));
        }
        out
    }
}
