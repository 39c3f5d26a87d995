//! What detection yields: everything shipline knows about the run before it does anything.

use std::path::PathBuf;

use serde::Serialize;

use super::event::{EventDetails, EventKind, PullRequestEvent};
use super::runtime::Runtime;
use crate::forge::{ForgeKind, RepoId};

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
