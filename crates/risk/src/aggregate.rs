//! The release's score from its changes, against the repository's own history.
//!
//! Taking the riskiest change (plus bonuses) makes every large release look critical: among a
//! few hundred changes one is always near the top of the scale. Instead each change's score `p`
//! (its percentile, 0–1) becomes a hazard `-ln(1 - p)` (0.1 for a change at the 10th percentile,
//! 0.7 at the median, 4.6 at the 99th), and the hazards are summed.
//!
//! - A **release** (a range from a tag, a deployment or `--base`) scores its summed hazard `H` on
//!   one fixed scale, the same for every release of every repository:
//!   `100 × (1 − e^(−H / RELEASE_SCALE))`. Five changes of average risk score 20, twenty 60,
//!   fifty 90: a larger release is riskier, and one of risky changes more so than one of docs.
//!   An earlier score ranked each release against the past releases of the lookback window
//!   (log-normal fit); over 830 release ranges of eight public repositories it ranked releases by
//!   what later needed fixing worse than their number of changes did (Spearman 0.64 against
//!   0.73), because the window's typical release size drifts over the years and differs between
//!   repositories, while the summed hazard itself ranked them better (0.77). How this release
//!   compares with the past ones here is still said, in words ([`Basis`]): the share of the past
//!   releases in the lookback window (the stretches between version tags, at least
//!   [`MIN_RELEASES`]) holding less summed hazard, or, with too few tags, the comparisons below.
//! - A **pull/merge request** is scored against every stretch of as many consecutive changes in
//!   the window (the summed hazard's percentile among theirs): a small change is judged against
//!   changes of its size. Beyond a tenth of the window, stretches overlap too much to spread; the
//!   mean hazard is then compared with the mean hazards of stretches a tenth of the window long.
//!   With fewer than [`MIN_STRETCHES`] stretches, a normal approximation with the window's mean
//!   and variance stands in.
//!
//! The same hazards say where a release's risk sits ([`areas`]): each change's hazard is shared
//! among the files it changes, and the files are grouped into the directories that carry most of
//! it.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::calibrate::Distribution;

/// Stretches needed to compare with them directly.
pub const MIN_STRETCHES: usize = 50;

/// Past releases needed to compare with them.
pub const MIN_RELEASES: usize = 5;

/// The summed hazard at which a release scores 63 (1 − 1/e): about 22 changes of average risk.
/// It is the median summed hazard (22.4) of the 285 release ranges of the risk lab's four
/// repositories (docs/risk.md, "How the release score is made").
pub const RELEASE_SCALE: f64 = 22.0;

/// A release's score, 0–100, from its summed hazard.
pub fn release_scale(total: f64) -> f64 {
    100.0 * (1.0 - (-total.max(0.0) / RELEASE_SCALE).exp())
}

/// How the release was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Against this many past releases, whose median holds `median` changes.
    PastReleases {
        /// Releases compared with.
        count: usize,
        /// Their median number of changes.
        median: usize,
        /// How many of them hold less risk (summed hazard) than this release.
        below: usize,
        /// How many hold exactly as much.
        ties: usize,
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
    /// 0–100, two decimals: [`release_scale`] of the summed hazard for a release, `relative`
    /// for a pull/merge request.
    pub score: f64,
    /// 0–100, two decimals: where the summed hazard stands against the history [`Basis`] names
    /// (a percentile, or a probability from a fitted distribution).
    pub relative: f64,
    /// What it was compared with.
    pub basis: Basis,
    /// Each change's hazard, in the order given.
    pub hazards: Vec<f64>,
    /// Changes at or above `high` expected in a stretch of as many changes.
    pub typical_high: f64,
    /// The mean hazard of the window's changes (about 0.95 for a window scored against itself);
    /// `None` without a window.
    pub mean_hazard: Option<f64>,
    /// With [`Basis::PastReleases`], the past releases compared with, oldest first, each scored
    /// on the same fixed scale as a release; empty otherwise.
    pub past: Vec<PastRelease>,
}

