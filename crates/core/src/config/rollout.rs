//! How promotion deploys: the team's command run once per traffic step, a bake time with health
//! checks after each step, and the limits that decide when to roll back.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, de};

use super::bounds;
use super::compare::CanarySettings;
use super::duration::Duration;
use super::error::{invalid, plain};
use super::health::HealthCheck;

/// The rollout of one environment.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    /// Deploys one step. Runs through the shell with `SHIPLINE_ENVIRONMENT`, `SHIPLINE_SHA`,
    /// `SHIPLINE_VERSION`, `SHIPLINE_STEP` and `SHIPLINE_WEIGHT` (the step's percentage) set.
    /// Must not be empty.
    #[serde(deserialize_with = "command")]
    #[schemars(length(min = 1))]
    pub command: String,
    /// Undoes the rollout when a step fails; gets the same variables. Without it a failed
    /// rollout is only reported and marked failed. Must not be empty when given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "rollback"
    )]
    #[schemars(length(min = 1))]
    pub rollback: Option<String>,
    /// Traffic percentages, increasing, ending at 100. Default `[100]` (all at once).
    #[serde(default)]
    pub steps: Steps,
    /// How long each step is watched before the next. Default `0s` (health checks run once).
    #[serde(default)]
    pub bake: Duration,
    /// Time between health check rounds during the bake. At least `10ms`. Default `30s`.
    #[serde(default = "default_interval", deserialize_with = "interval")]
    pub interval: Duration,
    /// Checks run during each bake; all must pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<HealthCheck>,
    /// Failed health check rounds that fail the step (and roll back). 1–1000. Default 1.
    #[serde(default = "default_failure_limit", deserialize_with = "failure_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub failure_limit: u32,
    /// Inconclusive rounds (timeouts, no data) tolerated per step; one more fails it. 0–1000.
    /// Default 3.
    #[serde(
        default = "default_inconclusive_limit",
        deserialize_with = "inconclusive_limit"
    )]
    #[schemars(range(min = 0, max = 1000))]
    pub inconclusive_limit: u32,
    /// Run the checks and report, but never roll back (to trial new checks). Default false.
    #[serde(default)]
    pub observe_only: bool,
    /// How the `compare` checks of a step are judged together. Default
    /// `{ pass: 95, marginal: 75, alpha: 0.05 }`, as Kayenta's.
    #[serde(default)]
    pub canary: CanarySettings,
}

/// The shortest `interval`: shorter ones turn a bake into a busy loop against the service.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// The most rounds `failure_limit` and `inconclusive_limit` count to.
const MAX_ROUNDS: u64 = 1000;

fn default_interval() -> Duration {
    Duration::from_secs(30)
}

fn default_failure_limit() -> u32 {
    1
}

fn default_inconclusive_limit() -> u32 {
    3
}

fn command<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    bounds::words(
        deserializer,
        "command",
        "the command line that deploys one step, e.g. `./deploy.sh`",
    )
}

fn rollback<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    bounds::optional_words(
        deserializer,
        "rollback",
        "the command line that undoes the rollout, e.g. `./rollback.sh`",
    )
}

fn interval<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    bounds::duration_at_least(deserializer, "interval", MIN_INTERVAL)
}

fn failure_limit<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let limit = bounds::number(deserializer, "failure_limit", 1, MAX_ROUNDS)?;
    Ok(u32::try_from(limit).unwrap_or(u32::MAX))
}

fn inconclusive_limit<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let limit = bounds::number(deserializer, "inconclusive_limit", 0, MAX_ROUNDS)?;
    Ok(u32::try_from(limit).unwrap_or(u32::MAX))
}

/// Traffic weights in percent, strictly increasing, each in 1..=100, ending at 100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Steps(Vec<u8>);

impl Steps {
    /// Checks a list of weights; the error says what is wrong and how to fix it.
    pub fn new(weights: Vec<u8>) -> Result<Self, String> {
        let mut previous = 0;
        for &weight in &weights {
            previous = check_step(previous, u64::from(weight)).map_err(|err| plain(&err))?;
        }
        check_last(previous).map_err(|err| plain(&err))?;
        Ok(Self(weights))
    }

    /// The weights in order.
    pub fn weights(&self) -> &[u8] {
        &self.0
    }
}

impl Default for Steps {
    fn default() -> Self {
        Self(vec![100])
    }
}

fn check_step(previous: u8, weight: u64) -> Result<u8, String> {
    if !(1..=100).contains(&weight) {
        return Err(invalid(
            format_args!("rollout step {weight} is outside 1–100"),
            "steps are traffic percentages, e.g. `[10, 50, 100]`",
        ));
    }
    let weight = weight as u8;
    if weight <= previous {
        return Err(invalid(
            format_args!(
                "rollout step {weight} does not increase on the step before it ({previous})"
            ),
            "list the percentages in increasing order, e.g. `[10, 50, 100]`",
        ));
    }
    Ok(weight)
}

fn check_last(last: u8) -> Result<(), String> {
    match last {
        100 => Ok(()),
        0 => Err(invalid(
            "rollout `steps` is empty",
            "omit `steps` for a single step of 100, or list percentages ending at 100",
        )),
        last => Err(invalid(
            format_args!("rollout steps end at {last}, not at 100"),
            format_args!("add 100 as the last step so the rollout completes, e.g. `[{last}, 100]`"),
        )),
    }
}

impl<'de> Deserialize<'de> for Steps {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Steps;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of percentages such as [10, 50, 100]")
            }

            // Checked element by element so an error points at the offending step.
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Steps, A::Error> {
                let mut weights = Vec::new();
                let mut previous = 0;
                while let Some(StepWeight(weight)) = seq.next_element()? {
                    previous = check_step(previous, weight).map_err(de::Error::custom)?;
                    weights.push(previous);
                }
                check_last(previous).map_err(de::Error::custom)?;
                Ok(Steps(weights))
            }
        }

        deserializer.deserialize_seq(Visitor)
    }
}

/// One entry of `steps`, read with the range in the message whatever was written.
struct StepWeight(u64);

impl<'de> Deserialize<'de> for StepWeight {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        bounds::number(deserializer, "steps", 1, 100).map(StepWeight)
    }
}

impl JsonSchema for Steps {
    fn schema_name() -> Cow<'static, str> {
        "Steps".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "array",
            "description": "Traffic percentages, strictly increasing, ending at 100.",
            "items": { "type": "integer", "minimum": 1, "maximum": 100 },
            "minItems": 1,
            "contains": { "const": 100 },
            "examples": [[10, 50, 100]]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_must_increase_to_100() {
        assert_eq!(
            Steps::new(vec![10, 50, 100]).unwrap().weights(),
            [10, 50, 100]
        );
        assert!(
            Steps::new(vec![50, 10, 100])
                .unwrap_err()
                .contains("does not increase")
        );
        assert!(Steps::new(vec![10, 50]).unwrap_err().contains("end at 50"));
        assert!(Steps::new(vec![0, 100]).unwrap_err().contains("outside"));
        assert!(Steps::new(vec![]).unwrap_err().contains("empty"));
        assert_eq!(Steps::default().weights(), [100]);
    }
}
