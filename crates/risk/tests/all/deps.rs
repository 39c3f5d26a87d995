//! Dependency diffs on realistic lockfile pairs, one per format, plus big and broken inputs.

use std::fmt::Write as _;
use std::path::PathBuf;

use shipline_risk::deps::{
    ChangeKind, ChangedFile, DepFormat, DependencyChange, DepsError, Ecosystem, Side, diff_file,
    diff_files,
};

fn fixture(dir: &str, side: &str, file: &str) -> Vec<u8> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests/fixtures/deps",
        dir,
        side,
        file,
    ]
    .iter()
    .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// `name kind from->to [major]` lines, in the order returned.
fn summary(changes: &[DependencyChange]) -> Vec<String> {
    changes
        .iter()
        .map(|c| {
            format!(
                "{} {:?} {}->{}{}",
                c.name,
                c.kind,
                c.from.as_deref().unwrap_or("-"),
                c.to.as_deref().unwrap_or("-"),
                if c.major { " major" } else { "" }
            )
        })
        .collect()
}

fn pair(dir: &str, file: &str, ecosystem: Ecosystem) -> Vec<String> {
    let old = fixture(dir, "base", file);
    let new = fixture(dir, "head", file);
    let path = format!("app/{file}");
    let changes =
        diff_file(&path, Some(&old), Some(&new)).unwrap_or_else(|e| panic!("{dir}/{file}: {e}"));
    for change in &changes {
        assert_eq!(change.ecosystem, ecosystem);
        assert_eq!(change.file, path);
    }
    summary(&changes)
}

#[test]
fn cargo_lock_with_two_majors_of_one_crate() {
    assert_eq!(
        pair("cargo", "Cargo.lock", Ecosystem::Cargo),
        [
            "rand Upgraded 0.8.5->0.9.0 major",
            "serde Upgraded 1.0.195->1.0.196",
            "syn Removed 1.0.109->-",
            "syn Upgraded 2.0.48->2.0.52",
            "time Downgraded 0.3.31->0.3.30",
            "tokio Added -->1.36.0",
            "winapi Removed 0.3.9->-",
        ]
    );
}

#[test]
fn package_lock_v3_nested_copies_and_workspaces() {
    // The nested `send/node_modules/ms@2.1.3` copy went away while `ms@2.1.3` stays installed:
    // not a change. The workspace package `ui` moved to 0.2.0: the project's own code.
    assert_eq!(
        pair("npm-v3", "package-lock.json", Ecosystem::Npm),
        [
            "@types/node Upgraded 20.11.5->22.0.0 major",
            "express Upgraded 4.18.2->4.19.2",
            "left-pad Removed 1.3.0->-",
            "zod Added -->3.22.4",
        ]
    );
}

#[test]
fn package_lock_v1_nested_dependencies() {
    assert_eq!(
        pair("npm-v1", "package-lock.json", Ecosystem::Npm),
        [
            "debug Upgraded 2.6.9->4.3.4 major",
            "lodash Upgraded 4.17.20->4.17.21",
            "ms Removed 2.0.0->-",
        ]
    );
}

#[test]
fn yarn_classic() {
    assert_eq!(
        pair("yarn-v1", "yarn.lock", Ecosystem::Yarn),
        [
            "@babel/code-frame Upgraded 7.22.13->7.23.5",
            "react Upgraded 17.0.2->18.2.0 major",
        ]
    );
}

#[test]
fn yarn_berry_skips_workspaces_and_patches() {
    assert_eq!(
        pair("yarn-berry", "yarn.lock", Ecosystem::Yarn),
        [
            "@types/node Upgraded 18.19.8->20.11.5 major",
            "resolve Upgraded 1.22.4->1.22.8",
            "zod Added -->3.22.4",
        ]
    );
}

#[test]
fn pnpm_v6_with_peer_suffixes_and_git_sources() {
    assert_eq!(
        pair("pnpm-v6", "pnpm-lock.yaml", Ecosystem::Pnpm),
        [
            "object-assign Removed 4.1.1->-",
            "react Upgraded 17.0.2->18.2.0 major",
            "react-dom Upgraded 17.0.2->18.2.0 major",
            "scheduler Upgraded 0.20.2->0.23.0 major",
            "typescript Upgraded 5.2.2->5.3.3",
            "widget Upgraded 1.0.0->1.1.0",
        ]
    );
}

