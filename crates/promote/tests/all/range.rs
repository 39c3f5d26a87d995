//! Prometheus range queries for canary analysis: against the real server the Prometheus tests
//! share (one series, several, none, `NaN` and `+Inf`, a query the server refuses), and against
//! a fake for answers a real server does not give (warnings, a page that is not JSON).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use shipline_promote::canary::{RangeError, RangeQuery, RangeSeries, query_range};
use shipline_testkit::metrics::Track;

use crate::prometheus::serve;

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// An HTTP client, made after the TLS provider is chosen as the binaries choose it.
fn client() -> reqwest::Client {
    shipline_core::tls::init();
    reqwest::Client::new()
}

/// Runs `query` over the last three seconds, every 250ms, against the server at `url`.
fn last_seconds(url: &str, query: &str) -> Result<RangeSeries, RangeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let end = now();
    let range = RangeQuery {
        query,
        start: end - 3.0,
        end,
        step: Duration::from_millis(250),
    };
    runtime.block_on(query_range(&client(), url, &range, Duration::from_secs(10)))
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn one_series_gives_its_values_in_time_order() {
    let prometheus = serve(
        "range-one",
        Track {
            requests_per_scrape: 100,
            ..Track::default()
        },
    );
    let series = last_seconds(
        prometheus.url(),
        r#"sum(rate(http_requests_total{track="range-one"}[1s]))"#,
    )
    .unwrap();
    assert!(series.samples.len() >= 2, "{series:?}");
    assert!(
        series.samples.windows(2).all(|pair| pair[0].0 < pair[1].0),
        "{series:?}"
    );
    // 100 requests every 250ms scrape: a rate of about 400 a second, never 0 once served.
    assert!(
        series.values().iter().all(|value| *value > 0.0),
        "{series:?}"
    );
    assert!(series.warnings.is_empty());
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn several_series_are_refused_with_their_count_and_none_is_no_data() {
    let prometheus = serve(
        "range-many",
        Track {
            error_rate: 0.5,
            ..Track::default()
        },
    );
    let err = last_seconds(
        prometheus.url(),
        r#"rate(http_requests_total{track="range-many"}[1s])"#,
    )
    .unwrap_err();
    assert_eq!(err, RangeError::Series(2));
    assert!(err.to_string().contains("aggregate it"), "{err}");
    let none = last_seconds(
        prometheus.url(),
        r#"http_requests_total{track="no-such-track"}"#,
    )
    .unwrap();
    assert!(none.is_empty(), "{none:?}");
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn nan_and_infinity_are_read_as_values() {
    let prometheus = serve("range-nan", Track::default());
    let nan = last_seconds(prometheus.url(), "vector(0) / vector(0)").unwrap();
    assert!(!nan.is_empty());
    assert!(nan.values().iter().all(|value| value.is_nan()), "{nan:?}");
    let inf = last_seconds(prometheus.url(), "vector(1) / vector(0)").unwrap();
    assert!(!inf.is_empty());
    assert!(
        inf.values().iter().all(|value| *value == f64::INFINITY),
        "{inf:?}"
    );
}

#[test]
#[cfg_attr(
    not(prometheus_server),
    ignore = "needs a prometheus binary: apt-get install prometheus (.ci/run installs it and requires these)"
)]
fn a_query_the_server_cannot_parse_is_its_error_with_the_fix() {
    let prometheus = serve("range-bad", Track::default());
    let err = last_seconds(prometheus.url(), "sum(rate(").unwrap_err();
    let RangeError::Prometheus { kind, .. } = &err else {
        panic!("expected a Prometheus error, got {err:?}");
    };
    assert_eq!(kind, "bad_data");
    assert!(err.to_string().contains("fix the query"), "{err}");
}

/// A fake Prometheus whose `/api/v1/query_range` answers `status` with `body`.
fn fake(status: u16, body: &'static str) -> (tokio::runtime::Runtime, String) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = Router::new().route(
        "/api/v1/query_range",
        get(move || async move { (StatusCode::from_u16(status).unwrap(), body) }),
    );
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(async move { axum::serve(listener, app).await });
    (runtime, url)
}

#[test]
fn warnings_come_with_the_series() {
    let (_runtime, url) = fake(
        200,
        r#"{"status":"success","warnings":["remote read failed for 1 of 2 stores"],
            "data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"],[2,"3"]]}]}}"#,
    );
    let series = last_seconds(&url, "up").unwrap();
    assert_eq!(series.values(), [2.0, 3.0]);
    assert_eq!(series.warnings, ["remote read failed for 1 of 2 stores"]);
}

#[test]
fn a_page_that_is_not_json_and_an_empty_window_are_refused() {
    let (_runtime, url) = fake(503, "<html>Service Unavailable</html>");
    let err = last_seconds(&url, "up").unwrap_err();
    assert!(
        matches!(err, RangeError::Unreadable { status: 503, .. }),
        "{err:?}"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let backwards = RangeQuery {
        query: "up",
        start: 10.0,
        end: 10.0,
        step: Duration::from_secs(1),
    };
    let err = runtime
        .block_on(query_range(
            &client(),
            &url,
            &backwards,
            Duration::from_secs(1),
        ))
        .unwrap_err();
    assert!(matches!(err, RangeError::Window { .. }), "{err:?}");
}
