//! CiContext detection from real GitHub payloads, GitLab's documented variable sets and real
//! local git repositories.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use shipline_core::context::*;
use shipline_core::forge::ForgeKind;
use shipline_testkit::fixtures::{
    GitHubEnv, GitLabPipeline, SYNTHETIC_MERGE_SHA, gitlab_vars, webhook, webhook_names,
};

fn detect(env: &GitHubEnv) -> CiContext {
    CiContext::from_vars(env.vars(), env.dir()).expect("context from GitHub variables")
}

fn common_github(ctx: &CiContext, repo: &str, default_branch: &str, actor: &str) {
    assert_eq!(ctx.runtime, Runtime::GitHubActions);
    assert_eq!(ctx.forge, Some(ForgeKind::GitHub));
    assert_eq!(ctx.repo.as_ref().unwrap().full_name(), repo);
    assert_eq!(ctx.server_url.as_deref(), Some("https://github.com"));
    assert_eq!(ctx.api_url.as_deref(), Some("https://api.github.com"));
    assert_eq!(
        ctx.graphql_url.as_deref(),
        Some("https://api.github.com/graphql")
    );
    assert_eq!(ctx.default_branch.as_deref(), Some(default_branch));
    assert_eq!(ctx.actor.as_deref(), Some(actor));
    assert_eq!(
        ctx.run_url.as_deref(),
        Some(format!("https://github.com/{repo}/actions/runs/4242").as_str())
    );
}

const PR_BASE: &str = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
const PR_HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

fn assert_pr_2(ctx: &CiContext, action: &str) {
    common_github(ctx, "Codertocat/Hello-World", "master", "Codertocat");
    assert_eq!(ctx.event, EventKind::PullRequest);
    assert_eq!(ctx.number, Some(2));
    assert_eq!(ctx.base_sha.as_deref(), Some(PR_BASE));
    assert_eq!(
        ctx.head_sha.as_deref(),
        Some(PR_HEAD),
        "head comes from the payload, not GITHUB_SHA"
    );
    assert_ne!(ctx.head_sha.as_deref(), Some(SYNTHETIC_MERGE_SHA));
    assert_eq!(ctx.branch.as_deref(), Some("changes"));
    assert_eq!(ctx.git_ref.as_deref(), Some("refs/pull/2/merge"));
    let pr = ctx.pull_request().expect("pull request details");
    assert_eq!(pr.action.as_deref(), Some(action));
    assert_eq!(pr.title, "Update the README with new information.");
    assert_eq!(pr.author.as_deref(), Some("Codertocat"));
    assert_eq!(pr.base_ref, "master");
    assert_eq!(pr.head_ref, "changes");
    assert!(!pr.from_fork);
    assert!(!pr.merged);
}

