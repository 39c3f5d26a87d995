//! The `compare` health check and the rollout's `canary` settings: canary analysis, which asks
//! whether a metric of the canary differs from the baseline's over the same window (or the
//! window after a step from the window before it), and how the verdicts of a step's metrics add
//! up to a score.
//!
//! The statistics live in the promote crate; this module only reads and checks what the file
//! says, so a wrong `alpha` or a half-written pair of queries is refused at load with its line.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::bounds;
use super::error::invalid;
use super::scalars::HttpUrl;

/// A health check that compares two series of one metric with a rank test.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareCheck {
    /// Label in reports.
    pub name: Option<String>,
    /// The Prometheus server the range queries go to.
    pub url: HttpUrl,
    /// What is compared with what.
    pub sides: CompareSides,
    /// Which way the metric may not move.
    pub direction: Direction,
    /// The smallest relative change of the median that can fail, as a fraction (0.1 for `10%`).
    pub tolerance: f64,
    /// The fewest values each side needs for a verdict; `None` leaves the analysis's default.
    pub min_samples: Option<u32>,
    /// How long one range query may take; running out is inconclusive.
    pub timeout: super::duration::Duration,
}

impl CompareCheck {
    /// The query to name the check by when it has no `name`: the canary's, or the single one.
    pub fn main_query(&self) -> &str {
        match &self.sides {
            CompareSides::CanaryBaseline { canary, .. } => canary,
            CompareSides::BeforeAfter { query } => query,
        }
    }
}

/// The two series a `compare` check sets against each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareSides {
    /// Two queries over the same window: the canary's and the baseline's.
    CanaryBaseline {
        /// The PromQL query for the canary's series.
        canary: String,
        /// The PromQL query for the baseline's series.
        baseline: String,
    },
    /// One query, over the window before the step (the baseline) and the window after it.
    BeforeAfter {
        /// The PromQL query for both windows.
        query: String,
    },
}

/// Which way a canary's metric may not move.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is worse (errors, latency): a one-sided test.
    Increase,
    /// Lower is worse (throughput, success rate): a one-sided test.
    Decrease,
    /// Any difference is worse: a two-sided test.
    #[default]
    Either,
}

/// The Prometheus server of a `compare` check.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrometheusServer {
    /// The server, e.g. `http://prometheus:9090`.
    url: HttpUrl,
}

/// The YAML shape of `compare:`, checked as a whole into [`CompareCheck`] by the health check.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "CompareSpec",
    description = "The options of a `compare` check: the Prometheus server, and either \
                   `canary` with `baseline` or `query` with `before_after: true`."
)]
#[schemars(extend("oneOf" = [
    { "required": ["canary", "baseline"], "not": { "required": ["query"] } },
    {
        "required": ["query", "before_after"],
        "properties": { "before_after": { "const": true } },
        "not": { "anyOf": [{ "required": ["canary"] }, { "required": ["baseline"] }] }
    }
]))]
pub(crate) struct CompareSpec {
    /// The Prometheus server the range queries go to: `{ url: http://prometheus:9090 }`.
    prometheus: PrometheusServer,
    /// The PromQL query for the canary's series; with `baseline`. Not empty.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "canary"
    )]
    #[schemars(length(min = 1))]
    canary: Option<String>,
    /// The PromQL query for the baseline's series; with `canary`. Not empty.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "baseline"
    )]
    #[schemars(length(min = 1))]
    baseline: Option<String>,
    /// With `before_after: true`: the one query compared before and after the step. Not empty.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "query"
    )]
    #[schemars(length(min = 1))]
    query: Option<String>,
    /// Compare the window before the step with the window after it, using `query`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    before_after: bool,
    /// Which way the metric may not move: `increase`, `decrease` or `either`. Default `either`.
    #[serde(default)]
    direction: Direction,
    /// A change of the median smaller than this never fails, `0%`–`1000%`. Default `0%`.
    #[serde(default)]
    tolerance: Percent,
    /// The fewest values each side needs for a verdict, 1–100000. Default 10.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "min_samples"
    )]
    #[schemars(range(min = 1, max = 100_000))]
    min_samples: Option<u32>,
}

fn canary<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    bounds::optional_words(
        deserializer,
        "canary",
        "the PromQL query for the canary's series, e.g. `rate(errors_total{track=\"canary\"}[1m])`",
    )
}

fn baseline<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    bounds::optional_words(
        deserializer,
        "baseline",
        "the PromQL query for the baseline's series, e.g. `rate(errors_total{track=\"stable\"}[1m])`",
    )
}

