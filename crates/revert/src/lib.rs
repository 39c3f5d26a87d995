//! Automated revert pull/merge requests.
//!
//! When a deployment or the default branch goes red, the fastest safe fix is usually to take the
//! change back out. shipline-revert finds the change ([`culprit`]), makes the revert commits on a
//! branch of its own ([`apply`]), checks that nobody did so already, and opens one pull request that
//! says why, what and who ([`body`]). It can be asked directly (`--sha`, `--pr`, `--range`,
//! `--deployment`) or read the request from the CI event ([`trigger`]). [`run`] ties the steps
//! together; [`report`] renders the outcome.
//!
//! Safety rules that hold on every path: the default branch is never pushed to and nothing is
//! force-pushed; the branch name is derived from the reverted commit
//! (`shipline/revert-<sha12>`), so a second run finds the first one's branch and PR instead of
//! making new ones.
#![deny(missing_docs)]

pub mod apply;
pub mod body;
pub mod cli;
mod comment;
pub mod culprit;
mod gitlab;
mod publish;
pub mod report;
pub mod run;
pub mod trigger;

use shipline_core::app::AppError;
use shipline_core::forge::ForgeError;
use shipline_core::git::GitError;

pub use publish::web_compare_url;
pub use report::{Report, Status};
pub use run::{Options, run};

/// What to revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One commit on the default branch (a merge, squash or pushed commit).
    Sha(String),
    /// A merged pull/merge request.
    Pr(u64),
    /// First-parent commits in `from..to`, newest first.
    Range {
        /// Last good commit (excluded).
        from: String,
        /// Newest commit to revert.
        to: String,
    },
    /// What a deployment added since the last good deployment of its environment.
    Deployment(u64),
}

impl Target {
    /// Parses `A..B` for `--range`.
    pub fn parse_range(text: &str) -> Result<Target, String> {
        match text.split_once("..") {
            Some((from, to)) if !from.is_empty() && !to.is_empty() && !to.starts_with('.') => {
                Ok(Target::Range {
                    from: from.to_string(),
                    to: to.to_string(),
                })
            }
            _ => Err(format!(
                "--range `{text}` is not `A..B`: give the last good commit and the newest commit to revert"
            )),
        }
    }
}

/// Why a revert could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RevertError {
    /// Start-up failed (context, config, forge connection).
    #[error(transparent)]
    App(#[from] AppError),
    /// git failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// A forge call failed.
    #[error(transparent)]
    Forge(#[from] ForgeError),
    /// The request was refused before anything was created (bad input, missing permission).
    #[error("{0}")]
    Refused(String),
    /// The revert branch could not be pushed (nothing was created: the local branch was removed
    /// again).
    #[error(
        "`git push origin {branch}` was refused: {message}; the job needs push access to the repository: on GitHub Actions give the job `permissions: contents: write` and keep `persist-credentials: true` on actions/checkout (or check out with a token that may push); elsewhere use a token with write access to the repository"
    )]
    Push {
        /// The branch.
        branch: String,
        /// git's message.
        message: String,
    },
    /// A file-system step failed.
    #[error("{0}")]
    Io(String),
    /// The pull request could not be opened; the pushed branch was handled as described.
    #[error("{message}; {branch_note}")]
    PullRequest {
        /// The forge's error.
        message: String,
        /// What happened to the pushed branch.
        branch_note: String,
    },
}
