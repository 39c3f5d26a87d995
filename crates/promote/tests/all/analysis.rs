//! Canary analysis in a rollout's health rounds (issue 18), against the real Prometheus server
//! the Prometheus tests share: a canary that errs where its baseline does not fails the step
//! and rolls back, and one that behaves like its baseline is promoted.

use shipline_testkit::metrics::{Prometheus, Track};

use crate::helpers::Setup;
use crate::prometheus::{promote, serve};

/// A one-step rollout baking `bake`, judged by one `compare` check of the 5xx rate of track
/// `canary` against track `baseline`. Early rounds have too few samples, so they may be
/// inconclusive.
fn setup(prometheus: &Prometheus, canary: &str, baseline: &str, bake: &str) -> Setup {
    let url = prometheus.url();
    let errors = |track: &str| {
        format!(r#"sum(rate(http_requests_total{{track="{track}",code="500"}}[1s])) or vector(0)"#)
    };
    Setup::new(&format!(
        r#"environments:
  production:
    rollout:
      command: "true"
      rollback: printf 'rollback\n' >> {{log}}/rollback.log
      steps: [100]
      bake: {bake}
      interval: 250ms
      inconclusive_limit: 100
      health:
        - name: errors vs baseline
          compare:
            prometheus: {{ url: "{url}" }}
            canary: '{}'
            baseline: '{}'
            direction: increase
            min_samples: 5
"#,
        errors(canary),
        errors(baseline),
    ))
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_canary_erring_more_than_its_baseline_fails_the_step() {
    serve("analysis-stable", Track::default());
    let prometheus = serve(
        "analysis-canary",
        Track {
            error_rate: 0.5,
            ..Track::default()
        },
    );
    let setup = setup(prometheus, "analysis-canary", "analysis-stable", "20s");
    let (code, reason, report) = promote(&setup);
    assert_eq!(code, 1, "{reason} {report}");
    assert!(reason.contains("canary analysis"), "{reason}");
    assert!(reason.contains("errors vs baseline: fail"), "{reason}");
    assert!(reason.contains("p "), "{reason}");
    assert_eq!(setup.log("rollback.log"), "rollback\n");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_canary_like_its_baseline_is_promoted() {
    serve("analysis-same-a", Track::default());
    let prometheus = serve("analysis-same-b", Track::default());
    let setup = setup(prometheus, "analysis-same-b", "analysis-same-a", "2s");
    let (code, reason, report) = promote(&setup);
    assert_eq!(code, 0, "{reason} {report}");
    let step = &report["rollout"]["steps"][0];
    assert!(step["passed"].as_u64().unwrap() >= 1, "{step}");
    assert_eq!(step["failed"], 0, "{step}");
    assert_eq!(setup.log("rollback.log"), "");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn before_after_compares_the_window_before_the_step_with_the_one_after() {
    let prometheus = serve("analysis-steady", Track::default());
    // The window before the step must hold data too: wait for some 3.5s of scrapes.
    prometheus.wait_for(
        r#"count_over_time(http_requests_total{track="analysis-steady",code="200"}[4s]) >= 14"#,
        std::time::Duration::from_secs(30),
    );
    let url = prometheus.url();
    // The request rate is the same before and after; the tolerance keeps scrape jitter from
    // ever counting as a change.
    let setup = Setup::new(&format!(
        r#"environments:
  production:
    rollout:
      command: "true"
      bake: 2s
      interval: 250ms
      inconclusive_limit: 100
      health:
        - compare:
            prometheus: {{ url: "{url}" }}
            query: 'sum(rate(http_requests_total{{track="analysis-steady"}}[1s]))'
            before_after: true
            tolerance: 50%
            min_samples: 4
"#
    ));
    let (code, reason, report) = promote(&setup);
    assert_eq!(code, 0, "{reason} {report}");
    let step = &report["rollout"]["steps"][0];
    assert!(step["passed"].as_u64().unwrap() >= 1, "{step}");
    assert_eq!(step["failed"], 0, "{step}");
}
