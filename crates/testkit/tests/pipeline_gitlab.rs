//! The whole continuous deployment story on GitLab, through the template's jobs.
//!
//! The same story as `pipeline_github.rs`, told the way a GitLab project lives it: one
//! `.gitlab-ci.yml` that includes `.gitlab-ci-template.yml` and extends its hidden jobs, run for
//! real by `gitlab-ci-local` (shell executor) once per pipeline GitLab would start, against the
//! fake GitLab backed by the repository's bare origin. GitLab's predefined variables come from
//! gitlab-ci-local (commit, branch, job) plus the documented ones it cannot know: the merge
//! request variables of a merge request pipeline (every `CI_MERGE_REQUEST_*` name of the
//! documented fixture, with this MR's values) and `CI_COMMIT_BEFORE_SHA` of a push. Jobs hand
//! their outputs on through dotenv reports only: the promotion's `DEPLOYMENT_ID` is what the
//! revert job reverts.
//!
//! MR pipeline: risk note (one, updated on the next push) → merge → main pipeline: staging
//! deployed, production promoted in three steps whose health check fails at step 2, rolled
//! back, the revert MR opened → the revert MR merged → main pipeline: deployed, metrics count
//! one failure and one restore.
//!
//! Without `gitlab-ci-local` and `rsync` the test is ignored, with the install command as the
//! reason (see `gitlab/mod.rs`).

mod gitlab;
#[path = "pipeline/service.rs"]
mod service;

use std::path::Path;

use gitlab::{
    FakeProject, Pipeline, PipelineRun, connect, merge_request_vars, shipline_bins, template,
};
use serde_json::Value;
use service::Service;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::{Deployment, MergeRequest, NewMergeRequest};
use shipline_testkit::repo::TestRepo;

const PROJECT: &str = "acme/widgets";
const TOKEN: &str = "glpat-pipeline-story-token";
const MR_TITLE: &str = "Cache widget lookups";
const ZEROS: &str = "0000000000000000000000000000000000000000";

/// The project's pipeline: the template's jobs, each where a team would run it.
const PIPELINE: &str = r#"include:
  - local: .gitlab-ci-template.yml
    inputs:
      install: path
      promote-stage: production
      revert-stage: revert

stages: [test, deploy, production, revert, report]

risk:
  extends: .shipline-risk
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"

deploy-staging:
  extends: .shipline-deploy
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  variables:
    SHIPLINE_ENV: staging
  script:
    - echo "$CI_COMMIT_SHA" > staging-deployed.txt

promote-production:
  extends: .shipline-promote
  needs: [deploy-staging]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  variables:
    SHIPLINE_ENV: production

revert-production:
  extends: .shipline-revert
  needs:
    - job: promote-production
      artifacts: true
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: on_failure

# `needs:` so that it does not wait for revert-production, which runs only on a failure.
metrics:
  stage: report
  needs: [promote-production]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: always
  script:
    - shipline-status metrics --env production --format json > metrics.json
  artifacts:
    when: always
    paths: [metrics.json]
"#;

/// Three rollout steps; the health check probes the service, which fails from 50% on when
/// armed. `scratch` records what the rollout and rollback commands were called with.
fn config(service: &str, scratch: &str) -> String {
    format!(
        r#"environments:
  staging:
  production:
    after: [staging]
    rollout:
      command: printf '%s' "$SHIPLINE_WEIGHT" > {scratch}/weight && printf '%s %s %s\n' "$SHIPLINE_STEP" "$SHIPLINE_WEIGHT" "$SHIPLINE_SHA" >> {scratch}/deploy.log
      rollback: printf '%s %s %s\n' "$SHIPLINE_STEP" "$SHIPLINE_WEIGHT" "$SHIPLINE_SHA" >> {scratch}/rollback.log
      steps: [10, 50, 100]
      bake: 120ms
      interval: 30ms
      health:
        - name: healthz
          http: {service}/healthz
          expect_status: 200
          body_contains: ok
"#
    )
}

/// The story's world: the checkout, the fake GitLab project, the pipeline runner.
struct Story<'a> {
    repo: &'a TestRepo,
    forge: &'a FakeForge,
    project: FakeProject,
    home: tempfile::TempDir,
    bins: std::path::PathBuf,
}

