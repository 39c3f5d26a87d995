//! Canary analysis: does a canary's metric differ from the baseline's over the same window?
//!
//! A `compare` health check gives two series of one metric, the baseline's and the canary's,
//! taken over the same window. [`compare`] tests them with the Mann–Whitney U test
//! ([`mann_whitney_u`]), measures how far the canary's median moved, and gives the metric a
//! [`Verdict`]: pass, marginal, fail or no data. [`judge`] rolls the verdicts of one rollout
//! step into a score from 0 to 100, the share of metrics with data that pass, and an
//! [`Outcome`], as Kayenta's judge does.
//!
//! Samples come in as plain `&[f64]`; every result is serialisable, so the rollout can put it
//! in its JSON report as it is. docs/promote.md ("Canary analysis: the statistics") explains
//! the rules in plain words, with the detection rates measured by `cargo bench -p
//! shipline-promote --bench canary`.

mod judge;
mod stats;

pub use judge::{
    CanaryScore, CompareSettings, Direction, MetricVerdict, Outcome, Side, Thresholds, Verdict,
    compare, judge,
};
pub use stats::{
    Alternative, MannWhitney, MannWhitneyOptions, Method, finite, mann_whitney_u, median,
};

/// Why a test or a judgement could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CanaryError {
    /// A sample given to the test has no values.
    #[error("a sample is empty: the Mann–Whitney test needs at least one value on each side")]
    EmptySample,
    /// A sample given to the test holds NaN or an infinity.
    #[error(
        "a sample holds NaN or an infinite value: drop them first (`canary::finite` does) and report how many"
    )]
    NotFinite,
    /// The exact method was asked for samples with ties.
    #[error(
        "the exact distribution of U assumes no ties, and these samples have equal values: use the asymptotic or the auto method"
    )]
    ExactWithTies,
    /// The exact method was asked for samples too large for it.
    #[error(
        "the exact distribution of U for samples of {n1} and {n2} values is too large to count: use the asymptotic or the auto method"
    )]
    ExactTooLarge {
        /// The size of the first sample.
        n1: usize,
        /// The size of the second sample.
        n2: usize,
    },
    /// A setting is out of its range.
    #[error("canary setting `{name}` is {value}: {hint}")]
    Setting {
        /// The setting's name as written in the configuration.
        name: &'static str,
        /// The value given.
        value: String,
        /// The range it must be in.
        hint: &'static str,
    },
}
