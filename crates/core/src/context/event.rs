//! What happened: the kind of event that started the job and the typed details the tools act on.
//!
//! The tools branch on events (risk comments on pull requests, revert reacts to `/revert`
//! comments, failed deployments and failed workflow runs), so the fields they need are pulled out
//! of the forge's payload once, here, into plain structs with no forge types attached.

use serde::Serialize;

/// The event that started the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// GitHub `pull_request`.
    PullRequest,
    /// GitHub `pull_request_target` (runs with the base repository's permissions).
    PullRequestTarget,
    /// A push (GitHub `push`, GitLab `CI_PIPELINE_SOURCE=push`, branches and tags).
    Push,
    /// GitHub `issue_comment`.
    IssueComment,
    /// GitHub `deployment_status`.
    DeploymentStatus,
    /// GitHub `workflow_run`.
    WorkflowRun,
    /// GitHub `workflow_dispatch` (a manual run).
    WorkflowDispatch,
    /// A scheduled run (GitHub `schedule`, GitLab `schedule`).
    Schedule,
    /// A GitLab merge request pipeline (`merge_request_event`).
    MergeRequest,
    /// A GitLab comment (webhook `object_kind: note`) that started a pipeline through a pipeline
    /// trigger (`CI_PIPELINE_SOURCE=trigger`, payload in `TRIGGER_PAYLOAD`).
    Note,
    /// Anything else, by its name on the forge (`web`, `api`, `release`...), or `local`.
    Other(String),
}

impl EventKind {
    /// Maps `GITHUB_EVENT_NAME`.
    pub fn from_github(name: &str) -> Self {
        match name {
            "pull_request" => EventKind::PullRequest,
            "pull_request_target" => EventKind::PullRequestTarget,
            "push" => EventKind::Push,
            "issue_comment" => EventKind::IssueComment,
            "deployment_status" => EventKind::DeploymentStatus,
            "workflow_run" => EventKind::WorkflowRun,
            "workflow_dispatch" => EventKind::WorkflowDispatch,
            "schedule" => EventKind::Schedule,
            other => EventKind::Other(other.to_string()),
        }
    }

    /// Maps `CI_PIPELINE_SOURCE`.
    pub fn from_gitlab(source: &str) -> Self {
        match source {
            "merge_request_event" => EventKind::MergeRequest,
            "push" => EventKind::Push,
            "schedule" => EventKind::Schedule,
            other => EventKind::Other(other.to_string()),
        }
    }

    /// The name as the forge spells it (`merge_request` for GitLab MR pipelines).
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::PullRequest => "pull_request",
            EventKind::PullRequestTarget => "pull_request_target",
            EventKind::Push => "push",
            EventKind::IssueComment => "issue_comment",
            EventKind::DeploymentStatus => "deployment_status",
            EventKind::WorkflowRun => "workflow_run",
            EventKind::WorkflowDispatch => "workflow_dispatch",
            EventKind::Schedule => "schedule",
            EventKind::MergeRequest => "merge_request",
            EventKind::Note => "note",
            EventKind::Other(name) => name,
        }
    }

    /// Whether the event is about a proposed change (PR or MR) with a base and a head.
    pub fn is_change_request(&self) -> bool {
        matches!(
            self,
            EventKind::PullRequest | EventKind::PullRequestTarget | EventKind::MergeRequest
        )
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed part of the event payload the tools use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventDetails {
    /// Nothing beyond the common fields (schedule, manual runs, local).
    None,
    /// A pull request (GitHub) or merge request (GitLab MR pipeline).
    PullRequest(PullRequestEvent),
    /// A push.
    Push(PushEvent),
    /// A comment on an issue or pull request.
    IssueComment(IssueCommentEvent),
    /// A deployment changed state.
    DeploymentStatus(DeploymentStatusEvent),
    /// Another workflow run was requested or finished.
    WorkflowRun(WorkflowRunEvent),
    /// A GitLab comment delivered through a pipeline trigger.
    Note(NoteEvent),
}

/// A pull request or merge request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullRequestEvent {
    /// The payload's action (`opened`, `synchronize`, `closed`...); `None` on GitLab.
    pub action: Option<String>,
    /// PR number / MR IID.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Author login, where the forge gives it (GitLab MR pipelines do not).
    pub author: Option<String>,
    /// Target branch.
    pub base_ref: String,
    /// Base commit: GitHub `pull_request.base.sha`, GitLab `CI_MERGE_REQUEST_DIFF_BASE_SHA`.
    pub base_sha: Option<String>,
    /// Source branch.
    pub head_ref: String,
    /// Head commit of the source branch.
    pub head_sha: String,
    /// Whether the source branch lives in another repository (a fork).
    pub from_fork: bool,
    /// Whether the pull request has been merged.
    pub merged: bool,
    /// Whether it is a draft.
    pub draft: bool,
}

