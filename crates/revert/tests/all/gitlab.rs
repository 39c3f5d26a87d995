//! Against the fake GitLab (backed by the test repository's bare origin): the commit revert API
//! with `dry_run` first, the branch, the merge request; and the job-token refusal.

use std::path::Path;
use std::process::Output;

use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::{NewMergeRequest, access};
use shipline_testkit::repo::{MergeStyle, TestRepo};

use crate::helpers::*;

pub(crate) fn fake_gitlab(repo: &TestRepo) -> (FakeForge, u64) {
    let forge = FakeForge::start();
    let id = {
        let mut st = forge.state();
        let id = st.gitlab.add_project(REPO);
        st.gitlab.set_repo(REPO, repo.bare_path());
        st.gitlab
            .add_token(TOKEN, "shipline-bot", REPO, access::DEVELOPER);
        let alice = st.gitlab.add_user("alice");
        st.gitlab
            .project_mut(REPO)
            .members
            .insert(alice, access::DEVELOPER);
        id
    };
    (forge, id)
}

/// Gives `username` `role` on the project.
pub(crate) fn set_role(forge: &FakeForge, username: &str, role: u32) {
    forge.state().gitlab.set_member(REPO, username, role);
}

/// Registers merge request `iid` on the fake, merged as `landed_at` (`None`: still open),
/// authored by alice.
pub(crate) fn add_mr(
    forge: &FakeForge,
    iid: u64,
    title: &str,
    commits: &[String],
    landed_at: Option<&str>,
) {
    let mut st = forge.state();
    let index = st.gitlab.add_merge_request(
        REPO,
        NewMergeRequest {
            title: title.into(),
            author: "alice".into(),
            source_branch: format!("feature-{iid}"),
            target_branch: "main".into(),
            sha: commits.last().expect("MR commits").clone(),
            commits: commits.to_vec(),
            merged_as: landed_at.map(str::to_string),
        },
    );
    st.gitlab.project_mut(REPO).merge_requests[index as usize - 1].iid = iid;
}

/// The states of the MRs opened from `branch`, oldest first.
pub(crate) fn mr_states(forge: &FakeForge, branch: &str) -> Vec<String> {
    forge
        .state()
        .gitlab
        .project(REPO)
        .expect("project")
        .merge_requests
        .iter()
        .filter(|m| m.source_branch == branch)
        .map(|m| m.state.clone())
        .collect()
}

pub(crate) fn run_gitlab(
    repo: &TestRepo,
    forge: &FakeForge,
    project_id: u64,
    token: (&str, &str),
    args: &[&str],
) -> Output {
    run_gitlab_at(repo.path(), &repo.head(), forge, project_id, token, args)
}

/// Runs the binary as a GitLab CI job of a branch pipeline at `head` in the checkout `dir`.
pub(crate) fn run_gitlab_at(
    dir: &Path,
    head: &str,
    forge: &FakeForge,
    project_id: u64,
    token: (&str, &str),
    args: &[&str],
) -> Output {
    let mut vars = gitlab_vars(GitLabPipeline::Branch);
    vars.remove("CI_JOB_TOKEN");
    vars.remove("GITLAB_TOKEN");
    for (k, v) in [
        ("CI_PROJECT_PATH", REPO.to_string()),
        ("CI_PROJECT_ID", project_id.to_string()),
        ("CI_PROJECT_DIR", dir.to_string_lossy().to_string()),
        ("CI_API_V4_URL", forge.gitlab_api_url()),
        ("CI_DEFAULT_BRANCH", "main".to_string()),
        ("CI_COMMIT_SHA", head.to_string()),
        (
            "SHIPLINE_DOTENV",
            dir.join("../revert.env").to_string_lossy().to_string(),
        ),
        (
            "SHIPLINE_REPORT",
            dir.join("../revert.md").to_string_lossy().to_string(),
        ),
        (token.0, token.1.to_string()),
    ] {
        vars.insert(k.to_string(), v);
    }
    bin(dir)
        .current_dir(dir)
        .envs(&vars)
        .args(args)
        .output()
        .expect("run shipline-revert")
}

