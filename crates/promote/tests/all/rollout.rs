//! Rollouts through the binary against a local service whose health the test flips: failures
//! roll back and are recorded, observe-only only reports, inconclusive results have their own
//! limit, and a cancelled job rolls back before it exits.

use std::time::{Duration, Instant};

use crate::helpers::{Setup, json, output, rollout_config};

#[test]
fn check_failing_at_step_two_rolls_back_and_records_the_failure() {
    let (setup, service) =
        Setup::with_service(|url| rollout_config(url, "      failure_limit: 2\n"));
    service.fail_from_weight(50);
    setup.seed_success("staging");
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(1);
    let out = run.get_output();
    let report = json(&out.stdout);
    assert_eq!(report["promoted"], false);
    assert_eq!(report["rollout"]["outcome"], "failed");
    assert_eq!(report["rollout"]["step"], 2);
    let steps = report["rollout"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["outcome"], "passed");
    assert_eq!(steps[1]["outcome"], "failed");
    // No `compare` check, no canary analysis in the report.
    assert!(
        steps.iter().all(|step| step.get("analysis").is_none()),
        "{steps:?}"
    );
    // Two consecutive failed rounds (failure_limit 2), then it stopped.
    assert_eq!(steps[1]["failed"], 2);
    assert_eq!(steps[1]["rounds"], 2);
    assert_eq!(report["rollout"]["rollback"]["succeeded"], true);

    // Step 3 never ran; the rollback ran once with the failed step's variables.
    assert_eq!(setup.log("deploy.log").lines().count(), 2);
    assert_eq!(setup.log("rollback.log"), "rollback 2 50\n");

    let deployment = &setup.deployments("production")[0];
    assert_eq!(deployment.state.to_string(), "failure");
    let failed = deployment.history.last().unwrap();
    assert_eq!(failed.state.to_string(), "failure");
    assert!(
        failed
            .description
            .starts_with("step 2: healthz: status 500, expected 200"),
        "{}",
        failed.description
    );
    assert_eq!(output(&out.stderr, "promoted").as_deref(), Some("false"));
    assert_eq!(output(&out.stderr, "rolled-back").as_deref(), Some("true"));
    assert_eq!(output(&out.stderr, "failed-step").as_deref(), Some("2"));
    assert!(
        output(&out.stderr, "reason")
            .unwrap()
            .contains("status 500")
    );
}

#[test]
fn failed_rounds_below_the_limit_do_not_stop_the_step() {
    // Fails at 100%, but the limit of 5 consecutive rounds is never reached within the
    // 4 rounds of a bake: the rollout completes, and the report counts the failed rounds.
    let (setup, service) =
        Setup::with_service(|url| rollout_config(url, "      failure_limit: 5\n"));
    service.fail_from_weight(100);
    setup.seed_success("staging");
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(0);
    let report = json(&run.get_output().stdout);
    assert_eq!(report["rollout"]["steps"][2]["failed"], 4);
    assert_eq!(report["rollout"]["steps"][2]["outcome"], "passed");
}

