//! Against the fake GitHub (backed by the test repository's bare origin): the PR it opens,
//! deduplication, the request budget and faults on PR creation.

use shipline_testkit::forge::{Fault, FaultKind};
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::MergeStyle;

use crate::helpers::*;

fn dispatch_env(
    repo: &shipline_testkit::repo::TestRepo,
    forge: &shipline_testkit::forge::FakeForge,
) -> shipline_testkit::fixtures::GitHubEnv {
    github_env(repo, forge, "workflow_dispatch", |_| {})
}

#[test]
fn squash_pr_opens_one_revert_pr_within_four_requests() {
    let repo = base_repo();
    let before = repo.head();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "revert:\n  labels: [revert, incident]\n",
    )
    .unwrap();
    let merged = merge(&repo, 12, "Add the widget cache", MergeStyle::Squash, 2);
    let squash = merged.merge_commit.clone().unwrap();
    let forge = fake_github(&repo);
    add_pull(&forge, 12, "Add the widget cache", &merged);
    let env = dispatch_env(&repo, &forge);

    let out = run_github(&env, &["--pr", "12", "--reason", "p99 latency doubled"]);
    assert_code(&out, 0);

    let branch = format!("shipline/revert-{}", &squash[..12]);
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    let pr = &pulls[0];
    assert_eq!(pr.title, "Revert \"Add the widget cache\"");
    assert_eq!(pr.base_ref, "main");
    for needle in [
        "## Why",
        "> p99 latency doubled",
        "/actions/runs/4242",
        "## What",
        "Reverts [#12](",
        &squash,
        "## Who",
        "@alice",
    ] {
        assert!(
            pr.body.contains(needle),
            "body lacks {needle:?}:\n{}",
            pr.body
        );
    }
    assert_eq!(pr.labels, vec!["revert", "incident"]);
    assert_eq!(pr.requested_reviewers, vec!["alice"]);

    // The branch was pushed to the bare origin and restores the tree before the PR.
    assert!(origin_has(&repo, &branch));
    assert_tree_restored(&repo, &before, &branch, &["pr12"]);
    let msgs = messages(&repo, &format!("main..{branch}"));
    assert!(msgs[0].contains(&format!("This reverts commit {squash}")));

    let outs = outputs(&env);
    assert_eq!(outs["pr-number"], pr.number.to_string());
    assert!(
        outs["pr-url"].ends_with(&format!("/pull/{}", pr.number)),
        "{outs:?}"
    );
    assert_eq!(outs["branch"], branch);
    assert_eq!(outs["skipped"], "");

    // Budget: the GraphQL lookup (PR + PRs from the branch), create, labels, reviewers.
    let requests = forge.requests();
    assert!(
        requests.len() <= 4,
        "{} requests: {:?}",
        requests.len(),
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
    assert_eq!(requests[0].path, "/api/graphql");
    let query = requests[0].json().unwrap()["query"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(query.contains("pullRequests(headRefName:"), "{query}");
    assert_eq!(
        forge.requests_to("POST", "/api/v3/repos/*/*/pulls").len(),
        1
    );
    assert_github_conformance(&forge);
}

#[test]
fn merge_commit_pr_triggered_twice_gives_one_pr() {
    let repo = base_repo();
    let before = repo.head();
    let merged = merge(&repo, 5, "Rework parser", MergeStyle::Merge, 2);
    let forge = fake_github(&repo);
    add_pull(&forge, 5, "Rework parser", &merged);
    let env = dispatch_env(&repo, &forge);

    assert_code(&run_github(&env, &["--pr", "5"]), 0);
    let second = run_github(&env, &["--pr", "5", "--format", "json"]);
    assert_code(&second, 0);
    let report = json(&second);
    assert_skipped(&report, "skipped", "already exists (open)");

    let branch = format!(
        "shipline/revert-{}",
        &merged.merge_commit.clone().unwrap()[..12]
    );
    assert_eq!(pulls_from(&forge, &branch).len(), 1);
    assert_eq!(outputs(&env)["pr-number"], report["pr_number"].to_string());
    assert_tree_restored(&repo, &before, &branch, &["pr5"]);
    assert_github_conformance(&forge);
}

#[test]
fn rebase_merged_pr_of_three_commits_is_reverted_newest_first() {
    let repo = base_repo();
    let before = repo.head();
    let merged = merge(&repo, 9, "Three steps", MergeStyle::Rebase, 3);
    let forge = fake_github(&repo);
    add_pull(&forge, 9, "Three steps", &merged);
    let env = dispatch_env(&repo, &forge);

    let out = run_github(&env, &["--pr", "9", "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened");
    assert_eq!(report["culprit"]["landing"], "rebase");
    let newest = merged.landed.last().unwrap();
    let branch = format!("shipline/revert-{}", &newest[..12]);
    assert_eq!(report["branch"], branch.as_str());

    assert_eq!(
        revert_order(&repo, &format!("main..{branch}"), &merged.landed),
        [2, 1, 0]
    );
    assert_tree_restored(&repo, &before, &branch, &["pr9"]);
    assert_eq!(pulls_from(&forge, &branch).len(), 1);

    // Budget: one GraphQL query (the PR with the PRs that reference it, which is where an
    // earlier revert PR shows up), create, labels, reviewers.
    let paths: Vec<String> = forge
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(paths.len(), 4, "{paths:?}");
    assert_eq!(paths[0], "POST /api/graphql");
    assert_github_conformance(&forge);

    // Triggered again: the open revert PR is found by the same one query; then closed by a
    // person who also deleted the branch: still found, nothing opened or pushed.
    for close in [false, true] {
        if close {
            let mut st = forge.state();
            for pull in st.github.repo(REPO).pulls.values_mut() {
                if pull.head_ref == branch {
                    pull.state = "closed".into();
                }
            }
            drop(st);
            repo.run(["push", "-q", "origin", "--delete", &branch]);
        }
        forge.clear_requests();
        let again = run_github(&env, &["--pr", "9", "--format", "json"]);
        assert_code(&again, 0);
        let report = json(&again);
        assert_eq!(report["status"], "skipped", "{report}");
        let skipped = report["skipped"].as_str().unwrap();
        assert!(
            skipped.contains(&format!("from `{branch}` already exists")),
            "{skipped}"
        );
        assert_eq!(forge.requests().len(), 1);
        assert_eq!(pulls_from(&forge, &branch).len(), 1);
        assert_eq!(origin_has(&repo, &branch), !close);
    }
}

#[test]
fn a_revert_pr_closed_by_a_human_is_not_opened_again() {
    let repo = base_repo();
    let merged = merge(&repo, 6, "Feature six", MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    add_pull(&forge, 6, "Feature six", &merged);
    let env = dispatch_env(&repo, &forge);
    assert_code(&run_github(&env, &["--pr", "6"]), 0);
    let branch = format!(
        "shipline/revert-{}",
        &merged.merge_commit.clone().unwrap()[..12]
    );
    {
        let mut st = forge.state();
        for pull in st.github.repo(REPO).pulls.values_mut() {
            if pull.head_ref == branch {
                pull.state = "closed".into();
            }
        }
    }
    // The person also deleted the branch: only the PR search can tell.
    repo.run(["push", "-q", "origin", "--delete", &branch]);

    let again = run_github(&env, &["--pr", "6", "--format", "json"]);
    assert_code(&again, 0);
    let report = json(&again);
    assert_skipped(&report, "skipped", "closed; it will not be opened again");
    assert_eq!(pulls_from(&forge, &branch).len(), 1);
    assert!(!origin_has(&repo, &branch), "nothing pushed again");
}

#[test]
fn a_lost_answer_on_pr_creation_still_ends_with_one_pr() {
    let repo = base_repo();
    let merged = merge(&repo, 8, "Lost answer", MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    add_pull(&forge, 8, "Lost answer", &merged);
    forge.inject(
        Fault::on("POST", "/api/v3/repos/*/*/pulls", FaultKind::Status(502))
            .after()
            .times(1),
    );
    let env = dispatch_env(&repo, &forge);
    let out = run_github(&env, &["--pr", "8", "--format", "json"]);
    assert_code(&out, 0);
    let branch = format!(
        "shipline/revert-{}",
        &merged.merge_commit.clone().unwrap()[..12]
    );
    assert_eq!(pulls_from(&forge, &branch).len(), 1);
    assert_eq!(json(&out)["status"], "opened");
    assert_github_conformance(&forge);
}

#[test]
fn a_pr_that_cannot_be_opened_leaves_no_branch_and_a_rerun_opens_one() {
    let repo = base_repo();
    let merged = merge(&repo, 10, "Refused create", MergeStyle::Merge, 1);
    let forge = fake_github(&repo);
    add_pull(&forge, 10, "Refused create", &merged);
    forge.inject(Fault::on("POST", "/api/v3/repos/*/*/pulls", FaultKind::Status(502)).times(2));
    let env = dispatch_env(&repo, &forge);
    let out = run_github(&env, &["--pr", "10"]);
    assert_code(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let branch = format!(
        "shipline/revert-{}",
        &merged.merge_commit.clone().unwrap()[..12]
    );
    assert!(
        stderr.contains(&format!("the branch `{branch}` was deleted again")),
        "{stderr}"
    );
    // The runner is told to mask the token; nothing else prints it.
    let printed: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    assert!(!printed.join("\n").contains(TOKEN), "{stderr}");
    assert!(!origin_has(&repo, &branch), "no orphaned branch");
    assert!(pulls_from(&forge, &branch).is_empty());

    // One attempt, one reconciling look-up, one more attempt: then the branch is removed.
    assert_eq!(
        forge.requests_to("POST", "/api/v3/repos/*/*/pulls").len(),
        2
    );

    // The forge recovers (both faults used up): the next run opens exactly one PR.
    assert_code(&run_github(&env, &["--pr", "10"]), 0);
    assert_eq!(pulls_from(&forge, &branch).len(), 1);
    assert!(origin_has(&repo, &branch));
}

#[test]
fn a_revert_of_a_revert_is_labelled_as_a_re_land() {
    let repo = base_repo();
    let merged = merge(&repo, 11, "Revert \"Add search\"", MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    add_pull(&forge, 11, "Revert \"Add search\"", &merged);
    let env = dispatch_env(&repo, &forge);
    assert_code(&run_github(&env, &["--pr", "11"]), 0);
    let branch = format!(
        "shipline/revert-{}",
        &merged.merge_commit.clone().unwrap()[..12]
    );
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls[0].labels, vec!["revert", "re-land"]);
    assert!(pulls[0].body.contains("re-land"));
}

#[test]
fn a_pr_that_is_not_merged_is_refused() {
    let repo = base_repo();
    let forge = fake_github(&repo);
    let head = repo.head();
    let mut open = shipline_testkit::forge::github::Pull::open("Still open", "wip", &head);
    open.number = 30;
    forge.state().github.add_pull(REPO, open);
    let env = dispatch_env(&repo, &forge);
    let out = run_github(&env, &["--pr", "30"]);
    assert_code(&out, 3);
    assert!(String::from_utf8_lossy(&out.stdout).contains("#30 is not merged (still open)"));
    assert!(forge.requests_to("POST", "/api/v3/**").is_empty());
    assert!(outputs(&env)["skipped"].contains("not merged"));
}

#[test]
fn a_conflicting_revert_opens_an_issue_with_the_files_and_no_pr() {
    let repo = base_repo();
    // `(#41)` names no PR on this forge: the commit is reverted without PR details.
    let bad = repo
        .commit("feat: rewrite app (#41)")
        .file("app.txt", "one\nchanged\nthree\n")
        .create();
    repo.commit("feat: build on it")
        .file("app.txt", "one\nchanged again\nthree\n")
        .create();
    repo.push();
    let forge = fake_github(&repo);
    let env = dispatch_env(&repo, &forge);
    let out = run_github(&env, &["--sha", &bad, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "conflict", "{report}");
    let branch = format!("shipline/revert-{}", &bad[..12]);
    assert!(pulls_from(&forge, &branch).is_empty());
    assert!(!origin_has(&repo, &branch));
    let issues: Vec<_> = forge
        .state()
        .github
        .repo(REPO)
        .issues
        .values()
        .cloned()
        .collect();
    assert_eq!(issues.len(), 1);
    assert!(issues[0].body.contains("- `app.txt`"), "{}", issues[0].body);
    assert!(
        issues[0]
            .body
            .contains(&format!("git revert --no-edit {bad}"))
    );
    assert!(report["issue_url"].as_str().is_some());
    assert!(outputs(&env)["skipped"].contains("conflicts"));

    // Again, then again after a person closed the issue: still the one issue, and `skipped` says
    // which.
    for close in [false, true] {
        if close {
            for issue in forge.state().github.repo(REPO).issues.values_mut() {
                issue.state = "closed".into();
            }
        }
        let again = run_github(&env, &["--sha", &bad, "--format", "json"]);
        assert_code(&again, 0);
        let report = json(&again);
        assert_eq!(report["status"], "conflict", "{report}");
        assert_eq!(report["issue_url"], json(&out)["issue_url"]);
        let skipped = outputs(&env)["skipped"].clone();
        assert!(
            skipped.contains("already lists them, not opened again"),
            "{skipped}"
        );
        assert_eq!(forge.state().github.repo(REPO).issues.len(), 1);
    }
    assert_eq!(
        forge.requests_to("GET", "/api/v3/repos/*/*/issues").len(),
        3
    );
    assert_github_conformance(&forge);
}

#[test]
fn a_token_without_pull_requests_write_is_named_and_the_branch_removed() {
    let repo = base_repo();
    let merged = merge(&repo, 50, "No permission", MergeStyle::Squash, 1);
    let forge = fake_github(&repo);
    add_pull(&forge, 50, "No permission", &merged);
    forge.state().github.deny("pull_requests=write");
    let env = dispatch_env(&repo, &forge);
    let out = run_github(&env, &["--pr", "50"]);
    assert_code(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("permissions: pull-requests: write"),
        "{stderr}"
    );
    let branch = format!("shipline/revert-{}", &merged.merge_commit.unwrap()[..12]);
    assert!(stderr.contains("was deleted again"), "{stderr}");
    assert!(!origin_has(&repo, &branch));
    assert!(pulls_from(&forge, &branch).is_empty());
}

#[test]
fn the_pr_description_reads_why_what_who() {
    let repo = base_repo();
    let merged = merge(&repo, 60, "Add the widget cache", MergeStyle::Merge, 2);
    let forge = fake_github(&repo);
    add_pull(&forge, 60, "Add the widget cache", &merged);
    let env = dispatch_env(&repo, &forge);
    assert_code(
        &run_github(&env, &["--pr", "60", "--reason", "errors doubled"]),
        0,
    );
    let branch = format!("shipline/revert-{}", &merged.merge_commit.unwrap()[..12]);
    let body = pulls_from(&forge, &branch)[0].body.clone();
    insta::with_settings!({filters => vec![
        (r"\b[0-9a-f]{40}\b", "[sha]"),
        (r"revert-[0-9a-f]{12}", "revert-[sha12]"),
        (r"127\.0\.0\.1:\d+", "[forge]"),
    ]}, {
        insta::assert_snapshot!(body);
    });
}

#[test]
fn a_branch_left_without_a_pr_is_reused_not_pushed_again() {
    let repo = base_repo();
    let merged = merge(&repo, 61, "Orphan", MergeStyle::Squash, 1);
    let squash = merged.merge_commit.clone().unwrap();
    let branch = format!("shipline/revert-{}", &squash[..12]);
    // An earlier run pushed the branch but could not open the PR nor delete the branch.
    repo.run(["branch", &branch, "main"]);
    repo.checkout(&branch);
    repo.run(["revert", "--no-edit", &squash]);
    let tip = repo.head();
    repo.checkout("main");
    repo.run(["push", "-q", "origin", &branch]);
    repo.run(["branch", "-D", &branch]);

    let forge = fake_github(&repo);
    add_pull(&forge, 61, "Orphan", &merged);
    let env = dispatch_env(&repo, &forge);
    let out = run_github(&env, &["--pr", "61", "--format", "json"]);
    assert_code(&out, 0);
    assert_eq!(json(&out)["status"], "opened");
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    assert_eq!(
        pulls[0].head_sha, tip,
        "the existing branch is the PR's head"
    );
}

#[test]
fn a_direct_push_costs_three_requests() {
    let repo = base_repo();
    let pushed = repo
        .commit("fix: hot patch")
        .file("app.txt", "x\n")
        .create();
    repo.push();
    let forge = fake_github(&repo);
    let env = dispatch_env(&repo, &forge);
    let out = run_github(&env, &["--sha", &pushed, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["culprit"]["landing"], "direct_push");
    assert!(
        report["body"].as_str().unwrap().contains(
            "No forge account is known for the original author; git says Shipline Test wrote it."
        ),
        "{report}"
    );
    // PRs from the branch (GraphQL), create, labels; nobody to ask for review.
    assert_eq!(forge.requests().len(), 3);
    assert_github_conformance(&forge);
}

#[test]
fn deployment_flag_reverts_since_the_last_good_deployment() {
    let repo = base_repo();
    let good = repo.head();
    let one = repo.commit("feat: one").file("one.txt", "1\n").create();
    let _ = one;
    let two = repo.commit("feat: two").file("two.txt", "2\n").create();
    repo.push();
    let forge = fake_github(&repo);
    let failed = {
        let mut st = forge.state();
        let ok = st.github.add_deployment(REPO, &good, "staging");
        st.github.add_deployment_status(REPO, ok, "success");
        // A good deployment elsewhere does not count.
        let other = st.github.add_deployment(REPO, &two, "production");
        st.github.add_deployment_status(REPO, other, "success");
        let failed = st.github.add_deployment(REPO, &two, "staging");
        st.github.add_deployment_status(REPO, failed, "error");
        failed
    };
    let env = dispatch_env(&repo, &forge);
    let out = run_github(
        &env,
        &["--deployment", &failed.to_string(), "--format", "json"],
    );
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["culprit"]["landing"], "range", "{report}");
    assert_eq!(report["culprit"]["commits"].as_array().unwrap().len(), 2);
    // The failed deployment is the evidence, as when its event triggers the revert.
    let body = report["body"].as_str().unwrap();
    assert!(
        body.contains(&format!(
            "Deployment {failed} to `staging` ended in `error`"
        )),
        "{body}"
    );
    let branch = report["branch"].as_str().unwrap().to_string();
    repo.run(["fetch", "-q", "origin"]);
    assert_tree_restored(
        &repo,
        &good,
        &format!("origin/{branch}"),
        &["one.txt", "two.txt"],
    );
    assert_github_conformance(&forge);
}
