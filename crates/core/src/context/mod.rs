//! Where shipline runs and what happened: the [`CiContext`] every tool starts from.
//!
//! The four tools must agree on the repository, the forge, the event and the commit range, or
//! one would comment on a pull request another never saw. Detection reads GitHub Actions'
//! `GITHUB_*` variables and event payload, GitLab CI's predefined `CI_*` variables, or, outside
//! CI, the git checkout and its `origin` remote. [`CiContext::from_vars`] takes the variables as
//! a map so every case is tested without touching the process environment.

mod event;
mod github;
mod gitlab;
mod gitlab_note;
mod local;
pub mod remote;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use event::{
    CommentAction, DeploymentStatusEvent, EventDetails, EventKind, IssueCommentEvent, NoteEvent,
    PullRequestEvent, PushEvent, WorkflowRunEvent,
};

use crate::forge::{ForgeKind, RepoId};
use crate::git::GitError;
use crate::variable::InvalidVar;

/// The SHA git and the forges use for "no commit" (a new branch's `before`).
pub const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

/// Which CI system (if any) runs shipline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// GitHub Actions (`GITHUB_ACTIONS=true`).
    GitHubActions,
    /// GitLab CI (`GITLAB_CI=true`).
    GitLabCi,
    /// Anything else: a developer's machine or another CI.
    Local,
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Runtime::GitHubActions => "GitHub Actions",
            Runtime::GitLabCi => "GitLab CI",
            Runtime::Local => "local",
        })
    }
}

/// Everything shipline knows about the run before it does anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CiContext {
    /// Which CI system.
    pub runtime: Runtime,
    /// Which forge hosts the repository; `None` locally when the remote is neither (set
    /// `SHIPLINE_FORGE=github|gitlab`).
    pub forge: Option<ForgeKind>,
    /// The repository; `None` locally without a usable `origin` remote.
    pub repo: Option<RepoId>,
    /// Web base URL of the forge (`https://github.com`, `https://gitlab.example.com`).
    pub server_url: Option<String>,
    /// REST API base (`GITHUB_API_URL`, `CI_API_V4_URL`).
    pub api_url: Option<String>,
    /// GraphQL endpoint (`GITHUB_GRAPHQL_URL`, `CI_API_GRAPHQL_URL`).
    pub graphql_url: Option<String>,
    /// What started the job.
    pub event: EventKind,
    /// The commit before the change (PR/MR base, push `before`); `None` when there is none
    /// (a new branch, a tag, a manual run).
    pub base_sha: Option<String>,
    /// The commit the change ends at (PR/MR head, the pushed commit, `HEAD` locally).
    pub head_sha: Option<String>,
    /// PR number, MR IID, or the issue number of an issue comment.
    pub number: Option<u64>,
    /// Login of the user who started the run.
    pub actor: Option<String>,
    /// The repository's default branch, where known.
    pub default_branch: Option<String>,
    /// Full ref of the run (`refs/heads/main`, `refs/pull/2/merge`, `refs/tags/v1.0.0`).
    pub git_ref: Option<String>,
    /// Branch name: the PR/MR source branch, or the pushed branch.
    pub branch: Option<String>,
    /// Tag name, for tag pipelines and tag pushes.
    pub tag: Option<String>,
    /// Link to this run (GitHub run, GitLab pipeline).
    pub run_url: Option<String>,
    /// The checkout shipline works in.
    pub workspace: PathBuf,
    /// Typed event details.
    pub details: EventDetails,
}

impl CiContext {
    /// Detects the context from the process environment, with `cwd` as the fallback workspace.
    pub fn detect(cwd: &Path) -> Result<Self, ContextError> {
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        Self::from_vars(&vars, cwd)
    }

    /// Detects the context from `vars` (as the environment would hold them) and `cwd`.
    pub fn from_vars(vars: &BTreeMap<String, String>, cwd: &Path) -> Result<Self, ContextError> {
        let vars = Vars(vars);
        if vars.flag("GITHUB_ACTIONS") {
            github::detect(&vars, cwd)
        } else if vars.flag("GITLAB_CI") {
            gitlab::detect(&vars, cwd)
        } else {
            local::detect(&vars, cwd)
        }
    }

    /// Whether this run is about a PR/MR (`pull_request`, `pull_request_target`, MR pipeline).
    pub fn is_change_request(&self) -> bool {
        self.event.is_change_request()
    }

    /// The pull/merge request details, when the event carries them.
    pub fn pull_request(&self) -> Option<&PullRequestEvent> {
        match &self.details {
            EventDetails::PullRequest(pr) => Some(pr),
            _ => None,
        }
    }
}

