//! `start` / `finish` on GitLab deployments (the fake), in jobs with GitLab's documented
//! predefined variables.

use assert_cmd::Command;
use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::access;

use crate::helpers::status;

const JOB_ID: u64 = 5000;

/// A branch pipeline job (GitLab's documented variables) against the fake GitLab, with only
/// the job token as credential.
struct GitLabJob {
    fake: FakeForge,
    vars: std::collections::BTreeMap<String, String>,
    dir: tempfile::TempDir,
    project: String,
}

impl GitLabJob {
    fn new() -> Self {
        let fake = FakeForge::start();
        let mut vars = gitlab_vars(GitLabPipeline::Branch);
        let project = vars["CI_PROJECT_PATH"].clone();
        let job_token = vars["CI_JOB_TOKEN"].clone();
        let id = {
            let mut state = fake.state();
            let gl = &mut state.gitlab;
            let id = gl.add_project(&project);
            gl.add_job_token(&job_token, &project, JOB_ID, "jdoe");
            gl.set_member(&project, "jdoe", access::DEVELOPER);
            id
        };
        let dir = tempfile::tempdir().unwrap();
        vars.insert("CI_API_V4_URL".into(), fake.gitlab_api_url());
        vars.insert(
            "CI_API_GRAPHQL_URL".into(),
            format!("{}/api/graphql", fake.url()),
        );
        vars.insert("CI_PROJECT_ID".into(), id.to_string());
        vars.insert("CI_PROJECT_DIR".into(), dir.path().display().to_string());
        Self {
            fake,
            vars,
            dir,
            project,
        }
    }

    fn sha(&self) -> String {
        self.vars["CI_COMMIT_SHA"].clone()
    }

    fn cmd(&self) -> Command {
        let mut cmd = status();
        cmd.envs(&self.vars).current_dir(self.dir.path());
        cmd
    }

    fn dotenv(&self) -> std::collections::BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.dir.path().join("shipline.env")).unwrap();
        shipline_testkit::fixtures::parse_env_file(&text).unwrap()
    }

    fn deployments(&self) -> Vec<(u64, String, Option<u64>)> {
        let state = self.fake.state();
        let project = state.gitlab.project(&self.project).unwrap();
        project
            .deployments
            .iter()
            .map(|d| (d.id, d.status.clone(), d.job_id))
            .collect()
    }
}

fn deployment_id(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_string()
}

