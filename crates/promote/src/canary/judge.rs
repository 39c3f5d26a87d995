//! Verdicts per metric and the judge that rolls them into one canary score.
//!
//! The rules, in plain words:
//! - A metric has **no data** when either side has fewer than `min_samples` finite values
//!   (NaN and infinities are dropped and counted first).
//! - The canary is **significantly worse** when the Mann–Whitney p-value is below `alpha` in the
//!   bad direction: higher for `increase`, lower for `decrease`, either way (two-sided) for
//!   `either`.
//! - The effect is the relative change of the medians, (canary − baseline) / |baseline|. The
//!   median is chosen over the Hodges–Lehmann shift because it reads as the percentage people
//!   write in a `tolerance` ("10% more errors"), costs n log n instead of n1 × n2, and is what
//!   the report shows beside it. A baseline median of zero has no relative change: the change
//!   then counts as unbounded in the direction of the canary's median (and as none when both
//!   are zero).
//! - A significantly worse metric **fails** when its change in the bad direction reaches
//!   `tolerance`; below it the metric is **marginal**: the difference is real but smaller than
//!   the team said matters, so it never fails the canary and counts as passing in the score,
//!   and is shown so that the drift is seen. A tolerance of 0 turns the floor off: every
//!   significant difference fails.
//! - Everything else **passes**, including a canary that is significantly better.
//!
//! The score is Kayenta's: 100 × metrics that pass (or are marginal) / metrics with data.

use serde::{Deserialize, Serialize};

use super::error::CanaryError;
use super::stats::{
    Alternative, MannWhitney, MannWhitneyOptions, Method, finite, mann_whitney_u, median,
};

/// Which way a canary's metric may not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is worse (errors, latency).
    Increase,
    /// Lower is worse (throughput, success rate).
    Decrease,
    /// Any difference is worse.
    #[default]
    Either,
}

/// The settings of one `compare` check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CompareSettings {
    /// Which way the metric may not move; `either` by default.
    pub direction: Direction,
    /// The significance level: a p-value below it is a real difference; 0.05 by default.
    pub alpha: f64,
    /// The smallest relative change of the median that can fail the canary, as a fraction
    /// (0.1 for `10%`); 0 by default, which fails every significant difference.
    pub tolerance: f64,
    /// The fewest finite values each side needs for a verdict; 10 by default.
    pub min_samples: usize,
}

impl Default for CompareSettings {
    fn default() -> Self {
        CompareSettings {
            direction: Direction::Either,
            alpha: 0.05,
            tolerance: 0.0,
            min_samples: 10,
        }
    }
}

impl CompareSettings {
    /// Checks that every setting is in its range.
    pub fn validate(&self) -> Result<(), CanaryError> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(CanaryError::Setting {
                name: "alpha",
                value: self.alpha.to_string(),
                hint: "use a number between 0 and 1, such as 0.05",
            });
        }
        if !(self.tolerance >= 0.0 && self.tolerance.is_finite()) {
            return Err(CanaryError::Setting {
                name: "tolerance",
                value: self.tolerance.to_string(),
                hint: "use a percentage of 0 or more, such as 10%",
            });
        }
        if self.min_samples == 0 {
            return Err(CanaryError::Setting {
                name: "min_samples",
                value: "0".into(),
                hint: "use 1 or more; with fewer than about 10 values per side no difference can be significant",
            });
        }
        Ok(())
    }
}

/// The verdict on one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No significant difference in the bad direction.
    Pass,
    /// A significant difference in the bad direction, smaller than the tolerance.
    Marginal,
    /// A significant difference in the bad direction, at least the tolerance.
    Fail,
    /// Too few values on a side to judge.
    NoData,
}

/// What one side (baseline or canary) of a comparison held.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// The finite values used.
    pub count: usize,
    /// The values dropped because they were NaN or infinite.
    pub dropped: usize,
    /// The median of the finite values; `None` when there are none.
    pub median: Option<f64>,
}

