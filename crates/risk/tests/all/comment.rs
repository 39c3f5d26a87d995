//! `--comment` on a GitHub pull request: one sticky comment, updated on re-run, faults survived;
//! no token: a clear error and nothing posted.

use predicates::prelude::*;
use shipline_testkit::fixtures::{GitHubEnv, webhook};
use shipline_testkit::forge::{FakeForge, Fault, FaultKind};
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::TestRepo;

use crate::helpers::{lines, risk_with};

/// A repository with a PR branch, the fake forge knowing the PR, and the Actions environment of
/// the real `pull_request` payload pointed at both.
fn pr_setup(forge: &FakeForge) -> (TestRepo, GitHubEnv, u64) {
    let repo = TestRepo::new();
    repo.commit("feat: base")
        .file("src/lib.rs", lines("pub fn a() {}\n", 20))
        .create();
    let base = repo.head();
    repo.branch("feature");
    repo.commit("feat: new thing")
        .file("src/new.rs", lines("pub fn n() {}\n", 60))
        .create();
    let head = repo.head();
    let mut payload = webhook("pull_request.opened");
    let number = payload["pull_request"]["number"].as_u64().unwrap();
    let full_name = payload["repository"]["full_name"]
        .as_str()
        .unwrap()
        .to_string();
    payload["pull_request"]["base"]["sha"] = base.clone().into();
    payload["pull_request"]["head"]["sha"] = head.clone().into();
    {
        let mut state = forge.state();
        state.github.add_repo(&full_name);
        state.github.add_pull(
            &full_name,
            shipline_testkit::forge::github::Pull {
                number,
                title: "feat: new thing".into(),
                state: "open".into(),
                user: "octocat".into(),
                head_ref: "feature".into(),
                head_sha: head,
                base_ref: "main".into(),
                ..Default::default()
            },
        );
    }
    let mut env = GitHubEnv::for_event("pull_request", &payload);
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", "ghs_test_token_0123456789")
        .set("GITHUB_WORKSPACE", &repo.path().to_string_lossy());
    (repo, env, number)
}

fn comments(forge: &FakeForge, number: u64) -> Vec<String> {
    forge
        .state()
        .github
        .repos
        .values()
        .flat_map(|r| {
            r.comments
                .iter()
                .filter(|c| c.issue == number)
                .map(|c| c.body.clone())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn one_sticky_comment_created_then_updated() {
    let forge = FakeForge::start();
    let (repo, env, number) = pr_setup(&forge);
    risk_with(repo.path(), env.vars())
        .arg("--comment")
        .assert()
        .success();
    let first = comments(&forge, number);
    assert_eq!(first.len(), 1);
    assert!(first[0].starts_with("<!-- shipline-risk -->"));

    repo.commit("fix: follow-up")
        .file("src/new.rs", lines("pub fn n() { 1; }\n", 61))
        .create();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.event_path()).unwrap()).unwrap();
    payload["pull_request"]["head"]["sha"] = repo.head().into();
    std::fs::write(env.event_path(), serde_json::to_vec(&payload).unwrap()).unwrap();
    risk_with(repo.path(), env.vars())
        .arg("--comment")
        .assert()
        .success();
    let second = comments(&forge, number);
    assert_eq!(second.len(), 1, "updated, not added");
    assert_ne!(first[0], second[0]);
    assert!(second[0].contains("follow-up"));
    let summary = std::fs::read_to_string(env.summary_file()).unwrap();
    assert!(summary.contains("shipline-risk"));
    let outputs = std::fs::read_to_string(env.output_file()).unwrap();
    assert!(outputs.contains("level") && outputs.contains("next-version"));
    assert_github_conformance(&forge);
}

#[test]
fn faults_on_the_comment_write_still_leave_one() {
    let forge = FakeForge::start();
    let (repo, env, number) = pr_setup(&forge);
    forge.inject(
        Fault::on(
            "POST",
            "/api/v3/repos/*/*/issues/*/comments",
            FaultKind::Status(502),
        )
        .after()
        .times(2),
    );
    risk_with(repo.path(), env.vars())
        .arg("--comment")
        .assert()
        .success();
    assert_eq!(comments(&forge, number).len(), 1);
    assert_github_conformance(&forge);
}

#[test]
fn missing_token_is_a_clear_error_and_nothing_is_posted() {
    let forge = FakeForge::start();
    let (repo, mut env, number) = pr_setup(&forge);
    env.remove("GITHUB_TOKEN");
    risk_with(repo.path(), env.vars())
        .arg("--comment")
        .assert()
        .failure()
        .stderr(predicate::str::contains("GITHUB_TOKEN"))
        .stderr(predicate::str::contains("pull-requests: write"));
    assert!(comments(&forge, number).is_empty());
    assert!(forge.requests().is_empty());
}

#[test]
fn read_only_token_fails_without_a_comment() {
    let forge = FakeForge::start();
    let (repo, env, number) = pr_setup(&forge);
    forge.state().github.deny("pull_requests=write");
    forge.state().github.deny("issues=write");
    risk_with(repo.path(), env.vars())
        .arg("--comment")
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("#").and(predicate::str::contains("posting the risk summary")),
        );
    assert!(comments(&forge, number).is_empty());
}

fn labels(forge: &FakeForge, number: u64) -> Vec<String> {
    forge
        .state()
        .github
        .repos
        .values()
        .find_map(|r| r.pulls.get(&number).map(|p| p.labels.clone()))
        .unwrap()
}

#[test]
fn a_new_level_replaces_the_old_risk_label() {
    let forge = FakeForge::start();
    let (repo, env, number) = pr_setup(&forge);
    // What an earlier run at another level left behind, next to a label of the team's own.
    forge.state().github.repos.values_mut().for_each(|r| {
        if let Some(p) = r.pulls.get_mut(&number) {
            p.labels.extend(["bug".to_string(), "risk:low".to_string()]);
        }
    });
    let run = || {
        let out = risk_with(repo.path(), env.vars())
            .args(["--label", "--format", "json"])
            .assert()
            .success();
        let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        format!("risk:{}", json["level"].as_str().unwrap())
    };
    let level = run();
    assert_ne!(
        level, "risk:low",
        "the new change must land at another level"
    );
    let now = labels(&forge, number);
    let risk: Vec<&String> = now.iter().filter(|l| l.starts_with("risk:")).collect();
    assert_eq!(risk, [&level], "exactly one risk label: {now:?}");
    assert!(
        now.contains(&"bug".to_string()),
        "other labels kept: {now:?}"
    );
    // A re-run at the same level changes nothing.
    assert_eq!(run(), level);
    assert_eq!(labels(&forge, number), now);
    let deletes = forge.requests_to("DELETE", "/api/v3/repos/*/*/issues/*/labels/*");
    assert_eq!(deletes.len(), 1);
    assert_eq!(
        forge
            .requests_to("POST", "/api/v3/repos/*/*/issues/*/labels")
            .len(),
        1
    );
    assert_github_conformance(&forge);
}