#[test]
fn pnpm_v9_reads_packages_not_snapshots() {
    assert_eq!(
        pair("pnpm-v9", "pnpm-lock.yaml", Ecosystem::Pnpm),
        [
            "@tanstack/query-core Upgraded 4.36.1->5.17.19 major",
            "@tanstack/react-query Upgraded 4.36.1->5.17.19 major",
        ]
    );
}

const GO_CHANGES: [&str; 4] = [
    "github.com/google/uuid Upgraded v1.4.0->v1.6.0",
    "github.com/jackc/pgx/v5 Added -->v5.5.2",
    "github.com/spf13/cobra Upgraded v1.7.0->v1.8.0",
    "golang.org/x/exp Upgraded v0.0.0-20230905200255-921286631fa9->v0.0.0-20240119083558-1b970713d09a",
];

#[test]
fn go_mod_and_go_sum() {
    // go.mod also raises its `go` directive: the Go floor, a change of its own kind.
    let mut with_floor = GO_CHANGES.map(str::to_owned).to_vec();
    with_floor.push("go Upgraded 1.21->1.22".to_owned());
    assert_eq!(pair("go", "go.mod", Ecosystem::Go), with_floor);
    // go.sum alone: `/go.mod`-only lines (md2man) are not modules in the build.
    assert_eq!(pair("go", "go.sum", Ecosystem::Go), GO_CHANGES);
}

#[test]
fn go_sum_is_shadowed_by_the_go_mod_next_to_it() {
    let (mod_old, mod_new) = (
        fixture("go", "base", "go.mod"),
        fixture("go", "head", "go.mod"),
    );
    let (sum_old, sum_new) = (
        fixture("go", "base", "go.sum"),
        fixture("go", "head", "go.sum"),
    );
    let files = [
        ChangedFile {
            path: "svc/go.sum",
            old: Some(&sum_old),
            new: Some(&sum_new),
        },
        ChangedFile {
            path: "svc/go.mod",
            old: Some(&mod_old),
            new: Some(&mod_new),
        },
        // Another module's go.sum, whose go.mod did not change, still counts.
        ChangedFile {
            path: "tools/go.sum",
            old: Some(&sum_old),
            new: Some(&sum_new),
        },
    ];
    let report = diff_files(files);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let files: Vec<&str> = report.changes.iter().map(|c| c.file.as_str()).collect();
    assert_eq!(files.iter().filter(|f| **f == "svc/go.mod").count(), 5);
    assert_eq!(files.iter().filter(|f| **f == "tools/go.sum").count(), 4);
    assert!(!files.contains(&"svc/go.sum"));
}

#[test]
fn poetry_lock_normalises_names_and_skips_local_packages() {
    assert_eq!(
        pair("poetry", "poetry.lock", Ecosystem::Pypi),
        [
            "certifi Upgraded 2023.11.17->2024.2.2 major",
            "django Upgraded 4.2.9->5.0.1 major",
            "pydantic Upgraded 1.10.13->2.5.3 major",
        ]
    );
}

#[test]
fn uv_lock_with_pep440_versions() {
    assert_eq!(
        pair("uv", "uv.lock", Ecosystem::Pypi),
        [
            "httpx Upgraded 0.26.0->0.27.0rc1 major",
            "idna Upgraded 3.6->3.7",
            "sniffio Upgraded 1.3.0->1.3.0.post1",
        ]
    );
}

#[test]
fn requirements_pins() {
    assert_eq!(
        pair("requirements", "requirements.txt", Ecosystem::Pypi),
        [
            "boto3 Downgraded 1.34.10->1.34.9",
            "flask Upgraded 2.3.3->3.0.0 major",
            "sentry-sdk Added -->1.39.1",
            // A specifier moves by its lower bound: 1.26 → 2.1.0 crosses a major.
            "urllib3 Upgraded >=1.26,<2->2.1.0 major",
        ]
    );
}

