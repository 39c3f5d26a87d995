//! Canary analysis in a step's health rounds: every `compare` check of the rollout read over
//! the step's window so far, compared, and judged together into one entry of the round.
//!
//! The `compare` checks are not probed one by one like the other kinds: their verdicts only
//! mean something together (Kayenta's score), so a round holds one `canary analysis` entry,
//! healthy when the score passes, failed when it fails, and inconclusive when it is marginal or
//! no metric has data yet (early in a bake the window holds too few samples).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use shipline_core::config::{self, CompareCheck, CompareSides, HealthCheck, Rollout};

use crate::canary::{
    self, CanaryScore, CompareSettings, MetricVerdict, RangeQuery, RangeSeries, Thresholds,
    Verdict, query_range,
};
use crate::health::Outcome;

/// The label of the analysis in a round.
pub const LABEL: &str = "canary analysis";

/// One round's canary analysis, as the report keeps it: the score, the settings it was judged
/// by, and every metric's figures (each side's count and median, the Mann–Whitney test, the
/// relative change of the medians, the verdict and its reason).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The round of the step it comes from (1-based).
    pub round: u32,
    /// The score, its outcome and the metrics counted per verdict.
    #[serde(flatten)]
    pub score: CanaryScore,
    /// The scores at or above which the canary passes, or is only marginal.
    pub thresholds: Thresholds,
    /// The significance level of every metric's test.
    pub alpha: f64,
    /// Each `compare` check's figures, in configuration order.
    pub metrics: Vec<MetricVerdict>,
}

/// What a round's analysis gave: its entry among the round's checks, and the figures when
/// every metric could be read.
#[derive(Debug)]
pub struct Judged {
    /// The round's `canary analysis` entry.
    pub entry: (String, Outcome),
    /// The figures; `None` when a series could not be read or the settings were refused.
    pub analysis: Option<Analysis>,
}

/// Seconds since the Unix epoch, as Prometheus counts time.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs_f64())
        .unwrap_or_default()
}

/// The `compare` checks of `rollout`.
pub fn checks(rollout: &Rollout) -> Vec<&CompareCheck> {
    rollout
        .health
        .iter()
        .filter_map(|check| match check {
            HealthCheck::Compare(compare) => Some(compare),
            _ => None,
        })
        .collect()
}

/// Judges every `compare` check of `rollout` over the step's window, from `started` (seconds
/// since the epoch) until now, in round `round_no` of the step; `None` when the rollout has
/// none.
pub async fn round(
    client: &reqwest::Client,
    rollout: &Rollout,
    started: f64,
    round_no: u32,
) -> Option<Judged> {
    let checks = checks(rollout);
    if checks.is_empty() {
        return None;
    }
    let end = now();
    let step = rollout.interval.as_std().max(Duration::from_millis(1));
    let mut verdicts = Vec::new();
    for check in checks {
        match metric(client, check, rollout, started, end, step).await {
            Ok(verdict) => verdicts.push(verdict),
            Err(why) => return Some(unjudged(Outcome::Inconclusive(why))),
        }
    }
    let thresholds = Thresholds {
        pass: rollout.canary.pass,
        marginal: rollout.canary.marginal,
    };
    let score = match canary::judge(&verdicts, &thresholds) {
        Ok(score) => score,
        Err(err) => return Some(unjudged(Outcome::Inconclusive(err.to_string()))),
    };
    let metrics: Vec<String> = verdicts.iter().map(describe).collect();
    let detail = match score.score {
        Some(value) => format!(
            "score {value:.0} (pass {}, marginal {}): {}",
            thresholds.pass,
            thresholds.marginal,
            metrics.join("; ")
        ),
        None => format!("no metric has data yet: {}", metrics.join("; ")),
    };
    let outcome = match score.outcome {
        canary::Outcome::Pass => Outcome::Healthy(detail),
        canary::Outcome::Fail => Outcome::Failed(detail),
        canary::Outcome::Marginal => Outcome::Inconclusive(format!("marginal {detail}")),
        canary::Outcome::Inconclusive => Outcome::Inconclusive(detail),
    };
    Some(Judged {
        entry: (LABEL.to_string(), outcome),
        analysis: Some(Analysis {
            round: round_no,
            score,
            thresholds,
            alpha: rollout.canary.alpha,
            metrics: verdicts,
        }),
    })
}

