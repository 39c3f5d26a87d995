//! GitLab's roles and tiers as they meet a revert: a Developer's token on a protected default
//! branch, reviewers GitLab does not keep, and auto-merge on a merge request whose pipeline has
//! passed already (merged at once, refused for missing approvals, refused to a user who may not
//! merge).

use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::access;
use shipline_testkit::repo::TestRepo;

use crate::auto_merge::with_auto_merge;
use crate::gitlab::{fake_gitlab, run_gitlab, set_role};
use crate::helpers::*;

/// A commit pushed straight to `main` and the fake GitLab over the repository.
fn pushed_commit() -> (TestRepo, String, FakeForge, u64) {
    let repo = base_repo();
    let bad = repo
        .commit("feat: pushed straight to main")
        .file("pushed.txt", "oops\n")
        .author("Alice Author", "alice@example.com")
        .create();
    repo.push();
    let (forge, id) = fake_gitlab(&repo);
    (repo, bad, forge, id)
}

/// The statuses GitLab answered to the commit revert API, in order, with the branch and
/// `dry_run` of each request.
fn reverts(forge: &FakeForge) -> Vec<(String, bool, u16)> {
    forge
        .requests_to("POST", "/api/v4/projects/*/repository/commits/*/revert")
        .iter()
        .map(|r| {
            let body = r.json().unwrap();
            (
                body["branch"].as_str().unwrap().to_string(),
                body["dry_run"].as_bool().unwrap(),
                r.status,
            )
        })
        .collect()
}

#[test]
fn a_developer_token_reverts_although_the_default_branch_is_protected() {
    let (repo, bad, forge, id) = pushed_commit();
    assert!(
        forge
            .state()
            .gitlab
            .project(REPO)
            .unwrap()
            .protected_branches["main"]
            .push
            == access::MAINTAINER,
        "GitLab protects the default branch for Maintainers"
    );
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
    let branch = format!("shipline/revert-{}", &bad[..12]);
    assert!(origin_has(&repo, &branch));
    assert_eq!(
        reverts(&forge),
        vec![
            ("main".to_string(), true, 403),
            (branch.clone(), true, 200),
            (branch.clone(), false, 201),
        ],
        "the refused check on `main` is skipped; the dry run on the new branch checks instead"
    );

    // With push rights on `main` the check there passes and nothing else changes.
    let (repo, bad, forge, id) = pushed_commit();
    set_role(&forge, "shipline-bot", access::MAINTAINER);
    let out = run_gitlab(
        &repo,
        &forge,
        id,
        ("GITLAB_TOKEN", TOKEN),
        &["--sha", &bad, "--format", "json"],
    );
    assert_code(&out, 0);
    let statuses: Vec<u16> = reverts(&forge).iter().map(|r| r.2).collect();
    assert_eq!(statuses, vec![200, 200, 201]);
}

#[test]
fn reviewers_gitlab_drops_are_not_reported_as_requested() {
    let (repo, bad, forge, id) = pushed_commit();
    {
        let mut st = forge.state();
        st.gitlab.set_member(REPO, "bob", access::DEVELOPER);
        // carol exists on the instance but cannot see the project.
        st.gitlab.add_user("carol");
        st.gitlab.project_mut(REPO).free_tier = true;
    }
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "revert:\n  labels: [revert]\n  reviewers: [bob, carol]\n",
    )
    .unwrap();
    // The commit's author is not known to GitLab by name here: the configured reviewers are
    // the ones asked for.
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
    let st = forge.state();
    let project = st.gitlab.project(REPO).unwrap();
    let mr = project.merge_requests.last().unwrap();
    let kept: Vec<String> = mr
        .reviewers
        .iter()
        .map(|id| {
            st.gitlab
                .users
                .iter()
                .find(|u| u.id == *id)
                .unwrap()
                .username
                .clone()
        })
        .collect();
    assert_eq!(kept.len(), 1, "the Free tier keeps one reviewer: {kept:?}");
    assert_eq!(report["reviewers"], serde_json::json!(kept), "{report}");
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("GitLab did not keep"), "{warnings}");
    assert!(warnings.contains("`carol`"), "{warnings}");

    // On a paid tier both who can see the project are kept; carol still is not.
    drop(st);
    let (repo2, bad2, forge2, id2) = pushed_commit();
    forge2
        .state()
        .gitlab
        .set_member(REPO, "bob", access::DEVELOPER);
    forge2.state().gitlab.add_user("carol");
    std::fs::write(
        repo2.path().join(".shipline.yml"),
        "revert:\n  reviewers: [alice, bob, carol]\n",
    )
    .unwrap();
    let out = run_gitlab(
        &repo2,
        &forge2,
        id2,
        ("GITLAB_TOKEN", TOKEN),
        &["--sha", &bad2, "--format", "json"],
    );
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(
        report["reviewers"],
        serde_json::json!(["alice", "bob"]),
        "{report}"
    );
    assert!(
        report["warnings"].to_string().contains("`carol`"),
        "{report}"
    );
}

