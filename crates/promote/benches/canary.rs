//! How often canary analysis catches a worse canary, and how often it fails a good one.
//!
//! Simulates the series of a `compare` check on an error count: every sample is the number of
//! errors in 100 requests, a Poisson count at the side's error rate; 30 samples per side, as a
//! 30-minute bake with one sample a minute gives. The baseline's rate is 5%; the canary's is the
//! same (false failures) or 20%, 50% or 100% higher (detection). Each case runs 200 times with
//! fixed seeds, with the default settings (`either`, alpha 0.05, no tolerance, 10 samples) and
//! with `direction: increase`, which is what an error metric would configure.
//!
//! As a reference, Welch's t-test runs on the same series at the same alpha and sidedness, so
//! the ratio of detection rates shows what the rank test gives up or gains against the usual
//! test of means. Last, the time of one comparison, best of 5 over 10,000 comparisons.

use std::hint::black_box;
use std::time::Instant;

use shipline_promote::canary::{CompareSettings, Direction, Verdict, compare};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Requests per sample.
const REQUESTS: f64 = 100.0;
/// The baseline's error rate.
const BASE_RATE: f64 = 0.05;
/// Samples per side.
const SAMPLES: usize = 30;
/// Simulated canaries per case.
const RUNS: usize = 200;

/// A Poisson count with mean `lambda` by Knuth's product of uniforms (fine for small means).
fn poisson(rng: &mut fastrand::Rng, lambda: f64) -> f64 {
    let limit = (-lambda).exp();
    let mut product = rng.f64();
    let mut count = 0.0;
    while product > limit {
        product *= rng.f64();
        count += 1.0;
    }
    count
}

/// [`SAMPLES`] error counts at error rate `rate`.
fn series(rng: &mut fastrand::Rng, rate: f64) -> Vec<f64> {
    (0..SAMPLES)
        .map(|_| poisson(rng, rate * REQUESTS))
        .collect()
}

/// The mean and the sample variance (n − 1) of `values`.
fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance)
}

/// Welch's t-test of canary against baseline: the p-value for `direction`.
fn welch_p(baseline: &[f64], canary: &[f64], direction: Direction) -> f64 {
    let (mb, vb) = mean_and_variance(baseline);
    let (mc, vc) = mean_and_variance(canary);
    let (nb, nc) = (baseline.len() as f64, canary.len() as f64);
    let se2 = vb / nb + vc / nc;
    if se2 <= 0.0 {
        return 1.0;
    }
    let t = (mc - mb) / se2.sqrt();
    let df = se2 * se2 / ((vb / nb).powi(2) / (nb - 1.0) + (vc / nc).powi(2) / (nc - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).expect("degrees of freedom are positive");
    match direction {
        Direction::Increase => dist.sf(t),
        Direction::Decrease => dist.cdf(t),
        Direction::Either => (2.0 * dist.sf(t.abs())).min(1.0),
    }
}

/// (share failed by the canary analysis, share failed by Welch's test) over [`RUNS`] canaries.
fn failure_rates(increase: f64, settings: &CompareSettings, seed: u64) -> (f64, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut ours, mut welch) = (0, 0);
    for _ in 0..RUNS {
        let baseline = series(&mut rng, BASE_RATE);
        let canary = series(&mut rng, BASE_RATE * (1.0 + increase));
        let verdict = compare("errors", &baseline, &canary, settings).expect("valid settings");
        if verdict.verdict == Verdict::Fail {
            ours += 1;
        }
        if welch_p(&baseline, &canary, settings.direction) < settings.alpha {
            welch += 1;
        }
    }
    (ours as f64 / RUNS as f64, welch as f64 / RUNS as f64)
}

/// Prints the rates of every case, then the time of one comparison.
fn main() {
    println!(
        "{SAMPLES} samples per side, each a Poisson count of errors in {REQUESTS} requests; baseline rate {:.0}%; {RUNS} seeded runs per case",
        BASE_RATE * 100.0
    );
    for direction in [Direction::Either, Direction::Increase] {
        let settings = CompareSettings {
            direction,
            ..CompareSettings::default()
        };
        println!(
            "\ndirection {direction:?}, alpha {}, tolerance {}, min_samples {}",
            settings.alpha, settings.tolerance, settings.min_samples
        );
        println!("canary rate        failed (Mann-Whitney)  failed (Welch t)  ratio");
        for (i, increase) in [0.0, 0.2, 0.5, 1.0].into_iter().enumerate() {
            let (ours, welch) = failure_rates(increase, &settings, 0x5eed + i as u64);
            let label = if increase == 0.0 {
                "same (false fails)".to_string()
            } else {
                format!(
                    "+{:.0}% ({:.1}%)",
                    increase * 100.0,
                    BASE_RATE * (1.0 + increase) * 100.0
                )
            };
            let ratio = if welch > 0.0 {
                format!("{:.2}", ours / welch)
            } else {
                "-".to_string()
            };
            println!(
                "{label:<18} {:>20.1}% {:>16.1}%  {ratio}",
                ours * 100.0,
                welch * 100.0
            );
        }
    }

    let mut rng = fastrand::Rng::with_seed(7);
    let baseline = series(&mut rng, BASE_RATE);
    let canary = series(&mut rng, BASE_RATE * 1.2);
    let settings = CompareSettings::default();
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..10_000 {
            black_box(
                compare(
                    "errors",
                    black_box(&baseline),
                    black_box(&canary),
                    &settings,
                )
                .ok(),
            );
        }
        best = best.min(start.elapsed().as_secs_f64() / 10_000.0);
    }
    println!(
        "\none comparison of 30 against 30 samples: {:.1} µs (best of 5)",
        best * 1e6
    );
}