/// Why the context could not be detected.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A variable the runtime always sets is missing or empty.
    #[error("{var} is not set, but {runtime} always sets it: {hint}")]
    MissingVar {
        /// The variable.
        var: &'static str,
        /// The runtime that was detected.
        runtime: Runtime,
        /// What to do.
        hint: &'static str,
    },
    /// A variable has a value shipline cannot use.
    #[error(transparent)]
    InvalidVar(#[from] InvalidVar),
    /// The event payload file could not be read.
    #[error(
        "cannot read the event payload {path} (from GITHUB_EVENT_PATH): {source}; run shipline as a step of the job, not in a container that lacks the runner's files"
    )]
    PayloadRead {
        /// The payload path.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The event payload is not JSON.
    #[error(
        "the event payload {path} (from GITHUB_EVENT_PATH) is not valid JSON at line {line}, column {column}: {message}"
    )]
    PayloadParse {
        /// The payload path.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The payload lacks a field its event always has.
    #[error(
        "the {event} payload {path} has no `{field}`; the file does not match GITHUB_EVENT_NAME={event}"
    )]
    PayloadField {
        /// The event name.
        event: String,
        /// The payload path.
        path: PathBuf,
        /// The JSON path of the field (`pull_request.head.sha`).
        field: String,
    },
    /// GitLab's trigger payload (`TRIGGER_PAYLOAD`) could not be read or is not what it says.
    #[error("the trigger payload {path} (from TRIGGER_PAYLOAD): {message}")]
    TriggerPayload {
        /// The payload path.
        path: PathBuf,
        /// What is wrong, and what to do.
        message: String,
    },
    /// Local detection failed in git.
    #[error("cannot read the local checkout: {0}")]
    Git(#[from] GitError),
}

/// A read-only view over the variables with the helpers detection needs.
pub(crate) struct Vars<'a>(&'a BTreeMap<String, String>);

impl Vars<'_> {
    /// The value, trimmed; empty counts as unset.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub(crate) fn owned(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    pub(crate) fn require(
        &self,
        key: &'static str,
        runtime: Runtime,
        hint: &'static str,
    ) -> Result<&str, ContextError> {
        self.get(key).ok_or(ContextError::MissingVar {
            var: key,
            runtime,
            hint,
        })
    }

    /// A SHA variable, with the all-zeros "no commit" value mapped to `None`.
    pub(crate) fn sha(&self, key: &str) -> Option<String> {
        self.get(key).and_then(non_zero_sha)
    }
}

/// `None` for the all-zeros SHA (and empty strings).
pub(crate) fn non_zero_sha(sha: &str) -> Option<String> {
    let sha = sha.trim();
    if sha.is_empty() || sha.bytes().all(|b| b == b'0') {
        None
    } else {
        Some(sha.to_string())
    }
}

/// `refs/heads/x` → branch `x`; `refs/tags/v1` → tag `v1`.
pub(crate) fn split_ref(git_ref: &str) -> (Option<String>, Option<String>) {
    if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        (Some(branch.to_string()), None)
    } else if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        (None, Some(tag.to_string()))
    } else {
        (None, None)
    }
}

fn parse_forge_override(vars: &Vars<'_>) -> Result<Option<ForgeKind>, ContextError> {
    match vars.get("SHIPLINE_FORGE") {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("github") => Ok(Some(ForgeKind::GitHub)),
        Some(v) if v.eq_ignore_ascii_case("gitlab") => Ok(Some(ForgeKind::GitLab)),
        Some(v) => Err(ContextError::InvalidVar(InvalidVar {
            var: "SHIPLINE_FORGE",
            value: v.to_string(),
            expected: "`github` or `gitlab`",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sha_means_none() {
        assert_eq!(non_zero_sha(ZERO_SHA), None);
        assert_eq!(non_zero_sha(""), None);
        assert_eq!(non_zero_sha("abc123").as_deref(), Some("abc123"));
    }

    #[test]
    fn refs_split_into_branch_or_tag() {
        assert_eq!(
            split_ref("refs/heads/feat/x"),
            (Some("feat/x".into()), None)
        );
        assert_eq!(split_ref("refs/tags/v1.0.0"), (None, Some("v1.0.0".into())));
        assert_eq!(split_ref("refs/pull/2/merge"), (None, None));
    }

    #[test]
    fn forge_override_is_validated() {
        let mut map = BTreeMap::new();
        map.insert("SHIPLINE_FORGE".to_string(), "GitLab".to_string());
        assert_eq!(
            parse_forge_override(&Vars(&map)).unwrap(),
            Some(ForgeKind::GitLab)
        );
        map.insert("SHIPLINE_FORGE".to_string(), "gitea".to_string());
        let err = parse_forge_override(&Vars(&map)).unwrap_err().to_string();
        assert!(
            err.contains("SHIPLINE_FORGE") && err.contains("gitea"),
            "{err}"
        );
    }
}
