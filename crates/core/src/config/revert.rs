//! When and how the revert tool opens revert pull/merge requests.

use serde::{Deserialize, Serialize};

/// The `revert:` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevertConfig {
    /// Events that may open a revert. Default `[deployment_failure, comment]`.
    #[serde(default = "default_triggers")]
    pub on: Vec<RevertTrigger>,
    /// At most this many automatic reverts per day (UTC); 0 turns automatic reverts off while
    /// `/revert` comments keep working. Default 3.
    #[serde(default = "default_max_per_day")]
    pub max_per_day: u32,
    /// Labels put on the revert pull/merge request. Default `[revert]`.
    #[serde(default = "default_labels")]
    pub labels: Vec<String>,
    /// Enable auto-merge on the revert once checks pass. Default false.
    #[serde(default)]
    pub auto_merge: bool,
    /// Users asked to review the revert, besides the original author (who is mentioned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviewers: Vec<String>,
    /// A pull request whose title or body contains this text is never reverted automatically.
    /// Default `[no-revert]`.
    #[serde(default = "default_opt_out_marker")]
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
