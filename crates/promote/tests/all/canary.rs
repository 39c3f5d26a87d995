//! Canary analysis: the Mann–Whitney U test against SciPy's results, the verdicts per metric,
//! the judge's score, and properties of the test on any samples.

use proptest::prelude::*;
use serde::Deserialize;
use shipline_promote::canary::{
    Alternative, CanaryError, CompareSettings, Direction, MannWhitneyOptions, Method,
    MetricVerdict, Outcome, Thresholds, Verdict, compare, judge, mann_whitney_u,
};

/// The fixture file written by `scripts/mannwhitney-fixtures.py`.
#[derive(Deserialize)]
struct Fixtures {
    scipy: String,
    samples: Vec<FixturePair>,
}

/// One pair of samples and SciPy's results for it.
#[derive(Deserialize)]
struct FixturePair {
    name: String,
    x: Vec<f64>,
    y: Vec<f64>,
    cases: Vec<FixtureCase>,
}

/// SciPy's U and p for one method, alternative and continuity setting.
#[derive(Deserialize)]
struct FixtureCase {
    method: Method,
    alternative: Alternative,
    use_continuity: bool,
    u: f64,
    p: f64,
}

#[test]
fn mann_whitney_u_matches_scipy() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mannwhitneyu.json"
    );
    let text = std::fs::read_to_string(path).expect("read the fixture file");
    let fixtures: Fixtures = serde_json::from_str(&text).expect("parse the fixture file");
    let mut checked = 0;
    let mut methods = std::collections::BTreeSet::new();
    for pair in &fixtures.samples {
        for case in &pair.cases {
            let options = MannWhitneyOptions {
                alternative: case.alternative,
                method: case.method,
                use_continuity: case.use_continuity,
            };
            let what = format!(
                "{} ({:?}, {:?}, continuity {}; SciPy {})",
                pair.name, case.method, case.alternative, case.use_continuity, fixtures.scipy
            );
            let got = mann_whitney_u(&pair.x, &pair.y, &options).expect(&what);
            assert_eq!(got.u, case.u, "U of {what}");
            assert_eq!(got.method, case.method, "method of {what}");
            // SciPy's exact sums its probabilities in floats and ours counts in integers, and
            // the normal tails come from two erfc implementations: both agree far below 1e-9.
            let relative = (got.p - case.p).abs() / case.p.abs().max(f64::MIN_POSITIVE);
            assert!(
                relative <= 1e-9,
                "p of {what}: {} against SciPy's {} (relative difference {relative:e})",
                got.p,
                case.p
            );
            methods.insert(format!("{:?}", case.method));
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} cases in the fixture file");
    assert_eq!(methods.len(), 2, "both methods are covered: {methods:?}");
}

#[test]
fn auto_picks_exact_only_for_a_small_side_without_ties() {
    let options = MannWhitneyOptions::default();
    let small: Vec<f64> = (0..8).map(f64::from).collect();
    let large: Vec<f64> = (100..130).map(f64::from).collect();
    let nine: Vec<f64> = (200..209).map(f64::from).collect();
    let run = |x: &[f64], y: &[f64]| mann_whitney_u(x, y, &options).expect("test runs").method;
    assert_eq!(run(&small, &large), Method::Exact);
    assert_eq!(run(&nine, &large), Method::Asymptotic);
    assert_eq!(run(&[1.0, 1.0, 2.0], &[3.0]), Method::Asymptotic);
}

#[test]
fn exact_refuses_ties_and_sizes_it_cannot_count() {
    let exact = MannWhitneyOptions {
        method: Method::Exact,
        ..MannWhitneyOptions::default()
    };
    assert_eq!(
        mann_whitney_u(&[1.0, 2.0], &[2.0, 3.0], &exact),
        Err(CanaryError::ExactWithTies)
    );
    let x: Vec<f64> = (0..200).map(f64::from).collect();
    let y: Vec<f64> = (1000..1200).map(f64::from).collect();
    assert_eq!(
        mann_whitney_u(&x, &y, &exact),
        Err(CanaryError::ExactTooLarge { n1: 200, n2: 200 })
    );
}