/// Every committed example is detected, with the concrete values of that payload. A fixture
/// added without assertions here fails the test.
#[test]
fn every_webhook_example_gives_its_concrete_fields() {
    let names = webhook_names();
    assert!(!names.is_empty());
    for name in &names {
        let env = GitHubEnv::for_webhook(name);
        let ctx = detect(&env);
        assert_eq!(
            ctx.workspace,
            env.workspace(),
            "{name}: workspace is GITHUB_WORKSPACE"
        );
        match name.as_str() {
            "pull_request.opened" => assert_pr_2(&ctx, "opened"),
            "pull_request.synchronize" => assert_pr_2(&ctx, "synchronize"),
            "pull_request.closed" => assert_pr_2(&ctx, "closed"),
            "push" => {
                common_github(&ctx, "Codertocat/Hello-World", "master", "Codertocat");
                assert_eq!(ctx.event, EventKind::Push);
                assert_eq!(ctx.base_sha, None, "all-zeros before: new branch, no base");
                assert_eq!(
                    ctx.head_sha.as_deref(),
                    Some("6113728f27ae82c7b1a177c8d03f9e96e0adf246")
                );
                assert_eq!(ctx.branch.as_deref(), Some("master"));
                assert_eq!(ctx.tag, None);
                let EventDetails::Push(push) = &ctx.details else {
                    panic!("push details: {:?}", ctx.details)
                };
                assert_eq!(push.git_ref, "refs/heads/master");
                assert!(push.created);
                assert!(!push.deleted);
            }
            "issue_comment.created" | "issue_comment.edited" => {
                common_github(&ctx, "Codertocat/Hello-World", "master", "Codertocat");
                assert_eq!(ctx.event, EventKind::IssueComment);
                assert_eq!(ctx.number, Some(1));
                let EventDetails::IssueComment(c) = &ctx.details else {
                    panic!("comment details: {:?}", ctx.details)
                };
                assert_eq!(c.comment_id, 492700400);
                assert_eq!(c.author, "Codertocat");
                assert!(!c.author_is_bot);
                assert_eq!(c.issue_number, 1);
                assert!(!c.is_pull_request, "the example comments on a plain issue");
                if name.ends_with("created") {
                    assert_eq!(c.action, CommentAction::Created);
                    assert_eq!(
                        c.body,
                        "You are totally right! I'll get this fixed right away."
                    );
                } else {
                    assert_eq!(c.action, CommentAction::Edited);
                    assert_eq!(c.body, "You are totally right! I'll get this fixed today.");
                }
            }
            "deployment_status.created" => {
                common_github(&ctx, "Codertocat/Hello-World", "master", "Codertocat");
                assert_eq!(ctx.event, EventKind::DeploymentStatus);
                let EventDetails::DeploymentStatus(d) = &ctx.details else {
                    panic!("deployment details: {:?}", ctx.details)
                };
                assert_eq!(d.state, "success");
                assert!(!d.is_failure());
                assert_eq!(d.environment, "production");
                assert_eq!(d.deployment_id, 145988746);
                assert_eq!(d.sha, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e");
                assert_eq!(d.git_ref.as_deref(), Some("master"));
                assert_eq!(d.target_url, None, "an empty target_url is no URL");
                assert_eq!(ctx.head_sha.as_deref(), Some(d.sha.as_str()));
            }
            "workflow_run.completed" => {
                common_github(&ctx, "octo-org/octo-repo", "master", "Codertocat");
                assert_eq!(ctx.event, EventKind::WorkflowRun);
                let EventDetails::WorkflowRun(run) = &ctx.details else {
                    panic!("workflow_run details: {:?}", ctx.details)
                };
                assert_eq!(run.action, "completed");
                assert_eq!(run.conclusion.as_deref(), Some("success"));
                assert!(!run.is_failure());
                assert_eq!(run.head_branch.as_deref(), Some("master"));
                assert_eq!(run.head_sha, "3484a3fb816e0859fd6e1cea078d76385ff50625");
                assert_eq!(run.event, "repository_dispatch");
                assert_eq!(
                    run.html_url,
                    "https://github.com/octo-org/octo-repo/actions/runs/289782451"
                );
                assert_eq!(run.run_id, 289782451);
                assert_eq!(run.workflow_name, "test");
                assert_eq!(ctx.head_sha.as_deref(), Some(run.head_sha.as_str()));
            }
            "workflow_dispatch" => {
                common_github(&ctx, "octo-org/octo-repo", "main", "octocat");
                assert_eq!(ctx.event, EventKind::WorkflowDispatch);
                assert_eq!(ctx.branch.as_deref(), Some("main"));
                assert_eq!(ctx.base_sha, None);
                assert_eq!(ctx.details, EventDetails::None);
            }
            other => panic!("webhook fixture {other} has no assertions in this test"),
        }
    }
}

/// Variants the example package lacks (merged fork PR, PR comment by a bot, failed deployment,
/// failed run, branch update push), each made from a real example by changing the named fields.
fn patched(name: &str, patch: impl FnOnce(&mut Value)) -> (String, Value) {
    let mut payload = webhook(name);
    patch(&mut payload);
    let event = name.split('.').next().unwrap().to_string();
    (event, payload)
}

#[test]
fn merged_pull_request_from_a_fork() {
    let (event, payload) = patched("pull_request.closed", |p| {
        p["pull_request"]["merged"] = json!(true);
        p["pull_request"]["head"]["repo"]["full_name"] = json!("forker/Hello-World");
    });
    let ctx = detect(&GitHubEnv::for_event(&event, &payload));
    let pr = ctx.pull_request().unwrap();
    assert!(pr.merged);
    assert!(pr.from_fork);
    assert_eq!(ctx.number, Some(2));
}

#[test]
fn pull_request_target_reads_the_range_from_the_payload() {
    let payload = webhook("pull_request.opened");
    let ctx = detect(&GitHubEnv::for_event("pull_request_target", &payload));
    assert_eq!(ctx.event, EventKind::PullRequestTarget);
    assert!(ctx.is_change_request());
    assert_eq!(ctx.base_sha.as_deref(), Some(PR_BASE));
    assert_eq!(ctx.head_sha.as_deref(), Some(PR_HEAD));
}

#[test]
fn comment_on_a_pull_request_by_a_bot() {
    let (event, payload) = patched("issue_comment.created", |p| {
        p["issue"]["pull_request"] =
            json!({"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"});
        p["comment"]["user"]["login"] = json!("shipline[bot]");
        p["comment"]["user"]["type"] = json!("Bot");
        p["comment"]["body"] = json!("/revert flaky deploy");
    });
    let ctx = detect(&GitHubEnv::for_event(&event, &payload));
    let EventDetails::IssueComment(c) = &ctx.details else {
        panic!()
    };
    assert!(c.is_pull_request);
    assert!(c.author_is_bot);
    assert_eq!(c.body, "/revert flaky deploy");
}

#[test]
fn failed_deployment_and_failed_run() {
    let (event, payload) = patched("deployment_status.created", |p| {
        p["deployment_status"]["state"] = json!("failure");
        p["deployment_status"]["log_url"] = json!("https://ci.example/logs/1");
    });
    let ctx = detect(&GitHubEnv::for_event(&event, &payload));
    let EventDetails::DeploymentStatus(d) = &ctx.details else {
        panic!()
    };
    assert!(d.is_failure());
    assert_eq!(d.log_url.as_deref(), Some("https://ci.example/logs/1"));

    let (event, payload) = patched("workflow_run.completed", |p| {
        p["workflow_run"]["conclusion"] = json!("failure");
        p["workflow_run"]["name"] = json!("deploy");
    });
    let ctx = detect(&GitHubEnv::for_event(&event, &payload));
    let EventDetails::WorkflowRun(run) = &ctx.details else {
        panic!()
    };
    assert!(run.is_failure());
    assert_eq!(run.workflow_name, "deploy");
}

#[test]
fn push_to_an_existing_branch_has_a_base_and_a_tag_push_has_a_tag() {
    let (event, payload) = patched("push", |p| {
        p["before"] = json!("9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c");
        p["created"] = json!(false);
    });
    let ctx = detect(&GitHubEnv::for_event(&event, &payload));
    assert_eq!(
        ctx.base_sha.as_deref(),
        Some("9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c")
    );

    let (event, payload) = patched("push", |p| p["ref"] = json!("refs/tags/v2.0.0"));
    let ctx = detect(&GitHubEnv::for_event(&event, &payload));
    assert_eq!(ctx.tag.as_deref(), Some("v2.0.0"));
    assert_eq!(ctx.git_ref.as_deref(), Some("refs/tags/v2.0.0"));
}

#[test]
fn enterprise_server_urls_and_run_attempts() {
    let mut env = GitHubEnv::for_webhook("push");
    env.set("GITHUB_SERVER_URL", "https://ghe.acme.corp")
        .remove("GITHUB_API_URL")
        .remove("GITHUB_GRAPHQL_URL")
        .set("GITHUB_RUN_ATTEMPT", "3");
    let ctx = detect(&env);
    assert_eq!(ctx.api_url.as_deref(), Some("https://ghe.acme.corp/api/v3"));
    assert_eq!(
        ctx.graphql_url.as_deref(),
        Some("https://ghe.acme.corp/api/graphql")
    );
    assert_eq!(
        ctx.run_url.as_deref(),
        Some("https://ghe.acme.corp/Codertocat/Hello-World/actions/runs/4242/attempts/3")
    );
}

#[test]
fn payload_problems_name_the_file() {
    let mut env = GitHubEnv::for_webhook("pull_request.opened");
    let missing = env.dir().join("nope.json");
    env.set("GITHUB_EVENT_PATH", &missing.to_string_lossy());
    let err = CiContext::from_vars(env.vars(), env.dir())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&*missing.to_string_lossy()) && err.contains("GITHUB_EVENT_PATH"),
        "{err}"
    );

    let broken = env.dir().join("broken.json");
    std::fs::write(&broken, "{\n  \"action\": \"opened\",\n  oops\n}").unwrap();
    env.set("GITHUB_EVENT_PATH", &broken.to_string_lossy());
    let err = CiContext::from_vars(env.vars(), env.dir()).unwrap_err();
    assert!(
        matches!(err, ContextError::PayloadParse { line: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("broken.json"), "{err}");

    // A push payload under GITHUB_EVENT_NAME=pull_request.
    let env = GitHubEnv::for_event("pull_request", &webhook("push"));
    let err = CiContext::from_vars(env.vars(), env.dir())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pull_request.number") && err.contains("event.json"),
        "{err}"
    );
}