/// A push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushEvent {
    /// Full ref pushed (`refs/heads/main`, `refs/tags/v1.0.0`).
    pub git_ref: String,
    /// The previous tip; `None` when the ref is new (all-zeros SHA).
    pub before: Option<String>,
    /// The new tip; `None` when the ref was deleted.
    pub after: Option<String>,
    /// Whether the ref was created by this push.
    pub created: bool,
    /// Whether the ref was deleted by this push.
    pub deleted: bool,
    /// Whether it was a force push.
    pub forced: bool,
}

/// What was done to a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentAction {
    /// A new comment.
    Created,
    /// An existing comment was changed (revert ignores these).
    Edited,
    /// A comment was deleted.
    Deleted,
    /// Anything else.
    Other(String),
}

impl CommentAction {
    fn parse(action: &str) -> Self {
        match action {
            "created" => CommentAction::Created,
            "edited" => CommentAction::Edited,
            "deleted" => CommentAction::Deleted,
            other => CommentAction::Other(other.to_string()),
        }
    }
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueCommentEvent {
    /// Created, edited, deleted.
    pub action: CommentAction,
    /// Comment id.
    pub comment_id: u64,
    /// Markdown body.
    pub body: String,
    /// Login of the comment's author.
    pub author: String,
    /// Whether the author is a bot (`type: Bot` or a `[bot]` login).
    pub author_is_bot: bool,
    /// The author's association with the repository (`OWNER`, `MEMBER`, `NONE`...).
    pub author_association: Option<String>,
    /// The issue or pull request number.
    pub issue_number: u64,
    /// Whether the issue is a pull request.
    pub is_pull_request: bool,
    /// Link to the comment.
    pub html_url: Option<String>,
}

/// A deployment changed state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentStatusEvent {
    /// The new state (`success`, `failure`, `error`, `in_progress`...).
    pub state: String,
    /// Environment name.
    pub environment: String,
    /// Deployment id.
    pub deployment_id: u64,
    /// Deployed commit.
    pub sha: String,
    /// Deployed ref.
    pub git_ref: Option<String>,
    /// The status's target URL (empty strings become `None`).
    pub target_url: Option<String>,
    /// The status's log URL.
    pub log_url: Option<String>,
    /// The environment's URL.
    pub environment_url: Option<String>,
    /// The status description.
    pub description: Option<String>,
}

impl DeploymentStatusEvent {
    /// Whether the deployment failed (`failure` or `error`).
    pub fn is_failure(&self) -> bool {
        matches!(self.state.as_str(), "failure" | "error")
    }
}

/// Another workflow run changed state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowRunEvent {
    /// The payload's action (`completed`, `requested`, `in_progress`).
    pub action: String,
    /// Run id.
    pub run_id: u64,
    /// Conclusion once completed (`success`, `failure`, `cancelled`...).
    pub conclusion: Option<String>,
    /// The branch the run was for.
    pub head_branch: Option<String>,
    /// The commit the run was for.
    pub head_sha: String,
    /// The event that triggered that run.
    pub event: String,
    /// Link to the run.
    pub html_url: String,
    /// The workflow's name.
    pub workflow_name: String,
}

impl WorkflowRunEvent {
    /// Whether the run completed with `failure` or `timed_out`.
    pub fn is_failure(&self) -> bool {
        matches!(self.conclusion.as_deref(), Some("failure" | "timed_out"))
    }
}

/// A GitLab comment (note) as a Note Hook payload describes it.
///
/// The payload reaches the job through a pipeline trigger, and whoever holds the trigger token
/// can send any payload: these fields say what to look up, not what is true. A tool that acts on
/// a note reads it back from the API (author, body, whether it is a system note) before trusting
/// any of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteEvent {
    /// `object_attributes.action`: `create` is [`CommentAction::Created`], `update`
    /// [`CommentAction::Edited`]. GitLab sends it since 16.11; before, hooks fired for new notes
    /// only, so a payload without it is a new note.
    pub action: CommentAction,
    /// `object_attributes.id`: the note's id.
    pub note_id: u64,
    /// `object_attributes.note`: the Markdown body, as sent.
    pub body: String,
    /// `user.username`: who wrote it, as sent.
    pub author: String,
    /// `object_attributes.noteable_type`: `MergeRequest`, `Issue`, `Commit` or `Snippet`.
    pub noteable_type: String,
    /// The merge request's or issue's IID (`merge_request.iid`, `issue.iid`).
    pub number: Option<u64>,
    /// `project.path_with_namespace`: the project the note is in.
    pub project_path: Option<String>,
    /// `object_attributes.system`: notes GitLab writes itself ("added 1 commit").
    pub system: bool,
    /// `object_attributes.url`: link to the note.
    pub url: Option<String>,
}

impl NoteEvent {
    /// Whether the note is on a merge request.
    pub fn is_merge_request(&self) -> bool {
        self.noteable_type == "MergeRequest"
    }
}

pub(crate) fn comment_action(action: &str) -> CommentAction {
    CommentAction::parse(action)
}