#[test]
fn observe_only_reports_what_would_have_aborted_and_does_not_roll_back() {
    let (setup, service) =
        Setup::with_service(|url| rollout_config(url, "      observe_only: true\n"));
    service.fail_from_weight(50);
    setup.seed_success("staging");
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(0);
    let out = run.get_output();
    let report = json(&out.stdout);
    assert_eq!(report["promoted"], true);
    let steps = report["rollout"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["outcome"], "passed");
    assert_eq!(steps[1]["outcome"], "observed");
    assert!(
        steps[1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("would have rolled back: healthz: status 500")
    );
    assert_eq!(setup.log("rollback.log"), "");
    assert_eq!(setup.log("deploy.log").lines().count(), 3);
    assert_eq!(
        setup.deployments("production")[0].state.to_string(),
        "success"
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("observe-only: would have rolled back"),
        "{log}"
    );
}

#[test]
fn inconclusive_rounds_have_their_own_limit() {
    let (setup, _service) = Setup::with_service(|url| {
        rollout_config(
            url,
            &format!(
                "        - name: slow\n          http: {url}/slow\n          timeout: 100ms\n      inconclusive_limit: 1\n      interval: 10ms\n"
            ),
        )
        .replace("      interval: 50ms\n", "")
    });
    setup.seed_success("staging");
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(1);
    let report = json(&run.get_output().stdout);
    let step = &report["rollout"]["steps"][0];
    assert_eq!(step["outcome"], "failed");
    assert_eq!(step["inconclusive"], 2);
    assert_eq!(step["failed"], 0);
    let reason = report["rollout"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("inconclusive: slow: no answer within 100ms"),
        "{reason}"
    );
    assert_eq!(setup.log("rollback.log"), "rollback 1 10\n");
}

#[test]
fn prometheus_threshold_and_command_checks() {
    let (setup, service) = Setup::with_service(|url| {
        format!(
            r#"environments:
  production:
    rollout:
      command: "true"
      rollback: printf 'rollback\n' >> {{log}}/rollback.log
      steps: [50, 100]
      health:
        - name: errors
          prometheus: {{ url: "{url}", query: 'sum(rate(errors_total[5m]))', max: 0.5 }}
        - name: smoke
          command: test -f {{log}}/ok
"#
        )
    });
    std::fs::write(setup.scratch_path("ok"), "").unwrap();
    service.set_metric(0.2);
    setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(0);

    service.set_metric(0.9);
    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(1);
    let out = run.get_output();
    assert!(
        output(&out.stderr, "reason")
            .unwrap()
            .contains("errors: value 0.9 above max 0.5")
    );

    service.set_metric(0.1);
    std::fs::remove_file(setup.scratch_path("ok")).unwrap();
    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(1);
    assert!(
        output(&run.get_output().stderr, "reason")
            .unwrap()
            .contains("smoke: exit 1")
    );

    std::fs::write(setup.scratch_path("ok"), "").unwrap();
    service.set_metric_empty();
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(0);
    let report = json(&run.get_output().stdout);
    // No data is inconclusive, tolerated up to the default limit of 3 per step.
    assert_eq!(report["rollout"]["steps"][0]["inconclusive"], 1);
    assert_eq!(setup.log("rollback.log").lines().count(), 2);
    let states: Vec<String> = setup
        .deployments("production")
        .iter()
        .map(|d| d.state.to_string())
        .collect();
    assert_eq!(states, ["success", "failure", "failure", "inactive"]);
}

#[test]
fn failing_step_command_rolls_back() {
    let setup = Setup::new(
        "environments:\n  production:\n    rollout:\n      command: 'test \"$SHIPLINE_WEIGHT\" -lt 50'\n      rollback: printf 'rollback %s\\n' \"$SHIPLINE_STEP\" >> {log}/rollback.log\n      steps: [10, 50, 100]\n",
    );
    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(1);
    let out = run.get_output();
    assert_eq!(output(&out.stderr, "failed-step").as_deref(), Some("2"));
    assert!(
        output(&out.stderr, "reason")
            .unwrap()
            .contains("step command")
    );
    assert_eq!(setup.log("rollback.log"), "rollback 2\n");
}

#[test]
fn sigterm_during_bake_rolls_back_and_records_before_exit() {
    let setup = Setup::new(
        "environments:\n  production:\n    rollout:\n      command: printf '%s\\n' \"$SHIPLINE_WEIGHT\" >> {log}/deploy.log\n      rollback: printf 'rollback %s\\n' \"$SHIPLINE_STEP\" >> {log}/rollback.log\n      steps: [10, 100]\n      bake: 30s\n",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("shipline-promote"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", setup.scratch_path(""))
        .current_dir(setup.repo.path())
        .args(["--to", "production", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Follow the live log until step 1 announces its bake.
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            all.push_str(&line);
            all.push('\n');
            let _ = lines_tx.send(line);
        }
        all
    });
    let started = Instant::now();
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("step 1 never started its bake");
        if line.starts_with("step 1/2 (10%): baking") {
            break;
        }
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "did not stop at SIGTERM"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(setup.log("rollback.log"), "rollback 1\n");
    assert_eq!(setup.log("deploy.log"), "10\n");
    let report = json(&out.stdout);
    assert_eq!(report["rollout"]["outcome"], "cancelled");
    let deployment = &setup.deployments("production")[0];
    assert_eq!(deployment.state.to_string(), "failure");
    let failed = &deployment.history.last().unwrap().description;
    assert!(
        failed.contains("cancelled by SIGTERM during the step 1 bake; rollback done"),
        "{failed}"
    );
    assert_eq!(
        output(stderr.as_bytes(), "rolled-back").as_deref(),
        Some("true")
    );
}

#[test]
fn http_check_status_and_body_match() {
    let (setup, service) = Setup::with_service(|url| {
        format!(
            "environments:\n  production:\n    rollout:\n      command: 'true'\n      health:\n        - name: api\n          http: {url}/healthz\n          body_regex: '^ok$'\n"
        )
    });
    service.set_status(503);
    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(1);
    let reason = output(&run.get_output().stderr, "reason").unwrap();
    assert!(
        reason.starts_with("api: status 503, expected 200"),
        "{reason}"
    );

    service.set_status(200);
    setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(0);

    let yml = setup.repo.path().join(".shipline.yml");
    let text = std::fs::read_to_string(&yml)
        .unwrap()
        .replace("'^ok$'", "'^healthy'");
    std::fs::write(&yml, text).unwrap();
    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(1);
    let reason = output(&run.get_output().stderr, "reason").unwrap();
    assert!(
        reason.contains("the body does not match `^healthy`"),
        "{reason}"
    );
}

#[test]
fn http_check_slower_than_its_latency_bound_fails() {
    let (setup, _service) = Setup::with_service(|url| {
        format!(
            "environments:\n  production:\n    rollout:\n      command: 'true'\n      health:\n        - name: api\n          http: {url}/sluggish\n          max_latency_ms: 50\n"
        )
    });
    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(1);
    let reason = output(&run.get_output().stderr, "reason").unwrap();
    assert!(reason.contains("above max_latency_ms 50"), "{reason}");
}
