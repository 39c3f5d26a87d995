//! The ledger over forge deployments: the same verbs as the git-notes backend, recorded as GitHub
//! Deployments (checked against GitHub's OpenAPI description) and GitLab deployments, with the
//! request budgets the tools rely on (start ≤ 2 requests, finish ≤ 2).

use std::time::Duration;

use shipline_core::forge::retry::RetryPolicy;
use shipline_core::forge::{DeploymentState, Forge, ForgeConfig, ForgeKind, RepoId};
use shipline_core::ledger::{
    KnownDeployment, Ledger, ListQuery, NewDeploymentRecord, TransitionRequest,
};
use shipline_core::secret::Secret;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::assert_github_conformance;

const TOKEN: &str = "ledger_test_token_5678";

fn sha(n: usize) -> String {
    format!("{n:040x}")
}

fn forge_config(fake: &FakeForge, kind: ForgeKind, repo: &str) -> ForgeConfig {
    let (api_url, graphql_url) = match kind {
        ForgeKind::GitHub => (fake.github_api_url(), fake.github_graphql_url()),
        ForgeKind::GitLab => (fake.gitlab_api_url(), format!("{}/api/graphql", fake.url())),
    };
    ForgeConfig {
        kind,
        repo: RepoId::parse(repo).unwrap(),
        api_url,
        graphql_url,
        token: Secret::new(TOKEN),
        token_source: Some(match kind {
            ForgeKind::GitHub => "GITHUB_TOKEN",
            ForgeKind::GitLab => "GITLAB_TOKEN",
        }),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy::fast(),
    }
}

