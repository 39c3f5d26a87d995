//! GitLab's GraphQL API against the fake: merge requests by IID with approvals and head
//! pipeline in batches of 100, the change lookup that combines it with REST, and its failures.

use std::time::Duration;

use shipline_core::forge::retry::RetryPolicy;
use shipline_core::forge::{
    CheckState, CommitRef, Forge, ForgeConfig, ForgeError, ForgeKind, PrState, RepoId,
};
use shipline_core::secret::Secret;
use shipline_testkit::forge::gitlab::{NewMergeRequest, access};
use shipline_testkit::forge::{FakeForge, Fault, FaultKind};

const PROJECT: &str = "group/sub/proj";
const TOKEN: &str = "glpat-graphql-token";

fn sha(n: u32) -> String {
    format!("{n:040x}")
}

/// 150 merge requests: !n has head `sha(n)` and commit `sha(1000 + n)`, merged as `sha(5000 + n)`
/// by its author; every third approved, a failed pipeline on every fifth head, a passed one on
/// the others.
fn fake() -> FakeForge {
    let fake = FakeForge::start();
    {
        let mut state = fake.state();
        let gl = &mut state.gitlab;
        gl.add_project(PROJECT);
        gl.add_token(TOKEN, "project_bot", PROJECT, access::REPORTER);
        for n in 1..=150u32 {
            gl.add_merge_request(
                PROJECT,
                NewMergeRequest {
                    title: format!("change {n}"),
                    author: format!("dev{}", n % 4),
                    source_branch: format!("b{n}"),
                    target_branch: "main".into(),
                    sha: sha(n),
                    commits: vec![sha(1000 + n)],
                    merged_as: Some(sha(5000 + n)),
                },
            );
            if n % 3 == 0 {
                gl.approve(PROJECT, u64::from(n), "reviewer");
            }
            let status = if n % 5 == 0 { "failed" } else { "success" };
            gl.add_pipeline(PROJECT, &sha(n), &format!("b{n}"), status);
        }
    }
    fake
}

fn connect(fake: &FakeForge, token: &str, source: &'static str) -> Forge {
    Forge::connect(ForgeConfig {
        kind: ForgeKind::GitLab,
        repo: RepoId::parse(PROJECT).unwrap(),
        api_url: fake.gitlab_api_url(),
        graphql_url: fake.gitlab_graphql_url(),
        token: Secret::new(token),
        token_source: Some(source),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy::fast(),
    })
    .unwrap()
}

fn gitlab(forge: &Forge) -> &shipline_core::forge::gitlab::GitLab {
    match forge {
        Forge::GitLab(gl) => gl,
        other => panic!("expected GitLab, got {:?}", other.kind()),
    }
}

#[tokio::test]
async fn merge_requests_by_iid_in_batches_of_100() {
    let fake = fake();
    let forge = connect(&fake, TOKEN, "GITLAB_TOKEN");
    let mut iids: Vec<u64> = (1..=150).collect();
    iids.push(999);
    iids.push(7);
    let found = gitlab(&forge).merge_requests_by_iid(&iids).await.unwrap();
    assert_eq!(
        found.len(),
        150,
        "the unknown !999 is missing, !7 counted once"
    );
    let graphql = fake.requests_to("POST", "/gitlab/api/graphql");
    assert_eq!(graphql.len(), 2);
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(graphql[0].header("private-token"), Some(TOKEN));
    let variables = &graphql[0].json().unwrap()["variables"];
    assert_eq!(variables["fullPath"], PROJECT);
    assert_eq!(variables["iids"].as_array().unwrap().len(), 100);
    assert!(
        variables["iids"][0].is_string(),
        "GitLab's iids are [String!]"
    );

    let pr = &found[&15];
    assert_eq!(pr.state, PrState::Merged);
    assert_eq!(pr.author, "dev3");
    assert_eq!(pr.merged_by.as_deref(), Some("dev3"));
    assert_eq!(pr.head_sha, sha(15));
    assert_eq!(pr.merge_commit_sha.as_deref(), Some(sha(5015).as_str()));
    assert_eq!(pr.approvals, Some(1));
    assert_eq!(pr.head_checks, Some(CheckState::Failure));
    assert_eq!(found[&1].approvals, Some(0));
    assert_eq!(found[&1].head_checks, Some(CheckState::Success));
}

