//! `start` / `finish` / `deactivate` on the git notes ledger, run locally against a work
//! repository with a bare `origin`.

use predicates::str::contains;
use shipline_testkit::repo::TestRepo;

use crate::helpers::local;

fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("feat: first").file("a.txt", "a\n").create();
    repo.push();
    repo
}

/// The ledger's lines for `sha` in the remote (what other clones see).
fn remote_lines(repo: &TestRepo, sha: &str) -> Vec<String> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo.bare_path())
        .args(["notes", "--ref", "refs/notes/shipline", "show", sha])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn start(repo: &TestRepo, env: &str, run: Option<&str>) -> String {
    let mut cmd = local(repo.path());
    if let Some(run) = run {
        cmd.env("SHIPLINE_RUN_ID", run);
    }
    let out = cmd.args(["start", "--env", env]).assert().success();
    String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn start_then_finish_records_one_deployment_with_outputs_and_retires_the_previous_one() {
    let repo = repo();
    let first = start(&repo, "staging", None);
    assert!(first.starts_with("staging-"), "{first}");
    local(repo.path())
        .args(["finish", "--env", "staging", "--state", "success"])
        .args(["--url", "https://staging.example.com"])
        .assert()
        .success()
        .stderr(contains(format!("deployment-id={first}")))
        .stderr(contains("state=success"));

    repo.commit("fix: second").file("a.txt", "b\n").create();
    repo.push();
    let second = start(&repo, "staging", None);
    assert_ne!(first, second);
    local(repo.path())
        .args(["finish", "--env", "staging", "--deployment", &second])
        .args(["--state", "success"])
        .assert()
        .success()
        .stdout(contains("1 earlier deployment(s) marked inactive"));

    // The first deployment is now inactive in the shared ledger.
    let first_sha = repo.rev("HEAD~1");
    let lines = remote_lines(&repo, &first_sha);
    assert_eq!(lines.len(), 3, "start, success, inactive: {lines:#?}");
    assert!(lines[2].contains(r#""state":"inactive""#), "{}", lines[2]);
    assert!(lines[2].contains(&format!("superseded by {second}")));
}

#[test]
fn rerunning_start_and_finish_in_the_same_run_writes_nothing_new() {
    let repo = repo();
    let id = start(&repo, "production", Some("77"));
    assert_eq!(start(&repo, "production", Some("77")), id);
    for _ in 0..2 {
        local(repo.path())
            .env("SHIPLINE_RUN_ID", "77")
            .args(["finish", "--env", "production", "--state", "failure"])
            .assert()
            .success()
            .stderr(contains(format!("deployment-id={id}")));
    }
    let lines = remote_lines(&repo, &repo.head());
    assert_eq!(lines.len(), 2, "one start, one failure: {lines:#?}");
    // A new run after a failure is a new attempt: a new deployment.
    assert_ne!(start(&repo, "production", Some("78")), id);
}

#[test]
fn cancelled_is_recorded_as_inactive_and_deactivate_retires_the_live_deployment() {
    let repo = repo();
    let live = start(&repo, "staging", None);
    local(repo.path())
        .args(["finish", "--env", "staging", "--state", "success"])
        .assert()
        .success();
    repo.commit("feat: next").file("b.txt", "b\n").create();
    start(&repo, "staging", None);
    local(repo.path())
        .args(["finish", "--env", "staging", "--state", "cancelled"])
        .assert()
        .success()
        .stderr(contains("state=inactive"));
    // The cancelled one did not retire the live one; deactivate does.
    local(repo.path())
        .args(["deactivate", "--env", "staging"])
        .assert()
        .success()
        .stderr(contains("deactivated=1"));
    let lines = remote_lines(&repo, &repo.rev("HEAD~1"));
    assert!(lines.last().unwrap().contains(r#""state":"inactive""#));
    assert!(lines[0].contains(&live));
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let repo = repo();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "environments:\n  staging: {}\n  production:\n    after: [staging]\n",
    )
    .unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["start", "--env", "stagign"],
            "unknown environment `stagign`",
        ),
        (vec!["start", "--env", "my env"], "contains a space"),
        (
            vec!["start", "--env", "team//staging"],
            "invalid environment name",
        ),
        (
            vec!["finish", "--env", "staging", "--state", "success"],
            "no deployment to finish in `staging`",
        ),
        (
            vec![
                "finish",
                "--env",
                "staging",
                "--deployment",
                "12345",
                "--state",
                "success",
            ],
            "no deployment `12345` in the git ledger",
        ),
        (
            vec!["start", "--env", "staging", "--ref", "no-such-branch"],
            "not a commit",
        ),
        (
            vec!["deactivate", "--env", "nope"],
            "known environments: staging, production",
        ),
    ];
    for (args, message) in cases {
        local(repo.path())
            .args(&args)
            .assert()
            .code(2)
            .stderr(contains(message));
    }
    // A deployment of production cannot be finished as staging.
    let id = start(&repo, "production", None);
    local(repo.path())
        .args([
            "finish",
            "--env",
            "staging",
            "--deployment",
            &id,
            "--state",
            "success",
        ])
        .assert()
        .code(2)
        .stderr(contains("belongs to `production`, not `staging`"));
    let lines = remote_lines(&repo, &repo.head());
    assert_eq!(lines.len(), 1, "only the production start: {lines:#?}");
}

/// A push the remote refuses (a hook here, as a protected ref or missing access would): in CI,
/// where jobs share records only through the remote, the job fails with the remote's words and
/// the fix, and nothing is recorded; locally the record stays in this clone, said once.
#[test]
fn an_origin_that_refuses_the_ledger_push_fails_in_ci_and_keeps_the_record_local_outside() {
    let repo = repo();
    let hook = repo.bare_path().join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'refs/notes/* are protected' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut ci = shipline_testkit::fixtures::GitHubEnv::for_webhook("push");
    ci.set("GITHUB_WORKSPACE", &repo.path().display().to_string())
        .set("GITHUB_SHA", &repo.head());
    crate::helpers::status()
        .envs(ci.vars())
        .args([
            "--backend",
            "git",
            "start",
            "--env",
            "staging",
            "--ref",
            "HEAD",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("refs/notes/* are protected"))
        .stderr(contains("give the job push access"))
        .stderr(contains("SHIPLINE_LEDGER_REMOTE"));
    assert_eq!(
        repo.run(["for-each-ref", "refs/notes/shipline"]),
        "",
        "no local record of a deployment the shared ledger does not have"
    );

    let out = local(repo.path())
        .args(["start", "--env", "staging"])
        .assert()
        .success();
    let id = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let id = id.trim();
    assert!(id.starts_with("staging-"), "{id}");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr.matches("warning:").count(), 1, "said once: {stderr}");
    assert!(stderr.contains("refs/notes/* are protected"), "{stderr}");
    assert!(stderr.contains("recorded in this clone only"), "{stderr}");
    assert!(stderr.contains("SHIPLINE_LEDGER_REMOTE=none"), "{stderr}");
    assert_eq!(remote_lines(&repo, &repo.head()), Vec::<String>::new());
    // Finishing it works the same way, and the record is there to read.
    local(repo.path())
        .args(["finish", "--env", "staging", "--deployment", id])
        .args(["--state", "success"])
        .assert()
        .success();
    local(repo.path())
        .args(["show", "--format", "json"])
        .assert()
        .success()
        .stdout(contains(id));

    // SHIPLINE_LEDGER_REMOTE=none keeps the ledger in this clone: recorded, nothing pushed.
    let id = local(repo.path())
        .env("SHIPLINE_LEDGER_REMOTE", "none")
        .args(["start", "--env", "staging"])
        .assert()
        .success();
    let id = String::from_utf8(id.get_output().stdout.clone()).unwrap();
    assert!(id.starts_with("staging-"), "{id}");
    assert_eq!(remote_lines(&repo, &repo.head()), Vec::<String>::new());
    local(repo.path())
        .env("SHIPLINE_LEDGER_REMOTE", "none")
        .args(["show"])
        .assert()
        .success()
        .stdout(contains("| staging |"));

    // A remote the clone does not have is named, with the choices.
    local(repo.path())
        .env("SHIPLINE_LEDGER_REMOTE", "upstream")
        .args(["show"])
        .assert()
        .code(2)
        .stderr(contains("no remote `upstream`"))
        .stderr(contains("`none`"));
}

/// Environment names with slashes (GitLab environment folders, monorepo components) are one
/// rule with the configuration: recorded, found again by `finish` and shown, with the id kept
/// to one path segment.
#[test]
fn a_review_app_in_an_environment_folder_round_trips() {
    let repo = repo();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "environments:\n  review/app:\n    transient: true\n  production:\n",
    )
    .unwrap();
    let id = start(&repo, "review/app", None);
    assert!(id.starts_with("review+app-"), "{id}");
    assert!(!id.contains('/'), "{id}");
    local(repo.path())
        .args(["finish", "--env", "review/app", "--state", "success"])
        .assert()
        .success()
        .stdout(contains(format!("Deployment {id} of")))
        .stdout(contains("to **review/app**: success"));
    let lines = remote_lines(&repo, &repo.head());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("\"environment\":\"review/app\""),
        "{lines:?}"
    );
    let shown = local(repo.path())
        .args(["show", "--env", "review/app", "--format", "json"])
        .assert()
        .success();
    let shown: serde_json::Value = serde_json::from_slice(&shown.get_output().stdout).unwrap();
    let text = shown.to_string();
    assert!(text.contains("\"review/app\""), "{text}");
    assert!(text.contains(&id), "{text}");
    // The flags refuse what the configuration refuses.
    for bad in ["/review", "review/../prod", "review//app", ""] {
        local(repo.path())
            .args(["start", "--env", bad])
            .assert()
            .code(2)
            .stderr(contains("invalid environment name"));
    }
}

