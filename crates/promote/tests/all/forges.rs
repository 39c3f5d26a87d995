//! Promotion in GitHub Actions and GitLab CI against the fake forge: required checks read from
//! the forge, deployments recorded through its API, outputs and summaries in the runner's files.

use shipline_testkit::fixtures::{GitHubEnv, GitLabPipeline, gitlab_vars};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::assert_github_conformance;

use crate::helpers::Setup;

const TOKEN: &str = "ghs_promoteTestToken0123456789";

fn github(setup: &Setup, forge: &FakeForge) -> (GitHubEnv, String) {
    let mut env = GitHubEnv::for_webhook("workflow_dispatch");
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", TOKEN)
        .set("GITHUB_WORKSPACE", &setup.repo.path().display().to_string())
        .set("GITHUB_SHA", &setup.sha);
    let repo = env.vars()["GITHUB_REPOSITORY"].clone();
    forge.state().github.add_repo(&repo);
    (env, repo)
}

fn config(service: &str) -> String {
    format!(
        r#"environments:
  staging:
  production:
    after: [staging]
    required_checks: [build, test]
    rollout:
      command: printf '%s\n' "$SHIPLINE_WEIGHT" >> {{log}}/deploy.log
      steps: [50, 100]
      health:
        - http: {service}/healthz
"#
    )
}

#[test]
fn github_checks_green_and_upstream_deployed_promotes_through_the_deployments_api() {
    let forge = FakeForge::start();
    let (setup, _service) = Setup::with_service(config);
    let (env, repo) = github(&setup, &forge);
    {
        let mut state = forge.state();
        let gh = &mut state.github;
        let staging = gh.add_deployment(&repo, &setup.sha, "staging");
        gh.add_deployment_status(&repo, staging, "success");
        gh.add_commit_status(&repo, &setup.sha, "build", "success");
        gh.add_check_run(&repo, &setup.sha, "test", "completed", Some("success"));
    }
    let run = setup
        .promote()
        .envs(env.vars())
        .args(["--to", "production"])
        .assert()
        .code(0);
    let out = run.get_output();
    // The token appears only where the runner needs it: its `::add-mask::` command.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .filter(|l| l.contains(TOKEN))
            .all(|l| l.starts_with("::add-mask::"))
    );
    assert_eq!(setup.log("deploy.log"), "50\n100\n");

    let state = forge.state();
    let production: Vec<_> = state.github.repos[&repo]
        .deployments
        .iter()
        .filter(|d| d.environment == "production")
        .cloned()
        .collect();
    drop(state);
    assert_eq!(production.len(), 1);
    assert_eq!(production[0].sha, setup.sha);
    let states: Vec<&str> = production[0]
        .statuses
        .iter()
        .map(|s| s.state.as_str())
        .collect();
    assert_eq!(states, ["in_progress", "success"]);

    let outputs = std::fs::read_to_string(env.output_file()).unwrap();
    assert!(outputs.contains("promoted"), "{outputs}");
    assert!(outputs.contains(&production[0].id.to_string()), "{outputs}");
    let summary = std::fs::read_to_string(env.summary_file()).unwrap();
    assert!(
        summary.contains("| required_checks | ✅ pass | `build` success, `test` success |"),
        "{summary}"
    );
    assert!(summary.contains("| 2 | 100% | ✅ passed |"), "{summary}");
    assert_github_conformance(&forge);
}

#[test]
fn github_failed_required_check_blocks_before_any_deployment() {
    let forge = FakeForge::start();
    let (setup, _service) = Setup::with_service(config);
    let (env, repo) = github(&setup, &forge);
    {
        let mut state = forge.state();
        let gh = &mut state.github;
        let staging = gh.add_deployment(&repo, &setup.sha, "staging");
        gh.add_deployment_status(&repo, staging, "success");
        gh.add_commit_status(&repo, &setup.sha, "build", "success");
        gh.add_check_run(&repo, &setup.sha, "test", "completed", Some("failure"));
    }
    let run = setup
        .promote()
        .envs(env.vars())
        .args(["--to", "production"])
        .assert()
        .code(3);
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains("`test` failed, `build` success on"),
        "{stdout}"
    );
    assert_eq!(setup.log("deploy.log"), "");
    assert!(
        forge
            .requests_to("POST", "/api/v3/repos/*/*/deployments")
            .is_empty()
    );
    let outputs = std::fs::read_to_string(env.output_file()).unwrap();
    assert!(outputs.contains("required_checks: "), "{outputs}");
    assert_github_conformance(&forge);
}

fn gitlab(
    setup: &Setup,
    forge: &FakeForge,
) -> (std::collections::BTreeMap<String, String>, String) {
    let mut vars = gitlab_vars(GitLabPipeline::Branch);
    let project = vars["CI_PROJECT_PATH"].clone();
    let token = "glpat-promoteTestToken0123";
    let id = {
        let mut state = forge.state();
        let id = state.gitlab.add_project(&project);
        state.gitlab.add_token(token, "promote-bot", &project, 40);
        id
    };
    vars.insert("CI_PROJECT_ID".into(), id.to_string());
    let scratch = setup.scratch_path("");
    vars.insert("CI_API_V4_URL".into(), forge.gitlab_api_url());
    vars.insert("GITLAB_TOKEN".into(), token.into());
    vars.insert(
        "CI_PROJECT_DIR".into(),
        setup.repo.path().display().to_string(),
    );
    vars.insert("CI_COMMIT_SHA".into(), setup.sha.clone());
    vars.insert(
        "SHIPLINE_DOTENV".into(),
        scratch.join("shipline.env").display().to_string(),
    );
    vars.insert(
        "SHIPLINE_REPORT".into(),
        scratch.join("report.md").display().to_string(),
    );
    (vars, project)
}

