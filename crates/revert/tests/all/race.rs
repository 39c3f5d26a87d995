//! Two triggers for the same bad change close together. GitHub creates cross-references
//! asynchronously, so a second run's dedup query can miss the first run's revert PR; GitHub's
//! rule of one open PR per head branch then refuses the duplicate (422, "A pull request already
//! exists for owner:branch."). The second run must end as a skip naming the PR that exists, and
//! must not delete the branch under it. Likewise a push that loses the race to another run's push
//! uses the branch that run pushed. On GitLab the same holds for the branch the commit revert API
//! works on (400 "Branch already exists") and the merge request (409).

use std::path::Path;
use std::time::{Duration, Instant};

use shipline_testkit::fixtures::GitHubEnv;
use shipline_testkit::forge::{FakeForge, Fault, FaultKind};
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::{MergeStyle, TestRepo};

use crate::gitlab::{add_mr, fake_gitlab, run_gitlab_at};
use crate::helpers::*;

/// A rebase-merged PR #9 of three commits: its revert PRs are found through cross-references,
/// which lag behind on the fake as on GitHub.
fn lagging_scenario() -> (TestRepo, FakeForge, String, String) {
    let repo = base_repo();
    let before = repo.head();
    let merged = merge(&repo, 9, "Three steps", MergeStyle::Rebase, 3);
    let forge = fake_github(&repo);
    add_pull(&forge, 9, "Three steps", &merged);
    forge.state().github.repo(REPO).cross_references_lag = true;
    let branch = format!("shipline/revert-{}", &merged.landed.last().unwrap()[..12]);
    (repo, forge, before, branch)
}

fn dispatch(repo: &TestRepo, forge: &FakeForge, workspace: &Path) -> GitHubEnv {
    let mut env = github_env(repo, forge, "workflow_dispatch", |_| {});
    env.set("GITHUB_WORKSPACE", &workspace.to_string_lossy());
    env
}

