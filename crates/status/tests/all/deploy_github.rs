//! `start` / `finish` / `deactivate` on GitHub Deployments (the fake), in jobs built from real
//! webhook payloads; every request is checked against GitHub's OpenAPI description.

use predicates::str::contains;
use shipline_testkit::forge::{Fault, FaultKind};

use crate::helpers::GitHubJob;

const STATUSES: &str = "/api/v3/repos/*/*/deployments/*/statuses";

/// States of a deployment's statuses in the fake, oldest first.
fn states(job: &GitHubJob, id: u64) -> Vec<String> {
    let mut state = job.fake.state();
    let repo = state.github.repo(&job.repo);
    let d = repo.deployments.iter().find(|d| d.id == id).unwrap();
    d.statuses.iter().map(|s| s.state.clone()).collect()
}

fn start(job: &GitHubJob, env: &str) -> u64 {
    let out = job
        .cmd()
        .args(["start", "--env", env, "--version", "1.4.0"])
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .parse()
        .expect("a numeric GitHub deployment id")
}

#[test]
fn start_and_finish_on_a_push_job_stay_within_the_request_budget() {
    let job = GitHubJob::new("push");
    let id = start(&job, "staging");
    let requests = job.fake.requests();
    // Create, status, then the environment's newest page of deployments with their newest
    // statuses (one GraphQL query), to close those left open past `stale_after`.
    assert_eq!(requests.len(), 4, "start: {requests:#?}");
    assert_eq!(job.writes(), 2);
    assert!(
        requests[2]
            .query
            .as_deref()
            .unwrap_or("")
            .contains("environment=staging")
    );
    assert!(
        !requests
            .iter()
            .any(|r| r.query.as_deref().unwrap_or("").contains("page=2"))
    );
    let create = requests[0].json().unwrap();
    assert_eq!(create["ref"], job.sha());
    assert_eq!(create["auto_merge"], false);
    assert_eq!(create["required_contexts"], serde_json::json!([]));
    assert_eq!(create["production_environment"], false);
    let run_url = format!(
        "https://github.com/{}/actions/runs/{}",
        job.repo,
        shipline_testkit::fixtures::RUN_ID
    );
    assert_eq!(create["payload"]["shipline"]["log_url"], run_url.as_str());
    assert_eq!(create["payload"]["shipline"]["version"], "1.4.0");
    let status = requests[1].json().unwrap();
    assert_eq!(status["state"], "in_progress");
    assert_eq!(status["log_url"], run_url.as_str());
    let outputs = job.outputs();
    assert_eq!(outputs["deployment-id"], id.to_string());
    assert_eq!(outputs["environment"], "staging");
    assert_eq!(outputs["sha"], job.sha());
    assert_eq!(outputs["state"], "in_progress");

    job.fake.clear_requests();
    job.cmd()
        .args([
            "finish",
            "--env",
            "staging",
            "--deployment",
            &id.to_string(),
        ])
        .args(["--state", "success", "--url", "https://staging.example.com"])
        .assert()
        .success();
    let requests = job.fake.requests();
    // The newest status (current state for the order check, environment), then the write.
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(requests[0].method, "GET");
    assert!(requests[0].path.ends_with("/statuses"), "{requests:#?}");
    assert_eq!(job.writes(), 1);
    let status = requests[1].json().unwrap();
    assert_eq!(status["state"], "success");
    assert_eq!(status["environment_url"], "https://staging.example.com");
    assert_eq!(status["auto_inactive"], true);
    assert_eq!(job.outputs()["state"], "success");
    assert_eq!(states(&job, id), ["in_progress", "success"]);
    assert_eq!(job.outputs()["sha"], job.sha());

    // A re-run of finish reads the state and writes nothing.
    job.fake.clear_requests();
    job.cmd()
        .args(["finish", "--env", "staging", "--deployment"])
        .args([&id.to_string(), "--state", "success"])
        .assert()
        .success();
    assert_eq!(job.fake.requests().len(), 1);
    assert_eq!(states(&job, id), ["in_progress", "success"]);
    let summary = std::fs::read_to_string(job.env.summary_file()).unwrap();
    assert!(summary.contains("to **staging**: success at https://staging.example.com"));

    let out = job
        .cmd()
        .args(["show", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let staging = &json["environments"][0];
    assert_eq!(staging["environment"], "staging");
    assert_eq!(staging["running"]["deployment_id"], id.to_string());
    assert_eq!(staging["running"]["sha"], job.sha());
    assert_eq!(staging["running"]["version"], "1.4.0");
    assert_eq!(staging["running"]["url"], "https://staging.example.com");
    assert_eq!(staging["latest"]["state"], "success");
    job.assert_conformance();
}

#[test]
fn a_rerun_attempt_reuses_the_deployment_and_finish_finds_it_from_the_run() {
    // A deployment_status webhook run: the job deploys the deployment's commit.
    let mut job = GitHubJob::new("deployment_status.created");
    let id = start(&job, "production");
    job.env.set("GITHUB_RUN_ATTEMPT", "2");
    assert_eq!(start(&job, "production"), id, "the re-run reuses it");
    for _ in 0..2 {
        job.cmd()
            .args(["finish", "--env", "production", "--state", "failure"])
            .assert()
            .success();
    }
    let deployments = job.fake.state().github.repo(&job.repo).deployments.len();
    assert_eq!(deployments, 1);
    assert_eq!(states(&job, id), ["in_progress", "failure"]);
    assert_eq!(job.outputs()["deployment-id"], id.to_string());
    job.assert_conformance();
}

#[test]
fn lost_answers_to_every_write_leave_exactly_one_status_per_transition() {
    let job = GitHubJob::new("push");
    job.fake.inject(
        Fault::on("POST", STATUSES, FaultKind::Status(502))
            .after()
            .times(1),
    );
    let id = start(&job, "staging");
    job.fake.inject(
        Fault::on("POST", STATUSES, FaultKind::Drop)
            .after()
            .times(1),
    );
    job.cmd()
        .args(["finish", "--env", "staging", "--state", "error"])
        .args(["--deployment", &id.to_string()])
        .assert()
        .success();
    assert_eq!(states(&job, id), ["in_progress", "error"]);
    job.assert_conformance();
}

#[test]
fn a_lost_answer_to_the_create_is_found_again_not_duplicated() {
    for kind in [FaultKind::Status(502), FaultKind::Drop] {
        let job = GitHubJob::new("push");
        job.fake.inject(
            Fault::on("POST", "/api/v3/repos/*/*/deployments", kind)
                .after()
                .times(1),
        );
        let id = start(&job, "staging");
        let deployments = job.fake.state().github.repo(&job.repo).deployments.len();
        assert_eq!(deployments, 1);
        assert_eq!(states(&job, id), ["in_progress"]);
        assert_eq!(job.outputs()["deployment-id"], id.to_string());
        job.assert_conformance();
    }
}

#[test]
fn success_in_production_retires_150_earlier_deployments_across_pages() {
    let job = GitHubJob::new("push");
    {
        let mut state = job.fake.state();
        for _ in 0..150 {
            let sha = job.sha();
            let id = state.github.add_deployment(&job.repo, &sha, "production");
            state.github.add_deployment_status(&job.repo, id, "success");
            let repo = state.github.repo(&job.repo);
            repo.deployments.last_mut().unwrap().production_environment = true;
        }
    }
    let id = start(&job, "production");
    job.fake.clear_requests();
    job.cmd()
        .args(["finish", "--env", "production", "--state", "success"])
        .args(["--deployment", &id.to_string()])
        .assert()
        .success()
        .stderr(contains("150 earlier deployment(s) marked inactive"));
    let pages: Vec<_> = job
        .fake
        .requests_to("GET", "/api/v3/repos/*/*/deployments")
        .into_iter()
        .filter_map(|r| r.query)
        .collect();
    assert!(
        pages.iter().any(|q| q.contains("page=2")),
        "the second page was read: {pages:?}"
    );
    assert_eq!(job.writes(), 151, "one success, 150 inactive");
    let state = job.fake.state();
    let repo = &state.github.repos[&job.repo];
    let live: Vec<_> = repo
        .deployments
        .iter()
        .filter(|d| d.latest_state() == Some("success"))
        .map(|d| d.id)
        .collect();
    assert_eq!(live, [id]);
    drop(state);
    job.assert_conformance();
}

#[test]
fn deactivate_retires_every_live_deployment() {
    let job = GitHubJob::new("push");
    let id = start(&job, "review-42");
    job.cmd()
        .args(["finish", "--env", "review-42", "--state", "success"])
        .args(["--deployment", &id.to_string()])
        .assert()
        .success();
    job.cmd()
        .args(["deactivate", "--env", "review-42"])
        .assert()
        .success();
    assert_eq!(job.outputs()["deactivated"], "1");
    assert_eq!(states(&job, id), ["in_progress", "success", "inactive"]);
    job.assert_conformance();
}

#[test]
fn a_token_without_deployments_write_is_named_and_nothing_is_created() {
    let job = GitHubJob::new("push");
    job.fake.state().github.deny("deployments=write");
    let out = job
        .cmd()
        .args(["start", "--env", "staging"])
        .assert()
        .code(1)
        .stderr(contains("`permissions: deployments: write` on the job"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let error = stderr.lines().find(|l| l.starts_with("error:")).unwrap();
    assert_eq!(error.matches("deployments: write").count(), 2, "{error}");
    // The token reaches the runner only in its mask command.
    for line in stderr.lines().filter(|l| !l.starts_with("::add-mask::")) {
        assert!(!line.contains(crate::helpers::GH_TOKEN), "{line}");
    }
    assert!(
        job.fake
            .state()
            .github
            .repo(&job.repo)
            .deployments
            .is_empty()
    );
}

#[test]
fn a_deployment_of_another_repository_is_not_found() {
    let job = GitHubJob::new("push");
    let foreign = {
        let mut state = job.fake.state();
        state.github.add_repo("someone/else");
        state
            .github
            .add_deployment("someone/else", &"a".repeat(40), "staging")
    };
    job.cmd()
        .args(["finish", "--env", "staging", "--state", "success"])
        .args(["--deployment", &foreign.to_string()])
        .assert()
        .code(2)
        .stderr(contains(format!(
            "no deployment `{foreign}` in the github ledger"
        )));
    job.cmd()
        .args(["finish", "--env", "staging", "--state", "success"])
        .args(["--deployment", "staging-abc1234-1-beef"])
        .assert()
        .code(2)
        .stderr(contains("belong to the git ledger"));
    let state = job.fake.state();
    assert!(
        state.github.repos["someone/else"].deployments[0]
            .statuses
            .is_empty()
    );
}

#[test]
fn finish_refuses_a_deployment_of_another_environment_or_one_not_started() {
    let job = GitHubJob::new("push");
    let staging = start(&job, "staging");
    job.fake.clear_requests();
    job.cmd()
        .args(["finish", "--env", "production", "--state", "success"])
        .args(["--deployment", &staging.to_string()])
        .assert()
        .code(2)
        .stderr(contains(format!(
            "deployment `{staging}` belongs to `staging`, not `production`"
        )));
    assert_eq!(job.writes(), 0);
    assert!(job.fake.requests().len() <= 1);
    assert_eq!(states(&job, staging), ["in_progress"]);

    // Finish before start: a deployment with no status yet is read in full and refused.
    let queued = {
        let mut state = job.fake.state();
        state
            .github
            .add_deployment(&job.repo, &job.sha(), "staging")
    };
    job.cmd()
        .args(["finish", "--env", "staging", "--state", "success"])
        .args(["--deployment", &queued.to_string()])
        .assert()
        .code(2)
        .stderr(contains("queued"));
    assert!(states(&job, queued).is_empty());
    job.assert_conformance();
}

#[test]
fn a_start_closes_the_deployments_left_open_past_stale_after() {
    let job = GitHubJob::new("push");
    let seven_hours_ago = (chrono::Utc::now() - chrono::Duration::hours(7))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (dead, young, elsewhere) = {
        let mut state = job.fake.state();
        let sha = job.sha();
        let mut open = |env: &str| {
            let id = state.github.add_deployment(&job.repo, &sha, env);
            state
                .github
                .add_deployment_status(&job.repo, id, "in_progress");
            id
        };
        let (dead, young, elsewhere) = (open("staging"), open("staging"), open("production"));
        let repo = state.github.repo(&job.repo);
        for d in repo.deployments.iter_mut().filter(|d| d.id != young) {
            d.created_at = seven_hours_ago.clone();
            d.statuses[0].created_at = seven_hours_ago.clone();
        }
        (dead, young, elsewhere)
    };
    job.fake.clear_requests();
    let id = job
        .cmd()
        .args(["start", "--env", "staging"])
        .assert()
        .success()
        .stderr(contains(format!(
            "deployment {dead} ({}) had stayed open past stale_after: closed as error",
            &job.sha()[..7]
        )));
    let id = String::from_utf8_lossy(&id.get_output().stdout)
        .trim()
        .to_string();
    assert_eq!(states(&job, dead), ["in_progress", "error"]);
    let state = job.fake.state();
    let closed = state.github.repos[&job.repo]
        .deployments
        .iter()
        .find(|d| d.id == dead)
        .unwrap()
        .statuses
        .last()
        .unwrap()
        .description
        .clone();
    drop(state);
    assert!(
        closed.starts_with("superseded: in_progress since"),
        "{closed}"
    );
    assert!(
        closed.contains(&format!("closed by the start of {id}")),
        "{closed}"
    );
    // Younger than stale_after, or in another environment: left as they are.
    assert_eq!(states(&job, young), ["in_progress"]);
    assert_eq!(states(&job, elsewhere), ["in_progress"]);
    // The start's two writes, one listing and one status query, one write for the closing.
    assert_eq!(job.fake.requests().len(), 5, "{:#?}", job.fake.requests());
    assert_eq!(job.writes(), 3);
    job.assert_conformance();
}
