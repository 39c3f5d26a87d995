//! What the risk tool is told about this repository: paths that are risky to touch, where the
//! levels start on the 0–100 scale, how much history to compare against, what to ignore.

use serde::{Deserialize, Deserializer, Serialize};

use super::bounds;
use super::error::invalid;
use super::scalars::GlobPattern;

/// The `risk:` section.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskConfig {
    /// Paths whose change adds risk, with a weight and the reason shown to reviewers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive: Vec<SensitivePath>,
    /// Scores at which each level starts. Default 30 / 60 / 85.
    #[serde(default)]
    pub levels: RiskLevels,
    /// How many past commits the scores are relative to: 1–1000000. Default 1000.
    #[serde(default = "default_lookback", deserialize_with = "lookback")]
    #[schemars(range(min = 1, max = 1_000_000))]
    pub lookback: u32,
    /// Paths left out of the analysis (generated code, vendored files, lockfiles you trust).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<GlobPattern>,
}

impl Default for RiskConfig {
    fn default() -> Self {
        Self {
            sensitive: Vec::new(),
            levels: RiskLevels::default(),
            lookback: default_lookback(),
            ignore: Vec::new(),
        }
    }
}

fn default_lookback() -> u32 {
    1000
}

fn lookback<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let commits = bounds::number(deserializer, "lookback", 1, 1_000_000)?;
    Ok(u32::try_from(commits).unwrap_or(u32::MAX))
}

fn weight<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u8, D::Error> {
    let points = bounds::number(deserializer, "weight", 0, 100)?;
    Ok(u8::try_from(points).unwrap_or(u8::MAX))
}

fn reason<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    bounds::words(
        deserializer,
        "reason",
        "the reason in plain words, e.g. `reason: database migration`",
    )
}

fn paths<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<GlobPattern>, D::Error> {
    let paths = Vec::<GlobPattern>::deserialize(deserializer)?;
    if paths.is_empty() {
        return Err(serde::de::Error::custom(invalid(
            "`paths` is empty",
            "list at least one glob, e.g. `paths: [\"migrations/**\"]`",
        )));
    }
    Ok(paths)
}

fn threshold<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
) -> Result<Option<u64>, D::Error> {
    bounds::optional_number(deserializer, key, 0, 100)
}

fn medium<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    threshold(deserializer, "medium")
}

fn high<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    threshold(deserializer, "high")
}

fn critical<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    threshold(deserializer, "critical")
}

impl RiskConfig {
    /// Whether `path` is ignored.
    pub fn is_ignored(&self, path: &str) -> bool {
        self.ignore.iter().any(|glob| glob.is_match(path))
    }

    /// The sensitive-path rules that `path` matches.
    pub fn sensitive_matches<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = &'a SensitivePath> {
        self.sensitive
            .iter()
            .filter(move |rule| rule.paths.iter().any(|glob| glob.is_match(path)))
    }
}

/// A group of risky paths.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivePath {
    /// Globs of the paths, e.g. `migrations/**`. At least one.
    #[serde(deserialize_with = "paths")]
    #[schemars(length(min = 1))]
    pub paths: Vec<GlobPattern>,
    /// Points added to a change touching them (0–100).
    #[serde(deserialize_with = "weight")]
    #[schemars(range(min = 0, max = 100))]
    pub weight: u8,
    /// Why they are risky, in plain words (shown as the reason). Must not be empty.
    #[serde(deserialize_with = "reason")]
    #[schemars(length(min = 1))]
    pub reason: String,
}

/// Risk levels, from least to most risky.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// Below `medium`.
    Low,
    /// From `levels.medium`.
    Medium,
    /// From `levels.high`.
    High,
    /// From `levels.critical`.
    Critical,
}

