//! Prometheus range queries: the series a `compare` check sets side by side.
//!
//! `GET /api/v1/query_range` evaluates a query at every `step` from `start` to `end` and
//! answers a `matrix`: one list of `[time, "value"]` pairs per series. A compare check needs
//! exactly one series per side, so several are refused with their count (aggregate them), and
//! no series at all is an empty [`RangeSeries`]: no data, which the analysis counts as such.
//! Values come as strings and may be `NaN` or `±Inf`; they are kept, and the analysis drops
//! and counts them. Errors and warnings are read as the instant query's are.

use std::time::Duration;

use crate::health::error_chain;

/// One range query: the PromQL and the window it is evaluated over.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeQuery<'a> {
    /// The PromQL query; it should give one series.
    pub query: &'a str,
    /// The first evaluation, in seconds since the Unix epoch.
    pub start: f64,
    /// The last evaluation, in seconds since the Unix epoch; after `start`.
    pub end: f64,
    /// The time between evaluations; at least a millisecond.
    pub step: Duration,
}

/// The answer to a range query: one series, or none.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct RangeSeries {
    /// `(time, value)` pairs in time order; empty when the query had no data.
    pub samples: Vec<(f64, f64)>,
    /// Prometheus's warnings (a partial answer, say), to be shown with the verdict.
    pub warnings: Vec<String>,
}

impl RangeSeries {
    /// The values without their times, as the analysis takes them.
    pub fn values(&self) -> Vec<f64> {
        self.samples.iter().map(|(_, value)| *value).collect()
    }

    /// True when the query gave no series: no data.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

/// Why a range query gave no series to analyse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RangeError {
    /// The window is empty or backwards, or the step is below a millisecond.
    #[error(
        "range query window from {start} to {end} every {step:?} is empty: the end must be after the start and the step at least 1ms"
    )]
    Window {
        /// The start given.
        start: f64,
        /// The end given.
        end: f64,
        /// The step given.
        step: Duration,
    },
    /// No answer in time.
    #[error("Prometheus gave no answer within {0:?}")]
    Timeout(Duration),
    /// The request failed (connection refused, DNS).
    #[error("Prometheus range query failed: {0}")]
    Request(String),
    /// The answer was not the JSON of Prometheus's API.
    #[error("Prometheus answered {status} with no readable JSON: {detail}")]
    Unreadable {
        /// The HTTP status.
        status: u16,
        /// What could not be read.
        detail: String,
    },
    /// Prometheus refused or failed the query.
    #[error("Prometheus error ({kind}): {message}{fix}")]
    Prometheus {
        /// Its `errorType`, e.g. `bad_data`.
        kind: String,
        /// Its `error` text.
        message: String,
        /// What to do about it, with a leading `; `, or empty.
        fix: &'static str,
    },
    /// The query gave more than one series.
    #[error("the query returned {0} series, expected one (aggregate it, e.g. with sum())")]
    Series(usize),
    /// The answer was not a matrix.
    #[error("unsupported result type {0} for a range query; use a query that returns one series")]
    ResultType(String),
    /// A sample could not be read.
    #[error("unreadable sample {0} in the range query's answer")]
    Sample(String),
}

