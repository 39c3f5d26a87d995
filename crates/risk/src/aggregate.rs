//! The release's score from its changes, against the repository's own history.
//!
//! Taking the riskiest change (plus bonuses) makes every large release look critical: among a
//! few hundred changes one is always near the top of the scale. Instead each change's score `p`
//! (its percentile, 0–1) becomes a hazard `-ln(1 - p)` (0.1 for a change at the 10th percentile,
//! 0.7 at the median, 4.6 at the 99th), and the release's summed hazard is compared with the
//! repository's past:
//!
//! - a release (a range from a tag, a deployment or `--base`) with the past releases in the
//!   lookback window (the stretches between version tags, at least [`MIN_RELEASES`]): their
//!   summed hazards are fitted with a log-normal distribution, so a release of the usual size and
//!   content lands near the middle, an unusually large or risky one high, and one beyond every
//!   past release is still ranked by how far beyond it is;
//! - a pull/merge request, or a release in a repository without enough tags, with every stretch
//!   of as many consecutive changes in the window (the summed hazard's percentile among theirs).
//!   Beyond a tenth of the window, stretches overlap too much to spread; the release's mean hazard
//!   is then compared with the mean hazards of stretches a tenth of the window long. With fewer
//!   than [`MIN_STRETCHES`] stretches, a normal approximation with the window's mean and variance
//!   stands in.
//!
//! One very risky change still moves a small release a lot; a large release is high when it holds
//! more risk than this repository's releases (or stretches) usually do, not merely for its size.

use crate::calibrate::Distribution;

/// Stretches needed to compare with them directly.
pub const MIN_STRETCHES: usize = 50;

/// Past releases needed to compare with them.
pub const MIN_RELEASES: usize = 5;

/// The smallest summed hazard taken as is for the log-normal comparison (a docs-only release
/// sums to almost nothing; its logarithm would run off).
const FLOOR: f64 = 0.01;

/// How the release was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Against this many past releases, whose median holds `median` changes.
    PastReleases {
        /// Releases compared with.
        count: usize,
        /// Their median number of changes.
        median: usize,
    },
    /// Against this many stretches of `len` consecutive changes.
    Stretches {
        /// Stretches compared with.
        count: usize,
        /// Their length.
        len: usize,
    },
    /// Against the normal approximation of as many changes drawn from the window.
    Approximation,
    /// There is no history to compare with: the riskiest change's score.
    RiskiestChange,
}

/// The release's score and how it came about.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// 0–100, two decimals.
    pub score: f64,
    /// What it was compared with.
    pub basis: Basis,
    /// Each change's hazard, in the order given.
    pub hazards: Vec<f64>,
    /// Changes at or above `high` expected in a stretch of as many changes.
    pub typical_high: f64,
}

/// The hazard of a change at percentile `p` (0–1); capped at the 99th percentile so one change
/// cannot stand for an unbounded amount.
pub fn hazard(p: f64) -> f64 {
    -(1.0 - p.clamp(0.0, 0.99)).ln()
}

/// Scores a release whose changes score `scores` (0–100) against `window`, the raw scores of
/// the lookback window's changes oldest first, which `dist` ranks. `releases` bounds the window's
/// past releases ([`crate::calibrate::Window::release_ends`]) when the range is a release, `None`
/// for a pull/merge request. `high` is the score where the `high` level starts.
pub fn release(
    scores: &[f64],
    window: &[f64],
    dist: &Distribution,
    releases: Option<&[usize]>,
    high: f64,
) -> Aggregate {
    let hazards: Vec<f64> = scores.iter().map(|s| hazard(s / 100.0)).collect();
    let k = hazards.len();
    let past: Vec<f64> = window.iter().map(|r| dist.percentile(*r) / 100.0).collect();
    let typical_high = if past.is_empty() {
        0.0
    } else {
        k as f64 * past.iter().filter(|p| **p * 100.0 >= high).count() as f64 / past.len() as f64
    };
    let done = |score: f64, basis| Aggregate {
        score: round2(score.clamp(0.0, 100.0)),
        basis,
        hazards: hazards.clone(),
        typical_high,
    };
    if k == 0 {
        return done(0.0, Basis::RiskiestChange);
    }
    let total: f64 = hazards.iter().sum();
    let past: Vec<f64> = past.into_iter().map(hazard).collect();
    if let Some(ends) = releases {
        let mut sums: Vec<(f64, usize)> = ends
            .windows(2)
            .filter(|w| w[0] < w[1] && w[1] <= past.len())
            .map(|w| (past[w[0]..w[1]].iter().sum(), w[1] - w[0]))
            .collect();
        if sums.len() >= MIN_RELEASES {
            let logs: Vec<f64> = sums.iter().map(|(s, _)| s.max(FLOOR).ln()).collect();
            let mean = logs.iter().sum::<f64>() / logs.len() as f64;
            let sd =
                (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / logs.len() as f64).sqrt();
            let z = total.max(FLOOR).ln() - mean;
            let p = if sd > 0.0 {
                normal_cdf(z / sd)
            } else {
                step(z)
            };
            sums.sort_by_key(|(_, n)| *n);
            let basis = Basis::PastReleases {
                count: sums.len(),
                median: sums[sums.len() / 2].1,
            };
            return done(100.0 * p, basis);
        }
    }
    let n = past.len();
    // Stretches longer than a tenth of the window overlap too much to spread.
    let len = k.min((n / 10).max(1));
    if n >= len + MIN_STRETCHES - 1 {
        let mut means = Vec::with_capacity(n - len + 1);
        let mut sum: f64 = past[..len].iter().sum();
        means.push(sum / len as f64);
        for i in len..n {
            sum += past[i] - past[i - len];
            means.push(sum / len as f64);
        }
        let count = means.len();
        let score = Distribution::new(means).percentile(total / k as f64);
        return done(score, Basis::Stretches { count, len });
    }
    if n >= 2 {
        let mean = past.iter().sum::<f64>() / n as f64;
        let var = past.iter().map(|h| (h - mean).powi(2)).sum::<f64>() / n as f64;
        let spread = (k as f64 * var).sqrt();
        let z = total - k as f64 * mean;
        let p = if spread > 0.0 {
            normal_cdf(z / spread)
        } else {
            step(z)
        };
        return done(100.0 * p, Basis::Approximation);
    }
    done(
        scores.iter().copied().fold(0.0, f64::max),
        Basis::RiskiestChange,
    )
}

