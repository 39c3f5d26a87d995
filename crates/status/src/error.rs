//! What can go wrong in a status command, and which class of failure each is.
//!
//! Bad input (an unknown or malformed environment, finishing a deployment that never started,
//! an id the ledger does not know) must stop before anything is written and exit with 2, so a
//! pipeline can tell "you called it wrong" from "the forge failed" (1). The classes come from
//! [`Classify`]: the variants of this crate say theirs, the wrapped errors of core keep the
//! class core gives them.

use std::path::PathBuf;

use shipline_core::app::AppError;
use shipline_core::config::ConfigError;
use shipline_core::exit::{Class, Classify};
use shipline_core::forge::ForgeError;
use shipline_core::git::GitError;
use shipline_core::ledger::LedgerError;
use shipline_core::output::OutputError;

/// A status command could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// No deployment to finish: `finish` ran before `start`, or in another run.
    #[error(
        "no deployment to finish in `{environment}` for commit {sha}{}: run `shipline-status start --env {environment}` first in this job, or pass the id `start` printed with `--deployment ID` (output `deployment-id`)",
        and_run(.run.as_deref())
    )]
    NothingToFinish {
        /// Environment.
        environment: String,
        /// Commit looked for.
        sha: String,
        /// The CI run id, when one was known.
        run: Option<String>,
    },
    /// `--ref` names nothing the checkout has, and is not a full SHA either.
    #[error(
        "cannot tell which commit to deploy: `--ref {rev}` is not a commit of the checkout at {}: fetch it first (`fetch-depth: 0`) or pass a full 40-character SHA",
        .checkout.display()
    )]
    UnknownRef {
        /// The revision as given.
        rev: String,
        /// The checkout it was looked up in.
        checkout: PathBuf,
    },
    /// No `--ref`, and neither the CI context nor a checkout names a commit.
    #[error(
        "cannot tell which commit to deploy: the CI context names no commit and there is no checkout: pass `--ref REV`"
    )]
    NoCommit,
    /// A flag given with an empty value.
    #[error("`{flag}` is empty: {fix}")]
    EmptyFlag {
        /// The flag (`--deployment`).
        flag: &'static str,
        /// What to pass instead.
        fix: &'static str,
    },
    /// `init` wrote nothing.
    #[error(transparent)]
    Init(#[from] crate::init::InitError),
    /// `--risk-score` or `--risk-level` is malformed, or one came without the other.
    #[error("{0}")]
    Risk(String),
    /// The dashboard could not be written.
    #[error("cannot write the dashboard to {}: {source}; check that the directory can be created and written", .path.display())]
    WriteDashboard {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Start-up work done on demand (git, the forge, the ledger backend) failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// `.shipline.yml` does not allow the request (an environment it does not list).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `--component` names no component, or one not deployed to the environment.
    #[error("--component (SHIPLINE_COMPONENT): {0}")]
    Component(String),
    /// The ledger refused the request or failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// git failed reading the commits of a range.
    #[error(transparent)]
    Git(#[from] GitError),
    /// A forge call (a PR comment) failed.
    #[error(transparent)]
    Forge(#[from] ForgeError),
    /// An output or the summary could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// stdout could not be written.
    #[error(transparent)]
    Stdout(#[from] std::io::Error),
    /// A report could not be turned into JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// ` and run N`, when the run is known.
fn and_run(run: Option<&str>) -> String {
    run.map(|run| format!(" and run {run}")).unwrap_or_default()
}

/// Bad input is a usage error; what core reports keeps core's class.
impl Classify for StatusError {
    fn class(&self) -> Class {
        match self {
            StatusError::NothingToFinish { .. }
            | StatusError::UnknownRef { .. }
            | StatusError::NoCommit
            | StatusError::EmptyFlag { .. }
            | StatusError::Component(_)
            | StatusError::Risk(_) => Class::Usage,
            StatusError::Init(e) => e.class(),
            StatusError::WriteDashboard { .. } => Class::Failed,
            StatusError::App(e) => e.class(),
            StatusError::Config(e) => e.class(),
            StatusError::Ledger(e) => e.class(),
            StatusError::Git(e) => e.class(),
            StatusError::Forge(e) => e.class(),
            StatusError::Output(e) => e.class(),
            StatusError::Stdout(e) => e.class(),
            StatusError::Json(_) => Class::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_a_usage_error_and_says_the_fix() {
        let err = StatusError::NothingToFinish {
            environment: "staging".into(),
            sha: "abc".into(),
            run: Some("42".into()),
        };
        assert_eq!(err.class(), Class::Usage);
        assert!(
            err.to_string()
                .starts_with("no deployment to finish in `staging` for commit abc and run 42: ")
        );
        let err = StatusError::NothingToFinish {
            environment: "staging".into(),
            sha: "abc".into(),
            run: None,
        };
        assert!(
            err.to_string()
                .starts_with("no deployment to finish in `staging` for commit abc: ")
        );
        let err = StatusError::EmptyFlag {
            flag: "--deployment",
            fix: "pass the id",
        };
        assert_eq!(err.to_string(), "`--deployment` is empty: pass the id");
        assert_eq!(err.class(), Class::Usage);
    }

    #[test]
    fn wrapped_errors_keep_their_class() {
        let invalid = LedgerError::InvalidRequest("no".into());
        assert_eq!(StatusError::from(invalid).class(), Class::Usage);
        let io = std::io::Error::other("disk full");
        assert_eq!(StatusError::from(io).class(), Class::Failed);
    }
}