impl Story<'_> {
    /// A pipeline GitLab starts for a push to main that moved it from `before` to HEAD.
    fn push_pipeline(&self, before: &str) -> PipelineRun {
        self.run(vec![
            ("CI_PIPELINE_SOURCE".into(), "push".into()),
            ("CI_COMMIT_BEFORE_SHA".into(), before.into()),
        ])
    }

    /// A merge request pipeline for `mr` at its source branch's head (checked out), with the
    /// documented merge request variables.
    fn merge_request_pipeline(&self, mr: &MergeRequest, base: &str) -> PipelineRun {
        self.run(merge_request_vars(
            self.forge,
            &self.project,
            PROJECT,
            mr,
            base,
        ))
    }

    fn run(&self, pipeline_vars: Vec<(String, String)>) -> PipelineRun {
        // A runner starts every job in a clean checkout (GIT_CLEAN_FLAGS -ffdx): no file of
        // an earlier pipeline (a dotenv report, a report) is there when this one starts.
        self.repo
            .run(["clean", "-q", "-ffdx", "-e", ".gitlab-ci-local/"]);
        let mut vars = self.project.vars.clone();
        vars.extend(pipeline_vars);
        Pipeline {
            repo: self.repo.path(),
            home: self.home.path(),
            path: vec![self.bins.clone()],
            vars,
            file: None,
        }
        .run(&[])
    }

    /// The deployments of `environment` on the fake, oldest first.
    fn deployments(&self, environment: &str) -> Vec<Deployment> {
        let state = self.forge.state();
        let project = state.gitlab.project(PROJECT).expect("project");
        project
            .deployments_of(environment)
            .into_iter()
            .cloned()
            .collect()
    }

    fn merge_request(&self, iid: u64) -> MergeRequest {
        let state = self.forge.state();
        state
            .gitlab
            .project(PROJECT)
            .and_then(|p| p.merge_request(iid))
            .cloned()
            .unwrap_or_else(|| panic!("the fake has no MR !{iid}"))
    }

    fn notes(&self, iid: u64) -> Vec<String> {
        let state = self.forge.state();
        state
            .gitlab
            .project(PROJECT)
            .expect("project")
            .comments(iid)
            .into_iter()
            .map(|n| n.body.clone())
            .collect()
    }

    /// Merges `branch` into main with a merge commit, as GitLab's default merge method writes
    /// it, pushes, and marks the MR merged on the fake. Returns the merge commit.
    fn merge(&self, iid: u64, title: &str, branch: &str) -> String {
        self.repo.checkout("main");
        let message = format!(
            "Merge branch '{branch}' into 'main'\n\n{title}\n\nSee merge request {PROJECT}!{iid}"
        );
        self.repo.run([
            "merge",
            "-q",
            "--no-ff",
            "--cleanup=whitespace",
            "-m",
            &message,
            branch,
        ]);
        self.repo.push();
        let sha = self.repo.head();
        let mut state = self.forge.state();
        let maria = state.gitlab.add_user("maria");
        let mr = state
            .gitlab
            .project_mut(PROJECT)
            .merge_request_mut(iid)
            .expect("the MR");
        mr.state = "merged".into();
        mr.merge_commit_sha = Some(sha.clone());
        mr.merged_by = Some(maria);
        mr.merged_at = Some(chrono::Utc::now());
        sha
    }
}

fn metrics(repo: &Path, log: &str) -> Value {
    let text = std::fs::read_to_string(repo.join("metrics.json"))
        .unwrap_or_else(|e| panic!("metrics.json ({e}); log:\n{log}"));
    let report: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("metrics.json: {e}\n{text}"));
    let environments = report["environments"].as_array().expect("environments");
    assert_eq!(environments.len(), 1, "{report:#}");
    assert_eq!(environments[0]["environment"], "production", "{report:#}");
    environments[0].clone()
}

fn states(deployments: &[Deployment]) -> Vec<(String, String)> {
    deployments
        .iter()
        .map(|d| (d.sha.clone(), d.status.clone()))
        .collect()
}

