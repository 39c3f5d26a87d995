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

    // The figures behind the verdict, as fields of the report.
    let analysis = &report["rollout"]["steps"][0]["analysis"];
    assert_eq!(analysis["outcome"], "fail", "{analysis}");
    assert_eq!(analysis["score"], 0.0, "{analysis}");
    assert_eq!(analysis["failed"], 1, "{analysis}");
    assert_eq!(analysis["thresholds"]["pass"], 95.0, "{analysis}");
    assert_eq!(analysis["alpha"], 0.05, "{analysis}");
    let metric = &analysis["metrics"][0];
    assert_eq!(metric["name"], "errors vs baseline", "{metric}");
    assert_eq!(metric["verdict"], "fail", "{metric}");
    assert!(metric["test"]["p"].as_f64().unwrap() < 0.05, "{metric}");
    assert!(metric["canary"]["count"].as_u64().unwrap() >= 5, "{metric}");
    let (canary, baseline) = (
        metric["canary"]["median"].as_f64().unwrap(),
        metric["baseline"]["median"].as_f64().unwrap(),
    );
    assert!(canary > baseline, "{metric}");
    assert!(
        metric["reason"].as_str().unwrap().starts_with("fail: "),
        "{metric}"
    );

    // And as a table in the summary for people.
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "markdown"])
        .assert()
        .code(1);
    let summary = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        summary.contains("Canary analysis of step 1, round "),
        "{summary}"
    );
    assert!(
        summary.contains(": score 0, fail (pass at 95, marginal at 75, alpha 0.05)."),
        "{summary}"
    );
    let row = summary
        .lines()
        .find(|line| line.starts_with("| errors vs baseline | fail | "))
        .unwrap_or_else(|| panic!("no row for the metric:\n{summary}"));
    let cells: Vec<&str> = row.split(" | ").collect();
    assert!(
        cells[2].parse::<f64>().unwrap() > cells[3].parse::<f64>().unwrap(),
        "{row}"
    );
    // The baseline errs not at all, so its median is 0 and the change has no size.
    assert!(
        cells[5] == "unbounded" || (cells[5].starts_with('+') && cells[5].ends_with('%')),
        "{row}"
    );
    assert!(
        cells[6].trim_end_matches(" |").parse::<f64>().unwrap() < 0.05,
        "{row}"
    );
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
    // The last round's figures: judged, and passing.
    let analysis = &step["analysis"];
    assert_eq!(analysis["outcome"], "pass", "{analysis}");
    assert_eq!(analysis["round"], step["rounds"], "{analysis}");
    assert_eq!(analysis["metrics"][0]["verdict"], "pass", "{analysis}");
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
