//! Bad input is refused with exit 2 and the reason, before any step runs.

use predicates::str::contains;

use crate::helpers::Setup;

fn rejected(config: &str, args: &[&str], reason: &str) -> Setup {
    let setup = Setup::new(config);
    setup
        .promote()
        .args(args)
        .assert()
        .code(2)
        .stderr(contains(reason));
    assert_eq!(setup.log("deploy.log"), "", "a step ran");
    assert!(setup.deployments("production").is_empty());
    setup
}

const GOOD: &str = "environments:\n  staging:\n  production:\n    rollout:\n      command: printf 'x' >> {log}/deploy.log\n";

#[test]
fn unknown_environment() {
    rejected(GOOD, &["--to", "prod"], "prod");
}

#[test]
fn cycle_in_after() {
    rejected(
        "environments:\n  staging:\n    after: [production]\n  production:\n    after: [staging]\n",
        &["--to", "production"],
        "`after:` forms a cycle: staging → production → staging",
    );
}

#[test]
fn steps_not_ending_at_100_or_not_increasing() {
    rejected(
        "environments:\n  production:\n    rollout:\n      command: 'true'\n      steps: [10, 50]\n",
        &["--to", "production"],
        "rollout steps end at 50, not at 100",
    );
    rejected(
        "environments:\n  production:\n    rollout:\n      command: 'true'\n      steps: [50, 10, 100]\n",
        &["--to", "production"],
        "does not increase",
    );
}

#[test]
fn invalid_cron_or_time_zone() {
    rejected(
        "environments:\n  production:\n    freeze:\n      - { start: \"0 18 * * FRIDAY\", end: \"0 8 * * MON\" }\n",
        &["--to", "production"],
        "invalid cron expression",
    );
    rejected(
        "environments:\n  production:\n    freeze:\n      - { start: \"0 18 * * FRI\", end: \"0 8 * * MON\", timezone: Europe/Berln }\n",
        &["--to", "production"],
        "did you mean `Europe/Berlin`?",
    );
}

#[test]
fn health_url_that_does_not_resolve() {
    rejected(
        "environments:\n  production:\n    rollout:\n      command: printf 'x' >> {log}/deploy.log\n      health:\n        - http: http://no-such-host.invalid/healthz\n",
        &["--to", "production"],
        "host `no-such-host.invalid` does not resolve",
    );
}

#[test]
fn command_that_does_not_exist() {
    rejected(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh 10\n",
        &["--to", "production"],
        "rollout.command `./deploy.sh 10` runs `./deploy.sh`, which does not exist",
    );
    rejected(
        "environments:\n  production:\n    rollout:\n      command: printf 'x' >> {log}/deploy.log\n      rollback: kubectl-rollback-nonexistent prod\n",
        &["--to", "production"],
        "rollout.rollback",
    );
}

#[test]
fn bad_flags() {
    rejected(
        GOOD,
        &["--to", "production", "--risk-level", "severe"],
        "is not a risk level",
    );
    let setup = Setup::new(GOOD);
    setup
        .promote()
        .args(["--to", "production", "--dry-run"])
        .env("SHIPLINE_NOW", "next friday")
        .assert()
        .code(2)
        .stderr(contains(
            "SHIPLINE_NOW `next friday` is not an RFC 3339 time",
        ));
    setup
        .promote()
        .args(["--to", "production", "--format", "yaml"])
        .assert()
        .code(2);
}

/// Regression: `soak: 100000000d` passed the config check, then the soak gate
/// panicked on the date arithmetic (exit 134).
#[test]
fn a_soak_longer_than_ten_years() {
    rejected(
        "environments:\n  staging:\n  production:\n    after: [staging]\n    soak: 100000000d\n    rollout:\n      command: 'true'\n",
        &["--to", "production"],
        "duration `100000000d` is longer than 3650d",
    );
}

/// An empty rollout command used to run nothing and record a production success.
#[test]
fn empty_rollout_command() {
    rejected(
        "environments:\n  production:\n    rollout:\n      command: \"\"\n",
        &["--to", "production"],
        ".shipline.yml:4:16: `command` is empty; give the command line that deploys one step",
    );
}

/// `interval: 0s` turned a 2-second bake into thousands of health check rounds.
#[test]
fn health_interval_below_one_second() {
    rejected(
        "environments:\n  production:\n    rollout:\n      command: printf 'x' >> {log}/deploy.log\n      bake: 2s\n      interval: 0s\n",
        &["--to", "production"],
        "`interval: 0s` is shorter than 10ms",
    );
}

#[test]
fn invalid_environment_name_even_in_a_dry_run() {
    rejected(
        "environments:\n  \"\":\n  production:\n",
        &["--to", "", "--dry-run"],
        "environment name `` is empty",
    );
}
