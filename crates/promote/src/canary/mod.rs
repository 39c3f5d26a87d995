//! Canary analysis: does a canary's metric differ from the baseline's over the same window?
//!
//! A `compare` health check gives two series of one metric, the baseline's and the canary's,
//! taken over the same window. [`compare`] tests them with the Mann–Whitney U test
//! ([`mann_whitney_u`]), measures how far the canary's median moved, and gives the metric a
//! [`Verdict`]: pass, marginal, fail or no data. [`judge`] rolls the verdicts of one rollout
//! step into a score from 0 to 100, the share of metrics with data that pass, and an
//! [`Outcome`], as Kayenta's judge does.
//!
//! [`query_range`] reads one side's series from Prometheus (`/api/v1/query_range`).
//!
//! Samples come in as plain `&[f64]`; every result is serialisable, so the rollout can put it
//! in its JSON report as it is. docs/promote.md ("Canary analysis: the statistics") explains
//! the rules in plain words, with the detection rates measured by `cargo bench -p
//! shipline-promote --bench canary`.

mod error;
mod judge;
mod range;
mod stats;

pub use error::CanaryError;
pub use judge::{
    CanaryScore, CompareSettings, Direction, MetricVerdict, Outcome, Side, Thresholds, Verdict,
    compare, judge,
};
pub use range::{RangeError, RangeQuery, RangeSeries, matrix, query_range};
pub use stats::{
    Alternative, MannWhitney, MannWhitneyOptions, Method, finite, mann_whitney_u, median,
};