fn start_request(env: &str, n: usize, run: &str) -> NewDeploymentRecord {
    NewDeploymentRecord {
        environment: env.into(),
        sha: sha(n),
        git_ref: "main".into(),
        version: Some(format!("1.0.{n}")),
        creator: "ci-bot".into(),
        log_url: Some(format!("https://ci.example/runs/{run}")),
        run_id: Some(run.into()),
        description: "deploy".into(),
        ..Default::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn github_deployments_as_ledger_within_request_budget() {
    let fake = FakeForge::start();
    {
        let mut state = fake.state();
        state.github.require_token(TOKEN);
        let repo = state.github.add_repo("acme/app");
        for n in 1..=3 {
            repo.refs.insert(format!("c{n}"), sha(n));
        }
        repo.refs.insert("main".into(), sha(3));
    }
    let ledger =
        Ledger::forge(Forge::connect(forge_config(&fake, ForgeKind::GitHub, "acme/app")).unwrap());
    let rt = runtime();

    fake.clear_requests();
    let first = rt
        .block_on(ledger.start(&start_request("staging", 1, "101")))
        .unwrap();
    assert!(
        fake.requests().len() <= 2,
        "start took {} requests",
        fake.requests().len()
    );
    assert_eq!(first.state, DeploymentState::InProgress);
    assert_eq!(first.sha, sha(1));

    // Another environment's deployment is refused before anything is written.
    let known = |env: &str| KnownDeployment {
        environment: env.into(),
        sha: Some(sha(1)),
    };
    fake.clear_requests();
    let err = rt
        .block_on(ledger.transition_known(
            &first.id,
            &known("production"),
            &TransitionRequest::new(DeploymentState::Success),
        ))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("belongs to `staging`, not `production`"),
        "{err}"
    );
    assert!(fake.requests().iter().all(|r| r.method == "GET"));

    // Finish with what the caller knows: the newest status (state and environment), the write.
    fake.clear_requests();
    let done = rt
        .block_on(ledger.transition_known(
            &first.id,
            &known("STAGING"),
            &TransitionRequest::new(DeploymentState::Success),
        ))
        .unwrap();
    assert!(
        fake.requests().len() <= 2,
        "finish took {:?}",
        fake.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
    assert_eq!(done.state, DeploymentState::Success);
    assert_eq!(done.sha, sha(1));
    assert_eq!(done.environment, "staging");
    // Again: one read, nothing written.
    fake.clear_requests();
    let again = rt
        .block_on(ledger.transition_known(
            &first.id,
            &known("staging"),
            &TransitionRequest::new(DeploymentState::Success),
        ))
        .unwrap();
    assert_eq!(again.state, DeploymentState::Success);
    assert_eq!(fake.requests().len(), 1);
    // An id this repository does not have.
    let err = rt
        .block_on(ledger.transition_known(
            "987654",
            &known("staging"),
            &TransitionRequest::new(DeploymentState::Success),
        ))
        .unwrap_err();
    assert!(err.to_string().contains("no deployment `987654`"), "{err}");

    // A second deployment that fails, then the listing and the queries the tools use.
    let second = rt
        .block_on(ledger.start(&start_request("staging", 2, "102")))
        .unwrap();
    let mut failed = TransitionRequest::new(DeploymentState::Failure);
    failed.description = "health check /healthz answered 503".into();
    rt.block_on(ledger.transition(&second.id, &failed)).unwrap();

    let listed = rt
        .block_on(ledger.list(&ListQuery {
            environment: Some("staging".into()),
            ..Default::default()
        }))
        .unwrap();
    let states: Vec<_> = listed.iter().map(|r| (r.sha.clone(), r.state)).collect();
    assert_eq!(
        states,
        [
            (sha(2), DeploymentState::Failure),
            (sha(1), DeploymentState::Success)
        ]
    );
    let good = rt
        .block_on(ledger.last_successful("staging"))
        .unwrap()
        .unwrap();
    assert_eq!(good.id, first.id);
    assert_eq!(good.version.as_deref(), Some("1.0.1"));

    // The re-run of the same job finds its deployment instead of starting another.
    let found = rt
        .block_on(ledger.find_by_run("staging", &sha(2), "102"))
        .unwrap()
        .expect("deployment of run 102");
    assert_eq!(found.id, second.id);

    // Out of order: a finished deployment cannot go back to in_progress, and nothing is sent.
    fake.clear_requests();
    let err = rt
        .block_on(ledger.transition(
            &first.id,
            &TransitionRequest::new(DeploymentState::InProgress),
        ))
        .unwrap_err();
    assert!(err.to_string().contains("in_progress"), "{err}");
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.method == "GET" || r.path.ends_with("graphql"))
    );

    assert_github_conformance(&fake);
}

#[test]
fn gitlab_deployments_as_ledger() {
    let fake = FakeForge::start();
    {
        let mut state = fake.state();
        let gl = &mut state.gitlab;
        gl.add_project("acme/platform/app");
        gl.add_user("deployer");
        gl.add_token(TOKEN, "deployer", "acme/platform/app", 40);
    }
    let ledger = Ledger::forge(
        Forge::connect(forge_config(&fake, ForgeKind::GitLab, "acme/platform/app")).unwrap(),
    );
    let rt = runtime();

    fake.clear_requests();
    let mut request = start_request("production", 7, "900");
    request.sha = sha(7);
    let started = rt.block_on(ledger.start(&request)).unwrap();
    assert!(
        fake.requests().len() <= 2,
        "start took {} requests",
        fake.requests().len()
    );
    fake.clear_requests();
    let done = rt
        .block_on(ledger.transition(
            &started.id,
            &TransitionRequest::new(DeploymentState::Success),
        ))
        .unwrap();
    // One read (order check, idempotent re-runs) and one write.
    assert!(
        fake.requests().len() <= 2,
        "finish took {:?}",
        fake.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
    assert_eq!(done.state, DeploymentState::Success);

    let latest = rt.block_on(ledger.latest("production")).unwrap().unwrap();
    assert_eq!(latest.id, started.id);
    assert_eq!(latest.sha, sha(7));
    assert_eq!(latest.state, DeploymentState::Success);
    assert_eq!(fake.state().gitlab.projects[0].deployments.len(), 1);
}
