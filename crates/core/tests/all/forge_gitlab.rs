//! The GitLab backend against the fake GitLab: every operation through `Forge`, writes under
//! injected faults (exactly one record afterwards), the job token's limits, pagination and
//! request counts.

use std::time::{Duration, Instant};

use shipline_core::forge::gitlab::{CiJob, GitLab};
use shipline_core::forge::retry::RetryPolicy;
use shipline_core::forge::{
    CheckState, DeploymentFilter, DeploymentState, Forge, ForgeConfig, ForgeError, ForgeKind,
    NewDeployment, NewDeploymentStatus, NewIssue, NewPullRequest, NewRelease, Permission, PrState,
    RepoId,
};
use shipline_core::secret::Secret;
use shipline_testkit::forge::gitlab::{NewMergeRequest, access};
use shipline_testkit::forge::{FakeForge, Fault, FaultKind};

const PROJECT: &str = "group/sub/proj";
const TOKEN: &str = "glpat-test-token";
const JOB_TOKEN: &str = "glcbt-job-token";
const MARKER: &str = "<!-- shipline:risk -->";

fn sha(n: u32) -> String {
    format!("{n:040x}")
}

/// A fake with one nested-group project, a bot token (Maintainer) and MR !1.
fn fake() -> FakeForge {
    let fake = FakeForge::start();
    {
        let mut state = fake.state();
        let gl = &mut state.gitlab;
        gl.add_project(PROJECT);
        gl.add_token(TOKEN, "project_bot", PROJECT, access::MAINTAINER);
        gl.add_job_token(JOB_TOKEN, PROJECT, 4242, "alice");
        gl.set_member(PROJECT, "alice", access::DEVELOPER);
        gl.add_merge_request(
            PROJECT,
            NewMergeRequest {
                title: "feat: add things".into(),
                author: "alice".into(),
                source_branch: "feature".into(),
                target_branch: "main".into(),
                sha: sha(1),
                ..Default::default()
            },
        );
    }
    fake
}

fn config(fake: &FakeForge, token: &str, source: &'static str) -> ForgeConfig {
    ForgeConfig {
        kind: ForgeKind::GitLab,
        repo: RepoId::parse(PROJECT).unwrap(),
        api_url: fake.gitlab_api_url(),
        graphql_url: format!("{}/api/graphql", fake.url()),
        token: Secret::new(token),
        token_source: Some(source),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy::fast(),
    }
}

/// The client as the tools build it, but never picking up a CI job from the test's environment.
fn connect(fake: &FakeForge) -> Forge {
    connect_with(config(fake, TOKEN, "GITLAB_TOKEN"), None)
}

fn connect_with(config: ForgeConfig, job: Option<CiJob>) -> Forge {
    match Forge::connect(config).unwrap() {
        Forge::GitLab(gl) => Forge::GitLab(gl.with_ci_job(job)),
        other => panic!("expected GitLab, got {:?}", other.kind()),
    }
}

fn note_count(fake: &FakeForge) -> usize {
    fake.state()
        .gitlab
        .project(PROJECT)
        .unwrap()
        .comments(1)
        .len()
}