/// A past release of the lookback window, scored as a release under review would be.
#[derive(Debug, Clone, PartialEq)]
pub struct PastRelease {
    /// Its index among the window's release ends: it is the stretch that ends at that entry.
    pub end: usize,
    /// Its number of changes.
    pub changes: usize,
    /// Its score, 0–100.
    pub score: f64,
}

impl Basis {
    /// The share of past releases this one is riskier than (ties counted half), 0–100; `None`
    /// unless compared with past releases.
    pub fn riskier_than(&self) -> Option<f64> {
        match *self {
            Basis::PastReleases {
                count, below, ties, ..
            } if count > 0 => Some(100.0 * (below as f64 + ties as f64 / 2.0) / count as f64),
            _ => None,
        }
    }
}

/// The hazard of a change at percentile `p` (0–1); capped at the 99th percentile so one change
/// cannot stand for an unbounded amount.
pub fn hazard(p: f64) -> f64 {
    -(1.0 - p.clamp(0.0, 0.99)).ln()
}

/// Scores a release whose changes score `scores` (0–100) against `window`, the raw scores of
/// the lookback window's changes oldest first, which `dist` ranks. `releases` bounds the window's
/// past releases ([`crate::calibrate::Window::release_ends`]) when the range is a release, `None`
/// for a pull/merge request. `high` is the score where the `high` level starts. A release's
/// score is [`release_scale`] of its summed hazard; a pull/merge request's is `relative`.
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
    let total: f64 = hazards.iter().sum();
    let mean_hazard = (!past.is_empty())
        .then(|| past.iter().map(|p| hazard(*p)).sum::<f64>() / past.len() as f64);
    let done = |relative: f64, basis, past: Vec<PastRelease>| Aggregate {
        score: round2(if releases.is_some() {
            release_scale(total)
        } else {
            relative.clamp(0.0, 100.0)
        }),
        relative: round2(relative.clamp(0.0, 100.0)),
        basis,
        hazards: hazards.clone(),
        typical_high,
        mean_hazard,
        past,
    };
    if k == 0 {
        return done(0.0, Basis::RiskiestChange, Vec::new());
    }
    let past: Vec<f64> = past.into_iter().map(hazard).collect();
    if let Some(ends) = releases {
        // (summed hazard, changes, index of the end it stops at)
        let sums: Vec<(f64, usize, usize)> = ends
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] < w[1] && w[1] <= past.len())
            .map(|(i, w)| (past[w[0]..w[1]].iter().sum(), w[1] - w[0], i + 1))
            .collect();
        if sums.len() >= MIN_RELEASES {
            let scored: Vec<PastRelease> = sums
                .iter()
                .map(|(sum, changes, end)| PastRelease {
                    end: *end,
                    changes: *changes,
                    score: round2(release_scale(*sum)),
                })
                .collect();
            let mut sizes: Vec<usize> = sums.iter().map(|(_, n, _)| *n).collect();
            sizes.sort_unstable();
            let basis = Basis::PastReleases {
                count: sums.len(),
                median: sizes[sizes.len() / 2],
                below: sums.iter().filter(|(s, _, _)| *s < total).count(),
                ties: sums.iter().filter(|(s, _, _)| *s == total).count(),
            };
            let riskier = basis.riskier_than().unwrap_or_default();
            return done(riskier, basis, scored);
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
        return done(score, Basis::Stretches { count, len }, Vec::new());
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
        return done(100.0 * p, Basis::Approximation, Vec::new());
    }
    done(
        scores.iter().copied().fold(0.0, f64::max),
        Basis::RiskiestChange,
        Vec::new(),
    )
}

/// A directory (or the files directly in one) and its share of a release's risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Area {
    /// The directory, with a trailing `/` (`crates/core/`); with `files_only`, the directory
    /// whose own files (not its subdirectories') are meant, `""` for the repository's top level.
    pub path: String,
    /// Only the files directly in `path`, its subdirectories being areas of their own.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub files_only: bool,
    /// Percentage of the release's summed hazard, one decimal.
    pub share: f64,
}