#[test]
fn gemfile_lock_platform_builds_count_once() {
    assert_eq!(
        pair("gemfile", "Gemfile.lock", Ecosystem::Rubygems),
        [
            "actionpack Upgraded 7.0.8->7.1.3",
            "concurrent-ruby Upgraded 1.2.2->1.2.3",
            "nokogiri Upgraded 1.15.5->1.16.2",
            "rack Upgraded 2.2.8->3.0.9 major",
            "rails Upgraded 7.0.8->7.1.3",
            "rails-html-sanitizer Added -->1.6.0.rc1",
            "sidekiq Removed 6.5.12->-",
        ]
    );
}

#[test]
fn added_and_deleted_lockfiles() {
    let lock = fixture("cargo", "head", "Cargo.lock");
    let added = diff_file("Cargo.lock", None, Some(&lock)).unwrap();
    assert_eq!(added.len(), 6);
    assert!(
        added
            .iter()
            .all(|c| c.kind == ChangeKind::Added && c.from.is_none())
    );
    let removed = diff_file("Cargo.lock", Some(&lock), None).unwrap();
    assert_eq!(removed.len(), 6);
    assert!(removed.iter().all(|c| c.kind == ChangeKind::Removed));
    assert!(
        diff_file("Cargo.lock", Some(&lock), Some(&lock))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn other_files_are_ignored() {
    assert_eq!(DepFormat::detect("src/main.rs"), None);
    assert!(
        diff_file("src/main.rs", Some(b"fn main() {}"), Some(b"\xff"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_broken_lockfile_is_reported_and_the_rest_goes_on() {
    let good_old = fixture("yarn-v1", "base", "yarn.lock");
    let good_new = fixture("yarn-v1", "head", "yarn.lock");
    let conflicted = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n<<<<<<< HEAD\n";
    let files = [
        ChangedFile {
            path: "Cargo.lock",
            old: Some(b"version = 4\n"),
            new: Some(conflicted.as_bytes()),
        },
        ChangedFile {
            path: "web/yarn.lock",
            old: Some(&good_old),
            new: Some(&good_new),
        },
        ChangedFile {
            path: "requirements.txt",
            old: Some(b"a==1\n"),
            new: Some(b"a==1\n\xff\xfe\n"),
        },
    ];
    let report = diff_files(files);
    assert_eq!(report.changes.len(), 2, "yarn.lock still diffed");
    assert_eq!(report.errors.len(), 2);
    match &report.errors[0] {
        DepsError::Invalid {
            file, side, line, ..
        } => {
            assert_eq!(file, "Cargo.lock");
            assert_eq!(*side, Side::Head);
            assert_eq!(*line, Some(4));
        }
        other => panic!("unexpected {other:?}"),
    }
    let message = report.errors[0].to_string();
    assert!(message.starts_with("Cargo.lock:4:"), "{message}");
    assert!(message.contains("cargo update"), "{message}");
    match &report.errors[1] {
        DepsError::NotUtf8 { file, offset, .. } => {
            assert_eq!(file, "requirements.txt");
            assert_eq!(*offset, 5);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn broken_formats_name_the_line() {
    let cases: [(&str, &str, usize); 6] = [
        (
            "package-lock.json",
            "{\n  \"packages\": {\n    \"node_modules/a\": { \"version\": 1 }\n  }\n}\n",
            3,
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x\n",
            4,
        ),
        ("go.mod", "module m\n\nrequire (\n\tgithub.com/a/b\n)\n", 4),
        ("go.sum", "github.com/a/b v1.0.0 h1:x=\ngithub.com/a/b\n", 2),
        (
            "Gemfile.lock",
            "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack\n",
            4,
        ),
        (
            "poetry.lock",
            "[[package]]\nname = \"a\"\nversion = \"1.0\"\n\n[[package]\n",
            5,
        ),
    ];
    for (path, text, line) in cases {
        let error = diff_file(path, None, Some(text.as_bytes())).expect_err(path);
        match &error {
            DepsError::Invalid { line: found, .. } => {
                assert_eq!(*found, Some(line), "{path}: {error}")
            }
            other => panic!("{path}: unexpected {other:?}"),
        }
        assert!(error.to_string().contains(path), "{error}");
    }
}

/// A Cargo.lock of `count` registry packages, five lines each plus a blank line.
fn big_cargo_lock(count: usize, version_of: impl Fn(usize) -> Option<String>) -> String {
    let mut text = String::from("version = 4\n");
    for i in 0..count {
        if let Some(version) = version_of(i) {
            write!(
                text,
                "\n[[package]]\nname = \"crate-{i}\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{i:064x}\"\n"
            )
            .unwrap();
        }
    }
    text
}

#[test]
fn a_100k_line_cargo_lock() {
    let count = 17_000;
    let old = big_cargo_lock(count, |i| (i % 500 != 7).then(|| format!("1.{}.0", i % 13)));
    let new = big_cargo_lock(count + 40, |i| {
        if i % 400 == 3 {
            None // 43 removed
        } else if i % 10 == 0 {
            Some(format!("1.{}.1", i % 13)) // upgrades
        } else if i % 1000 == 1 {
            Some(format!("2.{}.0", i % 13)) // major upgrades
        } else {
            Some(format!("1.{}.0", i % 13))
        }
    });
    assert!(old.lines().count() > 100_000);
    let changes = diff_file("Cargo.lock", Some(old.as_bytes()), Some(new.as_bytes())).unwrap();
    let count_of = |kind: ChangeKind| changes.iter().filter(|c| c.kind == kind).count();
    // Indexes 7, 507, ... are absent at the base; those among them that the head keeps are added,
    // as are the 40 new trailing crates.
    let removed = (0..count).filter(|i| i % 400 == 3 && i % 500 != 7).count();
    let added_back = (0..count).filter(|i| i % 500 == 7 && i % 400 != 3).count();
    assert_eq!(count_of(ChangeKind::Removed), removed);
    assert_eq!(count_of(ChangeKind::Added), added_back + 40);
    let upgrades = (0..count)
        .filter(|i| i % 500 != 7 && i % 400 != 3 && (i % 10 == 0 || i % 1000 == 1))
        .count();
    assert_eq!(count_of(ChangeKind::Upgraded), upgrades);
    let majors = (0..count)
        .filter(|i| i % 500 != 7 && i % 400 != 3 && i % 10 != 0 && i % 1000 == 1)
        .count();
    assert_eq!(changes.iter().filter(|c| c.major).count(), majors);
}

#[test]
fn a_100k_line_package_lock_with_nested_copies() {
    // Every package has one nested copy of `ms`, all of them the same version: npm's layout
    // before deduplication.
    let lock = |count: usize, ms: &str, bump_every: Option<usize>| {
        let mut text = String::from(
            "{\n  \"name\": \"big\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": { \"name\": \"big\" }",
        );
        for i in 0..count {
            let minor = usize::from(bump_every.is_some_and(|n| i % n == 0));
            write!(
                text,
                ",\n    \"node_modules/pkg-{i}\": {{\n      \"version\": \"3.{minor}.0\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-3.{minor}.0.tgz\",\n      \"integrity\": \"sha512-{i}\"\n    }},\n    \"node_modules/pkg-{i}/node_modules/ms\": {{\n      \"version\": \"{ms}\"\n    }}"
            )
            .unwrap();
        }
        text.push_str("\n  }\n}\n");
        text
    };
    let old = lock(13_000, "2.0.0", None);
    let new = lock(13_000, "2.1.3", Some(4));
    assert!(old.lines().count() > 100_000);
    let changes = diff_file(
        "package-lock.json",
        Some(old.as_bytes()),
        Some(new.as_bytes()),
    )
    .unwrap();
    let ms: Vec<_> = changes.iter().filter(|c| c.name == "ms").collect();
    // 13,000 copies made the same move: reported once.
    assert_eq!(ms.len(), 1);
    assert!(
        ms.iter()
            .all(|c| c.kind == ChangeKind::Upgraded && !c.major)
    );
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.name.starts_with("pkg-"))
            .count(),
        3_250
    );
}
