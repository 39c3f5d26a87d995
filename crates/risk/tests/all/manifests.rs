//! Manifest requirements and per-change dependency reasons, end to end through the binary
//! (release summaries that are true on real repositories).

use serde_json::Value;

use crate::helpers::{change, json_report, lines, reason, released_repo, risk};

const REGISTRY: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// A Cargo.lock listing `packages` as registry crates.
fn cargo_lock(packages: &[(&str, &str)]) -> String {
    let mut text = String::from("version = 3\n");
    for (name, version) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"{REGISTRY}\"\n"
        ));
    }
    text
}

fn dependency<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no dependency {name} in {}", json["dependencies"]))
}

// Regression: every change touching a lockfile got "moves 11 dependency(ies) across a major
// version", the release's count, although each moved one version line.
#[test]
fn a_lockfile_change_is_blamed_only_for_its_own_major_moves() {
    let repo = released_repo();
    repo.commit("chore: lockfile")
        .file(
            "Cargo.lock",
            cargo_lock(&[("clap", "3.2.25"), ("rand", "0.8.5"), ("serde", "1.0.200")]),
        )
        .create();
    repo.tag("v1.1.0");
    repo.commit("build(deps): rand 0.9")
        .file(
            "Cargo.lock",
            cargo_lock(&[("clap", "3.2.25"), ("rand", "0.9.1"), ("serde", "1.0.200")]),
        )
        .create();
    repo.commit("build(deps): clap 4")
        .file(
            "Cargo.lock",
            cargo_lock(&[("clap", "4.5.4"), ("rand", "0.9.1"), ("serde", "1.0.200")]),
        )
        .create();
    repo.commit("build(deps): serde patch")
        .file(
            "Cargo.lock",
            cargo_lock(&[("clap", "4.5.4"), ("rand", "0.9.1"), ("serde", "1.0.210")]),
        )
        .create();
    let json = json_report(repo.path());
    assert_eq!(
        reason(change(&json, "rand 0.9"), "dependency_major"),
        Some("moves a dependency across a major version: rand 0.8.5 → 0.9.1")
    );
    assert_eq!(
        reason(change(&json, "clap 4"), "dependency_major"),
        Some("moves a dependency across a major version: clap 3.2.25 → 4.5.4")
    );
    assert_eq!(
        reason(change(&json, "serde patch"), "dependency_major"),
        None
    );
    // The release still names both.
    let release = json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "dependency_major")
        .unwrap();
    assert_eq!(
        release["message"],
        "2 dependencies cross a major version: clap 3.2.25 → 4.5.4, rand 0.8.5 → 0.9.1"
    );
}

