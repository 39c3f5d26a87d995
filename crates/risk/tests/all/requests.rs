//! Request budgets: a 300-commit range with 120 PRs costs at most 2 + ⌈300/100⌉ requests.

use shipline_testkit::fixtures::{GitHubEnv, webhook};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::TestRepo;

use crate::helpers::risk_with;

#[test]
fn three_hundred_commits_with_120_prs_within_budget() {
    let forge = FakeForge::start();
    let repo = TestRepo::new();
    repo.commit("chore: start")
        .file("README.md", "x\n")
        .create();
    repo.tag("v1.0.0");
    for i in 0..300 {
        // Every fifth-ish commit a squash-merged PR: 120 PRs named in subjects, 180 without.
        let subject = if i % 5 < 2 {
            format!("feat: change {i} (#{})", 100 + i)
        } else {
            format!("fix: change {i}")
        };
        repo.commit(&subject)
            .file(
                format!("src/m{}.rs", i % 17),
                format!("pub fn f{i}() {{}}\n"),
            )
            .create();
    }
    let payload = webhook("push");
    let full_name = payload["repository"]["full_name"]
        .as_str()
        .unwrap()
        .to_string();
    forge.state().github.add_repo(&full_name);
    let mut env = GitHubEnv::for_event("push", &payload);
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", "ghs_test_token_0123456789")
        .set("GITHUB_SHA", &repo.head())
        .set("GITHUB_WORKSPACE", &repo.path().to_string_lossy());
    let out = risk_with(repo.path(), env.vars())
        .args(["--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["changes"].as_array().unwrap().len(), 300);
    let requests = forge.requests();
    let graphql = forge.requests_to("POST", "/api/graphql");
    assert_eq!(
        graphql.len(),
        3,
        "every change is looked up (PR numbers and review/check signals): three batches of 100"
    );
    assert!(
        requests.len() <= 2 + 3,
        "{} requests: {:?}",
        requests.len(),
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
    assert_github_conformance(&forge);
}