impl RiskLevel {
    /// The lowercase name used in configuration and output.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

impl std::fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where each level starts on the 0–100 score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(try_from = "LevelsSpec", into = "LevelsSpec")]
pub struct RiskLevels {
    /// Lowest score that is medium.
    pub medium: u8,
    /// Lowest score that is high.
    pub high: u8,
    /// Lowest score that is critical.
    pub critical: u8,
}

impl Default for RiskLevels {
    fn default() -> Self {
        Self {
            medium: 30,
            high: 60,
            critical: 85,
        }
    }
}

impl RiskLevels {
    /// The level of a score.
    pub fn level(&self, score: u8) -> RiskLevel {
        if score >= self.critical {
            RiskLevel::Critical
        } else if score >= self.high {
            RiskLevel::High
        } else if score >= self.medium {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }
}

/// The YAML form of [`RiskLevels`]: each threshold optional, defaults filled in, order checked.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "RiskLevels",
    description = "Scores (0-100) at which each level starts; they must increase."
)]
pub(crate) struct LevelsSpec {
    /// Lowest medium score. Default 30.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "medium"
    )]
    #[schemars(range(min = 0, max = 100))]
    medium: Option<u64>,
    /// Lowest high score. Default 60.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "high"
    )]
    #[schemars(range(min = 0, max = 100))]
    high: Option<u64>,
    /// Lowest critical score. Default 85.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "critical"
    )]
    #[schemars(range(min = 0, max = 100))]
    critical: Option<u64>,
}

impl TryFrom<LevelsSpec> for RiskLevels {
    type Error = String;

    fn try_from(spec: LevelsSpec) -> Result<Self, String> {
        let defaults = RiskLevels::default();
        let pick = |name: &str, value: Option<u64>, default: u8| -> Result<u8, String> {
            match value {
                None => Ok(default),
                Some(value) if value <= 100 => Ok(value as u8),
                Some(value) => Err(invalid(
                    format_args!("risk level `{name}: {value}` is outside 0–100"),
                    "scores run from 0 to 100",
                )),
            }
        };
        let levels = RiskLevels {
            medium: pick("medium", spec.medium, defaults.medium)?,
            high: pick("high", spec.high, defaults.high)?,
            critical: pick("critical", spec.critical, defaults.critical)?,
        };
        if !(levels.medium < levels.high && levels.high < levels.critical) {
            return Err(invalid(
                format_args!(
                    "risk levels do not increase: medium {}, high {}, critical {}",
                    levels.medium, levels.high, levels.critical
                ),
                "each level must start above the one before (defaults: medium 30, high 60, \
                 critical 85); a threshold left out takes its default",
            ));
        }
        Ok(levels)
    }
}

impl From<RiskLevels> for LevelsSpec {
    fn from(levels: RiskLevels) -> Self {
        LevelsSpec {
            medium: Some(levels.medium.into()),
            high: Some(levels.high.into()),
            critical: Some(levels.critical.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_map_to_levels_at_the_thresholds() {
        let levels = RiskLevels::default();
        assert_eq!(levels.level(0), RiskLevel::Low);
        assert_eq!(levels.level(29), RiskLevel::Low);
        assert_eq!(levels.level(30), RiskLevel::Medium);
        assert_eq!(levels.level(60), RiskLevel::High);
        assert_eq!(levels.level(84), RiskLevel::High);
        assert_eq!(levels.level(85), RiskLevel::Critical);
        assert_eq!(levels.level(100), RiskLevel::Critical);
        assert!(RiskLevel::Medium < RiskLevel::High);
    }

    #[test]
    fn thresholds_must_increase_with_defaults_filled_in() {
        let spec = LevelsSpec {
            medium: Some(70),
            ..LevelsSpec::default()
        };
        assert!(
            RiskLevels::try_from(spec)
                .unwrap_err()
                .contains("do not increase")
        );
        let spec = LevelsSpec {
            high: Some(50),
            ..LevelsSpec::default()
        };
        assert_eq!(RiskLevels::try_from(spec).unwrap().high, 50);
    }
}
