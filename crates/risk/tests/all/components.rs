//! `--component`: one component of a monorepo reported on its own. Its range starts at its own
//! last `production/NAME` deployment or its own last version tag, its version comes from its
//! own tags, and only changes under its paths and shared paths count.

use predicates::prelude::*;
use shipline_testkit::repo::TestRepo;

use crate::helpers::{area_paths, deployed, lines, risk};

const CONFIG: &str = r#"components:
  api:
    paths: [api, "!api/docs/**"]
    shared: [libs/shared]
  web:
    paths: [web]
"#;

/// A workspace-like repository: `api` released as `api-v1.2.0`, `web` as `web-v0.3.0`, the
/// repository as a whole as `v2.0.0`, then changes here and there. Returns the repository and
/// the SHA of the shared-path fix.
fn workspace() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.commit("chore: the workspace")
        .file(".shipline.yml", CONFIG)
        .file("api/src/lib.rs", lines("pub fn api() {}\n", 20))
        .file("api/docs/guide.md", "# guide\n")
        .file("web/src/app.ts", lines("export const a = 1;\n", 20))
        .file("libs/shared/src/lib.rs", lines("pub fn shared() {}\n", 20))
        .create();
    repo.tag("api-v1.2.0");
    repo.tag("web-v0.3.0");
    repo.commit("feat(web): a new page")
        .file("web/src/page.ts", lines("export const p = 1;\n", 10))
        .create();
    repo.tag("v2.0.0");
    // Neither of these is api's: one is web's, one is under api's excluded docs.
    repo.commit("feat!: web drops the old routes")
        .file("web/src/routes.ts", lines("export const r = 1;\n", 10))
        .create();
    repo.commit("feat!: the api guide starts over")
        .file("api/docs/guide.md", "# a new guide\n")
        .create();
    let shared = repo
        .commit("fix: the shared helper rounds down")
        .file("libs/shared/src/lib.rs", lines("pub fn shared() { }\n", 20))
        .create();
    repo.commit("fix: api checks its bounds")
        .file("api/src/lib.rs", lines("pub fn api() { }\n", 20))
        .file("web/src/app.ts", lines("export const a = 2;\n", 30))
        .create();
    (repo, shared)
}

