//! What can go wrong in a status command, and which exit code each failure maps to.
//!
//! Bad input (an unknown or malformed environment, finishing a deployment that never started,
//! an id the ledger does not know) must stop before anything is written and exit with 2, so a
//! pipeline can tell "you called it wrong" from "the forge failed" (1).

use std::process::ExitCode;

use shipline_core::app::{self, exit};
use shipline_core::ledger::LedgerError;
use shipline_core::output::Redactor;

/// A status command could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// No deployment to finish: `finish` ran before `start`, or in another run.
    #[error(
        "no deployment to finish in `{environment}` for commit {sha}{run}: run `shipline-status start --env {environment}` first in this job, or pass the id `start` printed with `--deployment ID` (output `deployment-id`)"
    )]
    NothingToFinish {
        /// Environment.
        environment: String,
        /// Commit looked for.
        sha: String,
        /// ` and run N`, when a run id was known.
        run: String,
    },
    /// The commit to deploy could not be worked out.
    #[error("cannot tell which commit to deploy: {0}")]
    NoCommit(String),
    /// A flag value that cannot be used.
    #[error("{0}")]
    Usage(String),
}

/// The exit code for a failed command: 2 for bad input (nothing was written), otherwise what
/// the shared start-up decides (2 for configuration, 1 for everything else).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    let usage = err.chain().any(|cause| {
        if let Some(status) = cause.downcast_ref::<StatusError>() {
            return matches!(
                status,
                StatusError::NothingToFinish { .. }
                    | StatusError::NoCommit(_)
                    | StatusError::Usage(_)
            );
        }
        matches!(
            cause.downcast_ref::<LedgerError>(),
            Some(
                LedgerError::InvalidEnvironment { .. }
                    | LedgerError::InvalidTransition { .. }
                    | LedgerError::InvalidRequest(_)
                    | LedgerError::NotFound { .. }
            )
        )
    });
    if usage {
        exit::USAGE
    } else {
        app::exit_code_for(err)
    }
}

/// Prints a failure the way every shipline tool does (one line, secrets scrubbed) and returns
/// the exit code from [`exit_code`].
pub fn report(result: anyhow::Result<u8>, redactor: &Redactor) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let code = exit_code(&err);
            // `finish` prints the chain and knows that a closed pipe is not a failure.
            if app::finish(Err(err), redactor) == ExitCode::SUCCESS {
                return ExitCode::SUCCESS;
            }
            ExitCode::from(code)
        }
    }
}