#[test]
fn a_component_is_recorded_as_env_slash_name_with_the_environments_settings() {
    let repo = TestRepo::new();
    repo.commit("feat: first")
        .file("services/api/main.rs", "fn main() {}\n")
        .create();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "environments:\n  staging:\n  production:\n    url: https://example.com\n    after: [staging]\ncomponents:\n  api:\n    paths: [services/api]\n  tools:\n    paths: [tools]\n    environments: [staging]\n",
    )
    .unwrap();
    let out = local(repo.path())
        .args(["start", "--env", "production", "--component", "api"])
        .assert()
        .success();
    let id = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_string();
    assert!(id.starts_with("production+api-"), "{id}");
    local(repo.path())
        .args([
            "finish",
            "--env",
            "production",
            "--component",
            "api",
            "--state",
            "success",
        ])
        .assert()
        .success();
    // `--env production/api` is the same deployment target.
    let out = local(repo.path())
        .args(["show", "--env", "production/api", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let env = &json["environments"][0];
    assert_eq!(env["environment"], "production/api", "{json}");
    assert_eq!(env["running"]["deployment_id"], id.as_str(), "{json}");
    // Production's settings apply: its url, and production for the metrics.
    assert_eq!(env["running"]["url"], "https://example.com/", "{json}");
    assert_eq!(env["production"], true, "{json}");

    local(repo.path())
        .args(["start", "--env", "production", "--component", "tools"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "component `tools` is not deployed to `production`",
        ));
    local(repo.path())
        .args(["start", "--env", "staging", "--component", "apl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean `api`?"));
}