#[test]
fn gitlab_pipeline_green_promotes_and_deploy_freeze_blocks() {
    let forge = FakeForge::start();
    let (setup, _service) =
        Setup::with_service(|url| config(url).replace("[build, test]", "[build]"));
    let (mut vars, project) = gitlab(&setup, &forge);
    {
        let mut state = forge.state();
        state
            .gitlab
            .add_deployment(&project, "staging", &setup.sha, "main", "success", None);
        // The pipeline first: GitLab files each job's status under its pipeline.
        state
            .gitlab
            .add_pipeline(&project, &setup.sha, "main", "success");
        state
            .gitlab
            .add_status(&project, &setup.sha, "build", "success");
    }
    // A deploy freeze set up in GitLab blocks first.
    vars.insert("CI_DEPLOY_FREEZE".into(), "true".into());
    setup
        .promote()
        .envs(&vars)
        .args(["--to", "production"])
        .assert()
        .code(3);
    assert_eq!(setup.log("deploy.log"), "");
    let dotenv = std::fs::read_to_string(setup.scratch_path("shipline.env")).unwrap();
    assert!(dotenv.contains("CI_DEPLOY_FREEZE"), "{dotenv}");

    vars.remove("CI_DEPLOY_FREEZE");
    setup
        .promote()
        .envs(&vars)
        .args(["--to", "production"])
        .assert()
        .code(0);
    assert_eq!(setup.log("deploy.log"), "50\n100\n");
    let state = forge.state();
    let p = state.gitlab.project(&project).unwrap();
    let env_id = p.environment("production").unwrap().id;
    let statuses: Vec<&str> = p
        .deployments
        .iter()
        .filter(|d| d.environment_id == env_id)
        .map(|d| d.status.as_str())
        .collect();
    assert_eq!(statuses, ["success"]);
    let report = std::fs::read_to_string(setup.scratch_path("report.md")).unwrap();
    assert!(report.contains("| required_checks | ✅ pass |"), "{report}");
}

/// A job that failed in an older pipeline for the same SHA and passed in a re-run: GitLab
/// still lists the old failure among the commit's statuses, but only the newest pipeline says
/// what the checks are now.
#[test]
fn gitlab_required_checks_read_the_newest_pipeline_only() {
    let forge = FakeForge::start();
    let (setup, _service) = Setup::with_service(config);
    let (vars, project) = gitlab(&setup, &forge);
    {
        let mut state = forge.state();
        let gl = &mut state.gitlab;
        gl.add_deployment(&project, "staging", &setup.sha, "main", "success", None);
        let old = gl.add_pipeline(&project, &setup.sha, "main", "failed");
        gl.add_pipeline_status(&project, &setup.sha, Some(old), "build", "success");
        gl.add_pipeline_status(&project, &setup.sha, Some(old), "test", "failed");
        let new = gl.add_pipeline(&project, &setup.sha, "main", "success");
        gl.add_pipeline_status(&project, &setup.sha, Some(new), "build", "success");
        gl.add_pipeline_status(&project, &setup.sha, Some(new), "test", "success");
    }
    setup
        .promote()
        .envs(&vars)
        .args(["--to", "production"])
        .assert()
        .code(0);
    let report = std::fs::read_to_string(setup.scratch_path("report.md")).unwrap();
    assert!(
        report.contains("| required_checks | ✅ pass | `build` success, `test` success |"),
        "{report}"
    );

    // A newer pipeline whose `test` fails turns the gate red again.
    {
        let mut state = forge.state();
        let gl = &mut state.gitlab;
        let newest = gl.add_pipeline(&project, &setup.sha, "main", "failed");
        gl.add_pipeline_status(&project, &setup.sha, Some(newest), "build", "success");
        gl.add_pipeline_status(&project, &setup.sha, Some(newest), "test", "failed");
    }
    setup
        .promote()
        .envs(&vars)
        .args(["--to", "production"])
        .assert()
        .code(3);
    let report = std::fs::read_to_string(setup.scratch_path("report.md")).unwrap();
    assert!(report.contains("`test` failed"), "{report}");
}

/// `CI_JOB_TOKEN` cannot read commit statuses or pipelines: the gate says which token to
/// create instead, and sends nothing GitLab would refuse.
#[test]
fn gitlab_required_checks_with_the_job_token_name_the_token_to_create() {
    let forge = FakeForge::start();
    let (setup, _service) = Setup::with_service(config);
    let (mut vars, project) = gitlab(&setup, &forge);
    vars.remove("GITLAB_TOKEN");
    vars.insert("CI_JOB_TOKEN".into(), "glcbt-promote-job-token".into());
    {
        let mut state = forge.state();
        let gl = &mut state.gitlab;
        gl.add_job_token("glcbt-promote-job-token", &project, 77, "promote-bot");
        gl.add_deployment(&project, "staging", &setup.sha, "main", "success", None);
    }
    let out = setup
        .promote()
        .envs(&vars)
        .args(["--to", "production", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let report = std::fs::read_to_string(setup.scratch_path("report.md")).unwrap();
    assert!(report.contains("GITLAB_TOKEN"), "{report}");
    assert!(
        !report.contains("or GITLAB_TOKEN / CI_JOB_TOKEN"),
        "the job token is not offered as a fix: {report}"
    );
    assert!(
        forge
            .requests_to("GET", "/api/v4/projects/*/repository/commits/*/statuses")
            .is_empty()
    );
}
