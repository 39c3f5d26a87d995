//! A monorepo of three components (`api`, `web`, `worker`) through the whole pipeline, once on
//! the fake GitHub, once on the fake GitLab and once in local mode (the git notes ledger).
//!
//! One scenario, written once against [`Backend`] (`components/mod.rs`), which runs the four
//! real binaries the way each place runs them: a GitHub Actions step (the simulated runner of
//! `pipeline/runner.rs`, every request checked against GitHub's description), a GitLab CI job
//! (GitLab's documented predefined variables, outputs in the dotenv report), or a developer's
//! shell (no forge).
//!
//! The story: a PR/MR touching `web` alone (its risk report has a `web` section and names `api`
//! and `worker` unchanged; in local mode, with no PR, each component's own report over the
//! branch counts changes for `web` alone) → `api` and `web` deployed to staging → `api`
//! promoted to production at a commit staging never saw, by identical content → a change under
//! `api`'s excluded `services/api/docs/**` does not count (not in `api`'s range, the promotion
//! still passes) → a change under the shared `libs/common/**` stops the promotion → `api`'s
//! production rollout fails and its revert takes back only `api`'s commits, the other
//! components' records untouched.
//!
//! Then `examples/gitlab/deploy-components.yml` itself, run by `gitlab-ci-local` (ignored
//! without it, see `gitlab/mod.rs`) with the template included locally: its matrix deploys only
//! the components a push changed.

mod components;
mod gitlab;

// The simulated runner; this story reads fewer of its step's files than pipeline_github.rs.
#[allow(dead_code)]
#[path = "pipeline/runner.rs"]
mod runner;

use components::{Backend, GITLAB_TOKEN, Kind, PROJECT, RiskSeen, ZEROS, config};
use serde_json::Value;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::TestRepo;

