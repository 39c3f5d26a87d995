//! The GitHub backend against the fake GitHub: every operation through `Forge::connect`, the
//! retry and reconciliation paths under injected faults, error mapping, pagination and request
//! counts. Each test ends by checking every request and answer against GitHub's OpenAPI
//! description.

use std::process::Command;
use std::time::Duration;

use shipline_core::forge::github::graphql_url_for;
use shipline_core::forge::retry::RetryPolicy;
use shipline_core::forge::{
    CheckState, DeploymentCreated, DeploymentFilter, DeploymentState, Forge, ForgeConfig,
    ForgeError, ForgeKind, NewDeployment, NewDeploymentStatus, NewIssue, NewPullRequest,
    NewRelease, Permission, PrState, RepoId,
};
use shipline_core::secret::Secret;
use shipline_testkit::forge::github::Pull;
use shipline_testkit::forge::{FakeForge, Fault, FaultKind};
use shipline_testkit::openapi::assert_github_conformance;

const REPO: &str = "acme/widgets";
const TOKEN: &str = "ghs_test_token_1234";
const MARKER: &str = "<!-- shipline:risk -->";

fn sha(n: usize) -> String {
    format!("{n:040x}")
}

fn config(fake: &FakeForge, token: Option<&str>) -> ForgeConfig {
    let api_url = fake.github_api_url();
    ForgeConfig {
        kind: ForgeKind::GitHub,
        repo: RepoId::parse(REPO).unwrap(),
        graphql_url: graphql_url_for(&api_url),
        api_url,
        token: token.and_then(Secret::new),
        token_source: Some("GITHUB_TOKEN"),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy::fast(),
    }
}

/// A fake with `acme/widgets` (one open PR #1 from `feature`), and a client for it.
fn setup() -> (FakeForge, Forge) {
    let fake = FakeForge::start();
    {
        let mut state = fake.state();
        let gh = &mut state.github;
        gh.require_token(TOKEN);
        let repo = gh.add_repo(REPO);
        repo.refs.insert("main".into(), sha(1));
        repo.refs.insert("feature".into(), sha(2));
        gh.add_pull(REPO, Pull::open("Add widgets", "feature", &sha(2)));
        gh.set_permission(REPO, "alice", "maintain");
    }
    let forge = Forge::connect(config(&fake, Some(TOKEN))).unwrap();
    (fake, forge)
}

fn deployment_request(env: &str) -> NewDeployment {
    NewDeployment {
        sha: None,
        git_ref: "main".into(),
        environment: env.into(),
        description: "deploy main".into(),
        payload: serde_json::json!({ "version": "1.2.3" }),
        transient_environment: false,
        production_environment: env == "production",
        required_contexts: Vec::new(),
    }
}

fn success_status() -> NewDeploymentStatus {
    NewDeploymentStatus {
        state: DeploymentState::Success,
        description: "deployed".into(),
        environment_url: Some("https://staging.example".into()),
        log_url: Some("https://ci.example/run/1".into()),
        auto_inactive: true,
    }
}