impl Side {
    /// The summary of the finite `values` of a side, `dropped` more having been dropped.
    fn of(values: &[f64], dropped: usize) -> Side {
        Side {
            count: values.len(),
            dropped,
            median: median(values),
        }
    }
}

/// One metric's comparison of canary against baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricVerdict {
    /// The metric's name, as configured (untrusted: escape it before it reaches Markdown).
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The baseline's values.
    pub baseline: Side,
    /// The canary's values.
    pub canary: Side,
    /// The test of canary (first sample, whose U is reported) against baseline, in the bad
    /// direction; `None` without data.
    pub test: Option<MannWhitney>,
    /// (canary median − baseline median) / |baseline median|; `None` without data or when the
    /// baseline median is 0 and the canary's is not.
    pub relative_change: Option<f64>,
    /// The verdict's reason in plain words (numbers only, no untrusted text).
    pub reason: String,
}

/// Compares the canary's values of metric `name` with the baseline's over the same window.
///
/// NaN and infinite values are dropped and counted in [`Side::dropped`]. Fails only when the
/// settings are out of range ([`CompareSettings::validate`]).
pub fn compare(
    name: &str,
    baseline: &[f64],
    canary: &[f64],
    settings: &CompareSettings,
) -> Result<MetricVerdict, CanaryError> {
    settings.validate()?;
    let (baseline, baseline_dropped) = finite(baseline);
    let (canary, canary_dropped) = finite(canary);
    let mut verdict = MetricVerdict {
        name: name.to_string(),
        verdict: Verdict::NoData,
        baseline: Side::of(&baseline, baseline_dropped),
        canary: Side::of(&canary, canary_dropped),
        test: None,
        relative_change: None,
        reason: String::new(),
    };
    let fewest = baseline.len().min(canary.len());
    if fewest < settings.min_samples {
        verdict.reason = format!(
            "no data: baseline has {} values and canary {}, at least {} each are needed",
            baseline.len(),
            canary.len(),
            settings.min_samples
        );
        return Ok(verdict);
    }
    let alternative = match settings.direction {
        Direction::Increase => Alternative::Greater,
        Direction::Decrease => Alternative::Less,
        Direction::Either => Alternative::TwoSided,
    };
    let options = MannWhitneyOptions {
        alternative,
        method: Method::Auto,
        use_continuity: true,
    };
    let test = mann_whitney_u(&canary, &baseline, &options)?;
    let (base_median, canary_median) = match (verdict.baseline.median, verdict.canary.median) {
        (Some(b), Some(c)) => (b, c),
        // Both sides have at least min_samples ≥ 1 values.
        _ => return Ok(verdict),
    };
    verdict.relative_change = relative_change(base_median, canary_median);
    verdict.test = Some(test);

    // Which way the canary moved, for `either`: by U, the test's own measure.
    let half = canary.len() as f64 * baseline.len() as f64 / 2.0;
    let higher = match settings.direction {
        Direction::Increase => true,
        Direction::Decrease => false,
        Direction::Either => test.u >= half,
    };
    let moved = if higher { "higher" } else { "lower" };
    let change = describe_change(verdict.relative_change);
    if test.p >= settings.alpha {
        verdict.verdict = Verdict::Pass;
        verdict.reason = format!(
            "pass: canary not significantly {} (p = {}, alpha {}), median {change}",
            match settings.direction {
                Direction::Either => "different",
                _ => moved,
            },
            describe_p(test.p),
            settings.alpha
        );
        return Ok(verdict);
    }
    // The change in the bad direction; a change from zero is unbounded.
    let bad_change = match verdict.relative_change {
        Some(r) if higher => r,
        Some(r) => -r,
        None if (canary_median > 0.0) == higher => f64::INFINITY,
        None => f64::NEG_INFINITY,
    };
    if settings.tolerance == 0.0 || bad_change >= settings.tolerance {
        verdict.verdict = Verdict::Fail;
        verdict.reason = format!(
            "fail: canary significantly {moved} (p = {} < {}), median {change}",
            describe_p(test.p),
            settings.alpha
        );
    } else {
        verdict.verdict = Verdict::Marginal;
        verdict.reason = format!(
            "marginal: canary significantly {moved} (p = {} < {}), but median {change} is within the {}% tolerance",
            describe_p(test.p),
            settings.alpha,
            settings.tolerance * 100.0
        );
    }
    Ok(verdict)
}