/// A webhook example, how to break it, and the field that then holds a bad value.
type BrokenPayload = (&'static str, fn(&mut Value), &'static str);

#[test]
fn payload_commit_ids_that_are_not_commit_ids_are_refused() {
    let cases: [BrokenPayload; 4] = [
        (
            "pull_request.opened",
            |p| p["pull_request"]["head"]["sha"] = json!("--upload-pack=evil"),
            "pull_request.head.sha",
        ),
        (
            "pull_request.opened",
            |p| p["pull_request"]["base"]["sha"] = json!("main~3..main"),
            "pull_request.base.sha",
        ),
        (
            "push",
            |p| p["before"] = json!("nothex\u{1b}[31m"),
            "before",
        ),
        (
            "workflow_run.completed",
            |p| p["workflow_run"]["head_sha"] = json!("abc123"),
            "workflow_run.head_sha",
        ),
    ];
    for (name, patch, field) in cases {
        let (event, payload) = patched(name, patch);
        let env = GitHubEnv::for_event(&event, &payload);
        let err = CiContext::from_vars(env.vars(), env.dir()).unwrap_err();
        assert!(
            matches!(&err, ContextError::PayloadValue { field: f, .. } if f == field),
            "{name}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("event.json") && text.contains("40 or 64 hex"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text}");
    }
    // Upper-case hex is a commit id; it is read lower-cased.
    let (event, payload) = patched("pull_request.opened", |p| {
        p["pull_request"]["head"]["sha"] = json!(PR_HEAD.to_ascii_uppercase());
    });
    let ctx = detect(&GitHubEnv::for_event(&event, &payload));
    assert_eq!(ctx.head_sha.as_deref(), Some(PR_HEAD));
}

