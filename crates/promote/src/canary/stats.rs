//! The Mann–Whitney U two-sample test, the median and the cleaning of samples.
//!
//! Canary analysis asks whether a canary's metric values tend to sit above or below the
//! baseline's over the same window. Metric series are rarely normal (error counts, latency
//! tails), so the test is rank-based: it only looks at the order of the values. The results
//! follow SciPy's `scipy.stats.mannwhitneyu` (U of the first sample, the same p-values for the
//! same method), and a fixture file made with SciPy checks that they agree.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::error::CanaryError;

/// Which difference between the two samples the p-value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alternative {
    /// The first sample's values tend to be either larger or smaller than the second's.
    TwoSided,
    /// The first sample's values tend to be larger than the second's.
    Greater,
    /// The first sample's values tend to be smaller than the second's.
    Less,
}

/// How the p-value is computed from U.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Exact when it is possible and one side has at most 8 values, else asymptotic; SciPy's
    /// `method="auto"` rule.
    Auto,
    /// The exact distribution of U, by counting every way to order the two samples. Valid only
    /// without ties.
    Exact,
    /// The normal approximation, with the tie correction.
    Asymptotic,
}

/// Options of [`mann_whitney_u`]; the default is SciPy's: two-sided, auto, continuity correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MannWhitneyOptions {
    /// The alternative hypothesis.
    pub alternative: Alternative,
    /// How the p-value is computed.
    pub method: Method,
    /// Whether the normal approximation moves U half a step towards the mean, which makes it
    /// closer to the exact distribution for small samples.
    pub use_continuity: bool,
}

impl Default for MannWhitneyOptions {
    fn default() -> Self {
        MannWhitneyOptions {
            alternative: Alternative::TwoSided,
            method: Method::Auto,
            use_continuity: true,
        }
    }
}

/// The outcome of [`mann_whitney_u`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannWhitney {
    /// U of the first sample: the number of pairs (a, b), a from the first sample and b from
    /// the second, where a > b, with ties counting a half. Between 0 and n1 × n2.
    pub u: f64,
    /// The p-value for the alternative asked for, between 0 and 1.
    pub p: f64,
    /// The method used: [`Method::Exact`] or [`Method::Asymptotic`], never [`Method::Auto`].
    pub method: Method,
    /// Whether some values occur more than once in the two samples together.
    pub ties: bool,
}

/// Largest n1 × n2 for which the exact distribution is computed (it takes n1 × n2 / 2 numbers
/// and min(n1, n2) passes over them).
const EXACT_MAX_CELLS: usize = 1_000_000;

/// Largest size of the smaller sample for which [`Method::Auto`] picks the exact distribution.
const AUTO_EXACT_MAX: usize = 8;

/// Runs the Mann–Whitney U test of `x` against `y`.
///
/// Both samples must be non-empty and hold only finite numbers (see [`finite`]). U is the
/// first sample's, as SciPy reports it; the second sample's is n1 × n2 − U.
pub fn mann_whitney_u(
    x: &[f64],
    y: &[f64],
    options: &MannWhitneyOptions,
) -> Result<MannWhitney, CanaryError> {
    if x.is_empty() || y.is_empty() {
        return Err(CanaryError::EmptySample);
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(CanaryError::NotFinite);
    }
    let (n1, n2) = (x.len(), y.len());
    let ranked = rank(x, y);
    // U1 = R1 − n1(n1 + 1)/2. Ranks are whole or half numbers, so the sum is exact in f64.
    let n1f = n1 as f64;
    let u1 = ranked.first_rank_sum - n1f * (n1f + 1.0) / 2.0;
    let cells = n1f * n2 as f64;
    let u2 = cells - u1;
    let ties = ranked.tie_sizes.iter().any(|&t| t > 1);

    // The p-value is always an upper tail: U2's for "less" (by symmetry) and the larger of the
    // two, doubled, for "two-sided".
    let (u, factor) = match options.alternative {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let method = match options.method {
        Method::Auto => {
            if n1.min(n2) <= AUTO_EXACT_MAX && !ties && exact_fits(n1, n2) {
                Method::Exact
            } else {
                Method::Asymptotic
            }
        }
        Method::Exact if ties => return Err(CanaryError::ExactWithTies),
        Method::Exact if !exact_fits(n1, n2) => return Err(CanaryError::ExactTooLarge { n1, n2 }),
        chosen => chosen,
    };
    let upper_tail = match method {
        // Without ties U is a whole number.
        Method::Exact => exact_sf(u as usize, n1, n2),
        _ => normal_sf(u, n1, n2, &ranked.tie_sizes, options.use_continuity),
    };
    Ok(MannWhitney {
        u: u1,
        p: (upper_tail * factor).clamp(0.0, 1.0),
        method,
        ties,
    })
}

/// Average ranks of the two samples taken together.
struct Ranked {
    /// The sum of the first sample's ranks.
    first_rank_sum: f64,
    /// The size of every group of equal values (1 for a value that occurs once).
    tie_sizes: Vec<usize>,
}

/// Ranks `x` and `y` together, 1 for the smallest value; equal values share their average rank.
fn rank(x: &[f64], y: &[f64]) -> Ranked {
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut first_rank_sum = 0.0;
    let mut tie_sizes = Vec::new();
    let mut start = 0;
    while start < all.len() {
        // `==` rather than total_cmp, so that -0.0 and 0.0 are one value, as in SciPy.
        let end = start
            + all[start..]
                .iter()
                .take_while(|v| v.0 == all[start].0)
                .count();
        // Ranks start+1 ..= end share their average.
        let average = (start + 1 + end) as f64 / 2.0;
        let firsts = all[start..end].iter().filter(|v| v.1).count();
        first_rank_sum += average * firsts as f64;
        tie_sizes.push(end - start);
        start = end;
    }
    Ranked {
        first_rank_sum,
        tie_sizes,
    }
}

/// P(Z ≥ z) for U standardised with the tie-corrected variance.
///
/// When every value is the same the variance is zero and there is no evidence either way: the
/// p-value is 1 (SciPy gives 1 with the continuity correction and NaN without).
fn normal_sf(u: f64, n1: usize, n2: usize, tie_sizes: &[usize], continuity: bool) -> f64 {
    let (n1, n2) = (n1 as f64, n2 as f64);
    let n = n1 + n2;
    let tie_term: f64 = tie_sizes
        .iter()
        .map(|&t| {
            let t = t as f64;
            t * t * t - t
        })
        .sum();
    let variance = n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if variance.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return 1.0;
    }
    let mut numerator = u - n1 * n2 / 2.0;
    if continuity {
        // Always towards the mean from the upper side, as only upper tails are computed.
        numerator -= 0.5;
    }
    Normal::standard().sf(numerator / variance.sqrt())
}