#[tokio::test]
async fn sticky_note_is_created_then_updated_never_duplicated() {
    let fake = fake();
    let forge = connect(&fake);
    let first = forge
        .upsert_sticky_comment(1, MARKER, "risk: low")
        .await
        .unwrap();
    let second = forge
        .upsert_sticky_comment(1, MARKER, "risk: high")
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert!(second.body.contains("risk: high") && second.body.contains(MARKER));
    assert_eq!(second.author, "project_bot");
    assert!(second.url.unwrap().ends_with(&format!(
        "/group/sub/proj/-/merge_requests/1#note_{}",
        second.id
    )));
    assert_eq!(note_count(&fake), 1);
    assert_eq!(
        fake.requests_to("POST", "/api/v4/projects/*/merge_requests/1/notes")
            .len(),
        1
    );
    assert_eq!(
        fake.requests_to("PUT", "/api/v4/projects/*/merge_requests/1/notes/*")
            .len(),
        1
    );
    // Unchanged body: no write at all.
    fake.clear_requests();
    forge
        .upsert_sticky_comment(1, MARKER, "risk: high")
        .await
        .unwrap();
    assert!(fake.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn sticky_note_survives_every_fault_with_exactly_one_note() {
    let faults = [
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::Status(502),
        ),
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::Status(502),
        )
        .times(2),
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::Status(502),
        )
        .after(),
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::Status(502),
        )
        .after()
        .times(2),
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::RetryAfter {
                status: 429,
                secs: 1,
            },
        ),
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::Drop,
        ),
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::Drop,
        )
        .after(),
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::TruncatedBody,
        )
        .after(),
        Fault::on(
            "GET",
            "/api/v4/projects/*/merge_requests/*/notes",
            FaultKind::Status(503),
        ),
    ];
    for fault in faults {
        let fake = fake();
        let forge = connect(&fake);
        let label = format!("{:?} {:?} x{}", fault.kind, fault.phase, fault.times);
        fake.inject(fault);
        let started = Instant::now();
        let comment = forge
            .upsert_sticky_comment(1, MARKER, "risk: low")
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(comment.body.contains(MARKER), "{label}");
        assert_eq!(note_count(&fake), 1, "{label}: exactly one note");
        assert!(
            fake.requests().iter().any(|r| r.faulted),
            "{label}: fault fired"
        );
        assert!(started.elapsed() < Duration::from_secs(3), "{label}");
        // And the update path under the same kind of trouble.
        fake.inject(
            Fault::on(
                "PUT",
                "/api/v4/projects/*/merge_requests/*/notes/*",
                FaultKind::Status(502),
            )
            .after(),
        );
        forge
            .upsert_sticky_comment(1, MARKER, "risk: medium")
            .await
            .unwrap_or_else(|e| panic!("{label} (update): {e}"));
        let state = fake.state();
        let notes = state.gitlab.project(PROJECT).unwrap().comments(1);
        assert_eq!(notes.len(), 1, "{label}");
        assert!(notes[0].body.contains("risk: medium"), "{label}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = fake();
    let forge = connect(&fake);
    fake.inject(Fault::on(
        "GET",
        "/api/v4/projects/*/merge_requests/1",
        FaultKind::RetryAfter {
            status: 429,
            secs: 1,
        },
    ));
    let started = Instant::now();
    let pr = forge.pull_request(1).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(pr.title, "feat: add things");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn deployment_created_and_updated_under_faults_is_one_record() {
    let fake = fake();
    let forge = connect(&fake);
    fake.inject(
        Fault::on(
            "POST",
            "/api/v4/projects/*/deployments",
            FaultKind::Status(502),
        )
        .after(),
    );
    fake.inject(Fault::on("POST", "/api/v4/projects/*/deployments", FaultKind::Drop).after());
    let created = match forge
        .create_deployment(&NewDeployment {
            sha: None,
            git_ref: sha(7),
            environment: "staging".into(),
            description: "deploy".into(),
            payload: serde_json::Value::Null,
            transient_environment: false,
            production_environment: false,
            required_contexts: vec![],
        })
        .await
        .unwrap()
    {
        shipline_core::forge::DeploymentCreated::Created(d) => d,
        other => panic!("{other:?}"),
    };
    assert_eq!(created.sha, sha(7));
    assert_eq!(created.environment, "staging");
    assert_eq!(
        created.latest.as_ref().unwrap().state,
        DeploymentState::InProgress
    );

    fake.inject(
        Fault::on(
            "PUT",
            "/api/v4/projects/*/deployments/*",
            FaultKind::Status(502),
        )
        .after(),
    );
    fake.inject(Fault::on("PUT", "/api/v4/projects/*/deployments/*", FaultKind::Drop).after());
    let status = forge
        .create_deployment_status(
            created.id,
            &NewDeploymentStatus {
                state: DeploymentState::Success,
                description: "done".into(),
                environment_url: Some("https://staging.example".into()),
                log_url: None,
                auto_inactive: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(status.state, DeploymentState::Success);
    assert_eq!(
        status.environment_url.as_deref(),
        Some("https://staging.example")
    );
    // The lost answer to the first POST is reconciled by reading: no second POST (so the armed
    // drop never fires), while both PUT faults do.
    assert_eq!(
        fake.requests_to("POST", "/api/v4/projects/*/deployments")
            .len(),
        1
    );
    assert_eq!(fake.requests().iter().filter(|r| r.faulted).count(), 3);
    {
        let state = fake.state();
        let project = state.gitlab.project(PROJECT).unwrap();
        assert_eq!(project.deployments.len(), 1, "exactly one deployment");
        assert_eq!(project.deployments[0].status, "success");
        assert_eq!(
            project
                .environment("staging")
                .unwrap()
                .external_url
                .as_deref(),
            Some("https://staging.example")
        );
    }
    // Asking again for the state it is in changes nothing: GitLab refuses the repeated update
    // and the state read back is already the one asked for.
    fake.clear_requests();
    forge
        .create_deployment_status(
            created.id,
            &NewDeploymentStatus {
                state: DeploymentState::Success,
                description: String::new(),
                environment_url: None,
                log_url: None,
                auto_inactive: false,
            },
        )
        .await
        .unwrap();
    assert!(
        fake.requests_to("PUT", "/api/v4/**")
            .iter()
            .all(|r| r.status >= 400),
        "a repeated status must not be applied again"
    );
    assert!(fake.requests().len() <= 2);
    let history = forge.deployment_statuses(created.id).await.unwrap();
    assert_eq!(history.len(), 1, "GitLab keeps only the current status");
    assert_eq!(history[0].state, DeploymentState::Success);
}

#[tokio::test]
async fn job_token_is_refused_before_sending_for_notes_and_merge_requests() {
    let fake = fake();
    let forge = connect_with(config(&fake, JOB_TOKEN, "CI_JOB_TOKEN"), None);
    let err = forge.create_comment(1, "hello").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ForgeError::MissingToken { .. }), "{err:?}");
    assert!(
        text.contains("GITLAB_TOKEN") && text.contains("`api`"),
        "{text}"
    );
    assert!(
        text.contains("POST /projects/:id/merge_requests/:iid/notes"),
        "{text}"
    );
    assert!(!text.contains(JOB_TOKEN));
    let err = forge
        .create_pull_request(&NewPullRequest {
            title: "revert".into(),
            body: String::new(),
            head: "shipline/revert-1".into(),
            base: "main".into(),
            draft: false,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::MissingToken { .. }), "{err:?}");
    assert!(fake.requests().is_empty(), "nothing may be sent");

    // What the job token may do, it does, with the JOB-TOKEN header.
    forge
        .create_deployment(&NewDeployment {
            sha: None,
            git_ref: sha(3),
            environment: "review".into(),
            description: String::new(),
            payload: serde_json::Value::Null,
            transient_environment: true,
            production_environment: false,
            required_contexts: vec![],
        })
        .await
        .unwrap();
    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("job-token"), Some(JOB_TOKEN));
    assert!(sent[0].header("private-token").is_none());
}

#[tokio::test]
async fn server_refusals_are_mapped_with_hints() {
    let fake = fake();
    fake.state()
        .gitlab
        .add_token("glpat-guest", "guest_bot", PROJECT, access::GUEST);
    let forge = connect_with(config(&fake, "glpat-guest", "GITLAB_TOKEN"), None);
    let err = forge
        .create_pull_request(&NewPullRequest {
            title: "x".into(),
            body: String::new(),
            head: "x".into(),
            base: "main".into(),
            draft: false,
        })
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Some(403));
    assert!(text.contains("POST /projects/:id/merge_requests"), "{text}");
    assert!(
        text.contains("Developer") && text.contains("GITLAB_TOKEN"),
        "{text}"
    );

    let forge = connect_with(config(&fake, "glpat-wrong", "GITLAB_TOKEN"), None);
    let err = forge.pull_request(1).await.unwrap_err();
    assert!(matches!(err, ForgeError::Unauthorized { .. }), "{err:?}");
    assert!(!err.to_string().contains("glpat-wrong"));

    let forge = connect(&fake);
    let err = forge.pull_request(99).await.unwrap_err();
    assert!(matches!(err, ForgeError::NotFound { .. }), "{err:?}");

    fake.inject(
        Fault::on(
            "GET",
            "/api/v4/projects/*/merge_requests/1",
            FaultKind::Status(500),
        )
        .times(10),
    );
    let err = forge.pull_request(1).await.unwrap_err();
    match err {
        ForgeError::Server {
            status, attempts, ..
        } => assert_eq!((status, attempts), (500, 5)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn lists_follow_every_page() {
    let fake = fake();
    {
        let mut state = fake.state();
        for i in 0..160 {
            let env = if i % 2 == 0 { "staging" } else { "production" };
            state
                .gitlab
                .add_deployment(PROJECT, env, &sha(i), "main", "success", None);
        }
        for i in 0..250 {
            state
                .gitlab
                .add_note(PROJECT, 1, "alice", &format!("note {i}"));
        }
    }
    let forge = connect(&fake);
    let all = forge
        .list_deployments(&DeploymentFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 160);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(
        fake.requests_to("GET", "/api/v4/projects/*/deployments")
            .len(),
        2
    );

    let staging = forge
        .list_deployments(&DeploymentFilter {
            environment: Some("staging".into()),
            sha: Some(sha(10)),
            ..DeploymentFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(staging.len(), 1);
    assert_eq!(staging[0].environment, "staging");

    fake.clear_requests();
    let notes = forge.list_comments(1).await.unwrap();
    assert_eq!(notes.len(), 250);
    assert_eq!(notes[0].body, "note 0");
    assert_eq!(notes[249].body, "note 249");
    assert_eq!(fake.requests().len(), 3);

    let latest = forge_gitlab(&forge).latest_deployments().await.unwrap();
    assert_eq!(latest["staging"].sha, sha(158));
    assert_eq!(latest["production"].sha, sha(159));
}

fn forge_gitlab(forge: &Forge) -> &GitLab {
    match forge {
        Forge::GitLab(gl) => gl,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn nested_group_path_is_url_encoded() {
    let fake = fake();
    let forge = connect(&fake);
    forge.pull_request(1).await.unwrap();
    let sent = &fake.requests()[0];
    assert_eq!(
        sent.path,
        "/api/v4/projects/group%2Fsub%2Fproj/merge_requests/1"
    );
    assert_eq!(sent.header("private-token"), Some(TOKEN));
}

#[tokio::test]
async fn merge_requests_for_commits_cost_one_request_per_commit() {
    let fake = fake();
    {
        let mut state = fake.state();
        for mr in 0..3u32 {
            state.gitlab.add_merge_request(
                PROJECT,
                NewMergeRequest {
                    title: format!("change {mr}"),
                    author: "bob".into(),
                    source_branch: format!("b{mr}"),
                    target_branch: "main".into(),
                    sha: sha(100 + mr * 10 + 3),
                    commits: (0..3).map(|c| sha(100 + mr * 10 + c)).collect(),
                    merged_as: Some(sha(900 + mr)),
                },
            );
        }
    }
    let forge = connect(&fake);
    let mut shas: Vec<String> = (0..3u32)
        .flat_map(|mr| (0..4).map(move |c| sha(100 + mr * 10 + c)))
        .collect();
    shas.push(sha(555));
    let map = forge.pull_requests_for_commits(&shas).await.unwrap();
    assert_eq!(map.len(), 13);
    assert_eq!(map[&sha(111)][0].number, 3);
    assert_eq!(map[&sha(111)][0].state, PrState::Merged);
    assert_eq!(
        map[&sha(111)][0].merge_commit_sha.as_deref(),
        Some(sha(901).as_str())
    );
    assert!(map[&sha(555)].is_empty());
    assert_eq!(
        fake.requests_to(
            "GET",
            "/api/v4/projects/*/repository/commits/*/merge_requests"
        )
        .len(),
        13
    );
    assert_eq!(fake.requests().len(), 13);
}

#[tokio::test]
async fn job_deployment_is_found_and_left_to_gitlab() {
    let fake = fake();
    let job_deployment = fake.state().gitlab.add_deployment(
        PROJECT,
        "production",
        &sha(9),
        "main",
        "running",
        Some(4242),
    );
    let job = CiJob {
        job_id: Some(4242),
        environment: Some("production".into()),
        commit_sha: Some(sha(9)),
        ref_name: Some("main".into()),
        tag: None,
    };
    let forge = connect_with(config(&fake, JOB_TOKEN, "CI_JOB_TOKEN"), Some(job));
    let created = forge
        .create_deployment(&NewDeployment {
            sha: None,
            git_ref: "main".into(),
            environment: "production".into(),
            description: String::new(),
            payload: serde_json::Value::Null,
            transient_environment: false,
            production_environment: true,
            required_contexts: vec![],
        })
        .await
        .unwrap();
    match created {
        shipline_core::forge::DeploymentCreated::Created(d) => assert_eq!(d.id, job_deployment),
        other => panic!("{other:?}"),
    }
    let status = forge
        .create_deployment_status(
            job_deployment,
            &NewDeploymentStatus {
                state: DeploymentState::Success,
                description: "done".into(),
                environment_url: None,
                log_url: None,
                auto_inactive: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        status.state,
        DeploymentState::InProgress,
        "GitLab finishes it"
    );
    assert!(status.log_url.unwrap().ends_with("/-/jobs/4242"));
    assert!(fake.requests_to("POST", "/api/v4/**").is_empty());
    assert!(fake.requests_to("PUT", "/api/v4/**").is_empty());
    assert_eq!(
        fake.state()
            .gitlab
            .project(PROJECT)
            .unwrap()
            .deployments
            .len(),
        1
    );

    // Another environment in the same job is a deployment of its own, its ref resolved from the
    // job's variables without a repository lookup.
    forge
        .create_deployment(&NewDeployment {
            sha: None,
            git_ref: "main".into(),
            environment: "staging".into(),
            description: String::new(),
            payload: serde_json::Value::Null,
            transient_environment: false,
            production_environment: false,
            required_contexts: vec![],
        })
        .await
        .unwrap();
    let posts = fake.requests_to("POST", "/api/v4/projects/*/deployments");
    assert_eq!(posts.len(), 1);
    let body = posts[0].json().unwrap();
    assert_eq!(body["sha"], sha(9));
    assert_eq!(body["ref"], "main");
}

#[tokio::test]
async fn merge_request_operations() {
    let fake = fake();
    fake.state().gitlab.add_user("carol");
    let forge = connect(&fake);

    let pr = forge.pull_request(1).await.unwrap();
    assert_eq!(
        (pr.head_ref.as_str(), pr.base_ref.as_str()),
        ("feature", "main")
    );
    assert_eq!(pr.author, "alice");
    assert_eq!(pr.state, PrState::Open);

    let new = NewPullRequest {
        title: "Revert \"feat: add things\"".into(),
        body: "This reverts commit abc.".into(),
        head: "shipline/revert-abc".into(),
        base: "main".into(),
        draft: true,
    };
    fake.inject(
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests",
            FaultKind::Status(502),
        )
        .after(),
    );
    let opened = forge.create_pull_request(&new).await.unwrap();
    assert!(opened.draft);
    assert!(opened.title.starts_with("Draft: "));
    assert_eq!(
        fake.state()
            .gitlab
            .project(PROJECT)
            .unwrap()
            .merge_requests
            .len(),
        2,
        "one merge request despite the lost answer"
    );
    let by_head = forge
        .pull_requests_by_head("shipline/revert-abc")
        .await
        .unwrap();
    assert_eq!(by_head.len(), 1);
    assert_eq!(by_head[0].number, opened.number);

    forge
        .add_labels(opened.number, &["revert".into(), "urgent".into()])
        .await
        .unwrap();
    // carol cannot see the project: GitLab answers 200 and drops her; the answer says so.
    let kept = forge
        .request_reviewers(opened.number, &["alice".into(), "@carol".into()])
        .await
        .unwrap();
    assert_eq!(kept, ["alice"]);
    fake.state()
        .gitlab
        .set_member(PROJECT, "carol", access::REPORTER);
    let kept = forge
        .request_reviewers(opened.number, &["alice".into(), "@carol".into()])
        .await
        .unwrap();
    assert_eq!(kept, ["alice", "carol"]);
    {
        let state = fake.state();
        let project = state.gitlab.project(PROJECT).unwrap();
        let mr = project.merge_request(opened.number).unwrap();
        assert_eq!(mr.labels, vec!["revert", "urgent"]);
        assert_eq!(mr.reviewers.len(), 2);
        assert!(project.labels.contains("urgent"));
    }
    let err = forge
        .request_reviewers(opened.number, &["nobody".into()])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nobody"), "{err}");
}

#[tokio::test]
async fn checks_permissions_issues_tags_and_releases() {
    let fake = fake();
    let repo = tempfile::tempdir().unwrap();
    let head = bare_repo_with_tag(repo.path());
    {
        let mut state = fake.state();
        let gl = &mut state.gitlab;
        gl.set_repo(PROJECT, repo.path());
        gl.add_pipeline(PROJECT, &head, "main", "running");
        gl.add_status(PROJECT, &head, "test", "success");
        gl.add_status(PROJECT, &head, "lint", "failed");
        gl.set_member(PROJECT, "reporter", access::REPORTER);
        gl.add_user("outsider");
    }
    let forge = connect(&fake);

    let checks = forge.checks(&head).await.unwrap();
    assert_eq!(checks.checks.len(), 3);
    assert_eq!(checks.overall(), Some(CheckState::Failure));
    assert!(
        checks
            .checks
            .iter()
            .any(|c| c.name.starts_with("pipeline #") && c.state == CheckState::Pending)
    );

    assert_eq!(
        forge.permission("project_bot").await.unwrap(),
        Permission::Maintain
    );
    assert_eq!(forge.permission("alice").await.unwrap(), Permission::Write);
    assert_eq!(
        forge.permission("reporter").await.unwrap(),
        Permission::Triage
    );
    assert_eq!(
        forge.permission("outsider").await.unwrap(),
        Permission::None
    );
    assert_eq!(forge.permission("ghost").await.unwrap(), Permission::None);

    fake.inject(Fault::on("POST", "/api/v4/projects/*/issues", FaultKind::Drop).after());
    let issue = forge
        .create_issue(&NewIssue {
            title: "Revert needs a hand".into(),
            body: "conflicts in src/lib.rs".into(),
            labels: vec!["revert".into()],
        })
        .await
        .unwrap();
    assert_eq!(issue.number, 1);
    assert_eq!(
        fake.state().gitlab.project(PROJECT).unwrap().issues.len(),
        1
    );

    let tags = forge.tags().await.unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(
        (tags[0].name.as_str(), tags[0].sha.as_str()),
        ("v1.0.0", head.as_str())
    );

    assert!(forge.release_by_tag("v1.1.0").await.unwrap().is_none());
    fake.inject(
        Fault::on(
            "POST",
            "/api/v4/projects/*/releases",
            FaultKind::Status(502),
        )
        .after(),
    );
    let release = forge
        .create_release(&NewRelease {
            tag: "v1.1.0".into(),
            target_sha: head.clone(),
            name: "v1.1.0".into(),
            body: "notes".into(),
            prerelease: false,
        })
        .await
        .unwrap();
    assert_eq!(release.tag, "v1.1.0");
    assert!(release.url.ends_with("/group/sub/proj/-/releases/v1.1.0"));
    assert_eq!(
        forge.release_by_tag("v1.1.0").await.unwrap().unwrap().body,
        "notes"
    );
    assert_eq!(
        forge.tags().await.unwrap().len(),
        2,
        "the release created its tag in git"
    );
    assert_eq!(
        fake.state().gitlab.project(PROJECT).unwrap().releases.len(),
        1
    );
}

/// A bare repository with one commit on `main` tagged `v1.0.0`; returns the commit.
fn bare_repo_with_tag(bare: &std::path::Path) -> String {
    let work = tempfile::tempdir().unwrap();
    let git = |dir: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(work.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(work.path().join("README"), "hi\n").unwrap();
    git(work.path(), &["add", "README"]);
    git(work.path(), &["commit", "-q", "-m", "init"]);
    git(work.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    let head = git(work.path(), &["rev-parse", "HEAD"]);
    git(
        work.path(),
        &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
    );
    head
}

fn deployment_to(environment: &str) -> NewDeployment {
    NewDeployment {
        sha: None,
        git_ref: sha(3),
        environment: environment.into(),
        description: String::new(),
        payload: serde_json::Value::Null,
        transient_environment: false,
        production_environment: false,
        required_contexts: vec![],
    }
}

/// A job token GitLab refuses on an endpoint it may call is refused for the job's user or
/// project (a protected environment, a missing allowlist entry), not for being a job token: the
/// message names that cause and does not send the user off to create another token.
#[tokio::test]
async fn job_token_refusals_on_its_own_endpoints_name_the_real_cause() {
    let fake = fake();
    fake.state()
        .gitlab
        .project_mut(PROJECT)
        .protected_environments
        .insert("production".into(), access::MAINTAINER);
    let forge = connect_with(config(&fake, JOB_TOKEN, "CI_JOB_TOKEN"), None);

    // alice, who started the job, is a Developer: production is for Maintainers.
    let err = forge
        .create_deployment(&deployment_to("production"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Some(403), "{text}");
    assert!(text.contains("protected environment"), "{text}");
    assert!(!text.contains("cannot call this endpoint"), "{text}");
    // Another environment is fine.
    forge
        .create_deployment(&deployment_to("staging"))
        .await
        .unwrap();

    // A job of another project, not on this project's allowlist: GitLab hides the project.
    let other = {
        let mut state = fake.state();
        state.gitlab.add_project("other/project");
        state
            .gitlab
            .add_job_token("glcbt-other", "other/project", 5151, "alice");
        state.gitlab.project("other/project").unwrap().id
    };
    let forge = connect_with(config(&fake, "glcbt-other", "CI_JOB_TOKEN"), None);
    let err = forge
        .create_deployment(&deployment_to("staging"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Some(404), "{text}");
    assert!(text.contains("allowlist"), "{text}");
    fake.state()
        .gitlab
        .project_mut(PROJECT)
        .job_token_allowlist
        .insert(other);
    forge
        .create_deployment(&deployment_to("staging"))
        .await
        .unwrap();

    // What the job token may not call still says to create GITLAB_TOKEN.
    let err = forge.pull_request(1).await.unwrap_err();
    assert!(
        err.to_string().contains("cannot call this endpoint"),
        "{err}"
    );
    assert!(err.to_string().contains("GITLAB_TOKEN"), "{err}");
}
