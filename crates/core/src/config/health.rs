//! Health checks run while a rollout step bakes: an HTTP probe, a Prometheus query with a
//! threshold, a command, or a comparison of the canary's metric with the baseline's.
//!
//! In YAML each check is one mapping whose kind is named by its key (`http:`, `prometheus:`,
//! `command:` or `compare:`), with the options for that kind beside it. That reads well but lets people write
//! two kinds in one entry, or options that belong to another kind; both are refused at load
//! with the line of the entry.

use serde::{Deserialize, Deserializer, Serialize};

use super::bounds;
use super::compare::{CompareCheck, CompareSpec};
use super::duration::Duration;
use super::error::invalid;
use super::scalars::{HttpUrl, RegexPattern};

/// One health check.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(try_from = "HealthCheckSpec", into = "HealthCheckSpec")]
pub enum HealthCheck {
    /// Probe a URL.
    Http(HttpCheck),
    /// Evaluate a Prometheus query against bounds.
    Prometheus(PrometheusCheck),
    /// Run a command; exit status 0 is healthy.
    Command(CommandCheck),
    /// Compare the canary's metric with the baseline's (canary analysis).
    Compare(CompareCheck),
}

impl HealthCheck {
    /// The label to report the check under: its `name`, or what it probes.
    pub fn label(&self) -> String {
        let (name, fallback) = match self {
            HealthCheck::Http(check) => (&check.name, check.url.to_string()),
            HealthCheck::Prometheus(check) => (&check.name, check.query.clone()),
            HealthCheck::Command(check) => (&check.name, check.command.clone()),
            HealthCheck::Compare(check) => (&check.name, check.main_query().to_string()),
        };
        name.clone().unwrap_or(fallback)
    }

    /// How long one evaluation may take before it counts as inconclusive.
    pub fn timeout(&self) -> Duration {
        match self {
            HealthCheck::Http(check) => check.timeout,
            HealthCheck::Prometheus(check) => check.timeout,
            HealthCheck::Command(check) => check.timeout,
            HealthCheck::Compare(check) => check.timeout,
        }
    }
}

/// An HTTP probe: healthy when the response has the expected status, arrives in time, and its
/// body matches.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    /// Label in reports.
    pub name: Option<String>,
    /// The URL to GET.
    pub url: HttpUrl,
    /// The status that means healthy. Default 200.
    pub expect_status: u16,
    /// Slower responses count as failures.
    pub max_latency_ms: Option<u64>,
    /// A substring the body must contain.
    pub body_contains: Option<String>,
    /// A regular expression the body must match.
    pub body_regex: Option<RegexPattern>,
    /// Request timeout; a timeout is inconclusive. Default 10s.
    pub timeout: Duration,
}

/// A Prometheus instant query whose (single, scalar) result must stay within bounds.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusCheck {
    /// Label in reports.
    #[serde(skip)]
    pub name: Option<String>,
    /// The Prometheus server, e.g. `http://prometheus:9090`.
    pub url: HttpUrl,
    /// The PromQL query; it should return one sample. Must not be empty.
    #[serde(deserialize_with = "query")]
    #[schemars(length(min = 1))]
    pub query: String,
    /// Healthy while the value is at most this (a finite number).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "finite"
    )]
    pub max: Option<f64>,
    /// Healthy while the value is at least this (a finite number).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "finite"
    )]
    pub min: Option<f64>,
    /// Query timeout; a timeout or an empty result is inconclusive.
    #[serde(skip, default = "default_timeout")]
    pub timeout: Duration,
}

/// A command run through the shell: exit 0 is healthy, anything else a failure, a timeout
/// inconclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandCheck {
    /// Label in reports.
    pub name: Option<String>,
    /// The command line.
    pub command: String,
    /// How long it may run. Default 1m.
    pub timeout: Duration,
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_command_timeout() -> Duration {
    Duration::from_secs(60)
}

fn query<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    bounds::words(
        deserializer,
        "query",
        "a PromQL query that returns one sample, e.g. `sum(rate(http_errors_total[5m]))`",
    )
}