/// The JSON report of `shipline-risk --component NAME` plus `args`, which must succeed.
fn component_json(repo: &TestRepo, name: &str, args: &[&str]) -> serde_json::Value {
    let out = risk(repo.path())
        .args(["--component", name, "--format", "json"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("JSON report")
}

fn titles(json: &serde_json::Value) -> Vec<String> {
    json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_component_starts_at_its_own_tag_and_counts_only_its_changes() {
    let (repo, _) = workspace();
    let json = component_json(&repo, "api", &[]);
    assert_eq!(json["component"], "api");
    assert_eq!(json["base_source"]["kind"], "tag");
    assert_eq!(json["base_source"]["tag"], "api-v1.2.0");
    assert_eq!(json["base"], repo.rev("api-v1.2.0"));
    assert_eq!(
        titles(&json),
        ["api checks its bounds", "the shared helper rounds down"],
        "web's changes and those under `!api/docs/**` are not api's; the shared path is"
    );
    assert_eq!(json["current_version"], "1.2.0");
    assert_eq!(json["bump"], "patch");
    assert_eq!(json["next_version"], "1.2.1");
    // The change that touched api and web together is scored on api's files alone.
    let areas = area_paths(&json);
    assert!(!areas.is_empty());
    assert!(
        areas.iter().all(|a| !a.starts_with("web")),
        "areas {areas:?} name web's files"
    );
}

#[test]
fn another_component_reads_its_own_family() {
    let (repo, _) = workspace();
    let json = component_json(&repo, "web", &[]);
    assert_eq!(json["component"], "web");
    assert_eq!(json["base_source"]["tag"], "web-v0.3.0");
    assert_eq!(json["current_version"], "0.3.0");
    assert_eq!(
        titles(&json),
        [
            "api checks its bounds",
            "web drops the old routes",
            "a new page"
        ]
    );
    // web's breaking change; before 1.0.0 a breaking change raises the minor version.
    assert_eq!(json["bump"], "major");
    assert_eq!(json["next_version"], "0.4.0");
}

#[test]
fn without_component_the_repository_is_read_as_before() {
    let (repo, _) = workspace();
    let out = risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).expect("JSON report");
    assert!(json.get("component").is_none());
    assert_eq!(json["base_source"]["tag"], "v2.0.0");
    assert_eq!(titles(&json).len(), 4);
    // An empty SHIPLINE_COMPONENT (a pipeline input left blank) is no component.
    let out = risk(repo.path())
        .env("SHIPLINE_COMPONENT", "")
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let blank: serde_json::Value = serde_json::from_slice(&out).expect("JSON report");
    assert!(blank.get("component").is_none());
    assert_eq!(blank["base_source"]["tag"], "v2.0.0");
}

#[test]
fn the_summary_names_the_component_and_its_tag() {
    let (repo, _) = workspace();
    risk(repo.path())
        .args(["--component", "api"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("## shipline-risk for `api`:")
                .and(predicate::str::contains("since its tag `api-v1.2.0`")),
        );
    // SHIPLINE_COMPONENT does the same as the flag.
    risk(repo.path())
        .env("SHIPLINE_COMPONENT", "web")
        .assert()
        .success()
        .stdout(predicate::str::contains("## shipline-risk for `web`:"));
}

#[test]
fn a_component_with_nothing_new_says_so_under_its_paths() {
    let (repo, _) = workspace();
    repo.tag("api-v1.2.1");
    repo.commit("feat(web): one more page")
        .file("web/src/more.ts", lines("export const m = 1;\n", 10))
        .create();
    risk(repo.path())
        .args(["--component", "api"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("## shipline-risk for `api`: nothing to ship")
                .and(predicate::str::contains("under the paths of `api`")),
        )
        // The `changes` output lets a job skip deploying what did not change.
        .stderr(predicate::str::contains("changes=0"));
    risk(repo.path())
        .args(["--component", "web", "--base", "api-v1.2.1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("changes=1"));
}

#[test]
fn a_production_deployment_of_the_component_moves_its_base() {
    let (repo, shared) = workspace();
    let head = repo.head();
    // api's deployment, and one of the whole repository at the head that api must not use.
    deployed(&repo, "production/api", &shared);
    deployed(&repo, "production", &head);
    let json = component_json(&repo, "api", &[]);
    assert_eq!(json["base"], shared);
    assert_eq!(json["base_source"]["kind"], "deployment");
    assert_eq!(json["base_source"]["environment"], "production/api");
    assert_eq!(titles(&json), ["api checks its bounds"]);
    assert_eq!(json["current_version"], "1.2.0");
    // --base still overrides the deployment.
    let json = component_json(&repo, "api", &["--base", "api-v1.2.0"]);
    assert_eq!(json["base"], repo.rev("api-v1.2.0"));
    assert_eq!(titles(&json).len(), 2);
    // The whole repository starts at its own deployment: nothing to ship.
    risk(repo.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to ship"));
}

#[test]
fn an_unknown_component_exits_2_naming_the_known_ones() {
    let (repo, _) = workspace();
    risk(repo.path())
        .args(["--component", "apl"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--component (SHIPLINE_COMPONENT)").and(
                predicate::str::contains("unknown component `apl`; did you mean `api`?"),
            ),
        );
    let plain = crate::helpers::released_repo();
    risk(plain.path())
        .args(["--component", "api"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the configuration defines no components",
        ));
}

/// A crate's `Cargo.toml` in a workspace.
fn manifest(name: &str, version: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2018\"\n")
}

/// tokio-rs/tracing's `tracing-subscriber-0.3.16..tracing-subscriber-0.3.17`, rebuilt small:
/// per-crate (annotated) tags of several families, a change shared with another crate, changes
/// of other crates between, and the release commit raising the crate's own manifest. The real
/// range holds 31 changes, 13 of them touching `tracing-subscriber/` (`git log
/// tracing-subscriber-0.3.16..tracing-subscriber-0.3.17 -- tracing-subscriber`).
#[test]
fn per_crate_tags_of_a_workspace_give_the_crate_its_own_release() {
    let repo = TestRepo::new();
    repo.commit("chore: the workspace")
        .file(
            ".shipline.yml",
            "components:\n  tracing-subscriber:\n    paths: [tracing-subscriber]\n    tag_prefix: tracing-subscriber-\n    manifest: tracing-subscriber/Cargo.toml\n",
        )
        .file("Cargo.toml", "[workspace]\nmembers = [\"tracing-*\"]\n")
        .file("tracing-core/Cargo.toml", manifest("tracing-core", "0.1.30"))
        .file("tracing-core/src/lib.rs", lines("pub fn core() {}\n", 20))
        .file(
            "tracing-subscriber/Cargo.toml",
            manifest("tracing-subscriber", "0.3.16"),
        )
        .file(
            "tracing-subscriber/src/filter.rs",
            lines("pub fn targets() {}\n", 20),
        )
        .file("tracing-mock/src/lib.rs", lines("pub fn mock() {}\n", 5))
        .file("tracing-attributes/src/lib.rs", lines("pub fn attr() {}\n", 5))
        .create();
    repo.tag("tracing-core-0.1.30");
    repo.tag("tracing-subscriber-0.3.16");
    repo.tag("tracing-attributes-0.1.23");
    repo.commit("subscriber: impl `fmt::Display` for `filter::Targets` (#2343)")
        .file(
            "tracing-subscriber/src/filter.rs",
            lines("pub fn targets() { }\n", 24),
        )
        .create();
    repo.commit("mock: move layer mock from tracing-subscriber tests (#2369)")
        .file(
            "tracing-mock/src/layer.rs",
            lines("pub fn layer() {}\n", 30),
        )
        .file(
            "tracing-subscriber/tests/support.rs",
            lines("pub use tracing_mock::*;\n", 2),
        )
        .create();
    repo.commit("fix(docs): Remove accidentally duplicated words (#2378)")
        .file("tracing-core/src/lib.rs", lines("pub fn core() { }\n", 20))
        .file(
            "tracing-subscriber/src/filter.rs",
            lines("pub fn targets() {  }\n", 24),
        )
        .create();
    repo.commit("attributes: update to syn 2.0 (#2516)")
        .file(
            "tracing-attributes/src/lib.rs",
            lines("pub fn attr() { }\n", 9),
        )
        .create();
    repo.tag("tracing-attributes-0.1.24");
    repo.commit("subscriber: prepare to release v0.3.17 (#2571)")
        .file(
            "tracing-subscriber/Cargo.toml",
            manifest("tracing-subscriber", "0.3.17"),
        )
        .file("tracing-subscriber/CHANGELOG.md", "# 0.3.17\n")
        .create();

    // Before the tag: the range starts at the crate's own tag, and its raised manifest states
    // the version.
    let json = component_json(&repo, "tracing-subscriber", &[]);
    assert_eq!(json["base_source"]["tag"], "tracing-subscriber-0.3.16");
    assert_eq!(titles(&json).len(), 4);
    assert_eq!(json["current_version"], "0.3.16");
    assert_eq!(json["next_version"], "0.3.17");
    assert_eq!(json["bump"], "patch");

    repo.tag("tracing-subscriber-0.3.17");
    let json = component_json(
        &repo,
        "tracing-subscriber",
        &[
            "--base",
            "tracing-subscriber-0.3.16",
            "--head",
            "tracing-subscriber-0.3.17",
        ],
    );
    assert_eq!(
        titles(&json),
        [
            "prepare to release v0.3.17",
            "Remove accidentally duplicated words",
            "move layer mock from tracing-subscriber tests",
            "impl `fmt::Display` for `filter::Targets`",
        ]
    );
    assert_eq!(json["current_version"], "0.3.16");
    assert_eq!(json["next_version"], "0.3.17");
    assert_eq!(json["bump"], "patch");
    let areas = area_paths(&json);
    assert!(
        areas.iter().all(|a| a.starts_with("tracing-subscriber/")),
        "areas {areas:?} name other crates' files"
    );
}

/// `history --component api`: one line per change under api's paths and shared paths (not the
/// excluded docs, not web's), each measured on those files alone; an unknown name exits 2.
#[test]
fn history_lists_only_the_components_changes_measured_on_its_files() {
    let (repo, shared) = workspace();
    let out = risk(repo.path())
        .args(["history", "--component", "api", "--format", "jsonl"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let shas: Vec<&str> = rows.iter().map(|r| r["sha"].as_str().unwrap()).collect();
    // What git itself lists for the same paths, oldest first.
    let git = repo.run([
        "log",
        "--no-merges",
        "--reverse",
        "--format=%H",
        "--",
        "api",
        ":(exclude)api/docs/**",
        "libs/shared",
    ]);
    let expected: Vec<&str> = git.lines().collect();
    assert_eq!(shas, expected, "{text}");
    assert_eq!(shas.len(), 3, "{text}");
    assert_eq!(shas[1], shared);
    // The last change rewrote 20 lines of api and more of web: only api's count.
    assert_eq!(rows[2]["features"]["la"], 20, "{text}");

    // The whole repository's history holds every change, web's lines included.
    let all = risk(repo.path())
        .args(["history", "--format", "jsonl"])
        .assert()
        .success();
    let all = String::from_utf8(all.get_output().stdout.clone()).unwrap();
    let last: serde_json::Value = serde_json::from_str(all.lines().last().unwrap()).unwrap();
    assert_eq!(all.lines().count(), 6, "{all}");
    assert!(last["features"]["la"].as_u64().unwrap() > 20, "{all}");

    risk(repo.path())
        .args(["history", "--component", "apl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown component `apl`"));
}
