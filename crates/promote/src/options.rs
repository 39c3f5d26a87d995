//! What a promotion is asked to do: the environment, the revision, the mode and the report
//! format, as the command line (or another caller) gives them.

use shipline_core::config::RiskLevel;

use crate::error::PromoteError;

/// Report format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For people.
    #[default]
    Markdown,
    /// For machines (documented in `docs/promote.md`).
    Json,
}

impl std::str::FromStr for Format {
    type Err = PromoteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(PromoteError::Format(other.to_string())),
        }
    }
}

/// What to promote, where, and how to report.
#[derive(Debug, Clone, Default)]
pub struct PromoteOptions {
    /// Target environment.
    pub environment: String,
    /// The component promoted (a key under `components:`); `None`: the whole repository.
    pub component: Option<String>,
    /// Revision to promote (default: the CI context's commit, else `HEAD`).
    pub git_ref: Option<String>,
    /// Decide and plan only.
    pub dry_run: bool,
    /// The release's risk level as given (`--risk-level`).
    pub risk_level: Option<String>,
    /// The version to release as given (`--release-version`).
    pub release_version: Option<String>,
    /// Report format.
    pub format: Format,
    /// After a failed rollout, open a revert PR/MR (or, locally, a revert branch) for what the
    /// deployment added since the environment's last good deployment.
    pub revert_on_failure: bool,
}

impl PromoteOptions {
    /// The release's risk level: the one handed over from a previous shipline-risk step. This
    /// is the one place to compute it in process instead.
    pub fn release_risk(&self) -> Result<Option<RiskLevel>, PromoteError> {
        self.risk_level
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(parse_risk_level)
            .transpose()
    }
}

/// Parses a risk level name.
fn parse_risk_level(text: &str) -> Result<RiskLevel, PromoteError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "low" => Ok(RiskLevel::Low),
        "medium" => Ok(RiskLevel::Medium),
        "high" => Ok(RiskLevel::High),
        "critical" => Ok(RiskLevel::Critical),
        _ => Err(PromoteError::RiskLevel {
            value: text.to_string(),
        }),
    }
}
