//! `--revert-on-failure`: a failed rollout hands over to shipline-revert, which reverts what the
//! failed deployment added since the environment's last good deployment; the promotion still
//! fails with exit 1 whatever the revert does.

use serde_json::Value;
use shipline_testkit::fixtures::GitHubEnv;
use shipline_testkit::forge::{FakeForge, Fault, FaultKind};
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::outputs::read_github_output;

use crate::helpers::{Service, Setup, json, output, rollout_config};

const TOKEN: &str = "ghs_promoteRevertToken0123456789";

/// A repository whose first commit was deployed to production successfully, and a second,
/// pushed commit (deployed to staging) whose rollout will fail its health check at step 2.
struct BadRelease {
    setup: Setup,
    _service: Service,
    good: String,
    bad: String,
}

fn bad_release() -> BadRelease {
    let (setup, service) =
        Setup::with_service(|url| rollout_config(url, "      failure_limit: 2\n"));
    service.fail_from_weight(50);
    let good = setup.sha.clone();
    let repo = &setup.repo;
    repo.commit("feat: cache widget lookups")
        .file("cache.txt", "ttl 60\n")
        .file("README.md", "widgets, now cached\n")
        .create();
    repo.push();
    let bad = repo.head();
    BadRelease {
        setup,
        _service: service,
        good,
        bad,
    }
}

fn revert_branches(setup: &Setup) -> String {
    setup.repo.run([
        "for-each-ref",
        "--format=%(refname)",
        "refs/heads/shipline/",
    ])
}

#[test]
fn local_failed_rollout_creates_the_revert_branch_back_to_the_last_good_tree() {
    // The service must outlive the run: bind it, do not drop it with `..`.
    let BadRelease {
        setup,
        _service,
        good,
        bad,
    } = bad_release();
    setup.seed_success_at("production", &good);
    setup.seed_success_at("staging", &bad);
    let run = setup
        .promote()
        .args([
            "--to",
            "production",
            "--revert-on-failure",
            "--format",
            "json",
        ])
        .assert()
        .code(1);
    let out = run.get_output();
    let report = json(&out.stdout);

    // The rollout failure is what it was without the flag.
    assert_eq!(report["promoted"], false);
    assert_eq!(report["rollout"]["step"], 2);
    assert_eq!(report["rollout"]["rollback"]["succeeded"], true);
    assert_eq!(setup.log("rollback.log"), "rollback 2 50\n");
    let deployment = &setup.deployments("production")[0];
    assert_eq!(deployment.sha, bad);
    assert_eq!(deployment.state.to_string(), "failure");

    let branch = format!("shipline/revert-{}", &bad[..12]);
    let revert = &report["revert"];
    assert_eq!(revert["status"], "local", "{revert}");
    assert_eq!(revert["from"], good.as_str());
    assert_eq!(revert["to"], bad.as_str());
    assert_eq!(revert["branch"], branch.as_str());
    assert_eq!(revert["skipped"], Value::Null);
    let reason = revert["reason"].as_str().unwrap();
    assert!(
        reason.contains("failed at step 2 (50%): healthz: status 500"),
        "{reason}"
    );

    // The branch undoes exactly what the bad deployment added, on top of the default branch.
    let diff = setup.repo.try_output([
        "diff",
        "--exit-code",
        &good,
        &branch,
        "--",
        "README.md",
        "cache.txt",
    ]);
    assert!(
        diff.status.success(),
        "{}",
        String::from_utf8_lossy(&diff.stdout)
    );
    assert_eq!(setup.repo.rev(&format!("{branch}~1")), bad);
    let message = setup.repo.run(["log", "-1", "--format=%B", &branch]);
    assert!(
        message.contains(&format!("This reverts commit {bad}")),
        "{message}"
    );

    assert_eq!(output(&out.stderr, "revert-branch"), Some(branch));
    assert_eq!(output(&out.stderr, "revert-skipped"), None);
    assert_eq!(output(&out.stderr, "revert-pr-url"), None);
    assert_eq!(output(&out.stderr, "promoted").as_deref(), Some("false"));
    assert_eq!(output(&out.stderr, "rolled-back").as_deref(), Some("true"));

    // A second failing run finds the branch: a warning, the same exit code, nothing new.
    let again = setup
        .promote()
        .env("SHIPLINE_REVERT_ON_FAILURE", "true")
        .args(["--to", "production"])
        .assert()
        .code(1);
    let out = again.get_output();
    let skipped = output(&out.stderr, "revert-skipped").unwrap();
    assert!(skipped.contains("exists already"), "{skipped}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: --revert-on-failure"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("⚠️ skipped"), "{stdout}");
    assert_eq!(revert_branches(&setup).lines().count(), 1);
}

