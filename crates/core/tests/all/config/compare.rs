//! `compare` health checks and the rollout's `canary` settings: both shapes parse into the
//! values written, defaults are Kayenta's, and every wrong value is refused at its line and
//! column with a fix.

use shipline_core::config::{CanarySettings, CompareSides, Config, Direction, HealthCheck};

use super::parse;

/// A production rollout whose `health` list is `entry` (lines indented for a list item at
/// column 11) and whose rollout-level extra keys are `extra`.
fn rollout(extra: &str, entry: &str) -> String {
    format!(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh\n{extra}      health:\n{entry}"
    )
}

fn compare(config: &Config) -> (&shipline_core::config::CompareCheck, CanarySettings) {
    let rollout = config
        .environment("production")
        .unwrap()
        .rollout
        .as_ref()
        .unwrap();
    let HealthCheck::Compare(check) = &rollout.health[0] else {
        panic!("expected a compare check: {:?}", rollout.health[0]);
    };
    (check, rollout.canary)
}

const CANARY_BASELINE: &str = "        - name: errors vs baseline
          compare:
            prometheus: { url: http://prometheus:9090 }
            canary:   'rate(http_requests_total{code=~\"5..\",track=\"canary\"}[1m])'
            baseline: 'rate(http_requests_total{code=~\"5..\",track=\"stable\"}[1m])'
            direction: increase
            tolerance: 12.5%
            min_samples: 20
";

#[test]
fn canary_and_baseline_parse_with_their_settings() {
    let config = parse(&rollout(
        "      canary: { pass: 90, marginal: 60, alpha: 0.01 }\n",
        CANARY_BASELINE,
    ))
    .unwrap();
    let (check, canary) = compare(&config);
    assert_eq!(check.name.as_deref(), Some("errors vs baseline"));
    assert_eq!(check.url.as_str(), "http://prometheus:9090/");
    assert_eq!(
        check.sides,
        CompareSides::CanaryBaseline {
            canary: r#"rate(http_requests_total{code=~"5..",track="canary"}[1m])"#.into(),
            baseline: r#"rate(http_requests_total{code=~"5..",track="stable"}[1m])"#.into(),
        }
    );
    assert_eq!(check.direction, Direction::Increase);
    assert!(
        (check.tolerance - 0.125).abs() < 1e-12,
        "{}",
        check.tolerance
    );
    assert_eq!(check.min_samples, Some(20));
    assert_eq!(
        canary,
        CanarySettings {
            pass: 90.0,
            marginal: 60.0,
            alpha: 0.01
        }
    );
}

#[test]
fn before_after_takes_one_query_and_the_defaults_are_kayentas() {
    let config = parse(&rollout(
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            query: rate(errors_total[1m])\n            before_after: true\n",
    ))
    .unwrap();
    let (check, canary) = compare(&config);
    assert_eq!(
        check.sides,
        CompareSides::BeforeAfter {
            query: "rate(errors_total[1m])".into()
        }
    );
    assert_eq!(
        config
            .environment("production")
            .unwrap()
            .rollout
            .as_ref()
            .unwrap()
            .health[0]
            .label(),
        "rate(errors_total[1m])"
    );
    assert_eq!(check.direction, Direction::Either);
    assert_eq!(check.tolerance, 0.0);
    assert_eq!(check.min_samples, None);
    assert_eq!(
        canary,
        CanarySettings {
            pass: 95.0,
            marginal: 75.0,
            alpha: 0.05
        }
    );
}

#[test]
fn a_compare_check_survives_a_round_trip_through_yaml() {
    let config = parse(&rollout(
        "      canary: { marginal: 50 }\n",
        CANARY_BASELINE,
    ))
    .unwrap();
    let rollout = config
        .environment("production")
        .unwrap()
        .rollout
        .clone()
        .unwrap();
    let text = serde_saphyr::to_string(&rollout).unwrap();
    let again: shipline_core::config::Rollout = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(again, rollout, "{text}");
}

/// Each case: the rollout-level extra lines, the health entry, the location, and the start of
/// what is wrong.
const REFUSED: &[(&str, &str, &str, &str)] = &[
    (
        "",
        "        - compare:\n            prometheus: { url: prometheus:9090 }\n            canary: a\n            baseline: b\n",
        "7:32",
        "invalid URL",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            canary: ''\n            baseline: b\n",
        "8:21",
        "`canary` is empty",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            canary: a\n            baseline: b\n            tolerance: 1001%\n",
        "10:24",
        "`tolerance: 1001%` is not a percentage from 0% to 1000%",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            canary: a\n            baseline: b\n            tolerance: 10\n",
        "10:24",
        "`tolerance: 10` is not a percentage",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            canary: a\n            baseline: b\n            min_samples: 0\n",
        "10:26",
        "`min_samples: 0` is outside 1–100000",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            canary: a\n            baseline: b\n            direction: up\n",
        "10:24",
        "unknown value `up`",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            canary: a\n",
        "6:11",
        "compare check has `canary` but no `baseline`",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            query: a\n",
        "6:11",
        "compare check has `query` without `before_after: true`",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            canary: a\n            baseline: b\n            before_after: true\n",
        "6:11",
        "compare check has `before_after: true` and `canary`/`baseline`",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            before_after: true\n",
        "6:11",
        "compare check has `before_after: true` but no `query`",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n",
        "6:11",
        "compare check has no queries",
    ),
    (
        "",
        "        - compare:\n            prometheus: { url: http://prom:9090 }\n            canary: a\n            baseline: b\n          max_latency_ms: 100\n",
        "6:11",
        "`max_latency_ms` applies to `http` checks, not to `compare`",
    ),
    (
        "      canary: { alpha: 0.6 }\n",
        CANARY_BASELINE,
        "5:24",
        "`alpha: 0.6` is not above 0 and at most 0.5",
    ),
    (
        "      canary: { alpha: 0 }\n",
        CANARY_BASELINE,
        "5:24",
        "`alpha: 0` is not above 0",
    ),
    (
        "      canary: { pass: 101 }\n",
        CANARY_BASELINE,
        "5:23",
        "`pass: 101` is outside 0–100",
    ),
    (
        "      canary: { pass: 80, marginal: 90 }\n",
        CANARY_BASELINE,
        "5:15",
        "canary `marginal: 90` is above `pass: 80`",
    ),
    (
        "      canary: { pas: 80 }\n",
        CANARY_BASELINE,
        "5:17",
        "unknown field `pas`",
    ),
];

#[test]
fn wrong_values_are_refused_at_their_line_with_a_fix() {
    let mut wrong = Vec::new();
    for (extra, entry, line_col, message) in REFUSED {
        let err = parse(&rollout(extra, entry)).unwrap_err();
        let rendered = err.to_string();
        let expected = format!(".shipline.yml:{line_col}: {message}");
        if !rendered.starts_with(&expected) || err.hint().is_none() {
            wrong.push(format!("expected {expected:?}\n     got {rendered:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
