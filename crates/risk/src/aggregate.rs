//! The release's score from its changes, against stretches of the repository's own history.
//!
//! Taking the riskiest change (plus bonuses) makes every large release look critical: among a
//! few hundred changes one is always near the top of the scale. Instead each change's score `p`
//! (its percentile, 0–1) becomes a hazard `-ln(1 - p)` (0.1 for a change at the 10th percentile,
//! 0.7 at the median, 4.6 at the 99th), the release's hazards are summed, and the sum is compared
//! with the sums of every stretch of as many consecutive changes in the lookback window. The
//! score says how much of the repository's own history of that size was less risky: 80 means
//! riskier than 80% of the stretches of `k` changes before it. One very risky change still moves
//! a small release a lot; a large release is high only when it holds more risk than large
//! stretches of this repository usually do.
//!
//! When the window holds too few stretches of that length (fewer than [`MIN_STRETCHES`]), the
//! sum of `k` hazards drawn from the window is approximated by a normal distribution with the
//! window's mean and variance.

use crate::calibrate::Distribution;

/// Stretches needed to compare with them directly.
pub const MIN_STRETCHES: usize = 50;

/// How the release was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Against this many stretches of as many consecutive changes.
    Stretches(usize),
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
/// the lookback window's changes oldest first, which `dist` ranks. `high` is the score where the
/// `high` level starts.
pub fn release(scores: &[f64], window: &[f64], dist: &Distribution, high: f64) -> Aggregate {
    let hazards: Vec<f64> = scores.iter().map(|s| hazard(s / 100.0)).collect();
    let k = hazards.len();
    let past: Vec<f64> = window.iter().map(|r| dist.percentile(*r) / 100.0).collect();
    let typical_high = if past.is_empty() {
        0.0
    } else {
        k as f64 * past.iter().filter(|p| **p * 100.0 >= high).count() as f64 / past.len() as f64
    };
    if k == 0 {
        return Aggregate {
            score: 0.0,
            basis: Basis::RiskiestChange,
            hazards,
            typical_high,
        };
    }
    let total: f64 = hazards.iter().sum();
    let past: Vec<f64> = past.into_iter().map(hazard).collect();
    let n = past.len();
    let (score, basis) = if n >= k + MIN_STRETCHES - 1 {
        let mut sums = Vec::with_capacity(n - k + 1);
        let mut sum: f64 = past[..k].iter().sum();
        sums.push(sum);
        for i in k..n {
            sum += past[i] - past[i - k];
            sums.push(sum);
        }
        let stretches = sums.len();
        (
            Distribution::new(sums).percentile(total),
            Basis::Stretches(stretches),
        )
    } else if n >= 2 {
        let mean = past.iter().sum::<f64>() / n as f64;
        let var = past.iter().map(|h| (h - mean).powi(2)).sum::<f64>() / n as f64;
        let expected = k as f64 * mean;
        let spread = (k as f64 * var).sqrt();
        let p = if spread > 0.0 {
            normal_cdf((total - expected) / spread)
        } else if total > expected {
            1.0
        } else if total < expected {
            0.0
        } else {
            0.5
        };
        (round2(100.0 * p), Basis::Approximation)
    } else {
        (
            scores.iter().copied().fold(0.0, f64::max),
            Basis::RiskiestChange,
        )
    };
    Aggregate {
        score: round2(score.clamp(0.0, 100.0)),
        basis,
        hazards,
        typical_high,
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
            let a = release(&[p], &raws, &dist, 60.0);
            assert!((a.score - p).abs() < 1.0, "{p} -> {}", a.score);
            assert_eq!(a.basis, Basis::Stretches(1000));
        }
    }

    #[test]
    fn a_large_typical_release_is_not_critical() {
        let (raws, dist) = window();
        // 300 changes spread over the scale like the window's: a typical stretch.
        let scores: Vec<f64> = (0..300).map(|i| i as f64 / 3.0 + 0.15).collect();
        let a = release(&scores, &raws, &dist, 60.0);
        assert!(a.score > 20.0 && a.score < 80.0, "{}", a.score);
        assert!((a.typical_high - 120.0).abs() < 1.0, "{}", a.typical_high);
        // The same size, all of it from the top fifth: riskier than every stretch.
        let risky: Vec<f64> = (0..300).map(|i| 80.0 + (i % 20) as f64).collect();
        assert_eq!(release(&risky, &raws, &dist, 60.0).score, 100.0);
    }

    #[test]
    fn one_risky_change_raises_a_small_release() {
        let (raws, dist) = window();
        let calm = release(&[20.0, 30.0, 25.0], &raws, &dist, 60.0).score;
        let one = release(&[20.0, 30.0, 99.0], &raws, &dist, 60.0).score;
        assert!(calm < 30.0 && one > 80.0, "{calm} {one}");
    }

    #[test]
    fn short_windows_use_the_normal_approximation() {
        let raws: Vec<f64> = (0..60).map(|i| f64::from((i * 37) % 60)).collect();
        let dist = Distribution::new(raws.clone());
        let typical: Vec<f64> = (0..30).map(|i| i as f64 * 3.3 + 1.0).collect();
        let a = release(&typical, &raws, &dist, 60.0);
        assert_eq!(a.basis, Basis::Approximation);
        assert!(a.score > 20.0 && a.score < 80.0, "{}", a.score);
        assert_eq!(release(&[], &raws, &dist, 60.0).score, 0.0);
        let alone = release(&[42.0], &[], &Distribution::default(), 60.0);
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