#[test]
fn the_test_refuses_empty_and_non_finite_samples() {
    let options = MannWhitneyOptions::default();
    assert_eq!(
        mann_whitney_u(&[], &[1.0], &options),
        Err(CanaryError::EmptySample)
    );
    assert_eq!(
        mann_whitney_u(&[1.0, f64::NAN], &[1.0], &options),
        Err(CanaryError::NotFinite)
    );
}

#[test]
fn every_value_equal_gives_no_evidence_with_or_without_continuity() {
    for use_continuity in [true, false] {
        let options = MannWhitneyOptions {
            use_continuity,
            ..MannWhitneyOptions::default()
        };
        let got = mann_whitney_u(&[2.0; 12], &[2.0; 15], &options).expect("test runs");
        assert_eq!(got.p, 1.0, "continuity {use_continuity}");
        assert_eq!(got.u, 12.0 * 15.0 / 2.0);
    }
}

/// `n` values spread evenly around `centre`, so that every sample is reproducible.
fn series(centre: f64, spread: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| centre + spread * ((i as f64 + 0.5) / n as f64 - 0.5))
        .collect()
}

/// The verdict on metric `errors` under valid settings.
fn verdict(baseline: &[f64], canary: &[f64], settings: &CompareSettings) -> MetricVerdict {
    compare("errors", baseline, canary, settings).expect("settings are valid")
}

#[test]
fn a_clearly_higher_canary_fails_and_a_similar_one_passes() {
    let settings = CompareSettings::default();
    let baseline = series(100.0, 10.0, 30);
    let higher = verdict(&baseline, &series(130.0, 10.0, 30), &settings);
    assert_eq!(higher.verdict, Verdict::Fail, "{}", higher.reason);
    let change = higher.relative_change.expect("baseline median is not 0");
    assert!((change - 0.3).abs() < 1e-12, "{change}");
    let test = higher.test.expect("the test ran");
    assert!(test.p < 0.05 && test.u == 900.0, "{test:?}");
    // p is about 3e-11 here: the reason shows it in scientific notation, not as 0.0000.
    assert!(
        higher
            .reason
            .starts_with("fail: canary significantly higher (p = ")
            && higher.reason.contains("e-11 < 0.05), median +30.0%"),
        "{}",
        higher.reason
    );

    let same = verdict(&baseline, &series(100.5, 10.0, 30), &settings);
    assert_eq!(same.verdict, Verdict::Pass, "{}", same.reason);
}

#[test]
fn direction_decides_which_change_is_bad() {
    let baseline = series(100.0, 10.0, 30);
    let lower = series(70.0, 10.0, 30);
    let increase = CompareSettings {
        direction: Direction::Increase,
        ..CompareSettings::default()
    };
    let decrease = CompareSettings {
        direction: Direction::Decrease,
        ..CompareSettings::default()
    };
    assert_eq!(verdict(&baseline, &lower, &increase).verdict, Verdict::Pass);
    assert_eq!(verdict(&baseline, &lower, &decrease).verdict, Verdict::Fail);
    assert_eq!(
        verdict(&baseline, &lower, &CompareSettings::default()).verdict,
        Verdict::Fail
    );
}

#[test]
fn a_significant_change_within_the_tolerance_is_marginal() {
    // Narrow series 3% apart: significant, but below a 10% tolerance.
    let baseline = series(100.0, 1.0, 30);
    let canary = series(103.0, 1.0, 30);
    let tolerant = CompareSettings {
        tolerance: 0.10,
        ..CompareSettings::default()
    };
    let got = verdict(&baseline, &canary, &tolerant);
    assert_eq!(got.verdict, Verdict::Marginal, "{}", got.reason);
    let strict = CompareSettings {
        tolerance: 0.02,
        ..tolerant
    };
    assert_eq!(verdict(&baseline, &canary, &strict).verdict, Verdict::Fail);
}