#[test]
fn missing_github_variables_are_named() {
    let mut env = GitHubEnv::for_webhook("push");
    env.remove("GITHUB_REPOSITORY");
    let err = CiContext::from_vars(env.vars(), env.dir())
        .unwrap_err()
        .to_string();
    assert!(err.contains("GITHUB_REPOSITORY"), "{err}");
    env.set("GITHUB_REPOSITORY", "no-slash");
    let err = CiContext::from_vars(env.vars(), env.dir())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no-slash") && err.contains("owner/name"),
        "{err}"
    );
}

// ---------------------------------------------------------------- GitLab

fn gitlab(pipeline: GitLabPipeline) -> CiContext {
    CiContext::from_vars(&gitlab_vars(pipeline), Path::new("/nonexistent")).unwrap()
}

fn common_gitlab(ctx: &CiContext) {
    assert_eq!(ctx.runtime, Runtime::GitLabCi);
    assert_eq!(ctx.forge, Some(ForgeKind::GitLab));
    let repo = ctx.repo.as_ref().unwrap();
    assert_eq!(repo.owner, "root-group/child-group");
    assert_eq!(repo.name, "awesome-project");
    assert_eq!(
        ctx.server_url.as_deref(),
        Some("https://gitlab.example.com:8080")
    );
    assert_eq!(
        ctx.api_url.as_deref(),
        Some("https://gitlab.example.com:8080/api/v4")
    );
    assert_eq!(
        ctx.graphql_url.as_deref(),
        Some("https://gitlab.example.com:8080/api/graphql")
    );
    assert_eq!(ctx.actor.as_deref(), Some("jdoe"));
    assert_eq!(ctx.default_branch.as_deref(), Some("main"));
    assert_eq!(
        ctx.run_url.as_deref(),
        Some(
            "https://gitlab.example.com:8080/root-group/child-group/awesome-project/-/pipelines/1000"
        )
    );
    assert_eq!(
        ctx.workspace,
        Path::new("/builds/root-group/child-group/awesome-project")
    );
}

