//! Gates through the binary on the git-notes ledger: each blocks (exit 3, nothing run, nothing
//! recorded) or passes with its evidence.

use chrono::{TimeDelta, Utc};
use serde_json::Value;

use crate::helpers::{Setup, json, output, rollout_config};

fn gate<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == name)
        .unwrap()
}

#[test]
fn all_gates_pass_then_three_steps_then_promoted() {
    let (setup, _service) = Setup::with_service(|url| {
        rollout_config(
            url,
            "    soak: 10m\n    allowed_refs: [main]\n    auto_promote_max_risk: medium\n",
        )
    });
    setup.seed_success("staging");
    let later = (Utc::now() + TimeDelta::minutes(11)).to_rfc3339();
    let run = setup
        .promote()
        .args([
            "--to",
            "production",
            "--risk-level",
            "low",
            "--format",
            "json",
        ])
        .env("SHIPLINE_NOW", &later)
        .assert()
        .code(0);
    let out = run.get_output();
    let report = json(&out.stdout);
    for name in ["upstream", "soak", "allowed_refs", "risk"] {
        assert_eq!(gate(&report, name)["status"], "pass", "{name}: {report:#}");
    }
    assert_eq!(gate(&report, "freeze")["status"], "not_configured");
    assert_eq!(report["decision"], "promote");
    assert_eq!(report["promoted"], true);
    let steps = report["rollout"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert!(
        steps
            .iter()
            .all(|s| s["outcome"] == "passed" && s["rounds"] == 4)
    );
    assert_eq!(report["rollout"]["outcome"], "completed");

    // Each step ran the command once with the documented variables.
    let deploys: Vec<String> = setup.log("deploy.log").lines().map(String::from).collect();
    let version = report["version"].as_str().unwrap();
    assert_eq!(
        deploys,
        [10, 50, 100]
            .iter()
            .enumerate()
            .map(|(i, w)| format!("production {} {w} {} {version}", i + 1, setup.sha))
            .collect::<Vec<_>>()
    );
    assert_eq!(setup.log("rollback.log"), "");

    // The ledger holds the successful deployment; the outputs name it.
    let deployments = setup.deployments("production");
    assert_eq!(deployments.len(), 1);
    assert_eq!(deployments[0].state.to_string(), "success");
    assert_eq!(deployments[0].sha, setup.sha);
    let id = output(&out.stderr, "deployment-id").unwrap();
    assert_eq!(deployments[0].id, id);
    assert_eq!(report["deployment_id"], id.as_str());
    assert_eq!(output(&out.stderr, "promoted").as_deref(), Some("true"));
    assert_eq!(output(&out.stderr, "version").as_deref(), Some(version));
    // Live progress: each round of each step.
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("step 2/3 (50%): round 4: 1 passed, 0 failed, 0 inconclusive"),
        "{log}"
    );
}

#[test]
fn no_upstream_success_blocks_and_runs_nothing() {
    let setup = Setup::new(&rollout_config("http://127.0.0.1:9", ""));
    let before = setup.ledger_refs();
    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(3);
    let out = run.get_output();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("| upstream | ❌ fail |"), "{text}");
    assert!(text.contains("no successful deployment"), "{text}");
    assert_eq!(setup.log("deploy.log"), "");
    assert_eq!(setup.ledger_refs(), before);
    assert_eq!(output(&out.stderr, "promoted").as_deref(), Some("false"));
    assert_eq!(output(&out.stderr, "blocked").as_deref(), Some("true"));
    assert!(
        output(&out.stderr, "reason")
            .unwrap()
            .starts_with("upstream: ")
    );
}

#[test]
fn soak_not_elapsed_blocks_with_the_time_left() {
    let setup = Setup::new(&rollout_config("http://127.0.0.1:9", "    soak: 30m\n"));
    setup.seed_success("staging");
    let now = Utc::now() + TimeDelta::minutes(10);
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .env("SHIPLINE_NOW", now.to_rfc3339())
        .assert()
        .code(3);
    let report = json(&run.get_output().stdout);
    let soak = gate(&report, "soak");
    assert_eq!(soak["status"], "fail");
    let evidence = soak["evidence"].as_str().unwrap();
    // Ten minutes in (give or take the seconds the test took): about twenty left.
    assert!(
        evidence.contains("19m") || evidence.contains("20m"),
        "{evidence}"
    );
    assert!(evidence.contains("left"), "{evidence}");
    assert_eq!(gate(&report, "upstream")["status"], "pass");
    assert_eq!(setup.log("deploy.log"), "");
    assert!(setup.deployments("production").is_empty());
}

