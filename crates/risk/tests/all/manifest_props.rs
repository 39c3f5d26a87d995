//! Property tests of the manifest readers: their input is whatever a repository holds, so no
//! input may panic, and what they report must be consistent whichever way a diff is read.
//!
//! Inputs are generated manifests (random names, requirement syntaxes, tables) and byte-level
//! mutations of them, from a seeded generator so that a failure names its seed and replays.

use shipline_risk::deps::{ChangeKind, DependencyChange, diff_file};

const CASES: u64 = 400;

const REQS: &[&str] = &[
    "1",
    "0.8",
    "^1.2.3",
    "~0.4",
    ">=1.2, <2",
    "=2.0.1",
    "*",
    "<3",
    "1.x",
    ">= 1.2 < 2",
    "^4.2.0 || ^5",
    "1.2 - 2.0",
    "~=1.4.2",
    ">=2",
    "!=1.5",
    "==1.2.*",
    "~> 7.0",
    ">= 7.0.4",
    "latest",
    "",
    "0.0.3",
    "v2",
    "1.0.0-rc.1",
    "x",
    "^",
    ">=",
];

fn pick<'a>(rng: &mut fastrand::Rng, from: &[&'a str]) -> &'a str {
    from[rng.usize(..from.len())]
}

fn name(rng: &mut fastrand::Rng) -> String {
    let names = [
        "serde", "rand", "ky", "requests", "rails", "a-b", "A_b.c", "@s/p", "x",
    ];
    // A small pool, so that the two sides of a diff often share a package.
    let pool = rng.usize(2..=names.len());
    format!("{}{}", pick(rng, &names[..pool]), rng.u8(..2))
}

fn cargo_toml(rng: &mut fastrand::Rng) -> String {
    let mut text = String::from("[package]\nname = \"p\"\n");
    if rng.bool() {
        text.push_str(&format!("rust-version = \"1.{}\"\n", rng.u8(50..90)));
    }
    for table in [
        "dependencies",
        "dev-dependencies",
        "build-dependencies",
        "target.'cfg(unix)'.dependencies",
        "workspace.dependencies",
    ] {
        if rng.bool() {
            continue;
        }
        text.push_str(&format!("\n[{table}]\n"));
        let mut used = std::collections::HashSet::new();
        for _ in 0..rng.usize(..5) {
            let n = name(rng).replace(['@', '/', '.'], "_");
            if !used.insert(n.clone()) {
                continue;
            }
            let req = pick(rng, REQS);
            match rng.u8(..4) {
                0 => text.push_str(&format!("{n} = \"{req}\"\n")),
                1 => text.push_str(&format!(
                    "{n} = {{ version = \"{req}\", optional = true }}\n"
                )),
                2 => text.push_str(&format!("{n}.workspace = true\n")),
                _ => text.push_str(&format!("{n} = {{ path = \"../{n}\" }}\n")),
            }
        }
    }
    text
}

fn package_json(rng: &mut fastrand::Rng) -> String {
    let mut fields = Vec::new();
    for field in [
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "engines",
    ] {
        let members: Vec<String> = (0..rng.usize(..4))
            .map(|_| format!("\"{}\": \"{}\"", name(rng), pick(rng, REQS)))
            .collect();
        fields.push(format!("\"{field}\": {{{}}}", members.join(", ")));
    }
    format!("{{{}}}", fields.join(",\n"))
}

fn pyproject(rng: &mut fastrand::Rng) -> String {
    let reqs: Vec<String> = (0..rng.usize(..5))
        .map(|_| {
            format!(
                "\"{}{}\"",
                name(rng).replace(['@', '/'], ""),
                pick(rng, REQS)
            )
        })
        .collect();
    format!(
        "[project]\nname = \"p\"\nrequires-python = \">=3.{}\"\ndependencies = [{}]\n\n[tool.poetry.dependencies]\npython = \"^3.10\"\n{} = \"{}\"\n",
        rng.u8(6..13),
        reqs.join(", "),
        name(rng).replace(['@', '/', '.'], "_"),
        pick(rng, REQS)
    )
}