#[test]
#[cfg_attr(
    not(gitlab_ci_local),
    ignore = "needs gitlab-ci-local and rsync: npm install --global gitlab-ci-local@4.60.0 (Node 20), apt-get install rsync; .ci/run installs both"
)]
fn mr_to_production_failure_revert_and_restore_through_the_template() {
    gitlab::require_tools("pipeline_gitlab");
    let scratch = tempfile::tempdir().unwrap();
    let scratch_path = scratch.path().to_string_lossy().into_owned();
    let service = Service::start(&scratch.path().join("weight"));
    let read = |name: &str| std::fs::read_to_string(scratch.path().join(name)).unwrap_or_default();

    let repo = TestRepo::new();
    let initial = repo
        .commit("feat: widgets service")
        .file("app.txt", "lookup: direct\n")
        .file(".gitlab-ci-template.yml", template())
        .file(".gitlab-ci.yml", PIPELINE)
        .file(".shipline.yml", config(&service.url, &scratch_path))
        // What the jobs leave in the checkout, which this test shares with them.
        .file(
            ".gitignore",
            ".gitlab-ci-local/\n.shipline/\nshipline.env\nshipline-report.md\nmetrics.json\nstaging-deployed.txt\n",
        )
        .create();
    repo.push();
    let forge = FakeForge::start();
    let project = connect(&repo, &forge, PROJECT, TOKEN);
    forge.state().gitlab.set_member(
        PROJECT,
        "alice",
        shipline_testkit::forge::gitlab::access::DEVELOPER,
    );
    let story = Story {
        repo: &repo,
        forge: &forge,
        project,
        home: tempfile::tempdir().expect("HOME"),
        bins: shipline_bins(),
    };

    // 0. The first push to main: staging, then production, both healthy.
    let first = story.push_pipeline(ZEROS);
    first.assert_success().assert_after_scripts_passed();
    assert_eq!(
        states(&story.deployments("production")),
        [(initial.clone(), "success".to_string())],
        "{}",
        first.log
    );
    assert_eq!(
        read("deploy.log"),
        format!("1 10 {initial}\n2 50 {initial}\n3 100 {initial}\n")
    );
    std::fs::remove_file(scratch.path().join("deploy.log")).unwrap();

    // 1. A merge request is opened: its pipeline writes the risk report as one MR note.
    let branch = "feature-cache";
    repo.branch(branch);
    let head = repo
        .commit("feat: cache widget lookups")
        .file("app.txt", "lookup: cached\n")
        .file("cache.txt", "ttl: 60\n")
        .author("Alice Author", "alice@example.com")
        .create();
    repo.run(["push", "-q", "origin", branch]);
    let iid = forge.state().gitlab.add_merge_request(
        PROJECT,
        NewMergeRequest {
            title: MR_TITLE.into(),
            author: "alice".into(),
            source_branch: branch.into(),
            target_branch: "main".into(),
            sha: head.clone(),
            commits: vec![head.clone()],
            merged_as: None,
        },
    );
    let mr = story.merge_request(iid);
    let risk = story.merge_request_pipeline(&mr, &initial);
    risk.assert_success();
    let notes = story.notes(iid);
    assert_eq!(notes.len(), 1, "{notes:#?}\n{}", risk.log);
    assert!(
        notes[0].starts_with("<!-- shipline-risk -->"),
        "{}",
        notes[0]
    );
    assert!(notes[0].contains("cache widget lookups"), "{}", notes[0]);

    // 2. Another push to the MR: the same note, updated.
    let head = repo
        .commit("fix: shorter cache ttl")
        .file("cache.txt", "ttl: 30\n")
        .author("Alice Author", "alice@example.com")
        .create();
    repo.run(["push", "-q", "origin", branch]);
    {
        let mut state = forge.state();
        let mr = state
            .gitlab
            .project_mut(PROJECT)
            .merge_request_mut(iid)
            .expect("the MR");
        mr.sha = head.clone();
        mr.commits.push(head.clone());
    }
    let mr = story.merge_request(iid);
    let again = story.merge_request_pipeline(&mr, &initial);
    again.assert_success();
    let notes = story.notes(iid);
    assert_eq!(notes.len(), 1, "{notes:#?}\n{}", again.log);
    assert!(notes[0].contains("shorter cache ttl"), "{}", notes[0]);

    // 3. The MR is merged.
    let merged = story.merge(iid, MR_TITLE, branch);

    // 4. Main's pipeline: staging deployed; the promotion is healthy at 10%, unhealthy at 50%,
    // rolled back; the revert job reverts the failed deployment it got through dotenv.
    service.fail_from_weight(50);
    let failing = story.push_pipeline(&initial);
    assert!(!failing.success(), "the pipeline passed:\n{}", failing.log);
    failing.assert_after_scripts_passed();
    service.heal();
    assert_eq!(
        read("deploy.log"),
        format!("1 10 {merged}\n2 50 {merged}\n")
    );
    assert_eq!(read("rollback.log"), format!("2 50 {merged}\n"));
    assert_eq!(
        states(&story.deployments("staging")),
        [
            (initial.clone(), "success".to_string()),
            (merged.clone(), "success".to_string())
        ],
        "{}",
        failing.log
    );
    let production = story.deployments("production");
    assert_eq!(
        states(&production),
        [
            (initial.clone(), "success".to_string()),
            (merged.clone(), "failed".to_string())
        ],
        "{}",
        failing.log
    );
    let failed = production[1].id;

    // The revert MR: one, from the deterministic branch, naming the failed deployment.
    let revert_branch = format!("shipline/revert-{}", &merged[..12]);
    let reverts: Vec<MergeRequest> = {
        let state = forge.state();
        state
            .gitlab
            .project(PROJECT)
            .expect("project")
            .merge_requests
            .iter()
            .filter(|m| m.source_branch.starts_with("shipline/revert-"))
            .cloned()
            .collect()
    };
    assert_eq!(reverts.len(), 1, "{reverts:#?}\n{}", failing.log);
    let revert = &reverts[0];
    assert_eq!(revert.source_branch, revert_branch);
    assert_eq!(revert.target_branch, "main");
    assert_eq!(revert.state, "opened");
    assert!(revert.title.starts_with("Revert "), "{}", revert.title);
    assert!(
        revert
            .description
            .contains(&format!("- {merged} Merge branch '{branch}'")),
        "{}",
        revert.description
    );
    // The revert job got the failed deployment through promote-production's dotenv report
    // (DEPLOYMENT_ID) and read it from GitLab.
    let read_failed = forge.requests_to("GET", &format!("/api/v4/projects/*/deployments/{failed}"));
    assert!(!read_failed.is_empty(), "{}", failing.log);
    let after_failure = metrics(repo.path(), &failing.log);
    assert_eq!(after_failure["deployments"], 2, "{after_failure:#}");
    assert_eq!(after_failure["failed"], 1, "{after_failure:#}");
    assert_eq!(after_failure["unrestored"], 1, "{after_failure:#}");

    // 5. The revert MR is merged: main has the first version's tree again.
    repo.run([
        "fetch",
        "-q",
        "origin",
        &format!("refs/heads/{revert_branch}:refs/heads/{revert_branch}"),
    ]);
    let reverted = story.merge(revert.iid, &revert.title, &revert_branch);
    let diff = repo.try_output(["diff", "--exit-code", "--stat", &initial, &reverted]);
    assert!(
        diff.status.success(),
        "the revert does not restore the production tree:\n{}",
        String::from_utf8_lossy(&diff.stdout)
    );

    // 6. Main's pipeline: the revert reaches production; metrics count one failure, one restore.
    let restoring = story.push_pipeline(&merged);
    restoring.assert_success().assert_after_scripts_passed();
    assert_eq!(
        states(&story.deployments("production")),
        [
            (initial.clone(), "success".to_string()),
            (merged.clone(), "failed".to_string()),
            (reverted.clone(), "success".to_string())
        ],
        "{}",
        restoring.log
    );
    let production = metrics(repo.path(), &restoring.log);
    assert_eq!(production["deployments"], 3, "{production:#}");
    assert_eq!(production["successful"], 2, "{production:#}");
    assert_eq!(production["failed"], 1, "{production:#}");
    assert_eq!(production["unrestored"], 0, "{production:#}");
    let rate = production["change_failure_rate"]
        .as_f64()
        .expect("change_failure_rate");
    assert!((rate - 1.0 / 3.0).abs() < 0.01, "{production:#}");
    assert_eq!(production["time_to_restore"]["count"], 1, "{production:#}");
}