/// An area holding more than this share of the risk is split into its subdirectories, so the
/// areas named are as narrow as the release's risk allows (`crates/` becomes `crates/core/`, ...).
const SPLIT_ABOVE: f64 = 0.5;

/// Where a release's risk sits: `files` gives, for each change, its hazard and the files it is
/// shared among, each with a weight (lines changed). Returns every area with a share, largest
/// first. Top-level directories are the first areas; while the largest holds more than half the
/// risk, it is replaced by its subdirectories (and its own files), at most a few levels down.
pub fn areas(files: &[(f64, Vec<(String, u64)>)]) -> Vec<Area> {
    let mut weighted: Vec<(&str, f64)> = Vec::new();
    for (hazard, paths) in files {
        let total: u64 = paths.iter().map(|(_, w)| w + 1).sum();
        if *hazard <= 0.0 || total == 0 {
            continue;
        }
        for (path, w) in paths {
            weighted.push((path.as_str(), hazard * (w + 1) as f64 / total as f64));
        }
    }
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    // Directories replaced by what is in them; "" is the top level.
    let mut split: HashSet<String> = HashSet::from([String::new()]);
    let group = |split: &HashSet<String>| {
        let mut by: BTreeMap<(String, bool), f64> = BTreeMap::new();
        for (path, w) in &weighted {
            *by.entry(area_of(path, split)).or_default() += w;
        }
        let mut list: Vec<((String, bool), f64)> = by.into_iter().collect();
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list
    };
    let mut list = group(&split);
    for _ in 0..8 {
        let Some(((dir, files_only), w)) = list.first() else {
            break;
        };
        if *files_only || w / total <= SPLIT_ABOVE {
            break;
        }
        let mut deeper = split.clone();
        deeper.insert(dir.trim_end_matches('/').to_string());
        let next = group(&deeper);
        // A directory whose risk all sits in one place inside it (its own files, or `src/`)
        // says nothing more when split.
        let parts = next
            .iter()
            .filter(|((d, _), w)| d.starts_with(dir.as_str()) && *w > 0.0)
            .count();
        if parts <= 1 {
            break;
        }
        split = deeper;
        list = next;
    }
    list.into_iter()
        .map(|((path, files_only), w)| Area {
            path,
            files_only,
            share: (1000.0 * w / total).round() / 10.0,
        })
        .collect()
}