fn gemfile(rng: &mut fastrand::Rng) -> String {
    let mut text = String::from("source \"https://rubygems.org\"\nruby \"3.3.0\"\n");
    for _ in 0..rng.usize(..6) {
        match rng.u8(..4) {
            0 => text.push_str(&format!("gem \"{}\", \"{}\"\n", name(rng), pick(rng, REQS))),
            1 => text.push_str("group :test do\n"),
            2 => text.push_str("end\n"),
            _ => text.push_str(&format!("gem '{}', require: false\n", name(rng))),
        }
    }
    text
}

/// Random byte edits: inserts, deletions and replacements of structural characters.
fn mutate(rng: &mut fastrand::Rng, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.usize(..4) {
        let at = rng.usize(..=bytes.len());
        let noise = *rng
            .choice(b"\"'{}[]=,.\n \\#:^~<>|*0129\xff".iter())
            .unwrap();
        match rng.u8(..3) {
            0 => bytes.insert(at, noise),
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            _ if at < bytes.len() => bytes[at] = noise,
            _ => {}
        }
    }
    bytes
}

/// Each change with its direction undone, to compare a diff with its reverse.
fn reversed(changes: &[DependencyChange]) -> Vec<(String, Option<String>, Option<String>, bool)> {
    let mut out: Vec<_> = changes
        .iter()
        .map(|c| (c.name.clone(), c.to.clone(), c.from.clone(), c.major))
        .collect();
    out.sort();
    out
}

fn forward(changes: &[DependencyChange]) -> Vec<(String, Option<String>, Option<String>, bool)> {
    let mut out: Vec<_> = changes
        .iter()
        .map(|c| (c.name.clone(), c.from.clone(), c.to.clone(), c.major))
        .collect();
    out.sort();
    out
}

fn check(path: &str, generate: fn(&mut fastrand::Rng) -> String) {
    let (mut compared, mut majors) = (0, 0);
    for seed in 0..CASES {
        let mut rng = fastrand::Rng::with_seed(seed);
        let (a, b) = (generate(&mut rng), generate(&mut rng));
        let (a, b) = if rng.bool() {
            (mutate(&mut rng, &a), mutate(&mut rng, &b))
        } else {
            (a.into_bytes(), b.into_bytes())
        };
        // Never panics; a file compared with itself has no changes.
        let Ok(same) = diff_file(path, Some(&a), Some(&a)) else {
            continue;
        };
        assert!(same.is_empty(), "{path} seed {seed}: {same:?}");
        let Ok(ab) = diff_file(path, Some(&a), Some(&b)) else {
            continue;
        };
        let ba = diff_file(path, Some(&b), Some(&a)).expect("both sides parsed one way");
        compared += usize::from(!ab.is_empty());
        majors += usize::from(ab.iter().any(|c| c.major));
        // Read backwards, a diff is the same moves reversed, majors included.
        assert_eq!(forward(&ab), reversed(&ba), "{path} seed {seed}");
        for change in &ab {
            match change.kind {
                ChangeKind::Added => assert!(change.from.is_none() && !change.major),
                ChangeKind::Removed => assert!(change.to.is_none() && !change.major),
                _ => assert!(change.from.is_some() && change.to.is_some()),
            }
            assert_ne!(change.from, change.to, "{path} seed {seed}");
        }
        // Against nothing, everything is added.
        let added = diff_file(path, None, Some(&b)).expect("parsed above");
        assert!(added.iter().all(|c| c.kind == ChangeKind::Added));
    }
    // The generators must reach the interesting cases, or the properties prove nothing.
    assert!(
        compared > CASES as usize / 4,
        "{path}: {compared} diffs with changes"
    );
    assert!(majors > 0, "{path}: no diff with a major move");
}

#[test]
fn cargo_toml_diffs_are_consistent() {
    check("Cargo.toml", cargo_toml);
}

#[test]
fn package_json_diffs_are_consistent() {
    check("package.json", package_json);
}

#[test]
fn pyproject_diffs_are_consistent() {
    check("pyproject.toml", pyproject);
}

#[test]
fn gemfile_diffs_are_consistent() {
    check("Gemfile", gemfile);
}