#[test]
fn a_change_from_a_baseline_of_zero_is_unbounded() {
    let baseline = [0.0; 20];
    let canary: Vec<f64> = (0..20).map(|i| f64::from(i % 4 + 1)).collect();
    let settings = CompareSettings {
        tolerance: 5.0,
        direction: Direction::Increase,
        ..CompareSettings::default()
    };
    let got = verdict(&baseline, &canary, &settings);
    assert_eq!(got.relative_change, None);
    assert_eq!(got.verdict, Verdict::Fail, "{}", got.reason);
    let both_zero = verdict(&baseline, &baseline, &settings);
    assert_eq!(both_zero.relative_change, Some(0.0));
    assert_eq!(both_zero.verdict, Verdict::Pass);
}

#[test]
fn too_few_finite_values_is_no_data_and_dropped_values_are_counted() {
    let settings = CompareSettings::default();
    let mut canary = series(500.0, 10.0, 9);
    canary.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
    let got = verdict(&series(100.0, 10.0, 30), &canary, &settings);
    assert_eq!(got.verdict, Verdict::NoData, "{}", got.reason);
    assert_eq!((got.canary.count, got.canary.dropped), (9, 3));
    assert!(got.test.is_none());
    let empty = verdict(&[], &[], &settings);
    assert_eq!(empty.verdict, Verdict::NoData);
    assert_eq!(empty.baseline.median, None);
}

#[test]
fn settings_out_of_range_are_refused_with_the_setting_named() {
    for (settings, name) in [
        (
            CompareSettings {
                alpha: 0.0,
                ..CompareSettings::default()
            },
            "alpha",
        ),
        (
            CompareSettings {
                tolerance: -0.1,
                ..CompareSettings::default()
            },
            "tolerance",
        ),
        (
            CompareSettings {
                min_samples: 0,
                ..CompareSettings::default()
            },
            "min_samples",
        ),
    ] {
        match compare("m", &[1.0], &[1.0], &settings) {
            Err(CanaryError::Setting { name: got, .. }) => assert_eq!(got, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let backwards = Thresholds {
        pass: 75.0,
        marginal: 95.0,
    };
    assert!(matches!(
        judge(&[], &backwards),
        Err(CanaryError::Setting {
            name: "marginal",
            ..
        })
    ));
}

/// Verdicts of `pass` passing, `marginal` marginal, `fail` failing and `none` empty metrics.
fn verdicts(pass: usize, marginal: usize, fail: usize, none: usize) -> Vec<MetricVerdict> {
    let settings = CompareSettings {
        tolerance: 0.10,
        ..CompareSettings::default()
    };
    let base = series(100.0, 1.0, 30);
    let mut out = Vec::new();
    out.extend((0..pass).map(|_| verdict(&base, &series(100.0, 1.0, 30), &settings)));
    out.extend((0..marginal).map(|_| verdict(&base, &series(103.0, 1.0, 30), &settings)));
    out.extend((0..fail).map(|_| verdict(&base, &series(150.0, 1.0, 30), &settings)));
    out.extend((0..none).map(|_| verdict(&base, &[], &settings)));
    let kinds: Vec<Verdict> = out.iter().map(|m| m.verdict).collect();
    let expected: Vec<Verdict> = [
        (Verdict::Pass, pass),
        (Verdict::Marginal, marginal),
        (Verdict::Fail, fail),
        (Verdict::NoData, none),
    ]
    .iter()
    .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
    .collect();
    assert_eq!(kinds, expected);
    out
}

#[test]
fn the_judge_scores_the_share_of_metrics_with_data_that_pass() {
    let thresholds = Thresholds::default();
    let all_pass = judge(&verdicts(3, 1, 0, 2), &thresholds).expect("valid thresholds");
    assert_eq!(all_pass.score, Some(100.0));
    assert_eq!(all_pass.outcome, Outcome::Pass);
    assert_eq!(
        (
            all_pass.passed,
            all_pass.marginal,
            all_pass.failed,
            all_pass.no_data
        ),
        (3, 1, 0, 2)
    );

    let one_in_five = judge(&verdicts(4, 0, 1, 0), &thresholds).expect("valid thresholds");
    assert_eq!(one_in_five.score, Some(80.0));
    assert_eq!(one_in_five.outcome, Outcome::Marginal);

    let half = judge(&verdicts(1, 0, 1, 3), &thresholds).expect("valid thresholds");
    assert_eq!(half.score, Some(50.0));
    assert_eq!(half.outcome, Outcome::Fail);

    let nothing = judge(&verdicts(0, 0, 0, 2), &thresholds).expect("valid thresholds");
    assert_eq!(
        (nothing.score, nothing.outcome),
        (None, Outcome::Inconclusive)
    );
    let no_metrics = judge(&[], &thresholds).expect("valid thresholds");
    assert_eq!(no_metrics.outcome, Outcome::Inconclusive);
}

#[test]
fn results_serialise_for_the_json_report() {
    let got = verdict(
        &series(100.0, 10.0, 30),
        &series(130.0, 10.0, 30),
        &CompareSettings::default(),
    );
    let json = serde_json::to_value(&got).expect("serialise");
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["test"]["method"], "asymptotic");
    assert_eq!(json["canary"]["count"], 30);
    let score = judge(&[got], &Thresholds::default()).expect("valid thresholds");
    let json = serde_json::to_value(&score).expect("serialise");
    assert_eq!(
        (json["outcome"].clone(), json["score"].clone()),
        ("fail".into(), 0.0.into())
    );
}

/// Samples of small whole numbers (many ties) or of any finite numbers.
fn sample() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        proptest::collection::vec((0i32..6).prop_map(f64::from), 1..40),
        proptest::collection::vec(-1e6f64..1e6, 1..40),
    ]
}