#[test]
fn gitlab_merge_request_pipeline() {
    let ctx = gitlab(GitLabPipeline::MergeRequest);
    common_gitlab(&ctx);
    assert_eq!(ctx.event, EventKind::MergeRequest);
    assert!(ctx.is_change_request());
    assert_eq!(ctx.number, Some(17));
    assert_eq!(
        ctx.base_sha.as_deref(),
        Some("8a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b"),
        "MR base is the diff base, not the all-zeros CI_COMMIT_BEFORE_SHA"
    );
    assert_eq!(
        ctx.head_sha.as_deref(),
        Some("1ecfd275763eff1d6b4844ea3168962458c9f27a")
    );
    assert_eq!(ctx.branch.as_deref(), Some("feature/login-form"));
    assert_eq!(ctx.git_ref.as_deref(), Some("refs/merge-requests/17/head"));
    let mr = ctx.pull_request().unwrap();
    assert_eq!(mr.title, "Add a login form");
    assert_eq!(mr.base_ref, "main");
    assert_eq!(mr.head_ref, "feature/login-form");
    assert!(!mr.from_fork);
}

/// `CI_MERGE_REQUEST_DRAFT` exists only from GitLab 17.10: before, the title's `Draft:` prefix
/// says whether the merge request is a draft; where the variable is set, it decides.
#[test]
fn gitlab_draft_from_the_variable_or_else_the_title() {
    let draft = |flag: Option<&str>, title: &str| {
        let mut vars = gitlab_vars(GitLabPipeline::MergeRequest);
        vars.remove("CI_MERGE_REQUEST_DRAFT");
        if let Some(flag) = flag {
            vars.insert("CI_MERGE_REQUEST_DRAFT".into(), flag.into());
        }
        vars.insert("CI_MERGE_REQUEST_TITLE".into(), title.into());
        let ctx = CiContext::from_vars(&vars, Path::new("/")).unwrap();
        ctx.pull_request().unwrap().draft
    };
    assert!(draft(None, "Draft: Add a login form"));
    assert!(draft(None, "[Draft] Add a login form"));
    assert!(!draft(None, "Add a login form"));
    assert!(draft(Some("true"), "Add a login form"));
    assert!(!draft(Some("false"), "Draft: Add a login form"));
}

#[test]
fn gitlab_merged_results_pipeline_uses_the_source_branch_head() {
    let mut vars = gitlab_vars(GitLabPipeline::MergeRequest);
    vars.insert("CI_MERGE_REQUEST_EVENT_TYPE".into(), "merged_result".into());
    vars.insert(
        "CI_COMMIT_SHA".into(),
        "7777777777777777777777777777777777777777".into(),
    );
    vars.insert(
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA".into(),
        "1ecfd275763eff1d6b4844ea3168962458c9f27a".into(),
    );
    vars.insert("CI_MERGE_REQUEST_SOURCE_PROJECT_ID".into(), "99".into());
    let ctx = CiContext::from_vars(&vars, Path::new("/")).unwrap();
    assert_eq!(
        ctx.head_sha.as_deref(),
        Some("1ecfd275763eff1d6b4844ea3168962458c9f27a")
    );
    assert!(ctx.pull_request().unwrap().from_fork);
}