#[test]
fn without_the_flag_nothing_is_reverted() {
    // The service must outlive the run: bind it, do not drop it with `..`.
    let BadRelease {
        setup,
        _service,
        good,
        bad,
    } = bad_release();
    setup.seed_success_at("production", &good);
    setup.seed_success_at("staging", &bad);
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(1);
    let out = run.get_output();
    let report = json(&out.stdout);
    assert_eq!(report["revert"], Value::Null);
    assert_eq!(setup.log("rollback.log"), "rollback 2 50\n", "{report}");
    assert_eq!(revert_branches(&setup), "");
    assert_eq!(output(&out.stderr, "revert-branch"), None);
    assert_eq!(output(&out.stderr, "revert-skipped"), None);
}

#[test]
fn github_failed_rollout_opens_one_revert_pr_and_a_rerun_finds_it() {
    // The service must outlive the run: bind it, do not drop it with `..`.
    let BadRelease {
        setup,
        _service,
        good,
        bad,
    } = bad_release();
    let forge = FakeForge::start();
    let mut env = GitHubEnv::for_webhook("workflow_dispatch");
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", TOKEN)
        .set("GITHUB_WORKSPACE", &setup.repo.path().display().to_string())
        .set("GITHUB_SHA", &bad)
        .set("SHIPLINE_REVERT_ON_FAILURE", "true");
    let repo = env.vars()["GITHUB_REPOSITORY"].clone();
    {
        let mut state = forge.state();
        let gh = &mut state.github;
        gh.add_repo(&repo).git_dir = Some(setup.repo.bare_path().to_path_buf());
        let production = gh.add_deployment(&repo, &good, "production");
        gh.add_deployment_status(&repo, production, "success");
        let staging = gh.add_deployment(&repo, &bad, "staging");
        gh.add_deployment_status(&repo, staging, "success");
    }
    let branch = format!("shipline/revert-{}", &bad[..12]);

    setup
        .promote()
        .envs(env.vars())
        .args(["--to", "production"])
        .assert()
        .code(1);
    let outputs = read_github_output(&env.output_file());
    assert_eq!(outputs.get("rolled-back").map(String::as_str), Some("true"));
    assert_eq!(outputs.get("revert-branch"), Some(&branch));
    assert_eq!(outputs.get("revert-skipped"), None);
    let number = outputs["revert-pr-number"].clone();
    assert!(outputs["revert-pr-url"].ends_with(&format!("/pull/{number}")));
    let pulls: Vec<_> = forge.state().github.repos[&repo]
        .pulls
        .values()
        .filter(|p| p.head_ref == branch)
        .cloned()
        .collect();
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].base_ref, "main");
    assert!(
        pulls[0]
            .body
            .contains("failed at step 2 (50%): healthz: status 500"),
        "{}",
        pulls[0].body
    );
    // The pushed branch restores the last good tree for what the bad commit touched.
    let diff = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(setup.repo.bare_path())
        .args([
            "diff",
            "--exit-code",
            &good,
            &branch,
            "--",
            "README.md",
            "cache.txt",
        ])
        .output()
        .unwrap();
    assert!(diff.status.success());
    let summary = std::fs::read_to_string(env.summary_file()).unwrap();
    assert!(
        summary.contains(&format!("revert PR #{number}")),
        "{summary}"
    );

    // The same failing promotion again: the PR is found, not opened a second time.
    forge.clear_requests();
    std::fs::write(env.output_file(), "").unwrap();
    let again = setup
        .promote()
        .envs(env.vars())
        .args(["--to", "production"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&again.get_output().stderr).into_owned();
    assert!(stderr.contains("::warning::"), "{stderr}");
    let outputs = read_github_output(&env.output_file());
    assert_eq!(outputs["revert-pr-number"], number);
    assert!(
        outputs["revert-skipped"].contains("already exists"),
        "{outputs:?}"
    );
    assert!(
        forge
            .requests_to("POST", "/api/v3/repos/*/*/pulls")
            .is_empty()
    );
    let count = forge.state().github.repos[&repo]
        .pulls
        .values()
        .filter(|p| p.head_ref == branch)
        .count();
    assert_eq!(count, 1);
    assert_github_conformance(&forge);
}

