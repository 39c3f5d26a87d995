//! Every way a change lands, on the fake GitLab backed by the test repository's bare origin: a
//! squashed merge request (its squash commit names no `!N`), a fast-forward merge of three
//! commits, a direct push, what a failed deployment added since the last good one; and the dedup
//! and fault cases of merge request creation.

use shipline_testkit::forge::{FakeForge, Fault, FaultKind};
use shipline_testkit::repo::{MergeStyle, TestRepo};

use crate::gitlab::{add_mr, fake_gitlab, mr_states, run_gitlab};
use crate::helpers::*;

fn fetch_branch(repo: &TestRepo, branch: &str) -> String {
    repo.run([
        "fetch",
        "-q",
        "origin",
        &format!("+refs/heads/{branch}:refs/remotes/origin/{branch}"),
    ]);
    format!("origin/{branch}")
}

fn gl(repo: &TestRepo, forge: &FakeForge, id: u64, args: &[&str]) -> std::process::Output {
    run_gitlab(repo, forge, id, ("GITLAB_TOKEN", TOKEN), args)
}

#[test]
fn squashed_mr_is_reverted_as_its_squash_commit() {
    let repo = base_repo();
    let before = repo.head();
    // GitLab's default squash message is the MR title, with no `!N` to find it by.
    let squash = repo
        .commit("Add exports")
        .file("pr21/a.txt", "a\n")
        .file("pr21/b.txt", "b\n")
        .author("Alice Author", "alice@example.com")
        .create();
    repo.push();
    let (forge, id) = fake_gitlab(&repo);
    let source = [
        "1111111111111111111111111111111111111111".to_string(),
        "2222222222222222222222222222222222222222".to_string(),
    ];
    add_mr(&forge, 21, "Add exports", &source, Some(&squash));
    {
        let mut st = forge.state();
        let mr = &mut st.gitlab.project_mut(REPO).merge_requests[0];
        mr.merge_commit_sha = None;
        mr.squash_commit_sha = Some(squash.clone());
    }
    let out = gl(&repo, &forge, id, &["--pr", "21", "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["culprit"]["landing"], "squash");
    assert_eq!(report["culprit"]["pr"], 21);
    let branch = format!("shipline/revert-{}", &squash[..12]);
    assert_eq!(report["branch"], branch.as_str());
    let remote = fetch_branch(&repo, &branch);
    assert_tree_restored(&repo, &before, &remote, &["pr21"]);
    assert_eq!(mr_states(&forge, &branch), vec!["opened"]);
}

#[test]
fn fast_forwarded_mr_of_three_commits_is_reverted_newest_first() {
    let repo = base_repo();
    let before = repo.head();
    // GitLab rebases the source branch and fast-forwards: the MR's commits are what landed.
    let merged = merge(&repo, 22, "Three steps", MergeStyle::Rebase, 3);
    let (forge, id) = fake_gitlab(&repo);
    let tip = merged.landed.last().unwrap().clone();
    add_mr(&forge, 22, "Three steps", &merged.landed, Some(&tip));
    forge.state().gitlab.project_mut(REPO).merge_requests[0].merge_commit_sha = None;

    let out = gl(&repo, &forge, id, &["--pr", "22", "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["culprit"]["landing"], "rebase");
    let branch = format!("shipline/revert-{}", &tip[..12]);
    assert_eq!(report["branch"], branch.as_str());
    let remote = fetch_branch(&repo, &branch);
    assert_tree_restored(&repo, &before, &remote, &["pr22"]);
    assert_eq!(
        revert_order(&repo, &format!("origin/main..{remote}"), &merged.landed),
        [2, 1, 0]
    );
    // The MR, its commits (a fast-forward leaves nothing else to tell them by), the MRs from
    // the branch; then a dry run on the default branch and, per commit, a dry run and a revert.
    assert_eq!(
        forge
            .requests_to("GET", "/api/v4/projects/*/merge_requests/22/commits")
            .len(),
        1
    );
    assert_eq!(
        forge
            .requests_to("POST", "/api/v4/projects/*/repository/commits/*/revert")
            .len(),
        7
    );
}

#[test]
fn direct_push_is_reverted_on_gitlab() {
    let repo = base_repo();
    let before = repo.head();
    let pushed = repo
        .commit("fix: hot patch")
        .file("app.txt", "patched\n")
        .create();
    repo.push();
    let (forge, id) = fake_gitlab(&repo);
    let out = gl(&repo, &forge, id, &["--sha", &pushed, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["culprit"]["landing"], "direct_push");
    let branch = format!("shipline/revert-{}", &pushed[..12]);
    let remote = fetch_branch(&repo, &branch);
    assert_tree_restored(&repo, &before, &remote, &["app.txt"]);
    // Only the MRs from the branch are read: no MR to look up for a pushed commit.
    assert!(
        forge
            .requests_to("GET", "/api/v4/projects/*/merge_requests/*")
            .is_empty()
    );
}

#[test]
fn failed_deployment_is_reverted_since_the_last_good_one_on_gitlab() {
    let repo = base_repo();
    let good = repo.head();
    repo.commit("feat: one").file("one.txt", "1\n").create();
    let two = repo.commit("feat: two").file("two.txt", "2\n").create();
    repo.push();
    let (forge, id) = fake_gitlab(&repo);
    let failed = {
        let mut st = forge.state();
        st.gitlab
            .add_deployment(REPO, "production", &good, "main", "success", None);
        // A good deployment of another environment does not count.
        st.gitlab
            .add_deployment(REPO, "staging", &two, "main", "success", None);
        st.gitlab
            .add_deployment(REPO, "production", &two, "main", "failed", None)
    };
    let out = gl(
        &repo,
        &forge,
        id,
        &["--deployment", &failed.to_string(), "--format", "json"],
    );
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["culprit"]["landing"], "range");
    assert_eq!(report["culprit"]["commits"].as_array().unwrap().len(), 2);
    let body = report["body"].as_str().unwrap();
    assert!(
        body.contains(&format!(
            "Deployment {failed} to `production` ended in `failure`"
        )),
        "{body}"
    );
    let branch = report["branch"].as_str().unwrap().to_string();
    assert_eq!(branch, format!("shipline/revert-{}", &two[..12]));
    let remote = fetch_branch(&repo, &branch);
    assert_tree_restored(&repo, &good, &remote, &["one.txt", "two.txt"]);
}

#[test]
fn a_revert_mr_closed_by_a_person_is_not_opened_again() {
    let repo = base_repo();
    let merged = merge(&repo, 23, "Feature", MergeStyle::GitLabMerge, 1);
    let merge_sha = merged.merge_commit.clone().unwrap();
    let (forge, id) = fake_gitlab(&repo);
    add_mr(&forge, 23, "Feature", &merged.commits, Some(&merge_sha));
    assert_code(&gl(&repo, &forge, id, &["--pr", "23"]), 0);
    let branch = format!("shipline/revert-{}", &merge_sha[..12]);
    {
        let mut st = forge.state();
        for mr in &mut st.gitlab.project_mut(REPO).merge_requests {
            if mr.source_branch == branch {
                mr.state = "closed".into();
            }
        }
    }
    // The person also deleted the branch: only the MR list can tell.
    repo.run(["push", "-q", "origin", "--delete", &branch]);
    let again = gl(&repo, &forge, id, &["--pr", "23", "--format", "json"]);
    assert_code(&again, 0);
    let report = json(&again);
    assert_skipped(&report, "skipped", "closed; it will not be opened again");
    assert_eq!(mr_states(&forge, &branch), vec!["closed"]);
    assert!(!origin_has(&repo, &branch), "nothing made again");
}

#[test]
fn mr_creation_faults_end_with_one_mr_and_no_orphan_branch() {
    let repo = base_repo();
    let merged = merge(&repo, 24, "Faulty", MergeStyle::GitLabMerge, 1);
    let merge_sha = merged.merge_commit.clone().unwrap();
    let branch = format!("shipline/revert-{}", &merge_sha[..12]);
    let (forge, id) = fake_gitlab(&repo);
    add_mr(&forge, 24, "Faulty", &merged.commits, Some(&merge_sha));

    // GitLab refuses to open it: the branch made on the server is deleted through the API again.
    forge.inject(Fault::on(
        "POST",
        "/api/v4/projects/*/merge_requests",
        FaultKind::Status(403),
    ));
    let out = gl(&repo, &forge, id, &["--pr", "24"]);
    assert_code(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("the branch `{branch}` was deleted again")),
        "{stderr}"
    );
    assert!(!origin_has(&repo, &branch), "no orphaned branch");
    assert!(mr_states(&forge, &branch).is_empty());
    assert!(!stderr.contains(TOKEN));
    assert_eq!(
        forge
            .requests_to("DELETE", "/api/v4/projects/*/repository/branches/*")
            .len(),
        1
    );

    // The MR is made but the answer is lost: the reconciling read finds it; one MR.
    forge.inject(
        Fault::on(
            "POST",
            "/api/v4/projects/*/merge_requests",
            FaultKind::Status(502),
        )
        .after(),
    );
    let out = gl(&repo, &forge, id, &["--pr", "24", "--format", "json"]);
    assert_code(&out, 0);
    assert_eq!(json(&out)["status"], "opened");
    assert_eq!(mr_states(&forge, &branch), vec!["opened"]);
    assert!(origin_has(&repo, &branch));
}
