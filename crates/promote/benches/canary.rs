//! How often canary analysis catches a worse canary, and how often it fails a good one.
//!
//! Simulates the series of a `compare` check on an error count: every sample is the number of
//! errors in 100 requests, a Poisson count at the side's error rate; 30 samples per side, as a
//! 30-minute bake with one sample a minute gives. The baseline's rate is 5%; the canary's is the
//! same (false failures) or 20%, 50% or 100% higher (detection). Each case runs 200 times with
//! fixed seeds, with the default settings (`either`, alpha 0.05, no tolerance, 10 samples) and
//! with `direction: increase`, which is what an error metric would configure.
//!
//! As references, two other tests run on the same series at the same alpha and sidedness:
//! Welch's t-test, the usual test of means, so the ratio of detection rates shows what the rank
//! test gives up or gains against it; and the exact conditional test of the two sides' total
//! error counts (given the total, the canary's share is binomial with p = ½ when the rates are
//! equal), the most powerful test there is for two Poisson rates: no analysis of these samples
//! can catch more at the same false-failure rate. Then the +20% case again with more samples
//! per side, to show how many a bake needs to catch it reliably. Last, the time of one
//! comparison, best of 5 over 10,000 comparisons.

use std::hint::black_box;
use std::time::Instant;

use shipline_promote::canary::{CompareSettings, Direction, Verdict, compare};
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

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

/// `samples` error counts at error rate `rate`.
fn series(rng: &mut fastrand::Rng, rate: f64, samples: usize) -> Vec<f64> {
    (0..samples)
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

/// The exact conditional test of the canary's total count against the baseline's: the p-value
/// for `direction`. Given the sum of both totals, the canary's total is Binomial(sum, ½) when
/// both sides have the same Poisson rate.
fn totals_p(baseline: &[f64], canary: &[f64], direction: Direction) -> f64 {
    let (b, c) = (
        baseline.iter().sum::<f64>() as u64,
        canary.iter().sum::<f64>() as u64,
    );
    let dist = Binomial::new(0.5, b + c).expect("p = ½ is a probability");
    // P(X ≥ k) and P(X ≤ k) for the canary's total k.
    let at_least = |k: u64| if k == 0 { 1.0 } else { dist.sf(k - 1) };
    let at_most = |k: u64| dist.cdf(k);
    match direction {
        Direction::Increase => at_least(c),
        Direction::Decrease => at_most(c),
        Direction::Either => (2.0 * at_least(c).min(at_most(c))).min(1.0),
    }
}

/// The shares of [`RUNS`] canaries failed by the canary analysis, by Welch's test and by the
/// test of the totals, each side with `samples` samples.
fn failure_rates(
    increase: f64,
    settings: &CompareSettings,
    seed: u64,
    samples: usize,
) -> (f64, f64, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut ours, mut welch, mut totals) = (0, 0, 0);
    for _ in 0..RUNS {
        let baseline = series(&mut rng, BASE_RATE, samples);
        let canary = series(&mut rng, BASE_RATE * (1.0 + increase), samples);
        let verdict = compare("errors", &baseline, &canary, settings).expect("valid settings");
        if verdict.verdict == Verdict::Fail {
            ours += 1;
        }
        if welch_p(&baseline, &canary, settings.direction) < settings.alpha {
            welch += 1;
        }
        if totals_p(&baseline, &canary, settings.direction) < settings.alpha {
            totals += 1;
        }
    }
    let share = |count: usize| count as f64 / RUNS as f64;
    (share(ours), share(welch), share(totals))
}

/// `ours / reference`, or `-` when the reference caught nothing.
fn ratio(ours: f64, reference: f64) -> String {
    if reference > 0.0 {
        format!("{:.2}", ours / reference)
    } else {
        "-".to_string()
    }
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
        println!(
            "canary rate        failed (Mann-Whitney)  failed (Welch t)  ratio  failed (totals, best possible)  ratio"
        );
        for (i, increase) in [0.0, 0.2, 0.5, 1.0].into_iter().enumerate() {
            let (ours, welch, totals) =
                failure_rates(increase, &settings, 0x5eed + i as u64, SAMPLES);
            let label = if increase == 0.0 {
                "same (false fails)".to_string()
            } else {
                format!(
                    "+{:.0}% ({:.1}%)",
                    increase * 100.0,
                    BASE_RATE * (1.0 + increase) * 100.0
                )
            };
            println!(
                "{label:<18} {:>20.1}% {:>16.1}%  {:>5}  {:>29.1}%  {:>5}",
                ours * 100.0,
                welch * 100.0,
                ratio(ours, welch),
                totals * 100.0,
                ratio(ours, totals)
            );
        }
    }

    let settings = CompareSettings {
        direction: Direction::Increase,
        ..CompareSettings::default()
    };
    println!(
        "\n+20% ({:.1}%) with direction Increase, by samples per side (false fails at the same size in brackets)",
        BASE_RATE * 1.2 * 100.0
    );
    println!("samples  failed (Mann-Whitney)  failed (totals, best possible)");
    for (i, samples) in [30, 60, 120, 180].into_iter().enumerate() {
        let seed = 0x5a3e + i as u64;
        let (ours, _, totals) = failure_rates(0.2, &settings, seed, samples);
        let (false_ours, _, false_totals) = failure_rates(0.0, &settings, seed + 100, samples);
        println!(
            "{samples:>7} {:>14.1}% ({:>4.1}%) {:>23.1}% ({:>4.1}%)",
            ours * 100.0,
            false_ours * 100.0,
            totals * 100.0,
            false_totals * 100.0
        );
    }

    let mut rng = fastrand::Rng::with_seed(7);
    let baseline = series(&mut rng, BASE_RATE, SAMPLES);
    let canary = series(&mut rng, BASE_RATE * 1.2, SAMPLES);
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