fn name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    bounds::optional_words(deserializer, "name", "the label to report the check under")
}

fn body_contains<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    bounds::optional_words(
        deserializer,
        "body_contains",
        "the text the body must contain",
    )
}

fn expect_status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u16>, D::Error> {
    let status = bounds::optional_number(deserializer, "expect_status", 100, 599)?;
    Ok(status.map(|status| u16::try_from(status).unwrap_or(u16::MAX)))
}

fn max_latency_ms<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    bounds::optional_number(deserializer, "max_latency_ms", 1, 600_000)
}

fn timeout<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    bounds::optional_duration_within(
        deserializer,
        "timeout",
        Duration::from_millis(100),
        Duration::from_secs(3600),
    )
}

/// A bound of a Prometheus check: a number that compares (not `.nan` or `.inf`).
fn finite<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let Some(bound) = Option::<f64>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if !bound.is_finite() {
        return Err(serde::de::Error::custom(invalid(
            format_args!("prometheus bound `{bound}` is not a finite number"),
            "write a plain number such as `0.5`; no value compares with NaN or infinity",
        )));
    }
    Ok(Some(bound))
}

/// The YAML shape of a health check: every key of every kind, checked and sorted into
/// [`HealthCheck`] by `TryFrom`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "HealthCheck",
    description = "A health check: exactly one of `http`, `prometheus`, `command` or \
                   `compare`, with the options of that kind.",
    extend("oneOf" = [
        { "required": ["http"] },
        { "required": ["prometheus"] },
        { "required": ["command"] },
        { "required": ["compare"] }
    ])
)]
pub(crate) struct HealthCheckSpec {
    /// Label in reports. Default: the URL, query (the canary's for `compare`) or command.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "name"
    )]
    #[schemars(length(min = 1))]
    name: Option<String>,
    /// Probe this URL with GET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http: Option<HttpUrl>,
    /// Query Prometheus and compare the result with `max` / `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prometheus: Option<PrometheusCheck>,
    /// Run this command; exit status 0 is healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    /// Compare the canary's metric with the baseline's over the same window (or one query
    /// before and after the step) with a rank test; judged with the rollout's `canary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compare: Option<CompareSpec>,
    /// (http) The status that means healthy, 100–599. Default 200.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "expect_status"
    )]
    #[schemars(range(min = 100, max = 599))]
    expect_status: Option<u16>,
    /// (http) Responses slower than this many milliseconds (1–600000) fail.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "max_latency_ms"
    )]
    #[schemars(range(min = 1, max = 600_000))]
    max_latency_ms: Option<u64>,
    /// (http) The body must contain this text (not empty).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "body_contains"
    )]
    #[schemars(length(min = 1))]
    body_contains: Option<String>,
    /// (http) The body must match this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_regex: Option<RegexPattern>,
    /// How long one evaluation may take, `100ms`–`1h`; running out is inconclusive. Default
    /// 10s for http, prometheus and compare (per query), 1m for command.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "timeout"
    )]
    timeout: Option<Duration>,
}

impl TryFrom<HealthCheckSpec> for HealthCheck {
    type Error = String;

