//! Why a promotion failed before it could decide, and which exit code each reason ends with.
//!
//! Mistakes in the request or in the rollout's configuration (a bad flag, a command that does
//! not exist) are usage errors: nothing ran, no retry fixes them, and they exit with 2 and say
//! which input is wrong and how to fix it. What fails underneath (git, the ledger, the forge)
//! keeps the class the shared layer gives it. A failed rollout or a blocking gate is no error:
//! the promotion reports it and chooses its exit code itself.

use shipline_commits::VersionError;
use shipline_core::app::AppError;
use shipline_core::config::ConfigError;
use shipline_core::exit::{Class, Classify};
use shipline_core::forge::ForgeError;
use shipline_core::git::GitError;
use shipline_core::ledger::LedgerError;
use shipline_core::output::OutputError;

/// Why a promotion could not be carried through.
#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    /// `--risk-level` is not one of the levels.
    #[error(
        "--risk-level (SHIPLINE_RISK_LEVEL) `{value}` is not a risk level: use low, medium, high or critical (the `level` output of shipline-risk)"
    )]
    RiskLevel {
        /// The value given.
        value: String,
    },
    /// `SHIPLINE_NOW` is not an RFC 3339 time.
    #[error(
        "SHIPLINE_NOW `{value}` is not an RFC 3339 time ({reason}): write e.g. `2026-03-29T01:30:00Z` or unset it to use the system clock"
    )]
    Now {
        /// The value given.
        value: String,
        /// The parser's complaint.
        reason: String,
    },
    /// `--component` names no component, or one that is not deployed to the environment.
    #[error("--component (SHIPLINE_COMPONENT): {0}")]
    Component(String),
    /// `--format` is not a known format.
    #[error("--format (SHIPLINE_FORMAT) `{0}` is not a format: use markdown or json")]
    Format(String),
    /// The rollout cannot run as configured (a command that does not exist, a health check URL
    /// whose host does not resolve).
    #[error("environment `{environment}`: {what} {problem}; {fix}")]
    Preflight {
        /// The environment promoted to.
        environment: String,
        /// Which setting, e.g. ``rollout.command `./deploy.sh` ``.
        what: String,
        /// What is wrong with it.
        problem: String,
        /// What to do.
        fix: String,
    },
    /// Start-up work done on demand failed (the checkout, the ledger backend, the forge).
    #[error(transparent)]
    App(#[from] AppError),
    /// `.shipline.yml` does not have the environment.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// git failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The ledger could not be read or written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The rollout ran, and its outcome could not be recorded in the ledger.
    #[error(
        "the rollout to `{environment}` ended ({state}) but the ledger did not record it, so deployment {deployment_id} still shows as in progress: {source}; record it by hand with `shipline-status finish --env {environment} --deployment {deployment_id} --state {state}`"
    )]
    NotRecorded {
        /// The environment promoted to.
        environment: String,
        /// The deployment started for the rollout.
        deployment_id: String,
        /// The state the ledger should have recorded.
        state: &'static str,
        /// Why it did not.
        source: Box<LedgerError>,
    },
    /// An output, the job summary or a log line could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The release could not be planned.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// The HTTP client for the health checks could not be built.
    #[error(transparent)]
    HealthClient(reqwest::Error),
    /// The JSON report could not be rendered.
    #[error(transparent)]
    Report(serde_json::Error),
    /// The report could not be printed.
    #[error(transparent)]
    Stdout(std::io::Error),
}

impl Classify for PromoteError {
    fn class(&self) -> Class {
        match self {
            PromoteError::RiskLevel { .. }
            | PromoteError::Now { .. }
            | PromoteError::Format(_)
            | PromoteError::Component(_)
            | PromoteError::Preflight { .. } => Class::Usage,
            PromoteError::App(e) => e.class(),
            PromoteError::Config(e) => e.class(),
            PromoteError::Git(e) => e.class(),
            PromoteError::Ledger(e) => e.class(),
            // Something was deployed (or rolled back): whatever the ledger said, the job failed.
            PromoteError::NotRecorded { .. } => Class::Failed,
            PromoteError::Output(e) => e.class(),
            PromoteError::Release(e) => e.class(),
            PromoteError::HealthClient(_) | PromoteError::Report(_) | PromoteError::Stdout(_) => {
                Class::Failed
            }
        }
    }
}

/// Why the release (`release:`) could not be planned or published.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// `release.publish` without a forge token.
    #[error(
        "`release.publish` for `{environment}` needs a forge token to publish release {tag}: set GITHUB_TOKEN (with `contents: write`) or GITLAB_TOKEN, or set `publish: false`"
    )]
    NoToken {
        /// The environment promoted to.
        environment: String,
        /// The release's tag.
        tag: String,
    },
    /// git failed (reading tags and history, tagging, pushing the tag).
    #[error(transparent)]
    Git(#[from] GitError),
    /// The forge refused the release.
    #[error(transparent)]
    Forge(#[from] ForgeError),
    /// No next version can be computed.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// The history states no bump and no version was given.
    #[error(
        "cannot tag a release of {sha}: {explanation}; pass the version with --release-version \
         (SHIPLINE_RELEASE_VERSION), raise the `version` in the manifest, or tag the commit"
    )]
    VersionNotStated {
        /// The commit promoted.
        sha: String,
        /// Why the history states none.
        explanation: String,
    },
    /// `--release-version` is not a semver version.
    #[error(
        "--release-version `{given}` is not a semver version: give it as MAJOR.MINOR.PATCH \
         (`1.4.0`, `2.0.0-rc.1`), without the tag prefix"
    )]
    InvalidVersion {
        /// The text given.
        given: String,
    },
}

impl Classify for ReleaseError {
    fn class(&self) -> Class {
        match self {
            ReleaseError::NoToken { .. }
            | ReleaseError::VersionNotStated { .. }
            | ReleaseError::InvalidVersion { .. } => Class::Usage,
            ReleaseError::Git(e) => e.class(),
            ReleaseError::Forge(e) => e.class(),
            ReleaseError::Version(_) => Class::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_mistakes_are_usage_errors_and_failures_underneath_are_not() {
        let risk = PromoteError::RiskLevel {
            value: "severe".into(),
        };
        assert_eq!(risk.class(), Class::Usage);
        let token = ReleaseError::NoToken {
            environment: "production".into(),
            tag: "v1.0.0".into(),
        };
        assert_eq!(PromoteError::from(token).class(), Class::Usage);
        let stdout = std::io::Error::other("closed");
        assert_eq!(PromoteError::Stdout(stdout).class(), Class::Failed);
    }
}