/// The area of `path`: its outermost directory not split, or (`true`) the split directory it
/// sits directly in.
fn area_of(path: &str, split: &HashSet<String>) -> (String, bool) {
    let mut prefix = String::new();
    let parts: Vec<&str> = path.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            break;
        }
        let dir = if prefix.is_empty() {
            (*part).to_string()
        } else {
            format!("{prefix}/{part}")
        };
        if !split.contains(&dir) {
            return (format!("{dir}/"), false);
        }
        prefix = dir;
    }
    let shown = if prefix.is_empty() {
        prefix
    } else {
        format!("{prefix}/")
    };
    (shown, true)
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
        assert!(
            matches!(
                a.basis,
                Basis::PastReleases {
                    count: 19,
                    median: 50,
                    ..
                }
            ),
            "{:?}",
            a.basis
        );
        // Each past release is scored on the same scale, in order.
        assert_eq!(a.past.len(), 19);
        assert_eq!(a.past[0].end, 1);
        assert!(a.past.iter().all(|p| p.changes == 50));
        let riskier = a.basis.riskier_than().unwrap();
        assert!(riskier > 0.0 && riskier < 100.0, "{riskier}");
        assert_eq!(a.relative, round2(riskier));
        // The score is the fixed scale's, of the release's own summed hazard.
        let total: f64 = a.hazards.iter().sum();
        assert_eq!(a.score, round2(release_scale(total)));
        // Past releases on the same scale: the same content scores the same.
        assert!(
            a.past.iter().all(|p| (p.score - a.score).abs() < 25.0),
            "{:?}",
            a.past
        );
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
    fn the_release_scale_grows_with_the_summed_hazard_and_stays_below_100() {
        assert_eq!(release_scale(0.0), 0.0);
        assert!((release_scale(RELEASE_SCALE) - 63.21).abs() < 0.01);
        // Five, twenty and fifty changes of average risk (a hazard of 1 each).
        assert!((release_scale(5.0) - 20.3).abs() < 0.1);
        assert!((release_scale(20.0) - 59.7).abs() < 0.1);
        assert!((release_scale(50.0) - 89.7).abs() < 0.1);
        let mut last = -1.0;
        for h in 0..400 {
            let score = release_scale(f64::from(h) / 2.0);
            assert!(score > last && score < 100.0, "{h}");
            last = score;
        }
        // A pull request keeps the comparison with stretches of its size.
        let (raws, dist) = window();
        let pr = release(&[20.0, 30.0, 99.0], &raws, &dist, None, 60.0);
        assert_eq!(pr.score, pr.relative);
    }

    #[test]
    fn riskier_than_counts_the_past_releases_below() {
        let (raws, dist) = window();
        let ends: Vec<usize> = (1..=20).map(|i| i * 50).collect();
        let big: Vec<f64> = vec![99.0; 500];
        let a = release(&big, &raws, &dist, Some(&ends), 60.0);
        assert!(
            matches!(
                a.basis,
                Basis::PastReleases {
                    count: 19,
                    below: 19,
                    ties: 0,
                    ..
                }
            ),
            "{:?}",
            a.basis
        );
        assert_eq!(a.basis.riskier_than(), Some(100.0));
        let calm = release(&[0.1; 5], &raws, &dist, Some(&ends), 60.0);
        assert_eq!(calm.basis.riskier_than(), Some(0.0));
        assert_eq!(Basis::Approximation.riskier_than(), None);
    }

    fn files(list: &[(&str, u64)]) -> Vec<(String, u64)> {
        list.iter().map(|(p, w)| (p.to_string(), *w)).collect()
    }

    #[test]
    fn areas_narrow_down_to_where_the_risk_is() {
        let changes = vec![
            (
                3.0,
                files(&[("crates/core/src/a.rs", 300), ("crates/core/src/b.rs", 100)]),
            ),
            (1.0, files(&[("crates/cli/src/main.rs", 50)])),
            (0.5, files(&[("docs/guide.md", 40)])),
            (0.0, files(&[("README.md", 1000)])),
        ];
        let areas = areas(&changes);
        let names: Vec<(&str, bool)> = areas
            .iter()
            .map(|a| (a.path.as_str(), a.files_only))
            .collect();
        // `crates/` holds most of it and is split; `crates/core/` holds everything in `src/`
        // and is not; a change with no hazard places nothing.
        assert_eq!(
            names,
            vec![
                ("crates/core/", false),
                ("crates/cli/", false),
                ("docs/", false)
            ]
        );
        assert!((areas[0].share - 66.7).abs() < 0.1, "{areas:?}");
        let total: f64 = areas.iter().map(|a| a.share).sum();
        assert!((total - 100.0).abs() < 0.2);
    }

    #[test]
    fn files_directly_in_a_split_directory_are_an_area() {
        let changes = vec![
            (2.0, files(&[("src/lib.rs", 100)])),
            (1.0, files(&[("src/io/read.rs", 100)])),
            (0.2, files(&[("build.rs", 10)])),
        ];
        let areas = areas(&changes);
        assert_eq!(areas[0].path, "src/");
        assert!(areas[0].files_only, "{areas:?}");
        assert_eq!(areas[1].path, "src/io/");
        assert_eq!((areas[2].path.as_str(), areas[2].files_only), ("", true));
        assert!(super::areas(&[]).is_empty());
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
