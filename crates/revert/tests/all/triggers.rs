//! Triggers read from the event (real webhook examples, adapted to the scenario): `/revert`
//! comments, failed workflow runs on the default branch, failed deployments.

use serde_json::{Value, json};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::{MergeStyle, TestRepo};

use crate::helpers::*;

fn comment_payload(number: u64, user: &str, body: &str) -> impl FnOnce(&mut Value) {
    let (user, body) = (user.to_string(), body.to_string());
    move |p: &mut Value| {
        p["issue"]["number"] = number.into();
        p["issue"]["pull_request"] = json!({
            "url": format!("https://api.github.com/repos/{REPO}/pulls/{number}"),
            "html_url": format!("https://github.com/{REPO}/pull/{number}"),
        });
        p["comment"]["body"] = body.into();
        p["comment"]["user"]["login"] = user.clone().into();
        p["comment"]["user"]["type"] = "User".into();
        p["sender"]["login"] = user.into();
    }
}

fn squash_scenario(number: u64, title: &str) -> (TestRepo, FakeForge, String) {
    let repo = base_repo();
    let merged = merge(&repo, number, title, MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    add_pull(&forge, number, title, &merged);
    let branch = format!("shipline/revert-{}", &merged.merge_commit.unwrap()[..12]);
    (repo, forge, branch)
}

#[test]
fn revert_comment_from_a_maintainer_opens_one_pr_and_replies() {
    let (repo, forge, branch) = squash_scenario(12, "Cache everything");
    let env = github_env(
        &repo,
        &forge,
        "issue_comment.created",
        comment_payload(12, "maria", "/revert checkout is broken"),
    );
    let out = run_github(&env, &[]);
    assert_code(&out, 0);
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    assert!(
        pulls[0].body.contains("Requested by @maria"),
        "{}",
        pulls[0].body
    );
    assert!(pulls[0].body.contains("> checkout is broken"));
    assert_eq!(
        forge
            .requests_to("GET", "/api/v3/repos/*/*/collaborators/maria/permission")
            .len(),
        1
    );

    let replies = forge.state().github.comments_on(REPO, 12);
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0]
            .body
            .contains(&format!("Opened revert PR #{}", pulls[0].number)),
        "{}",
        replies[0].body
    );

    // The same comment delivered again: still one PR, and the reply says so.
    assert_code(&run_github(&env, &[]), 0);
    assert_eq!(pulls_from(&forge, &branch).len(), 1);
    let replies = forge.state().github.comments_on(REPO, 12);
    assert!(
        replies[1].body.contains("already exists"),
        "{}",
        replies[1].body
    );
    assert_github_conformance(&forge);
}

#[test]
fn revert_comment_from_a_read_only_user_is_refused() {
    let (repo, forge, branch) = squash_scenario(13, "Read only");
    let env = github_env(
        &repo,
        &forge,
        "issue_comment.created",
        comment_payload(13, "rita", "/revert"),
    );
    let out = run_github(&env, &[]);
    assert_code(&out, 3);
    assert!(pulls_from(&forge, &branch).is_empty());
    assert!(!origin_has(&repo, &branch));
    assert!(repo.run(["branch", "--list", "shipline/*"]).is_empty());
    let replies = forge.state().github.comments_on(REPO, 13);
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0].body.contains("@rita has read access"),
        "{}",
        replies[0].body
    );
    assert!(outputs(&env)["skipped"].contains("needs write, maintain or admin"));
    assert_github_conformance(&forge);
}

#[test]
fn edited_comments_and_bots_are_ignored_without_a_request() {
    let (repo, forge, _) = squash_scenario(14, "Ignored");
    let mut edited = github_env(
        &repo,
        &forge,
        "issue_comment.edited",
        comment_payload(14, "maria", "/revert"),
    );
    edited.set("GITHUB_EVENT_NAME", "issue_comment");
    let out = run_github(&edited, &["--format", "json"]);
    assert_code(&out, 0);
    assert!(json(&out)["skipped"].as_str().unwrap().contains("edited"));

    let bot = github_env(&repo, &forge, "issue_comment.created", |p| {
        comment_payload(14, "renovate[bot]", "/revert")(p);
        p["comment"]["user"]["type"] = "Bot".into();
    });
    let out = run_github(&bot, &["--format", "json"]);
    assert_code(&out, 0);
    assert!(json(&out)["skipped"].as_str().unwrap().contains("bot"));
    assert!(
        forge.requests().is_empty(),
        "ignored events cost no request"
    );
}

