//! Why a revert could not be made, and which exit code each reason ends with.

use std::path::PathBuf;

use shipline_core::app::AppError;
use shipline_core::exit::{Class, Classify};
use shipline_core::forge::ForgeError;
use shipline_core::git::GitError;
use shipline_core::ledger::LedgerError;
use shipline_core::output::OutputError;

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
    /// The ledger could not be read, or has no such deployment.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The outputs or the job summary could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The report could not be printed.
    #[error(transparent)]
    Stdout(std::io::Error),
    /// A revision given with a flag (`--sha`, `--range`) names no commit of the checkout.
    #[error("{flag}")]
    Revision {
        /// The flag.
        flag: &'static str,
        /// What git said.
        #[source]
        source: GitError,
    },
    /// The input names nothing to revert (a `--range` with no commits in it: reversed, or
    /// twice the same commit); nothing was done.
    #[error("{0}")]
    Input(String),
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
    /// The throw-away work tree's directory inside `.git` could not be made.
    #[error("cannot create a work directory in {}: {source}", dir.display())]
    WorkDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// git printed something other than a commit time.
    #[error("git log -1 --format=%ct {sha} printed `{printed}`, not a time")]
    CommitTime {
        /// The commit.
        sha: String,
        /// What git printed.
        printed: String,
    },
    /// The pull request could not be opened; the pushed branch was handled as described.
    #[error("{error}; {branch_note}")]
    PullRequest {
        /// The forge's error.
        error: ForgeError,
        /// What happened to the pushed branch.
        branch_note: String,
    },
}

/// A refusal normally ends a run as a report (exit 3, see [`crate::Report::exit_code`]); the
/// errors that end it early are failures, except start-up and output problems, which keep the
/// class the shared layer gives them.
impl Classify for RevertError {
    fn class(&self) -> Class {
        match self {
            RevertError::App(e) => e.class(),
            RevertError::Git(e) | RevertError::Revision { source: e, .. } => e.class(),
            RevertError::Input(_) => Class::Usage,
            RevertError::Forge(e) => e.class(),
            RevertError::Ledger(e) => e.class(),
            RevertError::Output(e) => e.class(),
            RevertError::Stdout(_)
            | RevertError::Refused(_)
            | RevertError::Push { .. }
            | RevertError::WorkDir { .. }
            | RevertError::CommitTime { .. }
            | RevertError::PullRequest { .. } => Class::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_exit_1_and_start_up_problems_keep_their_class() {
        assert_eq!(RevertError::Refused("no".into()).class(), Class::Failed);
        let push = RevertError::Push {
            branch: "shipline/revert-0123456789ab".into(),
            message: "denied".into(),
        };
        assert_eq!(push.class(), Class::Failed);
        let no_forge = RevertError::from(AppError::NoForge("which forge?".into()));
        assert_eq!(no_forge.class(), Class::Usage);
    }
}
