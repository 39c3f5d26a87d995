//! When and how the revert tool opens revert pull/merge requests.

use serde::{Deserialize, Deserializer, Serialize};

use super::bounds;

/// The `revert:` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevertConfig {
    /// Events that may open a revert. Default `[deployment_failure, comment]`.
    #[serde(default = "default_triggers")]
    pub on: Vec<RevertTrigger>,
    /// At most this many automatic reverts per day (UTC), 0–100; 0 turns automatic reverts off
    /// while `/revert` comments keep working. Default 3.
    #[serde(default = "default_max_per_day", deserialize_with = "max_per_day")]
    #[schemars(range(min = 0, max = 100))]
    pub max_per_day: u32,
    /// Labels put on the revert pull/merge request, none empty. Default `[revert]`.
    #[serde(default = "default_labels", deserialize_with = "labels")]
    pub labels: Vec<String>,
    /// Enable auto-merge on the revert once checks pass. Default false.
    #[serde(default)]
    pub auto_merge: bool,
    /// Users asked to review the revert, besides the original author (who is mentioned).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "reviewers"
    )]
    pub reviewers: Vec<String>,
    /// A pull request whose title or body contains this text is never reverted automatically.
    /// Must not be empty (every pull request would contain it). Default `[no-revert]`.
    #[serde(
        default = "default_opt_out_marker",
        deserialize_with = "opt_out_marker"
    )]
    #[schemars(length(min = 1))]
    pub opt_out_marker: String,
}

impl Default for RevertConfig {
    fn default() -> Self {
        Self {
            on: default_triggers(),
            max_per_day: default_max_per_day(),
            labels: default_labels(),
            auto_merge: false,
            reviewers: Vec::new(),
            opt_out_marker: default_opt_out_marker(),
        }
    }
}

impl RevertConfig {
    /// Whether the trigger is enabled.
    pub fn triggers_on(&self, trigger: RevertTrigger) -> bool {
        self.on.contains(&trigger)
    }
}

fn default_triggers() -> Vec<RevertTrigger> {
    vec![RevertTrigger::DeploymentFailure, RevertTrigger::Comment]
}

fn default_max_per_day() -> u32 {
    3
}

fn default_labels() -> Vec<String> {
    vec!["revert".to_string()]
}

fn default_opt_out_marker() -> String {
    "[no-revert]".to_string()
}

fn max_per_day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let reverts = bounds::number(deserializer, "max_per_day", 0, 100)?;
    Ok(u32::try_from(reverts).unwrap_or(u32::MAX))
}

fn labels<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    bounds::word_list(deserializer, "labels", "a label name", false)
}

fn reviewers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    bounds::word_list(deserializer, "reviewers", "a user name", true)
}

fn opt_out_marker<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    bounds::words(
        deserializer,
        "opt_out_marker",
        "the text that keeps a pull request from automatic reverts, e.g. `[no-revert]`",
    )
}

/// An event that may start a revert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevertTrigger {
    /// A deployment recorded as failed (`deployment_status` on GitHub).
    DeploymentFailure,
    /// A failed workflow/pipeline run on the default branch.
    WorkflowFailure,
    /// A `/revert [reason]` comment from a user with write access.
    Comment,
}