#[test]
fn merged_mr_is_reverted_by_the_commit_revert_api_then_the_mr_is_opened() {
    let repo = base_repo();
    let before = repo.head();
    let merged = merge(&repo, 17, "Add exports", MergeStyle::GitLabMerge, 2);
    let merge_sha = merged.merge_commit.clone().unwrap();
    let (forge, id) = fake_gitlab(&repo);
    // The subject GitLab wrote names !17.
    add_mr(&forge, 17, "Add exports", &merged.commits, Some(&merge_sha));

    let out = run_gitlab(
        &repo,
        &forge,
        id,
        ("GITLAB_TOKEN", TOKEN),
        &["--pr", "17", "--format", "json"],
    );
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    let branch = format!("shipline/revert-{}", &merge_sha[..12]);

    // The branch was made on the server: fetch it and compare trees.
    assert!(origin_has(&repo, &branch));
    repo.run([
        "fetch",
        "-q",
        "origin",
        &format!("refs/heads/{branch}:refs/remotes/origin/{branch}"),
    ]);
    let remote = format!("origin/{branch}");
    assert_tree_restored(&repo, &before, &remote, &["pr17"]);
    let msgs = messages(&repo, &format!("origin/main..{remote}"));
    assert!(
        msgs[0].contains(&format!("This reverts commit {merge_sha}")),
        "{msgs:?}"
    );

    // dry_run first (on the default branch, which the Developer's token may not push to: GitLab
    // refuses that check with 403 and the run goes on; then on the new branch), then the real
    // revert.
    let reverts: Vec<bool> = forge
        .requests_to("POST", "/api/v4/projects/*/repository/commits/*/revert")
        .iter()
        .map(|r| r.json().unwrap()["dry_run"].as_bool().unwrap())
        .collect();
    assert_eq!(reverts, vec![true, true, false]);
    assert_eq!(
        forge
            .requests_to("POST", "/api/v4/projects/*/repository/branches")
            .len(),
        1
    );

    let st = forge.state();
    let project = st.gitlab.project(REPO).unwrap();
    let mrs: Vec<_> = project
        .merge_requests
        .iter()
        .filter(|m| m.source_branch == branch)
        .collect();
    assert_eq!(mrs.len(), 1);
    assert_eq!(mrs[0].title, "Revert \"Add exports\"");
    assert!(
        mrs[0].description.contains("@alice"),
        "{}",
        mrs[0].description
    );
    assert_eq!(mrs[0].labels, vec!["revert"]);
    drop(st);

    // Again: the MR is found, nothing new.
    let again = run_gitlab(
        &repo,
        &forge,
        id,
        ("GITLAB_TOKEN", TOKEN),
        &["--pr", "17", "--format", "json"],
    );
    assert_code(&again, 0);
    assert_eq!(json(&again)["status"], "skipped");
    let dotenv = std::fs::read_to_string(repo.path().join("../revert.env")).unwrap();
    assert!(dotenv.contains(&format!("BRANCH={branch}")), "{dotenv}");
}

#[test]
fn a_job_token_alone_is_refused_before_any_write() {
    let repo = base_repo();
    let merged = merge(&repo, 18, "Job token", MergeStyle::GitLabMerge, 1);
    let (forge, id) = fake_gitlab(&repo);
    let out = run_gitlab(
        &repo,
        &forge,
        id,
        ("CI_JOB_TOKEN", "job-token-value-123456"),
        &["--pr", "18"],
    );
    assert_code(&out, 3);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("project access token"), "{text}");
    assert!(text.contains("GITLAB_TOKEN"), "{text}");
    assert!(forge.requests().is_empty(), "nothing sent");
    let branch = format!("shipline/revert-{}", &merged.merge_commit.unwrap()[..12]);
    assert!(!origin_has(&repo, &branch));
}

#[test]
fn a_revert_gitlab_refuses_opens_an_issue_with_the_files_and_leaves_no_branch() {
    let repo = base_repo();
    let bad = repo
        .commit("feat: rewrite app")
        .file("app.txt", "one\nchanged\nthree\n")
        .create();
    repo.commit("feat: build on it")
        .file("app.txt", "one\nchanged again\nthree\n")
        .create();
    repo.push();
    let (forge, id) = fake_gitlab(&repo);
    // A Maintainer may push to the protected default branch, so the dry run there is the check.
    set_role(&forge, "shipline-bot", access::MAINTAINER);
    let out = run_gitlab(
        &repo,
        &forge,
        id,
        ("GITLAB_TOKEN", TOKEN),
        &["--sha", &bad, "--format", "json"],
    );
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "conflict", "{report}");
    assert_eq!(report["conflicts"], serde_json::json!(["app.txt"]));
    let branch = format!("shipline/revert-{}", &bad[..12]);
    assert!(!origin_has(&repo, &branch));
    assert!(repo.run(["branch", "--list", "shipline/*"]).is_empty());
    // Only the dry run was sent: no branch was created on the server.
    assert!(
        forge
            .requests_to("POST", "/api/v4/projects/*/repository/branches")
            .is_empty()
    );
    let st = forge.state();
    let issues = &st.gitlab.project(REPO).unwrap().issues;
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].description.contains("- `app.txt`"),
        "{}",
        issues[0].description
    );
    drop(st);

    // Again, also once the issue is closed: no second issue, and the report says so.
    for close in [false, true] {
        if close {
            let mut st = forge.state();
            for issue in &mut st.gitlab.project_mut(REPO).issues {
                issue.state = "closed".into();
            }
        }
        let again = run_gitlab(
            &repo,
            &forge,
            id,
            ("GITLAB_TOKEN", TOKEN),
            &["--sha", &bad, "--format", "json"],
        );
        assert_code(&again, 0);
        let report = json(&again);
        assert_skipped(&report, "conflict", "already lists them, not opened again");
        assert_eq!(forge.state().gitlab.project(REPO).unwrap().issues.len(), 1);
    }
}