/// Whether the counts of the exact distribution for these sizes fit the table and a u128.
fn exact_fits(n1: usize, n2: usize) -> bool {
    let (small, large) = (n1.min(n2), n1.max(n2));
    if small.saturating_mul(large) > EXACT_MAX_CELLS {
        return false;
    }
    // C(small + large, small), built up one factor at a time; every prefix is itself a binomial
    // coefficient, so the division is exact.
    let mut total: u128 = 1;
    for i in 1..=small {
        match total.checked_mul((large + i) as u128) {
            Some(product) => total = product / i as u128,
            None => return false,
        }
    }
    true
}

/// P(U ≥ k) under the null hypothesis without ties, from the exact distribution of U.
///
/// The number of orderings of the two samples with U = u is the coefficient of q^u in the
/// Gaussian binomial coefficient [n1 + n2 choose n1]_q, the product over i = 1..=n1 of
/// (1 − q^(n2+i)) / (1 − q^i). The counts are built one factor at a time in u128 with wrapping
/// arithmetic: the intermediate products can be negative, but every count after a division is
/// a true count below 2^128 (checked by [`exact_fits`]), so the wrapping cancels out exactly.
fn exact_sf(k: usize, n1: usize, n2: usize) -> f64 {
    let (small, large) = (n1.min(n2), n1.max(n2));
    let top = small * large;
    if k > top {
        return 0.0;
    }
    let mut counts = vec![0u128; top + 1];
    counts[0] = 1;
    for i in 1..=small {
        let step = large + i;
        for d in (step..=top).rev() {
            counts[d] = counts[d].wrapping_sub(counts[d - step]);
        }
        for d in i..=top {
            counts[d] = counts[d].wrapping_add(counts[d - i]);
        }
    }
    let total: u128 = counts.iter().fold(0u128, |sum, &c| sum.wrapping_add(c));
    let tail: u128 = counts[k..]
        .iter()
        .fold(0u128, |sum, &c| sum.wrapping_add(c));
    tail as f64 / total as f64
}

/// The finite values of `samples`, and how many were dropped (NaN and infinities).
pub fn finite(samples: &[f64]) -> (Vec<f64>, usize) {
    let kept: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    let dropped = samples.len() - kept.len();
    (kept, dropped)
}

/// The median of `samples` (the mean of the two middle values for an even count); `None` when
/// there are none. NaN sorts after every number, so pass finite values.
pub fn median(samples: &[f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_distribution_sums_to_one_and_is_symmetric() {
        // sizes 3 and 4: C(7, 3) = 35 orderings, U from 0 to 12.
        assert_eq!(exact_sf(0, 3, 4), 1.0);
        assert!((exact_sf(12, 3, 4) - 1.0 / 35.0).abs() < 1e-15);
        for k in 0..=12 {
            let upper = exact_sf(k, 3, 4);
            let lower = 1.0 - exact_sf(12 - k + 1, 3, 4);
            assert!((upper - lower).abs() < 1e-12, "k={k}");
        }
    }

    #[test]
    fn exact_fits_stops_before_u128_overflows() {
        assert!(exact_fits(8, 1000));
        assert!(exact_fits(60, 60));
        assert!(!exact_fits(70, 70));
        assert!(!exact_fits(1, 2_000_000));
    }
}
