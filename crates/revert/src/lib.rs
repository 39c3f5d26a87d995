//! Automated revert pull/merge requests.
//!
//! When a deployment or the default branch goes red, the fastest safe fix is usually to take the
//! change back out. shipline-revert finds the change (the [`Culprit`]), makes the revert commits
//! on a branch of its own, checks that nobody did so already, and opens one pull request that
//! says why, what and who. It can be asked directly (`--sha`, `--pr`, `--range`, `--deployment`:
//! a [`Target`]) or read the request from the CI event. [`run()`] ties the steps together and
//! returns the [`Report`]; [`Cli`] is the command line around it.
//!
//! Safety rules that hold on every path: the default branch is never pushed to and nothing is
//! force-pushed; the branch name is derived from the reverted commit
//! (`shipline/revert-<sha12>`), so a second run finds the first one's branch and PR instead of
//! making new ones.
#![deny(missing_docs)]

mod apply;
mod body;
mod cli;
mod comment;
mod culprit;
mod error;
mod gitlab;
mod publish;
mod repo;
mod report;
mod run;
mod target;
mod trigger;

pub use cli::{Cli, Format};
pub use culprit::{Culprit, Landing, RevertCommit};
pub use error::RevertError;
pub use report::{Report, Status};
pub use run::{Options, run};
pub use target::Target;