#[test]
fn gitlab_branch_pipeline() {
    let ctx = gitlab(GitLabPipeline::Branch);
    common_gitlab(&ctx);
    assert_eq!(ctx.event, EventKind::Push);
    assert_eq!(
        ctx.base_sha.as_deref(),
        Some("9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c")
    );
    assert_eq!(
        ctx.head_sha.as_deref(),
        Some("2f7c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b")
    );
    assert_eq!(ctx.branch.as_deref(), Some("main"));
    assert_eq!(ctx.git_ref.as_deref(), Some("refs/heads/main"));
    assert_eq!(ctx.number, None);
    assert_eq!(ctx.tag, None);
}

#[test]
fn gitlab_tag_pipeline() {
    let ctx = gitlab(GitLabPipeline::Tag);
    common_gitlab(&ctx);
    assert_eq!(ctx.event, EventKind::Push);
    assert_eq!(ctx.base_sha, None, "all-zeros before SHA: no base");
    assert_eq!(ctx.tag.as_deref(), Some("v1.4.0"));
    assert_eq!(ctx.branch, None);
    assert_eq!(ctx.git_ref.as_deref(), Some("refs/tags/v1.4.0"));
}

#[test]
fn gitlab_new_branch_pipeline() {
    let ctx = gitlab(GitLabPipeline::NewBranch);
    common_gitlab(&ctx);
    assert_eq!(ctx.base_sha, None, "all-zeros before SHA: no base");
    assert_eq!(
        ctx.head_sha.as_deref(),
        Some("1ecfd275763eff1d6b4844ea3168962458c9f27a")
    );
    assert_eq!(ctx.branch.as_deref(), Some("feature/login-form"));
    let EventDetails::Push(push) = &ctx.details else {
        panic!()
    };
    assert!(push.created);
}

#[test]
fn gitlab_without_project_path_names_the_variable() {
    let mut vars = gitlab_vars(GitLabPipeline::Branch);
    vars.remove("CI_PROJECT_PATH");
    let err = CiContext::from_vars(&vars, Path::new("/"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CI_PROJECT_PATH") && err.contains("GitLab CI"),
        "{err}"
    );
}

// ---------------------------------------------------------------- local

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn repo_with_commit() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    git(p, &["init", "-q", "-b", "trunk"]);
    git(p, &["config", "user.name", "Dev"]);
    git(p, &["config", "user.email", "dev@example.com"]);
    std::fs::write(p.join("a.txt"), "a\n").unwrap();
    git(p, &["add", "a.txt"]);
    git(p, &["commit", "-q", "-m", "first"]);
    let head = String::from_utf8(
        Command::new("git")
            .current_dir(p)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    (dir, head)
}

fn local(dir: &Path, extra: &[(&str, &str)]) -> Result<CiContext, ContextError> {
    let vars: BTreeMap<String, String> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    CiContext::from_vars(&vars, dir)
}

#[test]
fn local_detection_from_origin_urls() {
    let (dir, head) = repo_with_commit();
    let p = dir.path();
    git(
        p,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/rocket.git",
        ],
    );
    // (origin URL, forge, owner, name, REST API URL)
    type Case<'a> = (
        &'a str,
        Option<ForgeKind>,
        &'a str,
        &'a str,
        Option<&'a str>,
    );
    let cases: &[Case] = &[
        (
            "https://github.com/acme/rocket.git",
            Some(ForgeKind::GitHub),
            "acme",
            "rocket",
            Some("https://api.github.com"),
        ),
        (
            "git@github.com:acme/rocket.git",
            Some(ForgeKind::GitHub),
            "acme",
            "rocket",
            Some("https://api.github.com"),
        ),
        (
            "https://deploy@github.acme.corp/platform/rocket",
            Some(ForgeKind::GitHub),
            "platform",
            "rocket",
            Some("https://github.acme.corp/api/v3"),
        ),
        (
            "ssh://git@gitlab.acme.corp:2222/group/sub/rocket.git",
            Some(ForgeKind::GitLab),
            "group/sub",
            "rocket",
            Some("https://gitlab.acme.corp/api/v4"),
        ),
        (
            "https://gitlab.com/gitlab-org/ci-cd/rocket.git",
            Some(ForgeKind::GitLab),
            "gitlab-org/ci-cd",
            "rocket",
            Some("https://gitlab.com/api/v4"),
        ),
        (
            "git@code.acme.corp:team/rocket.git",
            None,
            "team",
            "rocket",
            None,
        ),
    ];
    for (url, forge, owner, name, api) in cases {
        git(p, &["remote", "set-url", "origin", url]);
        let ctx = local(p, &[]).unwrap();
        assert_eq!(ctx.runtime, Runtime::Local, "{url}");
        assert_eq!(ctx.forge, *forge, "{url}");
        let repo = ctx.repo.as_ref().unwrap();
        assert_eq!(
            (repo.owner.as_str(), repo.name.as_str()),
            (*owner, *name),
            "{url}"
        );
        assert_eq!(ctx.api_url.as_deref(), *api, "{url}");
        assert_eq!(ctx.head_sha.as_deref(), Some(head.as_str()), "{url}");
        assert_eq!(ctx.branch.as_deref(), Some("trunk"));
        assert_eq!(ctx.base_sha, None);
        assert_eq!(ctx.event, EventKind::Other("local".into()));
        assert_eq!(
            ctx.workspace.canonicalize().unwrap(),
            p.canonicalize().unwrap()
        );
        let shown = format!("{ctx:?}");
        assert!(!shown.contains("deploy@"), "credentials kept: {shown}");
    }
}