    fn try_from(spec: HealthCheckSpec) -> Result<Self, String> {
        let kinds: Vec<&str> = [
            spec.http.as_ref().map(|_| "http"),
            spec.prometheus.as_ref().map(|_| "prometheus"),
            spec.command.as_ref().map(|_| "command"),
            spec.compare.as_ref().map(|_| "compare"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if kinds.len() > 1 {
            return Err(invalid(
                format_args!(
                    "health check has more than one kind (`{}`)",
                    kinds.join("` and `")
                ),
                "give each check exactly one of `http`, `prometheus`, `command` or `compare`; \
                 split it into separate list entries",
            ));
        }
        let http_only = [
            ("expect_status", spec.expect_status.is_some()),
            ("max_latency_ms", spec.max_latency_ms.is_some()),
            ("body_contains", spec.body_contains.is_some()),
            ("body_regex", spec.body_regex.is_some()),
        ];
        let misplaced = |kind: &str| {
            http_only.iter().find(|(_, set)| *set).map(|(key, _)| {
                invalid(
                    format_args!("`{key}` applies to `http` checks, not to `{kind}`"),
                    format_args!("remove `{key}` or make this an `http` check"),
                )
            })
        };
        if let Some(url) = spec.http {
            let expect_status = spec.expect_status.unwrap_or(200);
            if !(100..=599).contains(&expect_status) {
                return Err(invalid(
                    format_args!("`expect_status: {expect_status}` is not an HTTP status"),
                    "use a status between 100 and 599, e.g. 200",
                ));
            }
            return Ok(HealthCheck::Http(HttpCheck {
                name: spec.name,
                url,
                expect_status,
                max_latency_ms: spec.max_latency_ms,
                body_contains: spec.body_contains,
                body_regex: spec.body_regex,
                timeout: spec.timeout.unwrap_or_else(default_timeout),
            }));
        }
        if let Some(mut check) = spec.prometheus {
            if let Some(err) = misplaced("prometheus") {
                return Err(err);
            }
            match (check.min, check.max) {
                (None, None) => {
                    return Err(invalid(
                        "prometheus check has neither `max` nor `min`",
                        "add `max:` (healthy while the value is at most it) and/or `min:`",
                    ));
                }
                (Some(min), Some(max)) if min > max => {
                    return Err(invalid(
                        format_args!("prometheus check has `min: {min}` above `max: {max}`"),
                        "no value could pass; swap them or fix one",
                    ));
                }
                _ => {}
            }
            check.name = spec.name;
            check.timeout = spec.timeout.unwrap_or_else(default_timeout);
            return Ok(HealthCheck::Prometheus(check));
        }
        if let Some(command) = spec.command {
            if let Some(err) = misplaced("command") {
                return Err(err);
            }
            if command.trim().is_empty() {
                return Err(invalid(
                    "health check `command` is empty",
                    "give the command line to run",
                ));
            }
            return Ok(HealthCheck::Command(CommandCheck {
                name: spec.name,
                command,
                timeout: spec.timeout.unwrap_or_else(default_command_timeout),
            }));
        }
        if let Some(compare) = spec.compare {
            if let Some(err) = misplaced("compare") {
                return Err(err);
            }
            let timeout = spec.timeout.unwrap_or_else(default_timeout);
            return Ok(HealthCheck::Compare(
                compare.into_check(spec.name, timeout)?,
            ));
        }
        Err(invalid(
            "health check has no kind",
            "add one of `http: URL`, `prometheus: {url, query, max}`, `command: \"...\"` or \
             `compare: {prometheus, canary, baseline}`",
        ))
    }
}

impl From<HealthCheck> for HealthCheckSpec {
    fn from(check: HealthCheck) -> Self {
        match check {
            HealthCheck::Http(http) => HealthCheckSpec {
                name: http.name,
                http: Some(http.url),
                expect_status: Some(http.expect_status),
                max_latency_ms: http.max_latency_ms,
                body_contains: http.body_contains,
                body_regex: http.body_regex,
                timeout: Some(http.timeout),
                ..HealthCheckSpec::default()
            },
            HealthCheck::Prometheus(mut prometheus) => HealthCheckSpec {
                name: prometheus.name.take(),
                timeout: Some(prometheus.timeout),
                prometheus: Some(prometheus),
                ..HealthCheckSpec::default()
            },
            HealthCheck::Command(command) => HealthCheckSpec {
                name: command.name,
                command: Some(command.command),
                timeout: Some(command.timeout),
                ..HealthCheckSpec::default()
            },
            HealthCheck::Compare(mut compare) => HealthCheckSpec {
                name: compare.name.take(),
                timeout: Some(compare.timeout),
                compare: Some(compare.into()),
                ..HealthCheckSpec::default()
            },
        }
    }
}
