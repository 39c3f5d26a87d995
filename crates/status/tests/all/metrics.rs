//! `metrics` on a history built through the binary with known answers.

use shipline_testkit::repo::TestRepo;

use crate::helpers::local;

const HOUR: i64 = 3_600;

fn deploy(repo: &TestRepo, state: &str) {
    deploy_to(repo, "production", state);
}

fn deploy_to(repo: &TestRepo, environment: &str, state: &str) {
    local(repo.path())
        .args(["start", "--env", environment])
        .assert()
        .success();
    local(repo.path())
        .args(["finish", "--env", environment, "--state", state])
        .assert()
        .success();
}

fn near(actual: &serde_json::Value, hours: i64) {
    let seconds = actual.as_i64().unwrap();
    assert!(
        (seconds - hours * HOUR).abs() < 600,
        "{seconds}s is not about {hours}h"
    );
}

#[test]
fn twelve_deployments_two_failures_and_one_revert_give_the_known_figures() {
    let repo = TestRepo::new();
    let now = chrono::Utc::now().timestamp();
    // Deployment i delivers the commit made (13 - i) hours ago; 4 and 8 fail, the change
    // deployed by 10 is reverted by the commit deployed in 11.
    let mut reverted = String::new();
    for i in 1..=12_i64 {
        let at = now - (13 - i) * HOUR;
        if i == 11 {
            let message = format!("Revert \"feat: change 10\"\n\nThis reverts commit {reverted}.");
            repo.commit(&message).file("f10.txt", "").at(at).create();
        } else {
            let sha = repo
                .commit(&format!("feat: change {i}"))
                .file(format!("f{i}.txt"), format!("{i}\n"))
                .at(at)
                .create();
            if i == 10 {
                reverted = sha;
            }
        }
        repo.push();
        deploy(
            &repo,
            if i == 4 || i == 8 {
                "failure"
            } else {
                "success"
            },
        );
    }
    // A deployment elsewhere does not count for production.
    local(repo.path())
        .args(["start", "--env", "staging"])
        .assert()
        .success();

    let out = local(repo.path())
        .args(["metrics", "--since", "30d", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let envs = json["environments"].as_array().unwrap();
    let prod = envs
        .iter()
        .find(|e| e["environment"] == "production")
        .unwrap();
    assert_eq!(prod["deployments"], 12);
    assert_eq!(prod["successful"], 10);
    assert_eq!(prod["failed"], 2);
    assert_eq!(prod["reverted"], 1);
    assert_eq!(prod["change_failure_rate"], 0.25);
    let frequency = prod["deployment_frequency_per_day"].as_f64().unwrap();
    assert!((frequency - 10.0 / 30.0).abs() < 1e-9, "{frequency}");
    // Lead times of the 11 commits after the first deployment: 11h down to 1h.
    assert_eq!(prod["lead_time"]["count"], 11);
    near(&prod["lead_time"]["median_seconds"], 6);
    near(&prod["lead_time"]["p90_seconds"], 10);
    // Two failures restored by the next deployment (seconds), one revert restored a
    // deployment later.
    assert_eq!(prod["time_to_restore"]["count"], 3);
    assert!(prod["time_to_restore"]["median_seconds"].as_i64().unwrap() < 600);
    assert_eq!(prod["unrestored"], 0);
    let staging = envs.iter().find(|e| e["environment"] == "staging").unwrap();
    assert_eq!(
        staging["deployments"], 0,
        "an unfinished deployment is not counted"
    );

    let out = local(repo.path())
        .args(["metrics", "--env", "production"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("| production | 12 (10 successful) | 0.33/day |"),
        "{text}"
    );
    assert!(text.contains("25% (2 failed + 1 reverted of 12)"), "{text}");
    assert!(text.contains("(11 commits)"), "{text}");
}

#[test]
fn a_bad_window_is_a_usage_error() {
    let repo = TestRepo::new();
    repo.commit("feat: x").create();
    local(repo.path())
        .args(["metrics", "--since", "forever"])
        .assert()
        .code(2);
    // Regression: a window this long panicked on `now - window` (exit 134).
    local(repo.path())
        .args(["metrics", "--since", "100000000d"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("longer than 3650d"));
}

/// Every configured environment is listed, one without deployments saying so; a transient one
/// (review apps) is left out, as before.
#[test]
fn every_configured_environment_is_listed_with_no_deployments_where_none() {
    let repo = TestRepo::new();
    repo.commit("chore: config")
        .file(
            ".shipline.yml",
            "environments:\n  review:\n    transient: true\n  staging: {}\n  production:\n    after: [staging]\n",
        )
        .create();
    local(repo.path())
        .args(["start", "--env", "staging"])
        .assert()
        .success();
    local(repo.path())
        .args(["finish", "--env", "staging", "--state", "success"])
        .assert()
        .success();

    let out = local(repo.path())
        .args(["metrics", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let envs = json["environments"].as_array().unwrap();
    let names: Vec<&str> = envs
        .iter()
        .map(|e| e["environment"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["staging", "production"]);
    assert_eq!(envs[0]["deployments"], 1);
    assert_eq!(envs[1]["deployments"], 0);
    assert_eq!(envs[1]["production"], true);
    assert!(envs[1]["change_failure_rate"].is_null());

    let out = local(repo.path()).arg("metrics").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("| production | no deployments | — | — | — | — |"),
        "{text}"
    );
    assert!(text.contains("| staging | 1 (1 successful) |"), "{text}");

    // `--env` names one: it is listed even without deployments.
    let out = local(repo.path())
        .args(["metrics", "--env", "production", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["environments"][0]["environment"], "production");
    assert_eq!(json["environments"].as_array().unwrap().len(), 1);
}

/// With components, each component's deployments have their own row (`production/api`), and
/// a totals table adds them up with the environment's own: counts summed, the failure rate
/// recomputed from the sums.
#[test]
fn components_have_rows_of_their_own_and_totals_per_environment() {
    let repo = TestRepo::new();
    repo.commit("feat: first").file("api/a.rs", "a\n").create();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "environments:\n  production: {}\ncomponents:\n  api:\n    paths: [api]\n  web:\n    paths: [web]\n",
    )
    .unwrap();
    deploy_to(&repo, "production/api", "success");
    deploy_to(&repo, "production/web", "failure");
    repo.commit("fix: web").file("web/w.html", "w\n").create();
    deploy_to(&repo, "production/web", "success");
    deploy_to(&repo, "production", "success");

    let out = local(repo.path())
        .args(["metrics", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let row = |list: &str, name: &str| {
        json[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["environment"] == name)
            .unwrap_or_else(|| panic!("no {name} in {list}: {json}"))
            .clone()
    };
    assert_eq!(row("environments", "production")["deployments"], 1);
    assert_eq!(row("environments", "production/api")["deployments"], 1);
    assert_eq!(row("environments", "production/web")["failed"], 1);
    let total = row("totals", "production");
    assert_eq!(total["deployments"], 4, "{json}");
    assert_eq!(total["successful"], 3, "{json}");
    assert_eq!(total["failed"], 1, "{json}");
    assert_eq!(total["change_failure_rate"], 0.25, "{json}");
    assert_eq!(total["time_to_restore"]["count"], 1, "{json}");

    let out = local(repo.path()).arg("metrics").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("All deployments to an environment, its own and its components' together"),
        "{text}"
    );
}