#[test]
fn local_forge_override_and_api_urls_from_vars() {
    let (dir, _) = repo_with_commit();
    let p = dir.path();
    git(
        p,
        &[
            "remote",
            "add",
            "origin",
            "git@code.acme.corp:team/rocket.git",
        ],
    );
    let ctx = local(
        p,
        &[
            ("SHIPLINE_FORGE", "gitlab"),
            ("CI_API_V4_URL", "http://127.0.0.1:9999/api/v4"),
        ],
    )
    .unwrap();
    assert_eq!(ctx.forge, Some(ForgeKind::GitLab));
    assert_eq!(ctx.api_url.as_deref(), Some("http://127.0.0.1:9999/api/v4"));
    assert_eq!(
        ctx.graphql_url.as_deref(),
        Some("https://code.acme.corp/api/graphql")
    );

    let ctx = local(
        p,
        &[
            ("SHIPLINE_FORGE", "github"),
            ("GITHUB_API_URL", "http://127.0.0.1:9999/api/v3"),
        ],
    )
    .unwrap();
    assert_eq!(ctx.forge, Some(ForgeKind::GitHub));
    assert_eq!(
        ctx.graphql_url.as_deref(),
        Some("http://127.0.0.1:9999/api/graphql")
    );

    let err = local(p, &[("SHIPLINE_FORGE", "bitbucket")]).unwrap_err();
    assert!(err.to_string().contains("SHIPLINE_FORGE"), "{err}");
}

#[test]
fn local_without_origin_and_from_a_subdirectory() {
    let (dir, head) = repo_with_commit();
    let sub = dir.path().join("deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    let ctx = local(&sub, &[]).unwrap();
    assert_eq!(ctx.repo, None);
    assert_eq!(ctx.forge, None);
    assert_eq!(ctx.head_sha.as_deref(), Some(head.as_str()));
    assert_eq!(
        ctx.workspace.canonicalize().unwrap(),
        dir.path().canonicalize().unwrap()
    );
}

#[test]
fn local_default_branch_from_origin_head() {
    let (origin, _) = repo_with_commit();
    let clone_parent = tempfile::tempdir().unwrap();
    git(
        clone_parent.path(),
        &["clone", "-q", &origin.path().to_string_lossy(), "work"],
    );
    let work = clone_parent.path().join("work");
    git(&work, &["checkout", "-q", "-b", "feature"]);
    let ctx = local(&work, &[]).unwrap();
    assert_eq!(ctx.default_branch.as_deref(), Some("trunk"));
    assert_eq!(ctx.branch.as_deref(), Some("feature"));
    assert_eq!(ctx.repo, None, "a path remote names no forge repository");
}

#[test]
fn local_outside_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = local(dir.path(), &[]).unwrap_err().to_string();
    assert!(
        err.contains("not a git repository") && err.contains("--repo"),
        "{err}"
    );
}