/// 1 above zero, 0 below, a half at zero: a comparison without spread.
fn step(z: f64) -> f64 {
    if z > 0.0 {
        1.0
    } else if z < 0.0 {
        0.0
    } else {
        0.5
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The standard normal distribution function (Abramowitz and Stegun 7.1.26, error < 2e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window of 1,000 changes with raw scores 0..1000 (all distinct), in no particular order.
    fn window() -> (Vec<f64>, Distribution) {
        let raws: Vec<f64> = (0..1000).map(|i| f64::from((i * 7919) % 1000)).collect();
        (raws.clone(), Distribution::new(raws))
    }

    #[test]
    fn one_change_scores_as_itself() {
        let (raws, dist) = window();
        for p in [5.0, 50.0, 97.0] {
            let a = release(&[p], &raws, &dist, None, 60.0);
            assert!((a.score - p).abs() < 1.0, "{p} -> {}", a.score);
            assert_eq!(
                a.basis,
                Basis::Stretches {
                    count: 1000,
                    len: 1
                }
            );
        }
    }

    #[test]
    fn a_large_typical_release_is_not_critical() {
        let (raws, dist) = window();
        // 300 changes spread over the scale like the window's: a typical stretch.
        let scores: Vec<f64> = (0..300).map(|i| i as f64 / 3.0 + 0.15).collect();
        let a = release(&scores, &raws, &dist, None, 60.0);
        assert!(a.score > 20.0 && a.score < 80.0, "{}", a.score);
        assert!((a.typical_high - 120.0).abs() < 1.0, "{}", a.typical_high);
        // The same size, all of it from the top fifth: riskier than every stretch.
        let risky: Vec<f64> = (0..300).map(|i| 80.0 + (i % 20) as f64).collect();
        assert_eq!(release(&risky, &raws, &dist, None, 60.0).score, 100.0);
    }

    #[test]
    fn one_risky_change_raises_a_small_release() {
        let (raws, dist) = window();
        let calm = release(&[20.0, 30.0, 25.0], &raws, &dist, None, 60.0).score;
        let one = release(&[20.0, 30.0, 99.0], &raws, &dist, None, 60.0).score;
        assert!(calm < 30.0 && one > 80.0, "{calm} {one}");
    }

    #[test]
    fn releases_are_compared_with_past_releases() {
        let (raws, dist) = window();
        let ends: Vec<usize> = (1..=20).map(|i| i * 50).collect();
        let typical: Vec<f64> = (0..50).map(|i| f64::from(i) * 2.0 + 1.0).collect();
        let a = release(&typical, &raws, &dist, Some(&ends), 60.0);
        assert_eq!(
            a.basis,
            Basis::PastReleases {
                count: 19,
                median: 50
            }
        );
        assert!(a.score > 20.0 && a.score < 80.0, "{}", a.score);
        // Ten times the usual release: far beyond every past one.
        let big: Vec<f64> = (0..500).map(|i| f64::from(i % 50) * 2.0 + 1.0).collect();
        assert!(release(&big, &raws, &dist, Some(&ends), 60.0).score > 85.0);
        // The usual size, all docs and tests: far below.
        let calm = vec![3.0; 50];
        assert!(release(&calm, &raws, &dist, Some(&ends), 60.0).score < 30.0);
        // Too few tags: stretches instead.
        let few = release(&typical, &raws, &dist, Some(&ends[..3]), 60.0);
        assert!(
            matches!(few.basis, Basis::Stretches { .. }),
            "{:?}",
            few.basis
        );
    }

    #[test]
    fn short_windows_use_the_normal_approximation() {
        let raws: Vec<f64> = (0..40).map(|i| f64::from((i * 37) % 40)).collect();
        let dist = Distribution::new(raws.clone());
        let typical: Vec<f64> = (0..30).map(|i| i as f64 * 3.3 + 1.0).collect();
        let a = release(&typical, &raws, &dist, None, 60.0);
        assert_eq!(a.basis, Basis::Approximation);
        assert!(a.score > 20.0 && a.score < 80.0, "{}", a.score);
        assert_eq!(release(&[], &raws, &dist, None, 60.0).score, 0.0);
        let alone = release(&[42.0], &[], &Distribution::default(), None, 60.0);
        assert_eq!((alone.score, alone.basis), (42.0, Basis::RiskiestChange));
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        for (z, p) in [
            (0.0, 0.5),
            (1.0, 0.841_344_7),
            (-1.96, 0.024_997_9),
            (3.0, 0.998_650_1),
        ] {
            assert!((normal_cdf(z) - p).abs() < 1e-6, "{z}");
        }
    }
}
