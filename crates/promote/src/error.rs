//! Why a promotion could not be attempted: mistakes in the request or in the rollout's
//! configuration that no amount of retrying fixes. They all exit with 2 (usage or
//! configuration) and say which input is wrong and how to fix it.

/// A usage or configuration problem found before anything ran.
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
}
