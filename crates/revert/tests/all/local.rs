//! Local mode (no forge token): culprit detection from the graph and the revert branch in git.

use shipline_testkit::repo::{MergeStyle, TestRepo};

use crate::helpers::*;

#[test]
fn merge_commit_pr_is_reverted_against_its_first_parent() {
    let repo = base_repo();
    let before = repo.head();
    let merged = merge(&repo, 7, "Add gadgets", MergeStyle::Merge, 2);
    let merge_sha = merged.merge_commit.clone().unwrap();
    repo.commit("docs: later work")
        .file("README.md", "widgets\nmore\n")
        .create();
    repo.push();

    let out = run_local(&repo, &["--pr", "7", "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    let branch = format!("shipline/revert-{}", &merge_sha[..12]);
    assert_eq!(report["status"], "local");
    assert_eq!(report["branch"], branch.as_str());
    assert_eq!(report["culprit"]["landing"], "merge");
    assert_eq!(report["title"], "Revert \"Add gadgets\"");
    assert!(
        report["body"]
            .as_str()
            .unwrap()
            .contains("git says Shipline Test merged it."),
        "{report}"
    );

    let msgs = messages(&repo, &format!("main..{branch}"));
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains(&format!("This reverts commit {merge_sha}")),
        "{}",
        msgs[0]
    );
    assert_tree_restored(&repo, &before, &branch, &["pr7"]);
    // The later change stays.
    assert_eq!(
        repo.run(["show", &format!("{branch}:README.md")]),
        "widgets\nmore"
    );
    // Local mode without --push leaves origin alone, and the checkout stays on main.
    assert!(!origin_has(&repo, &branch));
    assert_eq!(repo.run(["symbolic-ref", "--short", "HEAD"]), "main");

    // A second run finds the branch and does nothing new.
    let again = run_local(&repo, &["--pr", "7", "--format", "json"]);
    assert_code(&again, 0);
    let report = json(&again);
    assert_skipped(&report, "skipped", "exists already");
}

#[test]
fn squash_commit_is_one_revert_and_push_only_with_the_flag() {
    let repo = base_repo();
    let before = repo.head();
    let merged = merge(&repo, 3, "Squashed thing", MergeStyle::Squash, 3);
    let squash = merged.merge_commit.clone().unwrap();
    let main_before = repo.rev("origin/main");

    let out = run_local(&repo, &["--sha", &squash, "--push", "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    let branch = format!("shipline/revert-{}", &squash[..12]);
    assert_eq!(report["culprit"]["landing"], "squash");
    assert_eq!(report["culprit"]["pr"], 3);
    assert_eq!(report["title"], "Revert \"Squashed thing\"");
    assert_eq!(messages(&repo, &format!("main..{branch}")).len(), 1);
    assert_tree_restored(&repo, &before, &branch, &["pr3"]);
    assert!(
        origin_has(&repo, &branch),
        "--push pushes the revert branch"
    );
    // The default branch on origin did not move.
    repo.run(["fetch", "-q", "origin"]);
    assert_eq!(repo.rev("origin/main"), main_before);
}

#[test]
fn direct_push_is_reverted_as_a_plain_commit() {
    let repo = base_repo();
    let before = repo.head();
    let pushed = repo
        .commit("fix: tweak app")
        .file("app.txt", "one\nTWO\nthree\n")
        .author("Dana Dev", "dana@example.com")
        .create();
    repo.push();

    let out = run_local(
        &repo,
        &[
            "--sha",
            &pushed,
            "--reason",
            "breaks login",
            "--format",
            "json",
        ],
    );
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["culprit"]["landing"], "direct_push");
    let body = report["body"].as_str().unwrap();
    assert!(body.contains("> breaks login"), "{body}");
    // No forge to name an account: the author git recorded.
    assert!(
        body.contains("git says Dana Dev wrote it. Please review."),
        "{body}"
    );
    let branch = report["branch"].as_str().unwrap().to_string();
    assert_tree_restored(&repo, &before, &branch, &["app.txt"]);
}

#[test]
fn a_range_is_reverted_newest_first() {
    let repo = base_repo();
    let good = repo.head();
    let shas: Vec<String> = (1..=3)
        .map(|i| {
            repo.commit(&format!("feat: step {i}"))
                .file("app.txt", format!("one\ntwo\nthree\nstep {i}\n"))
                .file(format!("step{i}.txt"), "x\n")
                .create()
        })
        .collect();
    repo.push();

    let range = format!("{good}..{}", shas[2]);
    let out = run_local(&repo, &["--range", &range, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["culprit"]["landing"], "range");
    let branch = report["branch"].as_str().unwrap().to_string();
    assert_eq!(branch, format!("shipline/revert-{}", &shas[2][..12]));
    // Oldest revert commit first in history = the newest original reverted first.
    let msgs = messages(&repo, &format!("main..{branch}"));
    let order: Vec<usize> = msgs
        .iter()
        .rev()
        .map(|m| {
            shas.iter()
                .position(|s| m.contains(&format!("This reverts commit {s}")))
                .unwrap()
        })
        .collect();
    assert_eq!(order, vec![2, 1, 0]);
    assert_tree_restored(
        &repo,
        &good,
        &branch,
        &["app.txt", "step1.txt", "step2.txt", "step3.txt"],
    );
}

#[test]
fn a_commit_off_the_default_branch_is_refused_and_nothing_is_created() {
    let repo = base_repo();
    repo.branch("side");
    let side = repo.commit("feat: side").file("side.txt", "s\n").create();
    repo.checkout("main");

    let out = run_local(&repo, &["--sha", &side]);
    assert_code(&out, 3);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("not on the default branch `main`"),
        "{stdout}"
    );
    let branches = repo.run(["branch", "--list", "shipline/*"]);
    assert!(branches.is_empty(), "{branches}");
}

#[test]
fn a_commit_already_reverted_on_main_is_skipped() {
    let repo = base_repo();
    let bad = repo.commit("feat: bad").file("bad.txt", "b\n").create();
    repo.run(["revert", "--no-edit", &bad]);
    repo.push();

    let out = run_local(&repo, &["--sha", &bad, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "skipped");
    let why = report["skipped"].as_str().unwrap();
    assert!(why.contains(&format!("This reverts commit {bad}")), "{why}");
}

#[test]
fn a_conflict_lists_the_files_and_the_commands() {
    let repo = base_repo();
    let bad = repo
        .commit("feat: rewrite app")
        .file("app.txt", "one\nchanged\nthree\n")
        .create();
    repo.commit("feat: build on it")
        .file("app.txt", "one\nchanged again\nthree\n")
        .create();
    repo.push();

    let out = run_local(&repo, &["--sha", &bad, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "conflict");
    assert_eq!(report["conflicts"], serde_json::json!(["app.txt"]));
    let body = report["body"].as_str().unwrap();
    assert!(
        body.contains(&format!("git revert --no-edit {bad}")),
        "{body}"
    );
    assert!(repo.run(["branch", "--list", "shipline/*"]).is_empty());
    // The checkout is clean: the attempt happened in a throw-away work tree.
    assert!(repo.run(["status", "--porcelain"]).is_empty());
}

#[test]
fn dry_run_changes_nothing() {
    let repo = base_repo();
    let merged = merge(&repo, 4, "Dry", MergeStyle::Squash, 1);
    let out = run_local(&repo, &["--pr", "4", "--dry-run"]);
    assert_code(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Dry run"), "{stdout}");
    assert!(stdout.contains(&merged.merge_commit.unwrap()), "{stdout}");
    assert!(repo.run(["branch", "--list", "shipline/*"]).is_empty());
}

/// An `origin` that reads as GitHub (`git@github.com:acme/widgets.git`) but is served from the
/// test's bare repository by an ssh stand-in, so local mode can be run as a developer would,
/// without network.
fn github_like_origin(repo: &shipline_testkit::repo::TestRepo) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let ssh = repo.path().join("../fake-ssh");
    std::fs::write(
        &ssh,
        format!(
            "#!/bin/sh\n# The last argument is the command git asks the server to run.\n\
             for last; do :; done\n\
             case \"$last\" in\n\
               git-upload-pack*) exec git upload-pack '{bare}' ;;\n\
               git-receive-pack*) exec git receive-pack '{bare}' ;;\n\
             esac\n\
             exit 1\n",
            bare = repo.bare_path().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    repo.run([
        "remote",
        "set-url",
        "origin",
        "git@github.com:acme/widgets.git",
    ]);
    ssh
}

#[test]
fn local_mode_prints_the_pr_text_and_the_compare_url() {
    let repo = base_repo();
    let merged = merge(&repo, 40, "Faster search", MergeStyle::Squash, 1);
    let squash = merged.merge_commit.clone().unwrap();
    let branch = format!("shipline/revert-{}", &squash[..12]);
    let ssh = github_like_origin(&repo);
    let run = |args: &[&str]| {
        bin(repo.path())
            .current_dir(repo.path())
            .env("GIT_SSH_COMMAND", &ssh)
            .env("GIT_SSH_VARIANT", "simple")
            .args(args)
            .output()
            .unwrap()
    };

    let out = run(&["--pr", "40", "--reason", "search is down"]);
    assert_code(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Revert \"Faster search\"",
        "## Why",
        "> search is down",
        "## What",
        &squash,
        &format!("https://github.com/acme/widgets/compare/main...{branch}?expand=1"),
    ] {
        assert!(stdout.contains(needle), "no {needle:?} in:\n{stdout}");
    }
    assert!(!origin_has(&repo, &branch), "not pushed without --push");

    // Again with --push: the branch exists locally already, so nothing new, nothing pushed.
    let again = run(&["--pr", "40", "--push", "--format", "json"]);
    assert_code(&again, 0);
    assert_eq!(json(&again)["status"], "skipped");
    assert!(!origin_has(&repo, &branch));

    // After deleting it, --push makes it and pushes it through the same origin.
    repo.run(["branch", "-D", &branch]);
    let pushed = run(&["--pr", "40", "--push", "--format", "json"]);
    assert_code(&pushed, 0);
    let report = json(&pushed);
    assert_eq!(report["status"], "local", "{report}");
    assert!(
        report["compare_url"]
            .as_str()
            .unwrap()
            .starts_with("https://github.com/acme/widgets/compare/main..."),
        "{report}"
    );
    assert!(origin_has(&repo, &branch));
}

/// `--deployment` takes the ids the git notes ledger prints (`production-ce78641-…`), not only
/// forge numbers: what the failed deployment added since the last good one is reverted. An id
/// the ledger does not know is a usage error naming it. Once, both said "invalid digit found in
/// string".
/// Records a deployment of HEAD to `environment` in the git ledger, ending in `state`; its id.
fn record_deployment(
    repo: &TestRepo,
    environment: &str,
    state: shipline_core::forge::DeploymentState,
) -> String {
    use shipline_core::ledger::{Ledger, NewDeploymentRecord, TransitionRequest};

    let rt = shipline_core::app::runtime().unwrap();
    let ledger = Ledger::git_default(repo.git()).unwrap();
    rt.block_on(async {
        let started = ledger
            .start(&NewDeploymentRecord {
                environment: environment.into(),
                sha: repo.head(),
                ..NewDeploymentRecord::default()
            })
            .await
            .unwrap();
        ledger
            .transition(&started.id, &TransitionRequest::new(state))
            .await
            .unwrap();
        started.id
    })
}

#[test]
fn a_git_ledger_deployment_id_reverts_what_it_added_since_the_last_good_deployment() {
    use shipline_core::forge::DeploymentState;

    let repo = base_repo();
    let deploy = |state: DeploymentState| record_deployment(&repo, "production", state);
    let good = repo.head();
    deploy(DeploymentState::Success);
    repo.commit("feat: gadgets")
        .file("gadgets.txt", "g\n")
        .create();
    repo.commit("fix: widgets")
        .file("README.md", "widgets, fixed\n")
        .create();
    repo.push();
    let bad = repo.head();
    let failed = deploy(DeploymentState::Failure);
    assert!(failed.starts_with("production-"), "{failed}");

    let out = run_local(&repo, &["--deployment", &failed, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    let branch = format!("shipline/revert-{}", &bad[..12]);
    assert_eq!(report["status"], "local", "{report}");
    assert_eq!(report["branch"], branch.as_str());
    let body = report["body"].as_str().unwrap();
    assert!(
        body.contains(&format!(
            "Deployment {failed} to `production` ended in `failure`"
        )),
        "{body}"
    );
    assert_eq!(messages(&repo, &format!("main..{branch}")).len(), 2);
    assert_tree_restored(&repo, &good, &branch, &["gadgets.txt", "README.md"]);

    let out = run_local(&repo, &["--deployment", "nosuch"]);
    assert_code(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no deployment `nosuch` in the git ledger"),
        "{stderr}"
    );
    assert!(!stderr.contains("invalid digit"), "{stderr}");
}

/// Locally the default branch is the local one: a commit on the local `main` that origin does
/// not have yet is reverted (not refused as "not on the default branch"), and the run says
/// origin is behind.
#[test]
fn a_commit_on_the_local_default_branch_is_reverted_and_origin_behind_is_said() {
    let repo = base_repo();
    repo.push();
    let sha = repo
        .commit("feat: not pushed yet")
        .file("local.txt", "x\n")
        .create();

    let out = run_local(&repo, &["--sha", &sha, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "local", "{report}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("origin/main is behind the local `main` by 1 commit(s)"),
        "{stderr}"
    );
    let branch = format!("shipline/revert-{}", &sha[..12]);
    let msgs = messages(&repo, &format!("main..{branch}"));
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(msgs[0].contains(&format!("This reverts commit {sha}")));

    // A commit on neither is still refused (exit 3).
    repo.branch("side");
    repo.checkout("side");
    let side = repo.commit("feat: side").file("side.txt", "x\n").create();
    repo.checkout("main");
    let out = run_local(&repo, &["--sha", &side]);
    assert_code(&out, 3);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not on the default branch `main`")
            || String::from_utf8_lossy(&out.stdout).contains("is not on the default branch `main`")
    );
}

/// A failed deployment of one component (`production/api`) reverts only the commits since its
/// last good deployment that change that component; the PR says so. Another component's
/// change in the same range stays.
#[test]
fn a_failed_component_deployment_reverts_only_what_changed_the_component() {
    use shipline_core::forge::DeploymentState;

    let repo = base_repo();
    repo.commit("chore: components")
        .file(
            ".shipline.yml",
            "environments:\n  production: {}\ncomponents:\n  api:\n    paths: [api]\n  web:\n    paths: [web]\n",
        )
        .file("api/main.rs", "fn main() {}\n")
        .file("web/index.html", "<p>hi</p>\n")
        .create();
    repo.push();
    let good = repo.head();
    record_deployment(&repo, "production/api", DeploymentState::Success);
    repo.commit("feat: api gadgets")
        .file("api/gadgets.rs", "pub fn g() {}\n")
        .create();
    repo.commit("feat: web page")
        .file("web/page.html", "<p>page</p>\n")
        .create();
    repo.commit("fix: api main")
        .file("api/main.rs", "fn main() { }\n")
        .create();
    repo.push();
    let bad = repo.head();
    let failed = record_deployment(&repo, "production/api", DeploymentState::Failure);

    let out = run_local(&repo, &["--deployment", &failed, "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    let branch = format!("shipline/revert-{}", &bad[..12]);
    assert_eq!(report["branch"], branch.as_str(), "{report}");
    let body = report["body"].as_str().unwrap();
    assert!(
        body.contains("Only the changes to component `api` are reverted"),
        "{body}"
    );
    assert!(!body.contains("web page"), "{body}");
    // The title names the component too.
    assert_eq!(
        report["title"],
        format!("Revert \"2 commits to api since {}\"", &good[..12]).as_str(),
        "{report}"
    );
    assert_eq!(messages(&repo, &format!("main..{branch}")).len(), 2);
    assert_tree_restored(&repo, &good, &branch, &["api/gadgets.rs", "api/main.rs"]);
    // web's change is still there.
    let web = repo.run(["show", &format!("{branch}:web/page.html")]);
    assert_eq!(web.trim_end(), "<p>page</p>");
}
