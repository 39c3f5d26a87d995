//! `--component`: one component of a monorepo promoted on its own. Its deployments are
//! recorded as `ENV/NAME`, and upstream counts a success at another commit when nothing under
//! the component's paths or shared paths changed between the two.

use crate::helpers::{Setup, json, output};

const CONFIG: &str = r#"environments:
  staging:
    rollout: { command: "true", steps: [100] }
  production:
    after: [staging]
    rollout:
      command: printf '%s %s %s\n' "$SHIPLINE_ENVIRONMENT" "$SHIPLINE_COMPONENT" "$SHIPLINE_SHA" >> {log}/deploy.log
      steps: [100]
components:
  api:
    paths: [services/api, "!services/api/docs"]
    shared: [libs/auth]
  web:
    paths: [apps/web]
  tools:
    paths: [tools]
    environments: [staging]
"#;

fn setup() -> Setup {
    let setup = Setup::new(CONFIG);
    setup
        .repo
        .commit("feat: the parts")
        .file("services/api/main.rs", "fn main() {}\n")
        .file("services/api/docs/guide.md", "guide\n")
        .file("libs/auth/token.rs", "// token\n")
        .file("apps/web/app.ts", "export {}\n")
        .file("tools/lint.sh", "true\n")
        .create();
    setup
}

/// Promotes `component` to `env` at `rev`; the exit code and the JSON report.
fn promote(
    setup: &Setup,
    component: &str,
    env: &str,
    rev: &str,
) -> (i32, serde_json::Value, String) {
    let run = setup
        .promote()
        .args([
            "--component",
            component,
            "--to",
            env,
            "--ref",
            rev,
            "--format",
            "json",
        ])
        .assert();
    let out = run.get_output();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = if out.stdout.is_empty() {
        serde_json::Value::Null
    } else {
        json(&out.stdout)
    };
    (out.status.code().unwrap(), report, stderr)
}

fn upstream(report: &serde_json::Value) -> String {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "upstream")
        .unwrap()["evidence"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_component_goes_on_with_the_same_content_and_stops_when_a_shared_path_changed() {
    let setup = setup();
    let first = setup.repo.head();
    let (code, report, stderr) = promote(&setup, "api", "staging", &first);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["environment"], "staging/api");
    assert_eq!(setup.deployments("staging/api").len(), 1);
    assert!(setup.deployments("staging").is_empty());

    // A later commit changes the web app and the api's excluded docs only: the same api.
    let later = setup
        .repo
        .commit("feat(web): a page")
        .file("apps/web/page.ts", "export {}\n")
        .file("services/api/docs/guide.md", "a better guide\n")
        .create();
    let (code, report, stderr) = promote(&setup, "api", "production", &later);
    assert_eq!(code, 0, "{stderr}");
    let evidence = upstream(&report);
    assert!(evidence.contains("`staging/api`: deployment"), "{evidence}");
    assert!(
        evidence.contains(&format!(
            "with {}, whose `api` content is the same as {}'s",
            &first[..12],
            &later[..12]
        )),
        "{evidence}"
    );
    assert_eq!(
        setup.log("deploy.log"),
        format!("production api {later}\n"),
        "the rollout knows the component"
    );
    assert_eq!(setup.deployments("production/api").len(), 1);

    // The web app never went to staging.
    let (code, report, _) = promote(&setup, "web", "production", &later);
    assert_eq!(code, 3);
    let evidence = upstream(&report);
    assert!(
        evidence.contains("`staging/web`: no successful deployment"),
        "{evidence}"
    );

    // A change under a shared path is a change of the api.
    let shared = setup
        .repo
        .commit("fix(auth): expiry")
        .file("libs/auth/token.rs", "// token, expiring\n")
        .create();
    let (code, report, stderr) = promote(&setup, "api", "production", &shared);
    assert_eq!(code, 3, "{stderr}");
    let evidence = upstream(&report);
    assert!(
        evidence.contains("no successful deployment of")
            && evidence.contains("or of a commit with the same `api` content"),
        "{evidence}"
    );
    assert!(
        output(stderr.as_bytes(), "reason")
            .unwrap()
            .contains("staging/api"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_component_or_one_not_deployed_there_is_a_usage_error() {
    let setup = setup();
    let head = setup.repo.head();
    let (code, _, stderr) = promote(&setup, "apl", "staging", &head);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown component `apl`; did you mean `api`?"),
        "{stderr}"
    );
    let (code, _, stderr) = promote(&setup, "tools", "production", &head);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("component `tools` is not deployed to `production`"),
        "{stderr}"
    );
    assert!(setup.deployments("production/tools").is_empty());
}

/// A failed rollout of one component hands over to the revert only that component's commits
/// since its last good deployment: the range also holds another component's change, which its
/// own deployment carries and which must stay on the default branch.
#[test]
fn a_failed_component_rollout_reverts_only_the_components_commits() {
    let setup = Setup::new(
        r#"environments:
  production:
    rollout:
      command: test ! -e {log}/fail-$SHIPLINE_COMPONENT
      steps: [100]
components:
  api:
    paths: [services/api]
    shared: [libs/auth]
  web:
    paths: [apps/web]
"#,
    );
    setup
        .repo
        .commit("feat: the parts")
        .file("services/api/main.rs", "fn main() {}\n")
        .file("libs/auth/token.rs", "// token\n")
        .file("apps/web/app.ts", "export {}\n")
        .create();
    let good = setup.repo.head();
    let (code, _, stderr) = promote(&setup, "api", "production", &good);
    assert_eq!(code, 0, "{stderr}");
    let shared = setup
        .repo
        .commit("fix(auth): expiry")
        .file("libs/auth/token.rs", "// token, expiring\n")
        .create();
    setup
        .repo
        .commit("feat(web): a page")
        .file("apps/web/page.ts", "export {}\n")
        .create();
    let own = setup
        .repo
        .commit("feat(api): limits")
        .file("services/api/limits.rs", "// limits\n")
        .create();
    std::fs::write(setup.scratch_path("fail-api"), "").unwrap();

    let run = setup
        .promote()
        .args(["--component", "api", "--to", "production", "--ref", &own])
        .args(["--revert-on-failure", "--format", "json"])
        .assert();
    let out = run.get_output();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out.stdout);
    assert_eq!(report["revert"]["status"], "local", "{report:#}");
    assert_eq!(report["revert"]["from"], good.as_str(), "{report:#}");
    let branch = report["revert"]["branch"].as_str().unwrap().to_string();
    let reverted: std::collections::BTreeSet<String> = setup
        .repo
        .run(["log", "--format=%B", &format!("main..{branch}")])
        .lines()
        .filter_map(|l| l.strip_prefix("This reverts commit "))
        .map(|sha| sha.trim_end_matches('.').to_string())
        .collect();
    assert_eq!(
        reverted,
        [own, shared].into_iter().collect(),
        "only `api`'s commits, the web page stays"
    );
    assert_eq!(
        setup
            .repo
            .run(["show", &format!("{branch}:apps/web/page.ts")]),
        "export {}"
    );
}
