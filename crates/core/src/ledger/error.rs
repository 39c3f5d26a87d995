//! What can go wrong reading or writing the ledger, whichever backend holds it.

use super::names::{ENVIRONMENT_NAME_RULE, NOTES_REF};
use crate::forge::{DeploymentState, ForgeError};
use crate::git::GitError;

/// What went wrong reading or writing the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// An environment name outside the accepted set.
    #[error("invalid environment name `{name}`: {reason}; {ENVIRONMENT_NAME_RULE}")]
    InvalidEnvironment {
        /// The name as given (control characters escaped).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A state change that does not follow the deployment lifecycle.
    #[error("deployment `{id}` ({environment}) is {from}; it cannot move to {to}: {hint}")]
    InvalidTransition {
        /// Deployment id.
        id: String,
        /// Its environment.
        environment: String,
        /// Its current state.
        from: DeploymentState,
        /// The state asked for.
        to: DeploymentState,
        /// What to do instead.
        hint: String,
    },
    /// A request that cannot be carried out as given.
    #[error("{0}")]
    InvalidRequest(String),
    /// No deployment with this id.
    #[error("no deployment `{id}` in the {backend} ledger: {hint}")]
    NotFound {
        /// The id looked for.
        id: String,
        /// Which backend was asked.
        backend: &'static str,
        /// Where to look instead.
        hint: String,
    },
    /// A git command failed.
    #[error("git ledger ({NOTES_REF}): {0}")]
    Git(#[from] GitError),
    /// The remote could not be fetched from or pushed to.
    #[error("git ledger: {operation} `{remote}` failed: {message}; {hint}")]
    Remote {
        /// `fetch from` or `push to`.
        operation: &'static str,
        /// Remote name.
        remote: String,
        /// git's message.
        message: String,
        /// What to do.
        hint: String,
    },
    /// Other writers kept winning the race for the ref.
    #[error(
        "git ledger: {target} kept changing under this write ({attempts} attempts){}; other jobs are writing the ledger at the same time: re-run this job, or run fewer ledger writers at once",
        last_words(.last)
    )]
    Contended {
        /// The ref (or remote) contended for.
        target: String,
        /// How many attempts were made.
        attempts: u32,
        /// git's words on the last lost race (may be empty).
        last: String,
    },
    /// A forge call failed.
    #[error("forge ledger: {0}")]
    Forge(#[from] ForgeError),
    /// GitHub accepted the deployment request without creating a deployment (202).
    #[error(
        "GitHub did not create the deployment of {sha} to `{environment}` (202 Accepted: {message}). GitHub answers this when it first wants to merge the default branch into the ref (`auto_merge`) or to wait for required status contexts. Deploy an exact commit SHA with `auto_merge: false` and `required_contexts: []` (shipline asks for both); if it persists, a ruleset or an app requires deployment contexts: remove that requirement or use `--backend git`"
    )]
    NotCreated {
        /// Environment.
        environment: String,
        /// The commit.
        sha: String,
        /// GitHub's message.
        message: String,
    },
    /// The blocking part of an operation could not run to completion.
    #[error("ledger task failed: {0}")]
    Task(String),
}

/// `; last: <git's words>` when there are any.
fn last_words(last: &str) -> String {
    match last.lines().map(str::trim).rfind(|l| !l.is_empty()) {
        Some(line) => format!("; last: {line}"),
        None => String::new(),
    }
}
