//! Where shipline runs and what happened: the [`CiContext`] every tool starts from.
//!
//! The four tools must agree on the repository, the forge, the event and the commit range, or
//! one would comment on a pull request another never saw. Detection reads GitHub Actions'
//! `GITHUB_*` variables and event payload, GitLab CI's predefined `CI_*` variables, or, outside
//! CI, the git checkout and its `origin` remote. [`CiContext::from_vars`] takes the variables as
//! a map so every case is tested without touching the process environment.

mod ci_context;
mod error;
mod event;
mod github;
mod gitlab;
mod gitlab_note;
mod local;
pub mod remote;
mod runtime;
mod vars;

use std::collections::BTreeMap;
use std::path::Path;

pub use ci_context::CiContext;
pub use error::ContextError;
pub use event::{
    CommentAction, DeploymentStatusEvent, EventDetails, EventKind, IssueCommentEvent, NoteEvent,
    PullRequestEvent, PushEvent, WorkflowRunEvent,
};
pub use runtime::Runtime;
pub use vars::ZERO_SHA;

use vars::Vars;

impl CiContext {
    /// Detects the context from the process environment, with `cwd` as the fallback workspace.
    pub fn detect(cwd: &Path) -> Result<Self, ContextError> {
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        Self::from_vars(&vars, cwd)
    }

    /// Detects the context from `vars` (as the environment would hold them) and `cwd`.
    pub fn from_vars(vars: &BTreeMap<String, String>, cwd: &Path) -> Result<Self, ContextError> {
        let vars = Vars(vars);
        if vars.flag("GITHUB_ACTIONS") && vars.flag("GITLAB_CI") {
            Err(ContextError::TwoRuntimes)
        } else if vars.flag("GITHUB_ACTIONS") {
            github::detect(&vars, cwd)
        } else if vars.flag("GITLAB_CI") {
            gitlab::detect(&vars, cwd)
        } else {
            local::detect(&vars, cwd)
        }
    }
}