/// Runs `query` against the Prometheus server at `url` (its base, e.g.
/// `http://prometheus:9090`) and reads the one series it gives. `client` is built after
/// `shipline_core::tls::init`, as the prober's is.
pub async fn query_range(
    client: &reqwest::Client,
    url: &str,
    query: &RangeQuery<'_>,
    timeout: Duration,
) -> Result<RangeSeries, RangeError> {
    let step = query.step.as_secs_f64();
    if !(query.end > query.start
        && step >= 0.001
        && query.start.is_finite()
        && query.end.is_finite())
    {
        return Err(RangeError::Window {
            start: query.start,
            end: query.end,
            step: query.step,
        });
    }
    let base = url.trim_end_matches('/');
    let request = client
        .get(format!("{base}/api/v1/query_range"))
        .query(&[
            ("query", query.query.to_string()),
            ("start", format!("{:.3}", query.start)),
            ("end", format!("{:.3}", query.end)),
            ("step", format!("{step:.3}")),
        ])
        .timeout(timeout);
    let response = match request.send().await {
        Ok(response) => response,
        Err(err) if err.is_timeout() => return Err(RangeError::Timeout(timeout)),
        Err(err) => return Err(RangeError::Request(error_chain(&err))),
    };
    let status = response.status().as_u16();
    let json: serde_json::Value = match response.json().await {
        Ok(json) => json,
        Err(err) if err.is_timeout() => return Err(RangeError::Timeout(timeout)),
        Err(err) => {
            return Err(RangeError::Unreadable {
                status,
                detail: err.to_string(),
            });
        }
    };
    matrix(&json)
}

/// The one series of a range query's answer.
pub fn matrix(json: &serde_json::Value) -> Result<RangeSeries, RangeError> {
    if json["status"] != "success" {
        // The error types of Prometheus's HTTP API, each with what to do about it.
        let kind = json["errorType"].as_str().unwrap_or("unknown");
        let fix = match kind {
            "bad_data" => "; fix the query in .shipline.yml: the server cannot run it",
            "timeout" | "canceled" => {
                "; the server gave up on the query: make it lighter or the window shorter"
            }
            "unavailable" => "; the server is not ready to answer",
            "execution" => "; the query failed on the server: try it in Prometheus's UI",
            _ => "",
        };
        return Err(RangeError::Prometheus {
            kind: kind.to_string(),
            message: json["error"]
                .as_str()
                .unwrap_or("status is not success")
                .to_string(),
            fix,
        });
    }
    let warnings = json["warnings"]
        .as_array()
        .map(|warned| {
            warned
                .iter()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let data = &json["data"];
    if data["resultType"] != "matrix" {
        return Err(RangeError::ResultType(
            data["resultType"].as_str().unwrap_or("(none)").to_string(),
        ));
    }
    let result = data["result"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let series = match result {
        [] => {
            return Ok(RangeSeries {
                samples: Vec::new(),
                warnings,
            });
        }
        [one] => one,
        many => return Err(RangeError::Series(many.len())),
    };
    let pairs = series["values"]
        .as_array()
        .ok_or_else(|| RangeError::Sample(series["values"].to_string()))?;
    let samples = pairs.iter().map(pair).collect::<Result<Vec<_>, _>>()?;
    Ok(RangeSeries { samples, warnings })
}

/// One `[time, "value"]` pair; the value may be `NaN`, `+Inf` or `-Inf`.
fn pair(pair: &serde_json::Value) -> Result<(f64, f64), RangeError> {
    let time = pair[0].as_f64();
    let value = pair[1].as_str().and_then(|text| text.parse::<f64>().ok());
    match (time, value) {
        (Some(time), Some(value)) => Ok((time, value)),
        _ => Err(RangeError::Sample(pair.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_matrix_gives_its_one_series_with_nan_and_infinities() {
        let answer = json!({"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[1.0,"0.5"],[2.5,"NaN"],[4.0,"+Inf"],[5.5,"-Inf"]]}]}});
        let series = matrix(&answer).unwrap();
        assert_eq!(series.samples.len(), 4);
        assert_eq!(series.samples[0], (1.0, 0.5));
        assert!(series.samples[1].1.is_nan());
        assert_eq!(series.samples[2].1, f64::INFINITY);
        assert_eq!(series.samples[3].1, f64::NEG_INFINITY);
    }

    #[test]
    fn unreadable_pairs_and_other_result_types_are_refused() {
        let answer = json!({"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[1.0, 0.5]]}]}});
        assert!(matches!(matrix(&answer), Err(RangeError::Sample(_))));
        let answer = json!({"status":"success","data":{"resultType":"vector","result":[]}});
        assert_eq!(
            matrix(&answer),
            Err(RangeError::ResultType("vector".into()))
        );
    }
}