/// (canary − baseline) / |baseline|; 0 when both are 0, `None` when only the baseline is.
fn relative_change(baseline: f64, canary: f64) -> Option<f64> {
    if baseline == 0.0 {
        (canary == 0.0).then_some(0.0)
    } else {
        Some((canary - baseline) / baseline.abs())
    }
}

/// A p-value to four places, or in scientific notation when it is smaller than that shows.
fn describe_p(p: f64) -> String {
    if p != 0.0 && p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// A relative change in words: `+20.0%`, or that it moved away from zero.
fn describe_change(change: Option<f64>) -> String {
    match change {
        Some(r) => format!("{:+.1}%", r * 100.0),
        None => "moved away from a baseline of 0".to_string(),
    }
}

/// The score that separates the outcomes of [`judge`], from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// The lowest score that passes; 95 by default.
    pub pass: f64,
    /// The lowest score that is marginal rather than failing; 75 by default.
    pub marginal: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            pass: 95.0,
            marginal: 75.0,
        }
    }
}

impl Thresholds {
    /// Checks that 0 ≤ marginal ≤ pass ≤ 100.
    pub fn validate(&self) -> Result<(), CanaryError> {
        if !(0.0..=100.0).contains(&self.pass) {
            return Err(CanaryError::Setting {
                name: "pass",
                value: self.pass.to_string(),
                hint: "use a score between 0 and 100, such as 95",
            });
        }
        if !(0.0..=self.pass).contains(&self.marginal) {
            return Err(CanaryError::Setting {
                name: "marginal",
                value: self.marginal.to_string(),
                hint: "use a score between 0 and the pass threshold, such as 75",
            });
        }
        Ok(())
    }
}

/// The outcome of a step's canary analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The score reached the pass threshold.
    Pass,
    /// The score reached the marginal threshold but not the pass threshold.
    Marginal,
    /// The score is below the marginal threshold.
    Fail,
    /// No metric had data: there is nothing to judge.
    Inconclusive,
}

/// The judgement of all `compare` checks of one rollout step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryScore {
    /// 100 × (passed + marginal) / (metrics with data); `None` when inconclusive.
    pub score: Option<f64>,
    /// The outcome from the score and the thresholds.
    pub outcome: Outcome,
    /// Metrics that passed.
    pub passed: usize,
    /// Metrics that were marginal (counted as passing in the score).
    pub marginal: usize,
    /// Metrics that failed.
    pub failed: usize,
    /// Metrics without data (left out of the score).
    pub no_data: usize,
}

/// Rolls the verdicts of one step into a score and an outcome.
pub fn judge(
    metrics: &[MetricVerdict],
    thresholds: &Thresholds,
) -> Result<CanaryScore, CanaryError> {
    thresholds.validate()?;
    let count = |v: Verdict| metrics.iter().filter(|m| m.verdict == v).count();
    let (passed, marginal, failed, no_data) = (
        count(Verdict::Pass),
        count(Verdict::Marginal),
        count(Verdict::Fail),
        count(Verdict::NoData),
    );
    let with_data = passed + marginal + failed;
    let score = (with_data > 0).then(|| 100.0 * (passed + marginal) as f64 / with_data as f64);
    let outcome = match score {
        None => Outcome::Inconclusive,
        Some(s) if s >= thresholds.pass => Outcome::Pass,
        Some(s) if s >= thresholds.marginal => Outcome::Marginal,
        Some(_) => Outcome::Fail,
    };
    Ok(CanaryScore {
        score,
        outcome,
        passed,
        marginal,
        failed,
        no_data,
    })
}
