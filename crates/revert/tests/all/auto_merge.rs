//! `revert.auto_merge: true`: the opened revert PR/MR is set to merge by itself; a forge that
//! refuses makes a warning, not a failed revert.

use shipline_testkit::forge::gitlab::access;
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::{MergeStyle, TestRepo};

use crate::gitlab::{fake_gitlab, run_gitlab};
use crate::helpers::*;

pub(crate) fn with_auto_merge(repo: &TestRepo) {
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "revert:\n  labels: [revert]\n  auto_merge: true\n",
    )
    .unwrap();
}

#[test]
fn github_auto_merge_is_enabled_on_the_opened_pr_with_one_more_request() {
    let repo = base_repo();
    with_auto_merge(&repo);
    let merged = merge(&repo, 21, "Add search", MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    forge.state().github.repo(REPO).allow_auto_merge = true;
    add_pull(&forge, 21, "Add search", &merged);
    let env = github_env(&repo, &forge, "workflow_dispatch", |_| {});

    let out = run_github(&env, &["--pr", "21", "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["auto_merge"], true, "{report}");
    assert_eq!(report["warnings"], serde_json::json!([]));
    let branch = format!("shipline/revert-{}", &merged.merge_commit.unwrap()[..12]);
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    assert!(pulls[0].auto_merge);

    // The four of a whole-PR revert, then the mutation with the new PR's node id.
    let requests = forge.requests();
    assert_eq!(requests.len(), 5);
    let last = requests.last().unwrap();
    assert_eq!(last.path, "/api/graphql");
    let body = last.json().unwrap();
    assert!(
        body["query"]
            .as_str()
            .unwrap()
            .contains("enablePullRequestAutoMerge")
    );
    let created = forge.requests_to("POST", "/api/v3/repos/*/*/pulls");
    let node_id = created[0].response_json().unwrap()["node_id"].clone();
    assert_eq!(body["variables"]["id"], node_id);
    assert_github_conformance(&forge);
}

#[test]
fn github_auto_merge_not_allowed_is_a_warning_and_the_pr_stays() {
    let repo = base_repo();
    with_auto_merge(&repo);
    let merged = merge(&repo, 22, "Add filters", MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    add_pull(&forge, 22, "Add filters", &merged);
    let env = github_env(&repo, &forge, "workflow_dispatch", |_| {});

    let out = run_github(&env, &["--pr", "22", "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["auto_merge"], false);
    let warning = report["warnings"][0].as_str().unwrap();
    assert!(warning.contains("auto-merge not enabled"), "{warning}");
    assert!(
        warning.contains("not allowed for this repository"),
        "{warning}"
    );
    let branch = format!("shipline/revert-{}", &merged.merge_commit.unwrap()[..12]);
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    assert!(!pulls[0].auto_merge);
    assert!(origin_has(&repo, &branch), "the branch stays with its PR");
    assert_github_conformance(&forge);
}

#[test]
fn github_without_auto_merge_sends_no_mutation() {
    let repo = base_repo();
    let merged = merge(&repo, 23, "Add sorting", MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    forge.state().github.repo(REPO).allow_auto_merge = true;
    add_pull(&forge, 23, "Add sorting", &merged);
    let env = github_env(&repo, &forge, "workflow_dispatch", |_| {});

    let out = run_github(&env, &["--pr", "23", "--format", "json"]);
    assert_code(&out, 0);
    assert_eq!(json(&out)["auto_merge"], false);
    let requests = forge.requests();
    assert!(requests.len() <= 4, "{} requests", requests.len());
    assert!(requests.iter().all(|r| {
        !r.json()
            .is_some_and(|b| b["query"].as_str().unwrap_or("").contains("AutoMerge"))
    }));
}

#[test]
fn gitlab_auto_merge_sets_the_mr_to_merge_when_the_pipeline_succeeds() {
    let repo = base_repo();
    with_auto_merge(&repo);
    let bad = repo
        .commit("feat: pushed straight to main")
        .file("pushed.txt", "oops\n")
        .create();
    repo.push();
    let (forge, id) = fake_gitlab(&repo);
    {
        // Pushes start a pipeline that is still running when the MR asks to merge; Developers
        // may merge into `main`.
        let mut st = forge.state();
        let project = st.gitlab.project_mut(REPO);
        project.ci_on_push = Some("running".into());
        project.protected_branches.get_mut("main").unwrap().merge = access::DEVELOPER;
    }

    let out = run_gitlab(
        &repo,
        &forge,
        id,
        ("GITLAB_TOKEN", TOKEN),
        &["--sha", &bad, "--format", "json"],
    );
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["auto_merge"], true, "{report}");
    assert_eq!(report["merged"], false, "{report}");
    let merges = forge.requests_to("PUT", "/api/v4/projects/*/merge_requests/*/merge");
    assert_eq!(merges.len(), 1);
    let body = merges[0].json().unwrap();
    assert_eq!(body["auto_merge"], true);
    assert_eq!(body["merge_when_pipeline_succeeds"], true);
    let st = forge.state();
    let mr = st
        .gitlab
        .project(REPO)
        .unwrap()
        .merge_requests
        .last()
        .unwrap();
    assert!(mr.auto_merge);
    assert_eq!(mr.state, "opened", "set to merge later, not merged now");
}