#[tokio::test]
async fn changes_named_or_found_by_commit_get_their_signals() {
    let fake = fake();
    let forge = connect(&fake, TOKEN, "GITLAB_TOKEN");
    let changes = vec![
        // Named by its merge commit's message.
        CommitRef {
            sha: sha(1003),
            number: Some(3),
        },
        // Fast-forwarded: found by commit.
        CommitRef {
            sha: sha(1010),
            number: None,
        },
        // A direct push.
        CommitRef {
            sha: sha(777),
            number: None,
        },
        // Names a merge request GitLab does not know.
        CommitRef {
            sha: sha(778),
            number: Some(404),
        },
    ];
    let found = forge.pull_requests_for_changes(&changes).await.unwrap();
    assert_eq!(found[&sha(1003)][0].number, 3);
    assert_eq!(found[&sha(1003)][0].approvals, Some(1));
    let ff = &found[&sha(1010)][0];
    assert_eq!(
        (ff.number, ff.approvals, ff.head_checks),
        (10, Some(0), Some(CheckState::Failure))
    );
    assert!(found[&sha(777)].is_empty());
    assert!(found[&sha(778)].is_empty());
    assert_eq!(
        fake.requests_to(
            "GET",
            "/api/v4/projects/*/repository/commits/*/merge_requests"
        )
        .len(),
        2,
        "only the commits that name no merge request"
    );
    assert_eq!(fake.requests_to("POST", "/gitlab/api/graphql").len(), 1);
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn a_server_error_is_retried_and_the_job_token_is_refused_before_sending() {
    let fake = fake();
    fake.inject(Fault::on(
        "POST",
        "/gitlab/api/graphql",
        FaultKind::Status(502),
    ));
    let forge = connect(&fake, TOKEN, "GITLAB_TOKEN");
    let found = gitlab(&forge).merge_requests_by_iid(&[5]).await.unwrap();
    assert_eq!(found[&5].head_checks, Some(CheckState::Failure));
    assert_eq!(
        fake.requests_to("POST", "/gitlab/api/graphql").len(),
        2,
        "a query only reads: sent again after a 502"
    );

    fake.clear_requests();
    let job = connect(&fake, "glcbt-job", "CI_JOB_TOKEN");
    let err = gitlab(&job).merge_requests_by_iid(&[5]).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::MissingToken { hint, .. } if hint.contains("GITLAB_TOKEN")),
        "{err}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn a_project_the_token_cannot_see_is_an_error_that_says_so() {
    let fake = fake();
    fake.state().gitlab.add_project("other/project");
    fake.state()
        .gitlab
        .add_token("glpat-outsider", "outsider", "other/project", 40);
    let forge = connect(&fake, "glpat-outsider", "GITLAB_TOKEN");
    let err = gitlab(&forge)
        .merge_requests_by_iid(&[1])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ForgeError::NotFound { message, .. } if message.contains(PROJECT)),
        "{err}"
    );
}

/// GitLab's GraphQL API has no squash commit: a squashed merge request merged by fast-forward
/// (no merge commit) is read once more over REST for `squash_commit_sha`, and one GitLab names no
/// commit for is reported with what landed unknown, never as its source head.
#[tokio::test]
async fn a_squash_commit_comes_from_rest_or_is_unknown() {
    let fake = fake();
    {
        let mut state = fake.state();
        let project = state.gitlab.project_mut(PROJECT);
        let squashed = project.merge_request_mut(4).unwrap();
        squashed.merge_commit_sha = None;
        squashed.squash = true;
        squashed.squash_commit_sha = Some(sha(9004));
        // A fast-forward without squashing: the rebased head is what landed.
        project.merge_request_mut(5).unwrap().merge_commit_sha = None;
    }
    let forge = connect(&fake, TOKEN, "GITLAB_TOKEN");
    let changes: Vec<CommitRef> = [4u32, 5, 6]
        .iter()
        .map(|n| CommitRef {
            sha: sha(7000 + n),
            number: Some(u64::from(*n)),
        })
        .collect();
    let found = forge.pull_requests_for_changes(&changes).await.unwrap();
    let landed = |n: u32| found[&sha(7000 + n)][0].merge_commit_sha.clone();
    assert_eq!(landed(4), Some(sha(9004)), "the squash commit, from REST");
    assert_eq!(landed(5), Some(sha(5)), "fast-forwarded head");
    assert_eq!(landed(6), Some(sha(5006)), "the merge commit");
    let rest = fake.requests_to("GET", "/api/v4/projects/*/merge_requests/*");
    assert_eq!(rest.len(), 1, "only the squashed one is read again");
    assert!(
        rest[0].path.ends_with("/merge_requests/4"),
        "{}",
        rest[0].path
    );

    // A squashed merge request whose squash commit GitLab does not name: unknown.
    fake.state()
        .gitlab
        .project_mut(PROJECT)
        .merge_request_mut(4)
        .unwrap()
        .squash_commit_sha = None;
    let found = gitlab(&forge).merge_requests_by_iid(&[4]).await.unwrap();
    assert_eq!(found[&4].state, PrState::Merged);
    assert_eq!(found[&4].merge_commit_sha, None);
}