#[test]
fn freeze_window_blocks_and_nothing_runs() {
    let setup = Setup::new(&rollout_config(
        "http://127.0.0.1:9",
        "    freeze:\n      - { start: \"0 18 * * FRI\", end: \"0 8 * * MON\", timezone: Europe/Berlin }\n",
    ));
    setup.seed_success("staging");
    let before = setup.ledger_refs();
    // Saturday noon in Berlin.
    let run = setup
        .promote()
        .args(["--to", "production"])
        .env("SHIPLINE_NOW", "2026-06-13T10:00:00Z")
        .assert()
        .code(3);
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        text.contains("| freeze | ❌ fail | freeze since 2026-06-12 16:00 UTC"),
        "{text}"
    );
    assert!(text.contains("until 2026-06-15 06:00 UTC"), "{text}");
    assert_eq!(setup.log("deploy.log"), "");
    assert_eq!(setup.ledger_refs(), before);
}

#[test]
fn gitlab_deploy_freeze_variable_blocks() {
    let setup = Setup::new("environments:\n  production:\n");
    let run = setup
        .promote()
        .args(["--to", "production"])
        .env("CI_DEPLOY_FREEZE", "true")
        .assert()
        .code(3);
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(text.contains("CI_DEPLOY_FREEZE=true"), "{text}");
}

#[test]
fn ref_outside_allowed_refs_blocks() {
    let setup =
        Setup::new("environments:\n  production:\n    allowed_refs: [\"release/*\", \"v*\"]\n");
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(3);
    let report = json(&run.get_output().stdout);
    assert_eq!(gate(&report, "allowed_refs")["status"], "fail");
    assert_eq!(
        gate(&report, "allowed_refs")["evidence"],
        "`refs/heads/main` matches none of `release/*`, `v*`"
    );
    // A tag that matches passes. Without `rollout:` the step only decides.
    setup.repo.tag("v1.0.0");
    let before = setup.ledger_refs();
    let run = setup
        .promote()
        .args(["--to", "production", "--ref", "v1.0.0"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        text.contains("No `rollout:` for production: this step only decides"),
        "{text}"
    );
    assert_eq!(setup.ledger_refs(), before, "nothing recorded");
}

#[test]
fn risk_gate_needs_a_level_and_asks_for_approval_above_the_ceiling() {
    let setup = Setup::new("environments:\n  production:\n    auto_promote_max_risk: medium\n");
    let unknown = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(3);
    let text = String::from_utf8_lossy(&unknown.get_output().stdout).into_owned();
    assert!(
        text.contains("pass the risk step's `level` output as --risk-level"),
        "{text}"
    );

    let high = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .env("SHIPLINE_RISK_LEVEL", "high")
        .assert()
        .code(3);
    let out = high.get_output();
    let report = json(&out.stdout);
    assert_eq!(report["decision"], "manual_approval");
    assert!(
        gate(&report, "risk")["evidence"]
            .as_str()
            .unwrap()
            .contains("manual approval needed")
    );
    assert_eq!(
        output(&out.stderr, "decision").as_deref(),
        Some("manual_approval")
    );

    setup
        .promote()
        .args(["--to", "production", "--risk-level", "medium"])
        .assert()
        .code(0);
}

#[test]
fn required_checks_are_not_checked_locally_without_a_forge_and_the_decision_says_so() {
    let setup = Setup::new("environments:\n  production:\n    required_checks: [build, test]\n");
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(0);
    let report = json(&run.get_output().stdout);
    let checks = gate(&report, "required_checks");
    assert_eq!(checks["status"], "skipped");
    assert!(
        checks["evidence"]
            .as_str()
            .unwrap()
            .contains("build, test not checked: no forge"),
        "{checks}"
    );
    assert_eq!(
        report["not_checked"],
        serde_json::json!(["required_checks"])
    );
    assert_eq!(report["decision"], "promote");

    // The Markdown decision itself says what it did not check; the exit code stays 0.
    let run = setup
        .promote()
        .args(["--to", "production", "--dry-run"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        text.contains(
            "to production: would be promoted (dry run), required_checks not checked (no forge)"
        ),
        "{text}"
    );
    assert!(
        text.contains("| required_checks | ⏭️ not checked: no forge |"),
        "{text}"
    );
    assert!(
        text.contains(
            "Not checked: required_checks (no forge token here). This decision does not include it"
        ),
        "{text}"
    );
}

#[test]
fn dry_run_prints_decision_and_plan_and_changes_nothing() {
    let setup = Setup::new(&rollout_config("http://127.0.0.1:9", ""));
    setup.seed_success("staging");
    let before = setup.ledger_refs();
    let run = setup
        .promote()
        .args(["--to", "production", "--dry-run"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert_eq!(setup.ledger_refs(), before);
    assert_eq!(setup.log("deploy.log"), "");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{7,40}\b", "[sha]");
    settings.add_filter(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(Z| UTC)", "[time]");
    settings.add_filter(r"deployment \S+ succeeded", "deployment [id] succeeded");
    settings.add_filter(r"/tmp/\S+/deploy.log", "[log]/deploy.log");
    settings.add_filter(r"/tmp/\S+/weight", "[log]/weight");
    settings.add_filter(r"/tmp/\S+/rollback.log", "[log]/rollback.log");
    settings.bind(|| insta::assert_snapshot!(text));
}