// Regression: a library without Cargo.lock moved a dependency across a major in Cargo.toml,
// dropped another and raised `rust-version`; the summary had no dependency section at all.
#[test]
fn a_library_without_a_lockfile_reports_its_manifest() {
    let repo = released_repo();
    repo.commit("chore: manifest")
        .file(
            "Cargo.toml",
            "[package]\nname = \"lib\"\nversion = \"1.0.0\"\nrust-version = \"1.56\"\n\n\
             [dependencies]\nsyn = { version = \"1.0\", features = [\"full\"] }\nquote = \"1\"\n\
             old-dep = \"0.3\"\nlocal = { path = \"../local\" }\n\n\
             [dev-dependencies]\ntrybuild = \"1.0.80\"\n",
        )
        .create();
    repo.tag("v1.1.0");
    repo.commit("upgrade to syn 2")
        .file(
            "Cargo.toml",
            "[package]\nname = \"lib\"\nversion = \"1.0.0\"\nrust-version = \"1.60\"\n\n\
             [dependencies]\nsyn = { version = \"2.0\", features = [\"full\"] }\nquote = \"1\"\n\
             local = { path = \"../local\", features = [\"x\"] }\n\n\
             [dev-dependencies]\ntrybuild = \"1.0.89\"\n\n\
             [target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n",
        )
        .file("src/lib.rs", lines("pub fn b() {}\n", 5))
        .create();
    let json = json_report(repo.path());
    let syn = dependency(&json, "syn");
    assert_eq!(
        (
            &syn["origin"],
            &syn["kind"],
            &syn["major"],
            &syn["from"],
            &syn["to"]
        ),
        (
            &"manifest".into(),
            &"upgraded".into(),
            &true.into(),
            &"1.0".into(),
            &"2.0".into()
        )
    );
    assert_eq!(dependency(&json, "old-dep")["kind"], "removed");
    assert_eq!(dependency(&json, "trybuild")["major"], false);
    assert_eq!(dependency(&json, "trybuild")["scope"], "dev-dependencies");
    assert_eq!(
        dependency(&json, "libc")["scope"],
        "target.'cfg(unix)'.dependencies"
    );
    let rust = dependency(&json, "rust");
    assert_eq!(
        (&rust["origin"], &rust["from"], &rust["to"], &rust["major"]),
        (
            &"toolchain".into(),
            &"1.56".into(),
            &"1.60".into(),
            &false.into()
        )
    );
    assert!(
        json["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["name"] != "local" && d["name"] != "quote"),
        "path-only and unchanged dependencies are not changes"
    );
    assert_eq!(
        reason(change(&json, "upgrade to syn 2"), "dependency_major"),
        Some("moves a dependency across a major version: syn 1.0 → 2.0")
    );

    let md = risk(repo.path()).assert().success();
    let md = String::from_utf8(md.get_output().stdout.clone()).unwrap();
    assert!(
        md.contains("Toolchain floors: rust 1.56 → 1.60 (Cargo.toml)"),
        "{md}"
    );
    assert!(
        md.contains("| syn ⚠️ major | requirement upgraded | 1.0 | 2.0 | Cargo.toml |"),
        "{md}"
    );
    assert!(md.contains("| old-dep | requirement removed | 0.3 |  | Cargo.toml |"));
}

// Regression: package.json and pyproject.toml requirements were not read.
#[test]
fn package_json_and_pyproject_requirements_are_read() {
    let repo = released_repo();
    repo.commit("chore: manifests")
        .file(
            "web/package.json",
            r#"{"name": "web", "engines": {"node": ">=14"},
  "dependencies": {"ky": "^0.33.3", "local": "file:../local"},
  "devDependencies": {"typescript": "~5.3.0"}}"#,
        )
        .file(
            "pyproject.toml",
            "[project]\nname = \"svc\"\nrequires-python = \">=3.8\"\n\
             dependencies = [\"requests>=2.28,<3\", \"click>=8.1\"]\n",
        )
        .create();
    repo.tag("v1.1.0");
    repo.commit("ky 1 and requests 3")
        .file(
            "web/package.json",
            r#"{"name": "web", "engines": {"node": ">=18"},
  "dependencies": {"ky": "^1.0.0", "local": "file:../local2"},
  "devDependencies": {"typescript": "~5.4.5"}}"#,
        )
        .file(
            "pyproject.toml",
            "[project]\nname = \"svc\"\nrequires-python = \">=3.9\"\n\
             dependencies = [\"requests>=3\", \"click>=8.1\"]\n",
        )
        .create();
    let json = json_report(repo.path());
    let summary: Vec<String> = json["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {}->{}{}",
                d["origin"].as_str().unwrap(),
                d["name"].as_str().unwrap(),
                d["kind"].as_str().unwrap(),
                d["from"].as_str().unwrap_or("-"),
                d["to"].as_str().unwrap_or("-"),
                if d["major"] == true { " major" } else { "" }
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "manifest requests upgraded >=2.28,<3->>=3 major",
            "toolchain python upgraded >=3.8->>=3.9",
            "manifest ky upgraded ^0.33.3->^1.0.0 major",
            "manifest typescript upgraded ~5.3.0->~5.4.5",
            "toolchain node upgraded >=14->>=18",
        ]
    );
    assert_eq!(
        reason(change(&json, "ky 1 and requests 3"), "dependency_major"),
        Some(
            "moves 2 dependencies across a major version: requests >=2.28,<3 → >=3, ky ^0.33.3 → ^1.0.0"
        )
    );
}