/// A second checkout of the same origin, as a second CI job would have.
fn second_checkout(repo: &TestRepo) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("git")
        .args(["clone", "-q"])
        .arg(repo.bare_path())
        .arg(dir.path().join("checkout"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

fn pr_creations(forge: &FakeForge) -> Vec<u16> {
    forge
        .requests_to("POST", "/api/v3/repos/*/*/pulls")
        .iter()
        .map(|r| r.status)
        .collect()
}

#[test]
fn a_second_trigger_before_github_cross_references_the_first_pr_is_a_skip() {
    let (repo, forge, _, branch) = lagging_scenario();
    let env = dispatch(&repo, &forge, repo.path());
    let first = run_github(&env, &["--pr", "9", "--format", "json"]);
    assert_code(&first, 0);
    let first = json(&first);
    assert_eq!(first["status"], "opened", "{first}");

    forge.clear_requests();
    let out = run_github(&env, &["--pr", "9", "--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_skipped(
        &report,
        "skipped",
        "already exists (open; opened while this run was checking)",
    );
    assert_eq!(report["pr_number"], first["pr_number"]);
    assert_eq!(report["pr_url"], first["pr_url"]);
    let outs = outputs(&env);
    assert_eq!(outs["pr-number"], first["pr_number"].to_string());
    assert_eq!(outs["pr-url"], first["pr_url"].as_str().unwrap());
    assert!(!outs["skipped"].is_empty());

    // GitHub's refusal, in GitHub's words; then the PR read back from the branch.
    let creations = forge.requests_to("POST", "/api/v3/repos/*/*/pulls");
    assert_eq!(creations.len(), 1);
    assert_eq!(creations[0].status, 422);
    let answer = creations[0].response_json().unwrap();
    assert_eq!(answer["message"], "Validation Failed");
    assert_eq!(answer["errors"][0]["code"], "custom");
    assert_eq!(
        answer["errors"][0]["message"],
        format!("A pull request already exists for acme:{branch}.")
    );
    assert!(answer["errors"][0].get("field").is_none());
    let sent: Vec<String> = forge
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        sent,
        vec![
            "POST /api/graphql",
            "POST /api/v3/repos/acme/widgets/pulls",
            "GET /api/v3/repos/acme/widgets/pulls",
        ]
    );

    // One PR, and its branch stays where the PR points.
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    assert!(origin_has(&repo, &branch));
    assert_eq!(
        repo.rev(&format!("refs/remotes/origin/{branch}")),
        pulls[0].head_sha
    );
    assert_github_conformance(&forge);
}

#[test]
fn two_runs_at_once_end_with_one_pr_and_its_branch_kept() {
    let (repo, forge, before, branch) = lagging_scenario();
    let other = second_checkout(&repo);
    let other_path = other.path().join("checkout");
    let env_a = dispatch(&repo, &forge, repo.path());
    let env_b = dispatch(&repo, &forge, &other_path);
    // The first run's PR creation is held at the fake, so the second run checks, finds nothing
    // and opens its PR while the first one's is still in flight.
    forge.inject(Fault::on(
        "POST",
        "/api/v3/repos/*/*/pulls",
        FaultKind::Delay(Duration::from_secs(5)),
    ));
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run_github(&env_a, &["--pr", "9", "--format", "json"]));
        let deadline = Instant::now() + Duration::from_secs(120);
        while !origin_has(&repo, &branch) {
            assert!(
                Instant::now() < deadline,
                "the first run never pushed {branch}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let b = run_github(&env_b, &["--pr", "9", "--format", "json"]);
        (a.join().unwrap(), b)
    });
    assert_code(&a, 0);
    assert_code(&b, 0);
    let (a, b) = (json(&a), json(&b));

    // Exactly one PR; one run opened it, the other was refused by GitHub and names it.
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1, "{a}\n{b}");
    let mut creations = pr_creations(&forge);
    creations.sort_unstable();
    assert_eq!(creations, vec![201, 422]);
    let mut statuses = [a["status"].clone(), b["status"].clone()];
    statuses.sort_by_key(|s| s.to_string());
    assert_eq!(statuses, ["opened", "skipped"], "{a}\n{b}");
    for report in [&a, &b] {
        assert_eq!(report["pr_number"], pulls[0].number, "{report}");
    }

    // The branch is the PR's head and was not deleted by the run that lost.
    assert!(origin_has(&repo, &branch), "no orphan, no lost branch");
    repo.run(["fetch", "-q", "origin"]);
    assert_eq!(repo.rev(&format!("origin/{branch}")), pulls[0].head_sha);
    assert_tree_restored(&repo, &before, &format!("origin/{branch}"), &["pr9"]);
    assert_github_conformance(&forge);
}

#[test]
fn a_push_that_loses_the_race_uses_the_branch_the_other_run_pushed() {
    let repo = base_repo();
    let merged = merge(&repo, 12, "Cache everything", MergeStyle::Squash, 1);
    let squash = merged.merge_commit.clone().unwrap();
    let branch = format!("shipline/revert-{}", &squash[..12]);
    // The other run's revert commit, already in origin's object store.
    repo.run(["checkout", "-q", "-b", "other-run", "main"]);
    repo.run(["revert", "--no-edit", &squash]);
    let theirs = repo.head();
    repo.run(["checkout", "-q", "main"]);
    repo.run(["push", "-q", "origin", "other-run:refs/race/other-run"]);
    repo.run(["branch", "-D", "other-run"]);
    // While this run's push is received, the other run's push of the same branch lands first.
    let hook = repo.bare_path().join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n\
             while read old new ref; do\n\
               if [ \"$ref\" = \"refs/heads/{branch}\" ]; then\n\
                 env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES \
                   git update-ref \"$ref\" {theirs}\n\
                 exit 1\n\
               fi\n\
             done\n"
        ),
    )
    .unwrap();
    make_executable(&hook);
    let forge = fake_github(&repo);
    add_pull(&forge, 12, "Cache everything", &merged);
    let env = dispatch(&repo, &forge, repo.path());

    let out = run_github(&env, &["--pr", "12", "--format", "json"]);
    assert_code(&out, 0);
    assert_eq!(json(&out)["status"], "opened");
    let pulls = pulls_from(&forge, &branch);
    assert_eq!(pulls.len(), 1);
    assert_eq!(
        pulls[0].head_sha, theirs,
        "the other run's branch is the head"
    );
    assert!(
        repo.run(["branch", "--list", "shipline/*"]).is_empty(),
        "the refused local branch is gone"
    );
}