/// The upstream gate's evidence in a promotion's JSON report.
fn upstream(report: &Value) -> String {
    report["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .find(|g| g["gate"] == "upstream")
        .and_then(|g| g["evidence"].as_str())
        .unwrap_or_else(|| panic!("no upstream gate in {report:#}"))
        .to_string()
}

/// A commit's abbreviation as the tools print it.
fn short(sha: &str) -> &str {
    &sha[..12]
}

/// The story, the same on every backend.
fn scenario(kind: Kind) {
    let b = Backend::new(kind);
    let repo = &b.repo;
    let c0 = repo.head();

    // 1. `api` and `web` deployed to staging, `api` promoted to production at the same commit.
    b.deploy(ZEROS, &c0, "staging", "api");
    b.deploy(ZEROS, &c0, "staging", "web");
    let first = b.promote(ZEROS, &c0, "api", "production");
    first.assert_code(0);
    assert_eq!(first.json()["environment"], "production/api");
    assert_eq!(
        b.records("production/api"),
        [(c0.clone(), "success".to_string())]
    );

    // 2. A PR/MR touching `web` alone: its report has a `web` section and names the other two
    // unchanged.
    let branch = "feature-settings";
    repo.branch(branch);
    let head = repo
        .commit("feat(web): a settings page")
        .file("apps/web/src/settings.ts", "export const settings = {};\n")
        .author("Alice Author", "alice@example.com")
        .create();
    repo.run(["push", "-q", "origin", branch]);
    match b.risk_on_change(&c0, &head, branch) {
        RiskSeen::Comment(body) => {
            assert!(body.starts_with("<!-- shipline-risk -->"), "{body}");
            assert!(body.contains("**Per component**"), "{body}");
            assert!(body.contains("\n### web: "), "{body}");
            assert!(!body.contains("\n### api: "), "{body}");
            assert!(!body.contains("\n### worker: "), "{body}");
            assert!(body.contains("\nUnchanged: api, worker.\n"), "{body}");
        }
        RiskSeen::PerComponent(reports) => {
            for (component, changes) in [("api", 0), ("web", 1), ("worker", 0)] {
                let report = &reports[component];
                assert_eq!(report["component"], component, "{report:#}");
                assert_eq!(
                    report["changes"].as_array().map(Vec::len),
                    Some(changes),
                    "{component}: {report:#}"
                );
            }
        }
    }
    repo.checkout("main");
    repo.run([
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge the settings page",
        branch,
    ]);
    repo.push();
    let c1 = repo.head();

    // 3. Only `web` changed: it goes to staging and on to production; `api` goes to production
    // at c1 too, by identical content (staging ran it at c0).
    b.deploy(&c0, &c1, "staging", "web");
    b.promote(&c0, &c1, "web", "production").assert_code(0);
    let same = b.promote(&c0, &c1, "api", "production");
    same.assert_code(0);
    let evidence = upstream(&same.json());
    assert!(evidence.contains("`staging/api`: deployment"), "{evidence}");
    assert!(
        evidence.contains(&format!(
            "with {}, whose `api` content is the same as {}'s",
            short(&c0),
            short(&c1)
        )),
        "{evidence}"
    );

    // 4. A change under `api`'s excluded docs: not in its range, and the promotion by identical
    // content still passes.
    let c2 = b.commit(
        "docs(api): a better guide",
        &[("services/api/docs/guide.md", "# api guide\n\nMore.\n")],
    );
    let range = b.push_step(
        &c1,
        &c2,
        "shipline-risk",
        &["--component", "api", "--format", "json"],
    );
    range.assert_code(0);
    let report = range.json();
    assert_eq!(report["component"], "api", "{report:#}");
    assert_eq!(
        report["changes"].as_array().map(Vec::len),
        Some(0),
        "the excluded docs count: {report:#}"
    );
    assert_eq!(range.output("changes"), "0");
    let docs = b.promote(&c1, &c2, "api", "production");
    docs.assert_code(0);
    let evidence = upstream(&docs.json());
    assert!(
        evidence.contains(&format!(
            "with {}, whose `api` content is the same as {}'s",
            short(&c0),
            short(&c2)
        )),
        "{evidence}"
    );

    // 5. A change under the shared `libs/common/**` is a change of `api`: staging never ran
    // that content, so the promotion is refused.
    let c3 = b.commit(
        "fix(common): trim inputs",
        &[("libs/common/src/lib.rs", "pub fn common() { /* trim */ }\n")],
    );
    let refused = b.promote(&c2, &c3, "api", "production");
    refused.assert_code(3);
    let evidence = upstream(&refused.json());
    assert!(
        evidence.contains("or of a commit with the same `api` content"),
        "{evidence}"
    );
    assert!(
        evidence.contains(&format!("latest is {} (success)", short(&c0))),
        "{evidence}"
    );
    assert!(!evidence.contains("content is the same"), "{evidence}");

    // 6. More changes: `api`'s own, its excluded docs, `web`'s. `api` goes to staging, then its
    // production rollout fails and is reverted: only what changed `api` since its last good
    // production deployment (c2), i.e. the shared library and its own change.
    let c4 = b.commit(
        "feat(api): rate limits",
        &[("services/api/src/limits.rs", "pub const LIMIT: u32 = 10;\n")],
    );
    let c5 = b.commit(
        "docs(api): rate limits",
        &[("services/api/docs/limits.md", "# limits\n")],
    );
    let c6 = b.commit(
        "feat(web): dark mode",
        &[("apps/web/src/dark.ts", "export const dark = true;\n")],
    );
    b.deploy(&c3, &c6, "staging", "api");
    let before = b.other_records("production/api");
    std::fs::write(b.scratch.path().join("fail-api"), "").expect("arm the failure");
    let failed = b.promote(&c3, &c6, "api", "production");
    failed.assert_code(1);
    let report = failed.json();
    assert_eq!(report["promoted"], false, "{report:#}");
    let revert = &report["revert"];
    let expected_status = if kind == Kind::Local {
        "local"
    } else {
        "opened"
    };
    assert_eq!(revert["status"], expected_status, "{report:#}");
    assert_eq!(revert["from"], c2.as_str(), "{report:#}");
    let revert_branch = revert["branch"]
        .as_str()
        .unwrap_or_else(|| panic!("no revert branch: {report:#}"))
        .to_string();
    let reverted = b.reverted_by(&revert_branch);
    assert!(
        !reverted.contains(&c5) && !reverted.contains(&c6),
        "{reverted:?}"
    );
    assert_eq!(
        reverted,
        [c3.clone(), c4.clone()].into_iter().collect(),
        "the revert must take back only `api`'s commits (c3 shared, c4 own), not c5 (excluded \
         docs) or c6 (web)"
    );
    if let Some((title, body)) = b.revert_request(&revert_branch) {
        assert!(title.starts_with("Revert "), "{title}");
        assert!(
            body.contains("Only the changes to component `api` are reverted"),
            "{body}"
        );
        assert!(body.contains("rate limits"), "{body}");
        assert!(body.contains("trim inputs"), "{body}");
        assert!(!body.contains("dark mode"), "{body}");
        assert!(body.contains("production/api"), "{body}");
    }
    // The revert leaves the docs and web's change in place.
    let rev = if kind == Kind::Local {
        revert_branch.clone()
    } else {
        format!("origin/{revert_branch}")
    };
    assert_eq!(
        repo.run(["show", &format!("{rev}:apps/web/src/dark.ts")]),
        "export const dark = true;"
    );
    assert_eq!(
        repo.run(["show", &format!("{rev}:services/api/docs/limits.md")]),
        "# limits"
    );
    assert!(
        !repo
            .try_output([
                "cat-file",
                "-e",
                &format!("{rev}:services/api/src/limits.rs")
            ])
            .status
            .success(),
        "the api change is reverted"
    );

    // `api`'s production record ends with the failure; nothing else changed.
    let api: Vec<String> = b
        .records("production/api")
        .into_iter()
        .map(|(sha, _)| sha)
        .collect();
    assert_eq!(api, [c0.clone(), c1.clone(), c2.clone(), c6.clone()]);
    assert_eq!(
        b.records("production/api").last().map(|(_, s)| s.as_str()),
        Some("failure")
    );
    assert_eq!(b.other_records("production/api"), before);
    assert!(b.records("production").is_empty() && b.records("staging").is_empty());
    let log = std::fs::read_to_string(b.scratch.path().join("deploy.log")).unwrap_or_default();
    assert_eq!(
        log,
        format!("api {c0}\nweb {c1}\napi {c1}\napi {c2}\napi {c6}\n"),
        "the rollouts, each of one component"
    );

    if kind == Kind::GitHub {
        assert_github_conformance(b.forge());
    }
}

/// The story as GitHub Actions steps against the fake GitHub.
#[test]
fn components_on_github() {
    scenario(Kind::GitHub);
}

/// The story as GitLab CI jobs against the fake GitLab.
#[test]
fn components_on_gitlab() {
    scenario(Kind::GitLab);
}

/// The story in a shell with no forge: the git notes ledger.
#[test]
fn components_in_local_mode() {
    scenario(Kind::Local);
}

/// The example's `include:` of the published template, which the test swaps for the local one.
const EXAMPLE_INCLUDE: &str = r#"include:
  - remote: https://raw.githubusercontent.com/shipline/shipline/v0.1.0/.gitlab-ci-template.yml
    inputs:
      version: "0.1.0"
"#;

/// `examples/gitlab/deploy-components.yml` as a project would run it here: the template from
/// the checkout, the tools already on PATH (`install: path`).
fn example_pipeline() -> String {
    let path = gitlab::workspace_root().join("examples/gitlab/deploy-components.yml");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        text.contains(EXAMPLE_INCLUDE),
        "{} no longer includes the template as this test expects:\n{text}",
        path.display()
    );
    text.replace(
        EXAMPLE_INCLUDE,
        "include:\n  - local: .gitlab-ci-template.yml\n    inputs:\n      install: path\n",
    )
}