/// A round's entry without figures.
fn unjudged(outcome: Outcome) -> Judged {
    Judged {
        entry: (LABEL.to_string(), outcome),
        analysis: None,
    }
}

/// One check's verdict over the window, or why its series could not be read.
async fn metric(
    client: &reqwest::Client,
    check: &CompareCheck,
    rollout: &Rollout,
    started: f64,
    end: f64,
    step: Duration,
) -> Result<MetricVerdict, String> {
    let label = HealthCheck::Compare(check.clone()).label();
    let (baseline, canary) = if end - started < step.as_secs_f64() {
        // Less than one step into the bake: nothing to read yet.
        (RangeSeries::default(), RangeSeries::default())
    } else {
        let (baseline_query, baseline_window, canary_query) = match &check.sides {
            CompareSides::CanaryBaseline { canary, baseline } => {
                (baseline.as_str(), (started, end), canary.as_str())
            }
            CompareSides::BeforeAfter { query } => (
                query.as_str(),
                (2.0 * started - end, started),
                query.as_str(),
            ),
        };
        (
            read(client, check, &label, baseline_query, baseline_window, step).await?,
            read(client, check, &label, canary_query, (started, end), step).await?,
        )
    };
    let defaults = CompareSettings::default();
    let settings = CompareSettings {
        direction: match check.direction {
            config::Direction::Increase => canary::Direction::Increase,
            config::Direction::Decrease => canary::Direction::Decrease,
            config::Direction::Either => canary::Direction::Either,
        },
        alpha: rollout.canary.alpha,
        tolerance: check.tolerance,
        min_samples: check
            .min_samples
            .map_or(defaults.min_samples, |samples| samples as usize),
    };
    canary::compare(&label, &baseline.values(), &canary.values(), &settings)
        .map_err(|err| format!("{label}: {err}"))
}

/// One side's series over `window`, or why it could not be read.
async fn read(
    client: &reqwest::Client,
    check: &CompareCheck,
    label: &str,
    query: &str,
    (start, end): (f64, f64),
    step: Duration,
) -> Result<RangeSeries, String> {
    let range = RangeQuery {
        query,
        start,
        end,
        step,
    };
    query_range(client, check.url.as_str(), &range, check.timeout.as_std())
        .await
        .map_err(|err| format!("{label}: {err}"))
}

/// A metric's verdict in words.
pub fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Marginal => "marginal",
        Verdict::Fail => "fail",
        Verdict::NoData => "no data",
    }
}

/// A side's median as shown: `none` without values.
pub fn median_text(side: &canary::Side) -> String {
    side.median.map_or_else(|| "none".to_string(), short)
}

/// A metric's effect as shown: the relative change of the medians, `unbounded` from a
/// baseline median of 0, `n/a` without data.
pub fn effect_text(metric: &MetricVerdict) -> String {
    match (metric.verdict, metric.relative_change) {
        (Verdict::NoData, _) => "n/a".to_string(),
        (_, Some(change)) => format!("{:+.1}%", change * 100.0),
        // The baseline's median is 0 and the canary's is not.
        (_, None) => "unbounded".to_string(),
    }
}

/// A metric's p-value as shown, `n/a` without a test.
pub fn p_text(metric: &MetricVerdict) -> String {
    metric
        .test
        .map_or_else(|| "n/a".to_string(), |test| format!("{:.4}", test.p))
}

/// One metric in a round's detail: its verdict, medians, effect and p-value.
fn describe(metric: &MetricVerdict) -> String {
    format!(
        "{}: {} (median {} canary against {} baseline, {} and {} values, effect {}, p {})",
        metric.name,
        verdict_word(metric.verdict),
        median_text(&metric.canary),
        median_text(&metric.baseline),
        metric.canary.count,
        metric.baseline.count,
        effect_text(metric),
        p_text(metric)
    )
}

/// A number with at most four decimals and no trailing zeros: `200`, `0.0125`.
fn short(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
