//! Prometheus health checks against a real Prometheus server (the Debian package `prometheus`)
//! scraping a service whose error rate and latency each test sets, one track label per test so
//! the tests can share one server. What a real server answers (vectors and scalars, `NaN`,
//! `+Inf`, stale series, empty results, errors with `errorType`) is what these tests check;
//! the fake in the helpers stays for what a real server cannot be made to do.
//!
//! Without a `prometheus` binary these tests are ignored (see `build.rs`); `.ci/run` installs
//! the server and sets `SHIPLINE_REQUIRE_PROMETHEUS=1`, so there they run or fail.

use std::sync::OnceLock;
use std::time::Duration;

use shipline_testkit::metrics::{MetricsService, Prometheus, Track};

use crate::helpers::{Setup, json, output};

/// The service and the server scraping it, started once for every test of this binary.
fn shared() -> &'static (MetricsService, Prometheus) {
    static SHARED: OnceLock<(MetricsService, Prometheus)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let service = MetricsService::start();
        let prometheus = Prometheus::start(&[service.addr()]);
        (service, prometheus)
    })
}

/// Serves `track` and waits until Prometheus has enough of it for a rate over 2s.
pub(crate) fn serve(track: &str, settings: Track) -> &'static Prometheus {
    let (service, prometheus) = shared();
    service.set(track, settings);
    prometheus.wait_for(
        &format!("count_over_time(http_requests_total{{track=\"{track}\",code=\"200\"}}[2s]) >= 4"),
        Duration::from_secs(30),
    );
    prometheus
}

/// A one-step rollout to production watched by one Prometheus check for `bake`; no
/// inconclusive round tolerated, so "could not tell" shows as the step's reason.
fn setup(prometheus: &Prometheus, check: &str, bake: &str) -> Setup {
    let url = prometheus.url();
    Setup::new(&format!(
        r#"environments:
  production:
    rollout:
      command: "true"
      rollback: printf 'rollback\n' >> {{log}}/rollback.log
      steps: [100]
      bake: {bake}
      interval: 250ms
      inconclusive_limit: 0
      health:
        - name: check
          prometheus: {{ url: "{url}", {check} }}
"#
    ))
}

/// Runs the promotion; returns the exit code and the `reason` output.
pub(crate) fn promote(setup: &Setup) -> (i32, String, serde_json::Value) {
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert();
    let out = run.get_output();
    let reason = output(&out.stderr, "reason").unwrap_or_default();
    (out.status.code().unwrap(), reason, json(&out.stdout))
}

