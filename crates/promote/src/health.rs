//! One evaluation of one health check, sorted into healthy, failed or inconclusive.
//!
//! The split matters: a failure (wrong status, too slow, threshold crossed, command exit
//! non-zero, nothing listening) is evidence the release is bad and counts toward
//! `failure_limit`; an inconclusive result (a timeout, a query with no data) says only that we
//! could not tell, and counts toward its own `inconclusive_limit`.

use std::time::Instant;

use serde::Serialize;
use shipline_core::config::{CommandCheck, HealthCheck, HttpCheck, PrometheusCheck};

use crate::shell::Shell;

/// The verdict of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    /// Within bounds; the detail says what was seen.
    Healthy(String),
    /// Out of bounds; the detail says how.
    Failed(String),
    /// Could not tell; the detail says why.
    Inconclusive(String),
}

impl Outcome {
    /// The detail text.
    pub fn detail(&self) -> &str {
        match self {
            Outcome::Healthy(d) | Outcome::Failed(d) | Outcome::Inconclusive(d) => d,
        }
    }
}

/// Runs health checks; one per rollout (it holds the HTTP client).
#[derive(Debug, Clone)]
pub struct Prober {
    client: reqwest::Client,
}

impl Prober {
    /// A prober with its own HTTP client (timeouts are per check).
    pub fn new() -> Result<Self, reqwest::Error> {
        shipline_core::tls::init();
        let client = reqwest::Client::builder()
            .user_agent(concat!("shipline-promote/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client })
    }

    /// The HTTP client, for the range queries of canary analysis.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Evaluates `check` once; the shell gives command checks the step's variables.
    pub async fn probe(&self, check: &HealthCheck, shell: &Shell) -> Outcome {
        match check {
            HealthCheck::Http(http) => self.http(http).await,
            HealthCheck::Prometheus(prom) => self.prometheus(prom).await,
            HealthCheck::Command(cmd) => command(cmd, shell).await,
            // Judged together over the step's window (`analysis`), never probed alone.
            HealthCheck::Compare(_) => Outcome::Inconclusive(
                "`compare` checks are judged over a step's window, not one probe at a time"
                    .to_string(),
            ),
        }
    }

    async fn http(&self, check: &HttpCheck) -> Outcome {
        let started = Instant::now();
        let request = self
            .client
            .get(check.url.as_str())
            .timeout(check.timeout.as_std());
        let response = match request.send().await {
            Ok(r) => r,
            Err(err) if err.is_timeout() => {
                return Outcome::Inconclusive(format!("no answer within {}", check.timeout));
            }
            Err(err) => return Outcome::Failed(format!("request failed: {}", error_chain(&err))),
        };
        let status = response.status().as_u16();
        let body = match response.text().await {
            Ok(b) => b,
            Err(err) if err.is_timeout() => {
                return Outcome::Inconclusive(format!("body not read within {}", check.timeout));
            }
            Err(err) => return Outcome::Failed(format!("reading the body failed: {err}")),
        };
        let latency = started.elapsed().as_millis();
        if status != check.expect_status {
            return Outcome::Failed(format!(
                "status {status}, expected {} ({latency}ms)",
                check.expect_status
            ));
        }
        if let Some(max) = check.max_latency_ms
            && latency > u128::from(max)
        {
            return Outcome::Failed(format!("{latency}ms, above max_latency_ms {max}"));
        }
        if let Some(needle) = &check.body_contains
            && !body.contains(needle.as_str())
        {
            return Outcome::Failed(format!("status {status} but the body lacks `{needle}`"));
        }
        if let Some(pattern) = &check.body_regex
            && !pattern.regex().is_match(&body)
        {
            return Outcome::Failed(format!(
                "status {status} but the body does not match `{}`",
                pattern.as_str()
            ));
        }
        Outcome::Healthy(format!("status {status} in {latency}ms"))
    }

    async fn prometheus(&self, check: &PrometheusCheck) -> Outcome {
        let base = check.url.as_str().trim_end_matches('/');
        let request = self
            .client
            .get(format!("{base}/api/v1/query"))
            .query(&[("query", check.query.as_str())])
            .timeout(check.timeout.as_std());
        let response = match request.send().await {
            Ok(r) => r,
            Err(err) if err.is_timeout() => {
                return Outcome::Inconclusive(format!(
                    "Prometheus gave no answer within {}",
                    check.timeout
                ));
            }
            Err(err) => {
                return Outcome::Inconclusive(format!(
                    "Prometheus query failed: {}",
                    error_chain(&err)
                ));
            }
        };
        let status = response.status();
        let json: serde_json::Value = match response.json().await {
            Ok(v) => v,
            Err(err) => {
                return Outcome::Inconclusive(format!(
                    "Prometheus answered {status} with no readable JSON: {err}"
                ));
            }
        };
        let outcome = judge(check, &json);
        match warnings(&json) {
            None => outcome,
            Some(warned) => match outcome {
                Outcome::Healthy(d) => Outcome::Healthy(format!("{d} ({warned})")),
                Outcome::Failed(d) => Outcome::Failed(format!("{d} ({warned})")),
                Outcome::Inconclusive(d) => Outcome::Inconclusive(format!("{d} ({warned})")),
            },
        }
    }
}

/// The verdict on an instant query's answer against the check's bounds.
fn judge(check: &PrometheusCheck, json: &serde_json::Value) -> Outcome {
    let value = match sample(json) {
        Ok(v) => v,
        Err(why) => return Outcome::Inconclusive(why),
    };
    if value.is_nan() {
        return Outcome::Inconclusive("the query returned NaN".into());
    }
    if let Some(max) = check.max
        && value > max
    {
        return Outcome::Failed(format!("value {value} above max {max}"));
    }
    if let Some(min) = check.min
        && value < min
    {
        return Outcome::Failed(format!("value {value} below min {min}"));
    }
    Outcome::Healthy(format!("value {value}"))
}

/// Prometheus's `warnings` (a partial answer, say), to be shown with the verdict.
fn warnings(json: &serde_json::Value) -> Option<String> {
    let warned: Vec<&str> = json["warnings"]
        .as_array()?
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    (!warned.is_empty()).then(|| format!("Prometheus warned: {}", warned.join("; ")))
}

/// The single value of an instant query's answer (`vector` with one sample, or `scalar`).
fn sample(json: &serde_json::Value) -> Result<f64, String> {
    if json["status"] != "success" {
        // The error types of Prometheus's HTTP API, each with what to do about it.
        let kind = json["errorType"].as_str().unwrap_or("unknown");
        let fix = match kind {
            "bad_data" => "; fix `query` in .shipline.yml: the server cannot run it",
            "timeout" | "canceled" => "; the server gave up on the query: make it lighter",
            "unavailable" => "; the server is not ready to answer",
            _ => "",
        };
        return Err(format!(
            "Prometheus error ({kind}): {}{fix}",
            json["error"].as_str().unwrap_or("status is not success")
        ));
    }
    let data = &json["data"];
    let pair = match data["resultType"].as_str() {
        Some("scalar") => &data["result"],
        Some("vector") => {
            let result = data["result"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            match result {
                [] => return Err("the query returned no data".into()),
                [one] => &one["value"],
                many => {
                    return Err(format!(
                        "the query returned {} series, expected one (aggregate it, e.g. with sum())",
                        many.len()
                    ));
                }
            }
        }
        other => {
            return Err(format!(
                "unsupported result type {}; use a query that returns one sample",
                other.unwrap_or("(none)")
            ));
        }
    };
    pair[1]
        .as_str()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| format!("unreadable sample {pair}"))
}

async fn command(check: &CommandCheck, shell: &Shell) -> Outcome {
    match shell
        .run(&check.command, Some(check.timeout.as_std()))
        .await
    {
        Ok(run) if run.timed_out => {
            Outcome::Inconclusive(format!("still running after {}", check.timeout))
        }
        Ok(run) if run.success() => Outcome::Healthy("exit 0".into()),
        Ok(run) => Outcome::Failed(run.describe()),
        Err(err) => Outcome::Failed(format!("could not run: {err}")),
    }
}

/// reqwest's top-level message hides the cause (connection refused, DNS); show the chain.
pub(crate) fn error_chain(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instant_query_answers() {
        let vector = json!({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.0,"0.25"]}]}});
        assert_eq!(sample(&vector), Ok(0.25));
        let scalar = json!({"status":"success","data":{"resultType":"scalar","result":[1.0,"3"]}});
        assert_eq!(sample(&scalar), Ok(3.0));
        let empty = json!({"status":"success","data":{"resultType":"vector","result":[]}});
        assert!(sample(&empty).unwrap_err().contains("no data"));
        let error = json!({"status":"error","errorType":"bad_data","error":"parse error"});
        let why = sample(&error).unwrap_err();
        assert!(
            why.contains("(bad_data): parse error; fix `query`"),
            "{why}"
        );
        let error = json!({"status":"error","errorType":"timeout","error":"query timed out"});
        assert!(sample(&error).unwrap_err().contains("make it lighter"));
    }

    #[test]
    fn warnings_go_with_the_verdict() {
        let answer = json!({"status":"success","warnings":["remote read failed for 1 of 2 stores"],
            "data":{"resultType":"vector","result":[{"metric":{},"value":[1.0,"0.25"]}]}});
        assert_eq!(
            warnings(&answer).as_deref(),
            Some("Prometheus warned: remote read failed for 1 of 2 stores")
        );
        assert_eq!(warnings(&json!({"status":"success"})), None);
    }
}