#[test]
fn a_token_that_cannot_push_is_named_and_nothing_is_left() {
    let repo = base_repo();
    let merged = merge(&repo, 13, "No push", MergeStyle::Squash, 1);
    let branch = format!(
        "shipline/revert-{}",
        &merged.merge_commit.clone().unwrap()[..12]
    );
    // What GitHub answers a job token without `contents: write`.
    let hook = repo.bare_path().join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'Permission to acme/widgets.git denied to github-actions[bot].' >&2\nexit 1\n",
    )
    .unwrap();
    make_executable(&hook);
    let forge = fake_github(&repo);
    add_pull(&forge, 13, "No push", &merged);
    let env = dispatch(&repo, &forge, repo.path());

    let out = run_github(&env, &["--pr", "13"]);
    assert_code(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("`git push origin {branch}` was refused")),
        "{stderr}"
    );
    assert!(stderr.contains("denied to github-actions[bot]"), "{stderr}");
    assert!(stderr.contains("permissions: contents: write"), "{stderr}");
    assert!(!origin_has(&repo, &branch));
    assert!(repo.run(["branch", "--list", "shipline/*"]).is_empty());
    assert!(forge.requests_to("POST", "/api/v3/**").is_empty());
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).unwrap();
}

#[test]
fn two_gitlab_runs_at_once_end_with_one_mr_and_its_branch_kept() {
    let repo = base_repo();
    let before = repo.head();
    let merged = merge(&repo, 17, "Add exports", MergeStyle::GitLabMerge, 2);
    let merge_sha = merged.merge_commit.clone().unwrap();
    let branch = format!("shipline/revert-{}", &merge_sha[..12]);
    let (forge, id) = fake_gitlab(&repo);
    add_mr(&forge, 17, "Add exports", &merged.commits, Some(&merge_sha));
    let other = second_checkout(&repo);
    let other_path = other.path().join("checkout");
    let head = repo.head();
    // The first run's branch creation is held at the fake: the second run checks, finds no
    // branch and no MR, and makes both while the first one's request is still in flight.
    forge.inject(Fault::on(
        "POST",
        "/api/v4/projects/*/repository/branches",
        FaultKind::Delay(Duration::from_secs(8)),
    ));
    let run = |dir: &Path| {
        run_gitlab_at(
            dir,
            &head,
            &forge,
            id,
            ("GITLAB_TOKEN", TOKEN),
            &["--pr", "17", "--format", "json"],
        )
    };
    let first_path = repo.path().to_path_buf();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&first_path));
        let deadline = Instant::now() + Duration::from_secs(120);
        while forge
            .requests_to("POST", "/api/v4/projects/*/repository/commits/*/revert")
            .is_empty()
        {
            assert!(
                Instant::now() < deadline,
                "the first run never got to its dry run"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let b = run(&other_path);
        (a.join().unwrap(), b)
    });
    assert_code(&a, 0);
    assert_code(&b, 0);
    let (a, b) = (json(&a), json(&b));

    let st = forge.state();
    let mrs: Vec<_> = st
        .gitlab
        .project(REPO)
        .unwrap()
        .merge_requests
        .iter()
        .filter(|m| m.source_branch == branch)
        .cloned()
        .collect();
    drop(st);
    assert_eq!(mrs.len(), 1, "{a}\n{b}");
    let mut creations: Vec<u16> = forge
        .requests_to("POST", "/api/v4/projects/*/merge_requests")
        .iter()
        .map(|r| r.status)
        .collect();
    creations.sort_unstable();
    assert_eq!(creations, vec![201, 409], "{a}\n{b}");
    let mut statuses = [a["status"].to_string(), b["status"].to_string()];
    statuses.sort();
    assert_eq!(statuses, ["\"opened\"", "\"skipped\""], "{a}\n{b}");
    for report in [&a, &b] {
        assert_eq!(report["pr_number"], mrs[0].iid, "{report}");
    }
    // No branch deleted under the MR, and it holds the whole revert.
    assert!(origin_has(&repo, &branch));
    repo.run(["fetch", "-q", "origin"]);
    assert_tree_restored(&repo, &before, &format!("origin/{branch}"), &["pr17"]);
    assert!(
        forge
            .requests_to("DELETE", "/api/v4/projects/*/repository/branches/*")
            .is_empty()
    );
}