fn query<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    bounds::optional_words(
        deserializer,
        "query",
        "the PromQL query compared before and after the step, e.g. `rate(errors_total[1m])`",
    )
}

fn min_samples<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let samples = bounds::optional_number(deserializer, "min_samples", 1, 100_000)?;
    Ok(samples.map(|samples| u32::try_from(samples).unwrap_or(u32::MAX)))
}

impl CompareSpec {
    /// Sorts the spec into a check; `name` and `timeout` come from the surrounding entry.
    pub(crate) fn into_check(
        self,
        name: Option<String>,
        timeout: super::duration::Duration,
    ) -> Result<CompareCheck, String> {
        let sides = match (self.canary, self.baseline, self.query, self.before_after) {
            (Some(canary), Some(baseline), None, false) => {
                CompareSides::CanaryBaseline { canary, baseline }
            }
            (None, None, Some(query), true) => CompareSides::BeforeAfter { query },
            (Some(_), _, _, true) | (_, Some(_), _, true) => {
                return Err(invalid(
                    "compare check has `before_after: true` and `canary`/`baseline`",
                    "`before_after` compares one `query` before and after the step; remove \
                     `before_after` to compare `canary` with `baseline`, or replace both with \
                     `query`",
                ));
            }
            (None, None, None, true) => {
                return Err(invalid(
                    "compare check has `before_after: true` but no `query`",
                    "add `query:` with the PromQL query to compare before and after the step",
                ));
            }
            (_, _, Some(_), false) => {
                return Err(invalid(
                    "compare check has `query` without `before_after: true`",
                    "add `before_after: true` to compare the window before the step with the \
                     one after it, or give `canary` and `baseline` queries instead",
                ));
            }
            (Some(_), None, None, false) => {
                return Err(invalid(
                    "compare check has `canary` but no `baseline`",
                    "add `baseline:` with the query for the series the canary is compared with",
                ));
            }
            (None, Some(_), None, false) => {
                return Err(invalid(
                    "compare check has `baseline` but no `canary`",
                    "add `canary:` with the query for the canary's series",
                ));
            }
            (None, None, None, false) => {
                return Err(invalid(
                    "compare check has no queries",
                    "add `canary:` and `baseline:` queries, or `query:` with `before_after: true`",
                ));
            }
        };
        Ok(CompareCheck {
            name,
            url: self.prometheus.url,
            sides,
            direction: self.direction,
            tolerance: self.tolerance.0,
            min_samples: self.min_samples,
            timeout,
        })
    }
}

impl From<CompareCheck> for CompareSpec {
    fn from(check: CompareCheck) -> Self {
        let (canary, baseline, query, before_after) = match check.sides {
            CompareSides::CanaryBaseline { canary, baseline } => {
                (Some(canary), Some(baseline), None, false)
            }
            CompareSides::BeforeAfter { query } => (None, None, Some(query), true),
        };
        CompareSpec {
            prometheus: PrometheusServer { url: check.url },
            canary,
            baseline,
            query,
            before_after,
            direction: check.direction,
            tolerance: Percent(check.tolerance),
            min_samples: check.min_samples,
        }
    }
}

/// The most a `tolerance` may be, as a fraction: a tenfold change.
const MAX_TOLERANCE: f64 = 10.0;

/// A `tolerance` such as `10%`, held as a fraction (0.1).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Percent(f64);

impl Percent {
    fn parse(text: &str) -> Result<Self, String> {
        let refuse = || {
            invalid(
                format_args!("`tolerance: {text}` is not a percentage from 0% to 1000%"),
                "write a percentage such as `10%`: a change of the median smaller than it \
                 never fails",
            )
        };
        let number = text.trim().strip_suffix('%').ok_or_else(refuse)?;
        let value: f64 = number.trim().parse().map_err(|_| refuse())?;
        let fraction = value / 100.0;
        if !(0.0..=MAX_TOLERANCE).contains(&fraction) || number.trim().starts_with('+') {
            return Err(refuse());
        }
        Ok(Percent(fraction))
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl de::Visitor<'_> for Visitor {
            type Value = Percent;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a percentage such as `10%`")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Percent, E> {
                Percent::parse(text).map_err(E::custom)
            }

            // A bare number reads as the percentage it would be with `%` after it, except
            // that only 0 is accepted: `0.1` could mean 10% or 0.1%.
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Percent, E> {
                self.visit_str(&format!("{value}{}", if value == 0 { "%" } else { "" }))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Percent, E> {
                self.visit_str(&value.to_string())
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Percent, E> {
                self.visit_str(&value.to_string())
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}%", self.0 * 100.0))
    }
}

impl JsonSchema for Percent {
    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A percentage from 0% to 1000%, written with `%`, such as `10%`.",
            "anyOf": [
                { "type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]+)?\\s*%\\s*$" },
                { "const": 0 }
            ],
            "examples": ["10%"]
        })
    }
}