#[test]
fn failed_workflow_run_on_main_reverts_the_pr_its_head_merged() {
    let (repo, forge, branch) = squash_scenario(15, "Faster builds");
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "revert:\n  on: [workflow_failure]\n",
    )
    .unwrap();
    let head = repo.rev("main");
    let env = github_env(&repo, &forge, "workflow_run.completed", |p| {
        p["workflow_run"]["head_branch"] = "main".into();
        p["workflow_run"]["head_sha"] = head.clone().into();
        p["workflow_run"]["conclusion"] = "failure".into();
    });
    let out = run_github(&env, &["--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["culprit"]["pr"], 15);
    // Without the trigger in `revert.on`, the same event does nothing.
    std::fs::remove_file(repo.path().join(".shipline.yml")).unwrap();
    let off = run_github(&env, &["--format", "json"]);
    assert!(
        json(&off)["skipped"]
            .as_str()
            .unwrap()
            .contains("workflow_failure")
    );
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    assert!(
        pulls[0].body.contains("failed on the default branch"),
        "{}",
        pulls[0].body
    );
    assert_eq!(pulls[0].requested_reviewers, vec!["alice"]);
}

#[test]
fn automatic_reverts_respect_the_opt_out_marker_and_the_daily_cap() {
    let (repo, forge, branch) = squash_scenario(16, "Risky");
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "revert:\n  on: [workflow_failure]\n",
    )
    .unwrap();
    forge
        .state()
        .github
        .repo(REPO)
        .pulls
        .get_mut(&16)
        .unwrap()
        .body = "Do not auto-revert [no-revert]".into();
    let head = repo.rev("main");
    let failed_run = |p: &mut Value| {
        p["workflow_run"]["head_branch"] = "main".into();
        p["workflow_run"]["head_sha"] = head.clone().into();
        p["workflow_run"]["conclusion"] = "failure".into();
    };
    let env = github_env(&repo, &forge, "workflow_run.completed", failed_run);
    let out = run_github(&env, &["--format", "json"]);
    assert_code(&out, 0);
    assert!(
        json(&out)["skipped"]
            .as_str()
            .unwrap()
            .contains("opted out")
    );
    assert!(pulls_from(&forge, &branch).is_empty());

    forge
        .state()
        .github
        .repo(REPO)
        .pulls
        .get_mut(&16)
        .unwrap()
        .body = String::new();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "revert:\n  on: [workflow_failure]\n  max_per_day: 0\n",
    )
    .unwrap();
    let out = run_github(&env, &["--format", "json"]);
    assert_code(&out, 0);
    assert!(
        json(&out)["skipped"]
            .as_str()
            .unwrap()
            .contains("daily cap")
    );
    assert!(pulls_from(&forge, &branch).is_empty());

    // A person can still ask for it.
    assert_code(&run_github(&env, &["--pr", "16"]), 0);
    assert_eq!(pulls_from(&forge, &branch).len(), 1);
}

#[test]
fn failed_deployment_reverts_what_it_added_since_the_last_good_one() {
    let repo = base_repo();
    let good = repo.head();
    let first = merge(&repo, 20, "Part one", MergeStyle::Squash, 1);
    let second = merge(&repo, 21, "Part two", MergeStyle::Merge, 1);
    let bad = repo.head();
    let forge = fake_github(&repo);
    add_pull(&forge, 20, "Part one", &first);
    add_pull(&forge, 21, "Part two", &second);
    let failed = {
        let mut st = forge.state();
        let ok = st.github.add_deployment(REPO, &good, "production");
        st.github.add_deployment_status(REPO, ok, "success");
        let failed = st.github.add_deployment(REPO, &bad, "production");
        st.github.add_deployment_status(REPO, failed, "failure");
        failed
    };
    let env = github_env(&repo, &forge, "deployment_status.created", |p| {
        p["deployment"]["id"] = failed.into();
        p["deployment"]["sha"] = bad.clone().into();
        p["deployment"]["environment"] = "production".into();
        p["deployment_status"]["state"] = "failure".into();
        p["deployment_status"]["environment"] = "production".into();
    });
    let out = run_github(&env, &["--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(report["culprit"]["landing"], "range");
    let branch = format!("shipline/revert-{}", &bad[..12]);
    assert_eq!(report["branch"], branch.as_str());
    assert_tree_restored(&repo, &good, &branch, &["pr20", "pr21"]);
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    assert!(
        pulls[0].body.contains("to `production` ended in `failure`"),
        "{}",
        pulls[0].body
    );
    assert_github_conformance(&forge);
}

#[test]
fn the_daily_cap_counts_todays_revert_branches() {
    let repo = base_repo();
    let a = merge(&repo, 31, "First", MergeStyle::Squash, 1);
    let b = merge(&repo, 32, "Second", MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    add_pull(&forge, 31, "First", &a);
    add_pull(&forge, 32, "Second", &b);
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "revert:\n  on: [workflow_failure]\n  max_per_day: 1\n",
    )
    .unwrap();
    let failed_at = |sha: String| {
        move |p: &mut Value| {
            p["workflow_run"]["head_branch"] = "main".into();
            p["workflow_run"]["head_sha"] = sha.into();
            p["workflow_run"]["conclusion"] = "failure".into();
        }
    };
    let first = github_env(
        &repo,
        &forge,
        "workflow_run.completed",
        failed_at(a.merge_commit.clone().unwrap()),
    );
    let out = run_github(&first, &["--format", "json"]);
    assert_eq!(json(&out)["status"], "opened");

    let second = github_env(
        &repo,
        &forge,
        "workflow_run.completed",
        failed_at(b.merge_commit.clone().unwrap()),
    );
    let out = run_github(&second, &["--format", "json"]);
    let report = json(&out);
    assert_eq!(report["status"], "skipped", "{report}");
    assert!(
        report["skipped"].as_str().unwrap().contains("1 today"),
        "{report}"
    );
}