fn error_ratio(track: &str) -> String {
    format!(
        r#"query: 'sum(rate(http_requests_total{{track="{track}",code="500"}}[2s])) / sum(rate(http_requests_total{{track="{track}"}}[2s]))', max: 0.1"#
    )
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_healthy_error_rate_passes_every_round() {
    let prometheus = serve("healthy", Track::default());
    let setup = setup(prometheus, &error_ratio("healthy"), "1s");
    let (code, reason, report) = promote(&setup);
    assert_eq!(code, 0, "{reason} {report}");
    let step = &report["rollout"]["steps"][0];
    assert!(step["rounds"].as_u64().unwrap() >= 2, "{step}");
    assert_eq!(step["passed"], step["rounds"], "{step}");
    assert_eq!(setup.log("rollback.log"), "");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn an_error_rate_above_max_fails_and_rolls_back() {
    let prometheus = serve(
        "failing",
        Track {
            error_rate: 0.5,
            ..Track::default()
        },
    );
    let setup = setup(prometheus, &error_ratio("failing"), "0s");
    let (code, reason, _) = promote(&setup);
    assert_eq!(code, 1, "{reason}");
    assert!(
        reason.contains("check: value 0.5 above max 0.1"),
        "{reason}"
    );
    assert_eq!(setup.log("rollback.log"), "rollback\n");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_latency_quantile_from_a_histogram_above_max_fails() {
    let prometheus = serve(
        "slow",
        Track {
            latency: 0.4,
            ..Track::default()
        },
    );
    let query = r#"query: 'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{track="slow"}[2s])))', max: 0.3"#;
    let (code, reason, _) = promote(&setup(prometheus, query, "0s"));
    assert_eq!(code, 1, "{reason}");
    // The 0.4s requests fall in the (0.25, 0.5] bucket: the 90th percentile is read as 0.475.
    assert!(
        reason.contains("check: value 0.475 above max 0.3"),
        "{reason}"
    );
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_scalar_result_is_read() {
    let prometheus = serve("scalar", Track::default());
    let query = r#"query: 'scalar(sum(rate(http_requests_total{track="scalar"}[2s])))', min: 1"#;
    let (code, reason, _) = promote(&setup(prometheus, query, "0s"));
    assert_eq!(code, 0, "{reason}");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_series_that_does_not_exist_is_no_data() {
    let prometheus = serve("present", Track::default());
    let (code, reason, _) = promote(&setup(prometheus, &error_ratio("absent"), "0s"));
    assert_eq!(code, 1, "{reason}");
    assert!(
        reason.contains("check: the query returned no data"),
        "{reason}"
    );
    assert!(reason.contains("inconclusive"), "{reason}");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_stale_series_is_no_data() {
    let prometheus = serve("gone", Track::default());
    shared().0.remove("gone");
    // The scrape after the removal writes stale markers: the series drops out of instant queries.
    let started = std::time::Instant::now();
    while prometheus
        .query(r#"http_requests_total{track="gone"}"#)
        .and_then(|a| a["data"]["result"].as_array().map(Vec::len))
        != Some(0)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never went stale"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let query = r#"query: 'sum(http_requests_total{track="gone"})', max: 1e12"#;
    let (code, reason, _) = promote(&setup(prometheus, query, "0s"));
    assert_eq!(code, 1, "{reason}");
    assert!(
        reason.contains("check: the query returned no data"),
        "{reason}"
    );
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn an_error_ratio_without_requests_is_nan_and_inconclusive() {
    let prometheus = serve("idle", Track::default());
    shared().0.set(
        "idle",
        Track {
            requests_per_scrape: 0,
            ..Track::default()
        },
    );
    // Once the 2s window holds no increase, the ratio is 0/0.
    prometheus.wait_for(
        r#"sum(rate(http_requests_total{track="idle"}[2s])) == 0"#,
        Duration::from_secs(30),
    );
    let (code, reason, _) = promote(&setup(prometheus, &error_ratio("idle"), "0s"));
    assert_eq!(code, 1, "{reason}");
    assert!(reason.contains("check: the query returned NaN"), "{reason}");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn an_infinite_value_is_above_any_max() {
    let prometheus = serve("present", Track::default());
    let (code, reason, _) = promote(&setup(
        prometheus,
        "query: 'vector(1) / vector(0)', max: 5",
        "0s",
    ));
    assert_eq!(code, 1, "{reason}");
    assert!(reason.contains("check: value inf above max 5"), "{reason}");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn several_series_are_refused_with_the_fix() {
    let prometheus = serve("many", Track::default());
    let query = r#"query: 'rate(http_requests_total{track="many"}[2s])', max: 1e9"#;
    let (code, reason, _) = promote(&setup(prometheus, query, "0s"));
    assert_eq!(code, 1, "{reason}");
    assert!(
        reason.contains("the query returned 2 series, expected one (aggregate it"),
        "{reason}"
    );
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_query_prometheus_cannot_parse_names_the_error() {
    let prometheus = serve("present", Track::default());
    let query = r#"query: 'sum(rate(http_requests_total[2s])', max: 1"#;
    let (code, reason, _) = promote(&setup(prometheus, query, "0s"));
    assert_eq!(code, 1, "{reason}");
    assert!(reason.contains("bad_data"), "{reason}");
    assert!(reason.contains("parse error"), "{reason}");
    assert!(reason.contains("fix `query`"), "{reason}");
}
