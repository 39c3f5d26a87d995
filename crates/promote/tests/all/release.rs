//! The release after a successful promotion: the next semver tag from the conventional commits
//! since the last one, pushed with git, or published as a GitHub release with notes.

use shipline_testkit::fixtures::GitHubEnv;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::assert_github_conformance;

use crate::helpers::{Setup, output};

fn remote_tags(setup: &Setup) -> String {
    let out = std::process::Command::new("git")
        .args(["tag", "--list"])
        .current_dir(setup.repo.bare_path())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn tags_the_next_version_and_pushes_it() {
    let setup = Setup::new("environments:\n  production:\n    release: { tag: true }\n");
    // A dry run plans the release and tags nothing.
    let dry = setup
        .promote()
        .args(["--to", "production", "--dry-run"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&dry.get_output().stdout).into_owned();
    assert!(text.contains("Release `v0.1.0` (planned)"), "{text}");
    assert!(text.contains("### Features\n\n- first ("), "{text}");
    assert_eq!(remote_tags(&setup), "");

    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(0);
    let out = run.get_output();
    assert_eq!(output(&out.stderr, "tag").as_deref(), Some("v0.1.0"));
    assert_eq!(output(&out.stderr, "version").as_deref(), Some("0.1.0"));
    assert_eq!(remote_tags(&setup), "v0.1.0\n");

    // The same commit again: already released, nothing new.
    let again = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&again.get_output().stdout).into_owned();
    assert!(text.contains("Release `v0.1.0` (already tagged)"), "{text}");

    // A fix on top: the patch after it; a docs-only change: no release at all.
    setup
        .repo
        .commit("fix(api): handle empty body")
        .file("a.txt", "1")
        .create();
    setup.repo.push();
    setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(0);
    assert_eq!(remote_tags(&setup), "v0.1.0\nv0.1.1\n");
    setup
        .repo
        .commit("docs: typo")
        .file("README.md", "x")
        .create();
    let run = setup
        .promote()
        .args(["--to", "production", "--format", "json"])
        .assert()
        .code(0);
    let report: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    assert_eq!(report["release"], serde_json::Value::Null);
    assert_eq!(remote_tags(&setup), "v0.1.0\nv0.1.1\n");
}

#[test]
fn publishes_a_github_release_with_notes() {
    let forge = FakeForge::start();
    let setup = Setup::new(
        "environments:\n  production:\n    release: { publish: true, tag_prefix: \"api-v\" }\n",
    );
    let mut env = GitHubEnv::for_webhook("workflow_dispatch");
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", "ghs_releaseTestToken0123456789")
        .set("GITHUB_WORKSPACE", &setup.repo.path().display().to_string())
        .set("GITHUB_SHA", &setup.sha);
    let repo = env.vars()["GITHUB_REPOSITORY"].clone();
    forge.state().github.add_repo(&repo);
    setup
        .promote()
        .envs(env.vars())
        .args(["--to", "production", "--backend", "git"])
        .assert()
        .code(0);
    let releases = forge.state().github.repos[&repo].releases.clone();
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0].tag, "api-v0.1.0");
    assert!(
        releases[0]
            .body
            .starts_with("Promoted to production.\n\n### Features\n\n- first ("),
        "{}",
        releases[0].body
    );
    let outputs = std::fs::read_to_string(env.output_file()).unwrap();
    assert!(outputs.contains("api-v0.1.0"), "{outputs}");
    assert!(outputs.contains("release-url"), "{outputs}");
    assert_github_conformance(&forge);
}

#[test]
fn publishing_without_a_token_fails_the_job_but_keeps_the_promotion() {
    let setup = Setup::new("environments:\n  production:\n    release: { publish: true }\n");
    let run = setup
        .promote()
        .args(["--to", "production"])
        .assert()
        .code(1);
    let out = run.get_output();
    assert_eq!(output(&out.stderr, "promoted").as_deref(), Some("true"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("publishing failed: `release.publish` for `production` needs a forge token"),
        "{text}"
    );
}

// Regression: release tagging guessed a patch for "area: subject" histories. With nothing that
// states a version it now asks for one (exit 2), and tags the one given.
#[test]
fn no_stated_bump_needs_an_explicit_version() {
    let setup = Setup::new("environments:\n  production:\n    release: { tag: true }\n");
    setup.repo.tag("1.0.0");
    for area in ["printer", "ignore", "searcher"] {
        setup
            .repo
            .commit(&format!("{area}: rework"))
            .file(format!("{area}.txt"), area)
            .create();
    }
    setup.repo.push();
    let refused = setup
        .promote()
        .args(["--to", "production", "--dry-run"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(err.contains("bump: not stated"), "{err}");
    assert!(err.contains("--release-version"), "{err}");
    let given = setup
        .promote()
        .args(["--to", "production", "--release-version", "2.0.0"])
        .assert()
        .code(0);
    let out = given.get_output();
    assert_eq!(output(&out.stderr, "tag").as_deref(), Some("2.0.0"));
    assert_eq!(remote_tags(&setup), "2.0.0\n");
}