/// The rollout's `canary:` settings: how the verdicts of a step's `compare` checks are judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "CanarySpec", into = "CanarySpec")]
pub struct CanarySettings {
    /// The lowest score (0–100) that passes a step.
    pub pass: f64,
    /// The lowest score (0–`pass`) that is marginal rather than failing.
    pub marginal: f64,
    /// The significance level of every comparison, in (0, 0.5].
    pub alpha: f64,
}

impl Default for CanarySettings {
    fn default() -> Self {
        CanarySettings {
            pass: 95.0,
            marginal: 75.0,
            alpha: 0.05,
        }
    }
}

/// The YAML shape of `canary:`, checked into [`CanarySettings`].
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "CanarySettings",
    description = "How the `compare` checks of a step are judged: the score is 100 × the \
                   metrics that pass or are marginal / the metrics with data."
)]
pub(crate) struct CanarySpec {
    /// The lowest score that passes a step, 0–100. Default 95.
    #[serde(default = "default_pass", deserialize_with = "pass")]
    #[schemars(range(min = 0, max = 100))]
    pass: f64,
    /// The lowest score that is marginal rather than failing, 0–100 and at most `pass`.
    /// Default 75.
    #[serde(default = "default_marginal", deserialize_with = "marginal")]
    #[schemars(range(min = 0, max = 100))]
    marginal: f64,
    /// The significance level: a p-value below it is a real difference. Above 0, at most 0.5.
    /// Default 0.05.
    #[serde(default = "default_alpha", deserialize_with = "alpha")]
    #[schemars(range(max = 0.5), extend("exclusiveMinimum" = 0))]
    alpha: f64,
}

fn default_pass() -> f64 {
    CanarySettings::default().pass
}

fn default_marginal() -> f64 {
    CanarySettings::default().marginal
}

fn default_alpha() -> f64 {
    CanarySettings::default().alpha
}

fn score<'de, D: Deserializer<'de>>(deserializer: D, key: &str) -> Result<f64, D::Error> {
    let value = f64::deserialize(deserializer)?;
    if !(0.0..=100.0).contains(&value) {
        return Err(de::Error::custom(invalid(
            format_args!("`{key}: {value}` is outside 0–100"),
            "canary scores run from 0 (every metric failed) to 100 (none did)",
        )));
    }
    Ok(value)
}

fn pass<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    score(deserializer, "pass")
}

fn marginal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    score(deserializer, "marginal")
}

fn alpha<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(deserializer)?;
    if !(value > 0.0 && value <= 0.5) {
        return Err(de::Error::custom(invalid(
            format_args!("`alpha: {value}` is not above 0 and at most 0.5"),
            "alpha is the chance of failing a canary that is no different; use 0.05, or 0.01 \
             for fewer false failures",
        )));
    }
    Ok(value)
}

impl TryFrom<CanarySpec> for CanarySettings {
    type Error = String;

    fn try_from(spec: CanarySpec) -> Result<Self, String> {
        if spec.marginal > spec.pass {
            return Err(invalid(
                format_args!(
                    "canary `marginal: {}` is above `pass: {}`",
                    spec.marginal, spec.pass
                ),
                "scores from `marginal` up to `pass` are marginal; make `marginal` at most `pass`",
            ));
        }
        Ok(CanarySettings {
            pass: spec.pass,
            marginal: spec.marginal,
            alpha: spec.alpha,
        })
    }
}

impl From<CanarySettings> for CanarySpec {
    fn from(settings: CanarySettings) -> Self {
        CanarySpec {
            pass: settings.pass,
            marginal: settings.marginal,
            alpha: settings.alpha,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_reads_percentages_within_bounds() {
        assert_eq!(Percent::parse("10%").unwrap(), Percent(0.1));
        assert_eq!(Percent::parse(" 2.5 %").unwrap(), Percent(0.025));
        assert_eq!(Percent::parse("1000%").unwrap(), Percent(10.0));
        for wrong in ["10", "-1%", "1001%", "%", "ten%", "NaN%", "inf%", "+5%"] {
            assert!(
                Percent::parse(wrong)
                    .unwrap_err()
                    .contains("not a percentage"),
                "{wrong}"
            );
        }
    }
}