/// The example's two matrices on two pushes: the first pipeline of the branch deploys every
/// component to staging and promotes each to production; a push changing `web` alone deploys
/// and promotes `web` alone, the other jobs ending without a deployment.
#[test]
#[cfg_attr(
    not(gitlab_ci_local),
    ignore = "needs gitlab-ci-local and rsync: npm install --global gitlab-ci-local@4.60.0 (Node 20), apt-get install rsync; .ci/run installs both"
)]
fn the_gitlab_example_deploys_only_the_changed_components() {
    gitlab::require_tools("pipeline_components");
    let scratch = tempfile::tempdir().expect("scratch");
    let scratch_path = scratch.path().to_string_lossy().into_owned();
    let repo = TestRepo::new();
    repo.commit("chore: the workspace")
        .file(".shipline.yml", config(&scratch_path))
        .file(".gitlab-ci-template.yml", gitlab::template())
        .file(".gitlab-ci.yml", example_pipeline())
        .file(
            "deploy.sh",
            format!("#!/bin/sh\necho \"$1 $2 $CI_COMMIT_SHA\" >> {scratch_path}/staging.log\n"),
        )
        .file("Cargo.lock", "# lockfile v1\n")
        .file("libs/common/src/lib.rs", "pub fn common() {}\n")
        .file("services/api/src/main.rs", "fn main() {}\n")
        .file("apps/web/src/app.ts", "export const app = 1;\n")
        .file("services/worker/src/main.rs", "fn main() {}\n")
        // What the jobs leave in the checkout, which this test shares with them.
        .file(
            ".gitignore",
            ".gitlab-ci-local/\n.shipline/\nshipline.env\nshipline-report.md\nrisk.json\n",
        )
        .create();
    repo.run(["update-index", "--chmod=+x", "deploy.sh"]);
    repo.run(["commit", "-q", "--amend", "--no-edit"]);
    std::fs::set_permissions(
        repo.path().join("deploy.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod deploy.sh");
    repo.push();
    let c0 = repo.head();
    let forge = FakeForge::start();
    let project = gitlab::connect(&repo, &forge, PROJECT, GITLAB_TOKEN);
    let home = tempfile::tempdir().expect("HOME");
    let run = |before: &str| {
        repo.run(["clean", "-q", "-ffdx", "-e", ".gitlab-ci-local/"]);
        let mut vars = project.vars.clone();
        vars.push(("CI_PIPELINE_SOURCE".into(), "push".into()));
        vars.push(("CI_COMMIT_BEFORE_SHA".into(), before.into()));
        gitlab::Pipeline {
            repo: repo.path(),
            home: home.path(),
            path: vec![gitlab::shipline_bins()],
            vars,
            file: None,
        }
        .run_isolated(&[])
    };
    let records = |key: &str| -> Vec<(String, String)> {
        let state = forge.state();
        let project = state.gitlab.project(PROJECT).expect("project");
        project
            .deployments_of(key)
            .into_iter()
            .map(|d| (d.sha.clone(), d.status.clone()))
            .collect()
    };
    let read = |name: &str| std::fs::read_to_string(scratch.path().join(name)).unwrap_or_default();
    let sorted = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };

    // The first pipeline of the branch: no previous head, every component goes out.
    let first = run(ZEROS);
    first.assert_success();
    for component in ["api", "web", "worker"] {
        for env in ["staging", "production"] {
            assert_eq!(
                records(&format!("{env}/{component}")),
                [(c0.clone(), "success".to_string())],
                "{env}/{component}\n{}",
                first.log
            );
        }
    }
    assert!(records("staging").is_empty() && records("production").is_empty());
    assert_eq!(
        sorted(read("staging.log")),
        [
            format!("staging api {c0}"),
            format!("staging web {c0}"),
            format!("staging worker {c0}")
        ],
        "{}",
        first.log
    );
    assert_eq!(
        sorted(read("deploy.log")),
        [
            format!("api {c0}"),
            format!("web {c0}"),
            format!("worker {c0}")
        ],
        "{}",
        first.log
    );

    // A push changing `web` alone: `web` is deployed and promoted; `api` and `worker` not.
    let c1 = repo
        .commit("feat(web): a settings page")
        .file("apps/web/src/settings.ts", "export const settings = {};\n")
        .create();
    repo.push();
    let second = run(&c0);
    second.assert_success();
    for env in ["staging", "production"] {
        assert_eq!(
            records(&format!("{env}/web")),
            [
                (c0.clone(), "success".to_string()),
                (c1.clone(), "success".to_string())
            ],
            "{env}/web\n{}",
            second.log
        );
        for component in ["api", "worker"] {
            assert_eq!(
                records(&format!("{env}/{component}")),
                [(c0.clone(), "success".to_string())],
                "{env}/{component}\n{}",
                second.log
            );
        }
    }
    assert!(
        second
            .log
            .contains("api: not changed by this push, not deployed"),
        "{}",
        second.log
    );
    assert!(
        second
            .log
            .contains("worker: production runs this content already"),
        "{}",
        second.log
    );
    assert_eq!(
        sorted(read("staging.log"))
            .into_iter()
            .filter(|l| l.ends_with(&c1))
            .collect::<Vec<_>>(),
        [format!("staging web {c1}")],
        "{}",
        second.log
    );
    assert_eq!(
        sorted(read("deploy.log"))
            .into_iter()
            .filter(|l| l.ends_with(&c1))
            .collect::<Vec<_>>(),
        [format!("web {c1}")],
        "{}",
        second.log
    );
}