/// The methods valid for any samples (exact refuses ties).
fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Auto), Just(Method::Asymptotic)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn u_and_p_stay_in_range_and_u_sums_to_the_pairs(
        x in sample(),
        y in sample(),
        method in method(),
        use_continuity in any::<bool>(),
    ) {
        let cells = (x.len() * y.len()) as f64;
        for alternative in [Alternative::TwoSided, Alternative::Greater, Alternative::Less] {
            let options = MannWhitneyOptions { alternative, method, use_continuity };
            let forward = mann_whitney_u(&x, &y, &options).expect("test runs");
            let backward = mann_whitney_u(&y, &x, &options).expect("test runs");
            prop_assert!((0.0..=1.0).contains(&forward.p), "p = {}", forward.p);
            prop_assert!((0.0..=cells).contains(&forward.u), "U = {}", forward.u);
            prop_assert_eq!(forward.u + backward.u, cells);
        }
    }

    #[test]
    fn swapping_the_samples_mirrors_greater_and_less(
        x in sample(),
        y in sample(),
        method in method(),
        use_continuity in any::<bool>(),
    ) {
        let run = |a: &[f64], b: &[f64], alternative| {
            let options = MannWhitneyOptions { alternative, method, use_continuity };
            mann_whitney_u(a, b, &options).expect("test runs").p
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300);
        let (greater, mirrored) = (run(&x, &y, Alternative::Greater), run(&y, &x, Alternative::Less));
        prop_assert!(close(greater, mirrored), "{} against {}", greater, mirrored);
        let (less, mirrored) = (run(&x, &y, Alternative::Less), run(&y, &x, Alternative::Greater));
        prop_assert!(close(less, mirrored), "{} against {}", less, mirrored);
        let (two, mirrored) = (run(&x, &y, Alternative::TwoSided), run(&y, &x, Alternative::TwoSided));
        prop_assert!(close(two, mirrored), "{} against {}", two, mirrored);
    }
}