// Regression: lockfiles are exact and win: a package both report is reported once.
#[test]
fn a_lockfile_and_its_manifest_report_a_package_once() {
    let repo = released_repo();
    repo.commit("chore: app")
        .file(
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"1.0.0\"\n\n[dependencies]\nrand = \"0.8\"\n",
        )
        .file("Cargo.lock", cargo_lock(&[("rand", "0.8.5")]))
        .create();
    repo.tag("v1.1.0");
    repo.commit("rand 0.9")
        .file(
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"1.0.0\"\n\n[dependencies]\nrand = \"0.9\"\n",
        )
        .file("Cargo.lock", cargo_lock(&[("rand", "0.9.1")]))
        .create();
    let json = json_report(repo.path());
    let deps = json["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 1, "{deps:?}");
    assert_eq!(deps[0]["origin"], "lockfile");
    assert_eq!(deps[0]["to"], "0.9.1");
    assert_eq!(
        reason(change(&json, "rand 0.9"), "dependency_major"),
        Some("moves a dependency across a major version: rand 0.8.5 → 0.9.1")
    );
}

// Regression: a project moving its pins from `requirements/*.txt` to `uv.lock` in one release
// was shown as every package removed from one and added to the other, the majors unmarked.
#[test]
fn a_package_moving_from_requirements_to_uv_lock_is_one_move() {
    let repo = released_repo();
    repo.commit("build: pin with pip-tools")
        .file(
            "requirements/dev.txt",
            "certifi==2024.8.30\nidna==3.7\nblinker==1.8.2\n",
        )
        .file("requirements/docs.txt", "certifi==2024.8.30\n")
        .file("requirements/tests-min.txt", "idna==2.10\n")
        .create();
    repo.tag("v1.1.0");
    let uv_lock = |packages: &[(&str, &str)]| -> String {
        let mut text = String::from("version = 1\nrequires-python = \">=3.9\"\n");
        for (name, version) in packages {
            text.push_str(&format!(
                "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n"
            ));
        }
        text
    };
    repo.commit("build: lock with uv")
        .delete("requirements/dev.txt")
        .delete("requirements/docs.txt")
        .delete("requirements/tests-min.txt")
        .file(
            "uv.lock",
            uv_lock(&[
                ("certifi", "2025.1.31"),
                ("idna", "3.7"),
                ("blinker", "1.9.0"),
            ]),
        )
        .create();
    let json = json_report(repo.path());
    let deps = json["dependencies"].as_array().unwrap();
    let certifi: Vec<&Value> = deps.iter().filter(|d| d["name"] == "certifi").collect();
    assert_eq!(certifi.len(), 1, "{deps:?}");
    assert_eq!(certifi[0]["from"], "2024.8.30");
    assert_eq!(certifi[0]["to"], "2025.1.31");
    assert_eq!(certifi[0]["major"], true);
    assert_eq!(certifi[0]["file"], "uv.lock");
    assert_eq!(dependency(&json, "blinker")["from"], "1.8.2");
    assert_eq!(dependency(&json, "blinker")["kind"], "upgraded");
    // The same version in the new lockfile moved nothing; the older minimum pin went.
    let idna: Vec<&Value> = deps.iter().filter(|d| d["name"] == "idna").collect();
    assert_eq!(idna.len(), 1, "{deps:?}");
    assert_eq!(idna[0]["from"], "2.10");
    assert_eq!(idna[0]["kind"], "removed");
}

// Regression: a package-lock.json and a yarn.lock side by side, both moving one npm package,
// were counted as two moves.
#[test]
fn one_npm_package_in_two_lockfiles_is_one_move() {
    let repo = released_repo();
    let npm = |version: &str| {
        format!(
            "{{\"name\":\"site\",\"lockfileVersion\":3,\"packages\":{{\"\":{{\"name\":\"site\"}},\"node_modules/left-pad\":{{\"version\":\"{version}\"}}}}}}\n"
        )
    };
    let yarn = |version: &str| {
        format!(
            "left-pad@^{version}:\n  version \"{version}\"\n  resolved \"https://registry.npmjs.org/left-pad/-/left-pad-{version}.tgz\"\n"
        )
    };
    repo.commit("chore: site")
        .file("site/package-lock.json", npm("1.3.0"))
        .file("site/yarn.lock", yarn("1.3.0"))
        .create();
    repo.tag("v1.1.0");
    repo.commit("chore(deps): left-pad 2")
        .file("site/package-lock.json", npm("2.0.0"))
        .file("site/yarn.lock", yarn("2.0.0"))
        .create();
    let json = json_report(repo.path());
    assert_eq!(
        reason(change(&json, "left-pad 2"), "dependency_major"),
        Some("moves a dependency across a major version: left-pad 1.3.0 → 2.0.0")
    );
}