#[tokio::test]
async fn sends_githubs_headers_and_the_token_as_bearer() {
    let (fake, forge) = setup();
    forge.pull_request(1).await.unwrap();
    let request = &fake.requests()[0];
    assert_eq!(request.path, "/api/v3/repos/acme/widgets/pulls/1");
    assert_eq!(
        request.header("accept"),
        Some("application/vnd.github+json")
    );
    assert_eq!(request.header("x-github-api-version"), Some("2022-11-28"));
    let agents: Vec<&str> = request
        .headers
        .iter()
        .filter(|(k, _)| k == "user-agent")
        .map(|(_, v)| v.as_str())
        .collect();
    // octocrab's default stack appends its own `User-Agent: octocrab` after ours.
    assert_eq!(agents[0], concat!("shipline/", env!("CARGO_PKG_VERSION")));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn comments_are_listed_over_all_pages_created_and_updated() {
    let (fake, forge) = setup();
    for i in 0..250 {
        fake.state()
            .github
            .add_comment(REPO, 1, "bob", &format!("comment {i}"));
    }
    fake.clear_requests();
    let comments = forge.list_comments(1).await.unwrap();
    assert_eq!(comments.len(), 250);
    assert_eq!(comments[0].body, "comment 0");
    assert_eq!(comments[249].body, "comment 249");
    assert_eq!(
        fake.requests_to("GET", "/api/v3/repos/*/*/issues/*/comments")
            .len(),
        3,
        "250 comments at 100 per page"
    );

    let created = forge.create_comment(1, "hello").await.unwrap();
    assert_eq!(created.author, "github-actions[bot]");
    let updated = forge.update_comment(1, created.id, "bye").await.unwrap();
    assert_eq!((updated.id, updated.body.as_str()), (created.id, "bye"));
    assert_eq!(fake.state().github.comments_on(REPO, 1).len(), 251);
    assert_github_conformance(&fake);
}

/// One sticky comment, whatever goes wrong on the way: every fault below either happens before
/// GitHub acted (the write must be sent again) or after (it must not be).
#[tokio::test]
async fn sticky_comment_upsert_leaves_exactly_one_comment_under_faults() {
    let faults = [
        FaultKind::Status(502),
        FaultKind::RetryAfter {
            status: 429,
            secs: 1,
        },
        FaultKind::SecondaryRateLimit { secs: 1 },
        FaultKind::Drop,
        FaultKind::TruncatedBody,
    ];
    for kind in faults {
        for after in [false, true] {
            if after
                && matches!(
                    kind,
                    FaultKind::RetryAfter { .. } | FaultKind::SecondaryRateLimit { .. }
                )
            {
                continue; // GitHub refuses rate-limited requests before acting.
            }
            let (fake, forge) = setup();
            let mut fault = Fault::on("POST", "/api/v3/repos/*/*/issues/*/comments", kind.clone());
            if after {
                fault = fault.after();
            }
            fake.inject(fault);
            let what = format!("{kind:?} (after handler: {after})");
            let first = forge
                .upsert_sticky_comment(1, MARKER, "risk: low")
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(first.body.contains("risk: low"), "{what}");
            assert_eq!(fake.state().github.comments_on(REPO, 1).len(), 1, "{what}");

            fake.inject(Fault::on(
                "PATCH",
                "/api/v3/repos/*/*/issues/comments/*",
                kind.clone(),
            ));
            let second = forge
                .upsert_sticky_comment(1, MARKER, "risk: high")
                .await
                .unwrap_or_else(|e| panic!("{what} on update: {e}"));
            assert_eq!(second.id, first.id, "{what}");
            let comments = fake.state().github.comments_on(REPO, 1);
            assert_eq!(comments.len(), 1, "{what}");
            assert!(comments[0].body.contains("risk: high"), "{what}");
            assert_github_conformance(&fake);
        }
    }
}

#[tokio::test]
async fn deployment_status_is_written_once_under_faults() {
    let faults = [
        FaultKind::Status(502),
        FaultKind::RetryAfter {
            status: 429,
            secs: 1,
        },
        FaultKind::SecondaryRateLimit { secs: 1 },
        FaultKind::Drop,
        FaultKind::TruncatedBody,
    ];
    for kind in faults {
        for after in [false, true] {
            if after
                && matches!(
                    kind,
                    FaultKind::RetryAfter { .. } | FaultKind::SecondaryRateLimit { .. }
                )
            {
                continue;
            }
            let (fake, forge) = setup();
            let DeploymentCreated::Created(deployment) = forge
                .create_deployment(&deployment_request("staging"))
                .await
                .unwrap()
            else {
                panic!("expected a deployment");
            };
            let mut fault = Fault::on(
                "POST",
                "/api/v3/repos/*/*/deployments/*/statuses",
                kind.clone(),
            );
            if after {
                fault = fault.after();
            }
            fake.inject(fault);
            let what = format!("{kind:?} (after handler: {after})");
            let status = forge
                .create_deployment_status(deployment.id, &success_status())
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(status.state, DeploymentState::Success, "{what}");
            let stored = fake
                .state()
                .github
                .deployment(REPO, deployment.id)
                .unwrap()
                .statuses
                .len();
            assert_eq!(stored, 1, "{what}");
            assert_github_conformance(&fake);
        }
    }
}

#[tokio::test]
async fn deployments_are_created_read_and_superseded() {
    let (fake, forge) = setup();
    // GitHub would merge `main` into a ref listed here; shipline asks it not to.
    fake.state()
        .github
        .repo(REPO)
        .auto_merge_refs
        .insert("main".into());
    let created = match forge
        .create_deployment(&deployment_request("staging"))
        .await
        .unwrap()
    {
        DeploymentCreated::Created(d) => d,
        DeploymentCreated::Accepted(m) => panic!("auto_merge was not turned off: {m}"),
    };
    assert_eq!(created.sha, sha(1));
    assert_eq!(created.payload["version"], "1.2.3");
    forge
        .create_deployment_status(created.id, &success_status())
        .await
        .unwrap();

    let DeploymentCreated::Created(second) = forge
        .create_deployment(&deployment_request("staging"))
        .await
        .unwrap()
    else {
        panic!("expected a deployment");
    };
    forge
        .create_deployment_status(second.id, &success_status())
        .await
        .unwrap();
    // auto_inactive: the first one is inactive now.
    let first = forge.deployment(created.id).await.unwrap();
    assert_eq!(first.latest.unwrap().state, DeploymentState::Inactive);
    let history = forge.deployment_statuses(created.id).await.unwrap();
    assert_eq!(
        history.iter().map(|s| s.state).collect::<Vec<_>>(),
        [DeploymentState::Inactive, DeploymentState::Success]
    );
    let latest = forge.deployment(second.id).await.unwrap().latest.unwrap();
    assert_eq!(
        latest.environment_url.as_deref(),
        Some("https://staging.example")
    );
    assert_eq!(latest.log_url.as_deref(), Some("https://ci.example/run/1"));

    // Required contexts that are not green: GitHub refuses with 409.
    let mut gated = deployment_request("production");
    gated.required_contexts = vec!["ci/build".into()];
    fake.state()
        .github
        .add_commit_status(REPO, &sha(1), "ci/build", "failure");
    let err = forge.create_deployment(&gated).await.unwrap_err();
    assert!(matches!(err, ForgeError::Conflict { .. }), "{err}");
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn listing_160_deployments_takes_two_pages_and_two_graphql_queries() {
    let (fake, forge) = setup();
    {
        let mut state = fake.state();
        for i in 0..160 {
            let env = if i % 2 == 0 { "staging" } else { "production" };
            let id = state.github.add_deployment(REPO, &sha(i + 10), env);
            state.github.add_deployment_status(REPO, id, "in_progress");
            let last = if i % 3 == 0 { "failure" } else { "success" };
            state.github.add_deployment_status(REPO, id, last);
        }
    }
    fake.clear_requests();
    let all = forge
        .list_deployments(&DeploymentFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 160);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert!(all.iter().all(|d| d.latest.is_some()));
    let failed = all
        .iter()
        .filter(|d| d.latest.as_ref().unwrap().state == DeploymentState::Failure)
        .count();
    assert_eq!(failed, (0..160).filter(|i| i % 3 == 0).count());
    assert_eq!(
        fake.requests_to("GET", "/api/v3/repos/*/*/deployments")
            .len(),
        2
    );
    assert_eq!(fake.requests_to("POST", "/api/graphql").len(), 2);
    assert_eq!(fake.requests().len(), 4);

    fake.clear_requests();
    let staging = forge
        .list_deployments(&DeploymentFilter {
            environment: Some("staging".into()),
            ..DeploymentFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(staging.len(), 80);
    assert!(staging.iter().all(|d| d.environment == "staging"));
    assert_eq!(fake.requests().len(), 2);
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn without_a_token_latest_statuses_come_from_rest() {
    let (fake, _) = setup();
    fake.state().github.tokens.clear();
    let id = fake.state().github.add_deployment(REPO, &sha(5), "staging");
    fake.state()
        .github
        .add_deployment_status(REPO, id, "success");
    let forge = Forge::connect(config(&fake, None)).unwrap();
    let all = forge
        .list_deployments(&DeploymentFilter::default())
        .await
        .unwrap();
    assert_eq!(
        all[0].latest.as_ref().unwrap().state,
        DeploymentState::Success
    );
    assert!(fake.requests_to("POST", "/api/graphql").is_empty());
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn prs_for_300_commits_take_three_graphql_queries_at_the_ghes_endpoint() {
    let (fake, forge) = setup();
    {
        let mut state = fake.state();
        for i in 0..300 {
            if i % 2 == 0 {
                let pull = Pull::open(&format!("change {i}"), &format!("b{i}"), &sha(1000 + i))
                    .merged(&sha(i + 100), "alice");
                state.github.add_pull(REPO, pull);
            }
        }
    }
    let shas: Vec<String> = (0..300).map(|i| sha(i + 100)).collect();
    fake.clear_requests();
    let map = forge.pull_requests_for_commits(&shas).await.unwrap();
    assert_eq!(map.len(), 300);
    let graphql = fake.requests_to("POST", "/api/graphql");
    assert_eq!(graphql.len(), 3);
    assert_eq!(
        fake.requests().len(),
        3,
        "GraphQL at /api/graphql, nothing under /api/v3"
    );
    assert_eq!(
        fake.github_graphql_url(),
        graphql_url_for(&fake.github_api_url())
    );
    let with_pr = map.values().filter(|prs| !prs.is_empty()).count();
    assert_eq!(with_pr, 150);
    let pr = &map[&sha(100)][0];
    assert_eq!(pr.title, "change 0");
    assert_eq!(pr.state, PrState::Merged);
    assert_eq!(pr.merged_by.as_deref(), Some("alice"));
    assert!(map[&sha(101)].is_empty());
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn pull_requests_read_open_label_and_request_reviews() {
    let (fake, forge) = setup();
    let pr = forge.pull_request(1).await.unwrap();
    assert_eq!(
        (pr.head_ref.as_str(), pr.head_sha.as_str()),
        ("feature", sha(2).as_str())
    );
    assert_eq!(pr.state, PrState::Open);

    fake.state()
        .github
        .repo(REPO)
        .refs
        .insert("revert".into(), sha(3));
    let new = NewPullRequest {
        title: "Revert widgets".into(),
        body: "why".into(),
        head: "revert".into(),
        base: "main".into(),
        draft: true,
    };
    let opened = forge.create_pull_request(&new).await.unwrap();
    assert!(opened.draft);
    let by_head = forge.pull_requests_by_head("revert").await.unwrap();
    assert_eq!(by_head.len(), 1);
    assert_eq!(by_head[0].number, opened.number);
    let request = fake
        .requests_to("GET", "/api/v3/repos/*/*/pulls")
        .pop()
        .unwrap();
    assert!(request.query.unwrap().contains("head=acme%3Arevert"));

    forge
        .add_labels(opened.number, &["revert".into(), "urgent".into()])
        .await
        .unwrap();
    forge
        .request_reviewers(opened.number, &["alice".into()])
        .await
        .unwrap();
    let reread = forge.pull_request(opened.number).await.unwrap();
    assert_eq!(reread.labels, ["revert", "urgent"]);
    let reviewers = fake.state().github.repos[REPO].pulls[&opened.number]
        .requested_reviewers
        .clone();
    assert_eq!(reviewers, ["alice"]);

    // 422 with GitHub's field errors in the message.
    let err = forge.create_pull_request(&new).await.unwrap_err();
    match &err {
        ForgeError::Invalid {
            status: 422,
            message,
            route,
        } => {
            assert!(
                message.contains("A pull request already exists for acme:revert"),
                "{err}"
            );
            assert_eq!(route, "POST /repos/{owner}/{repo}/pulls");
        }
        other => panic!("expected 422, got {other}"),
    }
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn missing_permission_is_named_from_githubs_header() {
    let (fake, forge) = setup();
    fake.state().github.deny("deployments=write");
    let err = forge
        .create_deployment(&deployment_request("staging"))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ForgeError::Forbidden { .. }), "{message}");
    assert!(message.contains("deployments: write"), "{message}");
    assert!(
        message.contains("POST /repos/{owner}/{repo}/deployments"),
        "{message}"
    );
    assert!(!message.contains(TOKEN));
    assert_eq!(fake.requests().len(), 1, "a plain 403 is not retried");
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn unauthorized_and_not_found_are_told_apart() {
    let (fake, _) = setup();
    let wrong = Forge::connect(config(&fake, Some("ghs_wrong"))).unwrap();
    let err = wrong.pull_request(1).await.unwrap_err();
    assert!(matches!(err, ForgeError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("GITHUB_TOKEN"));
    assert!(!err.to_string().contains("ghs_wrong"));

    let forge = Forge::connect(config(&fake, Some(TOKEN))).unwrap();
    let err = forge.pull_request(99).await.unwrap_err();
    assert!(matches!(err, ForgeError::NotFound { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("GET /repos/{owner}/{repo}/pulls/{pull_number}")
    );
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn reads_retry_5xx_and_give_up_with_the_attempt_count() {
    let (fake, forge) = setup();
    fake.inject(Fault::on("GET", "/api/v3/repos/*/*/pulls/1", FaultKind::Status(502)).times(2));
    forge.pull_request(1).await.unwrap();
    assert_eq!(fake.requests().len(), 3);

    fake.inject(Fault::on("GET", "/api/v3/repos/*/*/pulls/1", FaultKind::Status(503)).times(10));
    let err = forge.pull_request(1).await.unwrap_err();
    assert!(
        matches!(
            err,
            ForgeError::Server {
                status: 503,
                attempts: 5,
                ..
            }
        ),
        "{err}"
    );
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn a_wait_longer_than_the_policy_allows_fails_as_rate_limited() {
    let (fake, forge) = setup();
    fake.inject(Fault::on(
        "GET",
        "/api/v3/repos/*/*/pulls/1",
        FaultKind::RetryAfter {
            status: 429,
            secs: 3600,
        },
    ));
    let started = std::time::Instant::now();
    let err = forge.pull_request(1).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    match err {
        ForgeError::RateLimited { reset_after, .. } => {
            assert_eq!(reset_after, Some(Duration::from_secs(3600)))
        }
        other => panic!("expected a rate limit, got {other}"),
    }
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn checks_merge_statuses_and_paginated_check_runs() {
    let (fake, forge) = setup();
    {
        let mut state = fake.state();
        let gh = &mut state.github;
        gh.add_commit_status(REPO, &sha(1), "ci/lint", "pending");
        gh.add_commit_status(REPO, &sha(1), "ci/lint", "success");
        gh.add_commit_status(REPO, &sha(1), "ci/build", "success");
        for i in 0..149 {
            gh.add_check_run(
                REPO,
                &sha(1),
                &format!("test {i}"),
                "completed",
                Some("success"),
            );
        }
        gh.add_check_run(REPO, &sha(1), "e2e", "in_progress", None);
    }
    fake.clear_requests();
    let checks = forge.checks(&sha(1)).await.unwrap();
    assert_eq!(checks.checks.len(), 152);
    assert_eq!(checks.overall(), Some(CheckState::Pending));
    assert_eq!(
        fake.requests_to("GET", "/api/v3/repos/*/*/commits/*/check-runs")
            .len(),
        2
    );
    assert_eq!(fake.requests().len(), 3);
    fake.state()
        .github
        .add_check_run(REPO, &sha(1), "security", "completed", Some("failure"));
    assert_eq!(
        forge.checks(&sha(1)).await.unwrap().overall(),
        Some(CheckState::Failure)
    );
    assert_github_conformance(&fake);
}

#[tokio::test]
async fn permissions_issues_tags_and_releases() {
    let (fake, forge) = setup();
    assert_eq!(
        forge.permission("alice").await.unwrap(),
        Permission::Maintain
    );
    assert_eq!(forge.permission("mallory").await.unwrap(), Permission::None);

    let issue = forge
        .create_issue(&NewIssue {
            title: "Revert conflicted".into(),
            body: "files: a.rs".into(),
            labels: vec!["revert".into()],
        })
        .await
        .unwrap();
    assert_eq!(issue.number, 2, "issues and PRs share numbers");

    // Tags come from a real git repository behind the fake.
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["commit", "-q", "--allow-empty", "-m", "one"]);
    git(&["tag", "v1.0.0"]);
    git(&["commit", "-q", "--allow-empty", "-m", "two"]);
    git(&["tag", "-a", "v1.1.0", "-m", "annotated"]);
    let head = git(&["rev-parse", "HEAD"]);
    {
        let mut state = fake.state();
        let repo = state.github.repo(REPO);
        repo.git_dir = Some(dir.path().join(".git"));
        repo.refs.clear();
    }
    for i in 0..120 {
        fake.state()
            .github
            .add_tag(REPO, &format!("build-{i:03}"), &sha(i));
    }
    let tags = forge.tags().await.unwrap();
    assert_eq!(tags.len(), 122);
    let v110 = tags.iter().find(|t| t.name == "v1.1.0").unwrap();
    assert_eq!(v110.sha, head, "annotated tags are peeled to their commit");

    assert_eq!(forge.release_by_tag("v2.0.0").await.unwrap(), None);
    let release = forge
        .create_release(&NewRelease {
            tag: "v2.0.0".into(),
            target_sha: head.clone(),
            name: "v2.0.0".into(),
            body: "notes".into(),
            prerelease: false,
        })
        .await
        .unwrap();
    let found = forge.release_by_tag("v2.0.0").await.unwrap().unwrap();
    assert_eq!(found, release);
    assert!(
        forge
            .tags()
            .await
            .unwrap()
            .iter()
            .any(|t| t.name == "v2.0.0" && t.sha == head)
    );
    assert_github_conformance(&fake);
}