#[test]
fn outside_an_environment_job_start_creates_and_finish_updates_with_the_job_token() {
    let job = GitLabJob::new();
    let out = job
        .cmd()
        .args(["start", "--env", "staging"])
        .assert()
        .success();
    let id = deployment_id(&out);
    let dotenv = job.dotenv();
    assert_eq!(dotenv["DEPLOYMENT_ID"], id);
    assert_eq!(dotenv["SHA"], job.sha());
    assert_eq!(dotenv["STATE"], "in_progress");
    job.cmd()
        .args(["finish", "--env", "staging", "--deployment", &id])
        .args(["--state", "success", "--url", "https://staging.example.com"])
        .assert()
        .success();
    // Again: nothing changes.
    job.cmd()
        .args(["finish", "--env", "staging", "--deployment", &id])
        .args(["--state", "success"])
        .assert()
        .success();
    let deployments = job.deployments();
    assert_eq!(deployments.len(), 1, "{deployments:?}");
    assert_eq!(deployments[0].1, "success");
    assert_eq!(job.dotenv()["STATE"], "success");
    let out = job
        .cmd()
        .args(["show", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let staging = &json["environments"][0];
    assert_eq!(staging["running"]["deployment_id"], id);
    assert_eq!(staging["running"]["sha"], job.sha());
    assert_eq!(staging["running"]["url"], "https://staging.example.com");
    let state = job.fake.state();
    let project = state.gitlab.project(&job.project).unwrap();
    let env = project.environment("staging").unwrap();
    assert_eq!(
        env.external_url.as_deref(),
        Some("https://staging.example.com")
    );
    for r in job.fake.requests() {
        let header = r.header("job-token");
        assert!(
            header.is_some(),
            "{} {} sent the job token",
            r.method,
            r.path
        );
    }
}

#[test]
fn inside_a_job_with_environment_the_jobs_own_deployment_is_found_not_duplicated() {
    let mut job = GitLabJob::new();
    job.vars
        .insert("CI_ENVIRONMENT_NAME".into(), "production".into());
    let existing = job.fake.state().gitlab.add_deployment(
        &job.project,
        "production",
        &job.sha(),
        "main",
        "running",
        Some(JOB_ID),
    );
    for _ in 0..2 {
        let out = job
            .cmd()
            .args(["start", "--env", "production"])
            .assert()
            .success();
        assert_eq!(deployment_id(&out), existing.to_string());
    }
    job.cmd()
        .args(["finish", "--env", "production", "--state", "success"])
        .args(["--url", "https://example.com"])
        .assert()
        .success();
    assert_eq!(job.dotenv()["DEPLOYMENT_ID"], existing.to_string());
    // GitLab moves the job's deployment itself when the job ends; nothing was created or
    // updated through the deployments API.
    assert_eq!(
        job.deployments(),
        [(existing, "running".to_string(), Some(JOB_ID))]
    );
    assert!(
        job.fake
            .requests_to("POST", "/api/v4/projects/*/deployments")
            .is_empty()
    );
    assert!(
        job.fake
            .requests_to("PUT", "/api/v4/projects/*/deployments/*")
            .is_empty()
    );
}

#[test]
fn lost_answers_to_every_write_leave_one_deployment_in_the_right_state() {
    use shipline_testkit::forge::{Fault, FaultKind};
    let job = GitLabJob::new();
    job.fake.inject(
        Fault::on(
            "POST",
            "/api/v4/projects/*/deployments",
            FaultKind::Status(502),
        )
        .after()
        .times(1),
    );
    let out = job
        .cmd()
        .args(["start", "--env", "staging"])
        .assert()
        .success();
    let id = deployment_id(&out);
    job.fake.inject(
        Fault::on("PUT", "/api/v4/projects/*/deployments/*", FaultKind::Drop)
            .after()
            .times(1),
    );
    job.cmd()
        .args(["finish", "--env", "staging", "--deployment", &id])
        .args(["--state", "failure"])
        .assert()
        .success();
    let deployments = job.deployments();
    assert_eq!(deployments.len(), 1, "{deployments:?}");
    assert_eq!(deployments[0].1, "failed");
}

#[test]
fn a_start_closes_the_deployments_left_open_past_stale_after() {
    let job = GitLabJob::new();
    let (dead, young) = {
        let mut state = job.fake.state();
        let gl = &mut state.gitlab;
        let sha = job.sha();
        let dead = gl.add_deployment(&job.project, "staging", &sha, "main", "running", None);
        let young = gl.add_deployment(&job.project, "staging", &sha, "main", "running", None);
        let project = gl.project_mut(&job.project);
        let old = chrono::Utc::now() - chrono::Duration::hours(7);
        let d = project
            .deployments
            .iter_mut()
            .find(|d| d.id == dead)
            .unwrap();
        d.created_at = old;
        d.updated_at = old;
        (dead, young)
    };
    let out = job
        .cmd()
        .args(["start", "--env", "staging"])
        .assert()
        .success()
        .stderr(predicates::str::contains(format!(
            "deployment {dead} ({}) had stayed open past stale_after: closed as error",
            &job.sha()[..7]
        )));
    let id: u64 = deployment_id(&out).parse().unwrap();
    let deployments = job.deployments();
    let status = |wanted: u64| {
        deployments
            .iter()
            .find(|(id, ..)| *id == wanted)
            .map(|(_, status, _)| status.clone())
            .unwrap()
    };
    assert_eq!(status(dead), "failed");
    assert_eq!(status(young), "running");
    assert_eq!(status(id), "running");
}