/// Auto-merge on a revert MR whose pipeline (started by the server-side revert) has passed.
fn auto_merge_after_green_pipeline(
    merge_role: u32,
    approvals_required: usize,
) -> (TestRepo, FakeForge, serde_json::Value) {
    let (repo, bad, forge, id) = pushed_commit();
    with_auto_merge(&repo);
    {
        let mut st = forge.state();
        let project = st.gitlab.project_mut(REPO);
        project.ci_on_push = Some("success".into());
        project.approvals_required = approvals_required;
        project.protected_branches.get_mut("main").unwrap().merge = merge_role;
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
    (repo, forge, report)
}

#[test]
fn auto_merge_on_a_passed_pipeline_merges_at_once_and_says_so() {
    let (repo, forge, report) = auto_merge_after_green_pipeline(access::DEVELOPER, 0);
    assert_eq!(report["merged"], true, "{report}");
    assert_eq!(report["auto_merge"], false, "{report}");
    let st = forge.state();
    let mr = st
        .gitlab
        .project(REPO)
        .unwrap()
        .merge_requests
        .last()
        .unwrap();
    assert_eq!(mr.state, "merged");
    let merge_commit = mr.merge_commit_sha.clone().unwrap();
    drop(st);
    // The merge is on `main` for real.
    repo.run(["fetch", "-q", "origin", "main"]);
    assert_eq!(repo.run(["rev-parse", "FETCH_HEAD"]).trim(), merge_commit);
    assert_eq!(repo.run(["ls-tree", "FETCH_HEAD", "pushed.txt"]).trim(), "");
}

#[test]
fn auto_merge_without_the_required_approvals_is_a_plain_warning() {
    let (_repo, forge, report) = auto_merge_after_green_pipeline(access::DEVELOPER, 1);
    assert_eq!(report["merged"], false, "{report}");
    assert_eq!(report["auto_merge"], false, "{report}");
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("approv"), "{warnings}");
    assert!(!warnings.contains("replace the token"), "{warnings}");
    let st = forge.state();
    let mr = st
        .gitlab
        .project(REPO)
        .unwrap()
        .merge_requests
        .last()
        .unwrap();
    assert_eq!(mr.state, "opened");
}

#[test]
fn auto_merge_refused_with_401_says_the_token_may_not_merge() {
    let (_repo, forge, report) = auto_merge_after_green_pipeline(access::MAINTAINER, 0);
    assert_eq!(report["merged"], false, "{report}");
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("may not merge"), "{warnings}");
    assert!(!warnings.contains("replace the token"), "{warnings}");
    assert!(!warnings.contains("expired, revoked"), "{warnings}");
    let merges = forge.requests_to("PUT", "/api/v4/projects/*/merge_requests/*/merge");
    assert_eq!(merges.len(), 1);
    assert_eq!(merges[0].status, 401);
}