/// The ledger write after a failed rollout fails (GitHub answers 502 to every try of the
/// failure status): the outputs, the hand-over to revert and the report still happen, and the
/// job fails with 1 naming the deployment to finish by hand. Once, none of them did.
#[test]
fn a_failed_status_write_after_a_failed_rollout_still_writes_outputs_reverts_and_reports() {
    let BadRelease {
        setup,
        _service,
        good,
        bad,
    } = bad_release();
    let forge = FakeForge::start();
    let mut env = GitHubEnv::for_webhook("workflow_dispatch");
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", TOKEN)
        .set("GITHUB_WORKSPACE", &setup.repo.path().display().to_string())
        .set("GITHUB_SHA", &bad)
        .set("SHIPLINE_REVERT_ON_FAILURE", "true");
    let repo = env.vars()["GITHUB_REPOSITORY"].clone();
    {
        let mut state = forge.state();
        let gh = &mut state.github;
        gh.add_repo(&repo).git_dir = Some(setup.repo.bare_path().to_path_buf());
        let production = gh.add_deployment(&repo, &good, "production");
        gh.add_deployment_status(&repo, production, "success");
        let staging = gh.add_deployment(&repo, &bad, "staging");
        gh.add_deployment_status(&repo, staging, "success");
    }
    // The rollout's own `in_progress` status goes through; every later status write fails.
    forge.inject(
        Fault::on(
            "POST",
            "/api/v3/repos/*/*/deployments/*/statuses",
            FaultKind::Status(502),
        )
        .skipping(1)
        .times(usize::MAX),
    );

    let run = setup
        .promote()
        .envs(env.vars())
        .args(["--to", "production"])
        .assert()
        .code(1);
    let out = run.get_output();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let outputs = read_github_output(&env.output_file());
    assert_eq!(outputs.get("promoted").map(String::as_str), Some("false"));
    assert_eq!(outputs.get("rolled-back").map(String::as_str), Some("true"));
    assert_eq!(outputs.get("failed-step").map(String::as_str), Some("2"));
    assert!(
        outputs["reason"].contains("healthz: status 500"),
        "{outputs:?}"
    );
    let id = outputs["deployment-id"].clone();
    assert!(outputs["ledger-error"].contains("502"), "{outputs:?}");
    // The hand-over ran.
    let branch = format!("shipline/revert-{}", &bad[..12]);
    assert_eq!(outputs.get("revert-branch"), Some(&branch));
    // The report went out, and says what the ledger misses.
    assert!(stdout.contains("rollout failed"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Deployment `{id}` was started in the ledger, but its outcome was not recorded"
        )),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(env.summary_file()).unwrap();
    assert!(summary.contains("rollout failed"), "{summary}");
    // One error line with the fix.
    assert!(
        stderr.contains(&format!(
            "shipline-status finish --env production --deployment {id} --state failure"
        )),
        "{stderr}"
    );
    let statuses: Vec<String> = forge.state().github.repos[&repo]
        .deployments
        .iter()
        .find(|d| d.id.to_string() == id)
        .unwrap()
        .statuses
        .iter()
        .map(|s| s.state.clone())
        .collect();
    assert_eq!(statuses, ["in_progress"], "the failure status never landed");
}
