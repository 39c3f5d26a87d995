//! `Cargo.toml`: the requirements of every dependency table and the `rust-version` floor.
//!
//! Dependency tables are `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` (and
//! their old underscore spellings), the same under `[target.'cfg(..)']`, and
//! `[workspace.dependencies]`. An entry is a requirement string (`rand = "0.8"`) or a table
//! (`rand = { version = "0.8" }`, `[dependencies.rand]`); `package = "..."` renames it, and the
//! package is what is reported. Entries with a `path` are the project's own crates (with a
//! `version` too, that is only what gets published with them) and skipped, as are git-only
//! entries, pinned by their source; `x.workspace = true` inherits the
//! workspace's requirement and is compared nowhere (see [`super::manifest`]).

use toml::{Table, Value};

use super::lockfile::{Syntax, toml_error};
use super::manifest::{Declared, Requirement};

const TABLES: &[(&str, Option<&str>)] = &[
    ("dependencies", None),
    ("dev-dependencies", Some("dev-dependencies")),
    ("dev_dependencies", Some("dev-dependencies")),
    ("build-dependencies", Some("build-dependencies")),
    ("build_dependencies", Some("build-dependencies")),
];

pub(crate) fn parse(text: &str) -> Result<Declared, Syntax> {
    let doc: Table = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    let mut declared = Declared::default();
    read_tables(&doc, None, &mut declared.required);
    if let Some(targets) = doc.get("target").and_then(Value::as_table) {
        for (cfg, target) in targets {
            if let Some(target) = target.as_table() {
                read_tables(
                    target,
                    Some(&format!("target.'{cfg}'")),
                    &mut declared.required,
                );
            }
        }
    }
    let workspace = doc.get("workspace").and_then(Value::as_table);
    if let Some(deps) = workspace
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table)
    {
        read_table(deps, Some("workspace.dependencies"), &mut declared.required);
    }
    let floors = [
        doc.get("package").and_then(Value::as_table),
        workspace
            .and_then(|w| w.get("package"))
            .and_then(Value::as_table),
    ];
    for (index, package) in floors.into_iter().enumerate() {
        if let Some(version) = package
            .and_then(|p| p.get("rust-version"))
            .and_then(Value::as_str)
        {
            let scope = (index == 1).then_some("workspace.package");
            declared
                .toolchains
                .push(Requirement::new(scope, "rust", Some(version.to_owned())));
        }
    }
    Ok(declared)
}

fn read_tables(parent: &Table, prefix: Option<&str>, out: &mut Vec<Requirement>) {
    for (name, scope) in TABLES {
        if let Some(table) = parent.get(*name).and_then(Value::as_table) {
            let scope = match (prefix, scope) {
                (Some(prefix), Some(scope)) => Some(format!("{prefix}.{scope}")),
                (Some(prefix), None) => Some(format!("{prefix}.dependencies")),
                (None, scope) => scope.map(str::to_owned),
            };
            read_table(table, scope.as_deref(), out);
        }
    }
}

fn read_table(table: &Table, scope: Option<&str>, out: &mut Vec<Requirement>) {
    for (key, value) in table {
        match value {
            Value::String(req) => out.push(Requirement::new(scope, key, Some(req.clone()))),
            // The project's own crates (a `version` next to a `path` is only for publishing).
            Value::Table(detail) if detail.contains_key("path") => {}
            Value::Table(detail) => {
                let name = detail.get("package").and_then(Value::as_str).unwrap_or(key);
                let mut requirement =
                    if detail.get("workspace").and_then(Value::as_bool) == Some(true) {
                        Requirement::new(scope, name, None)
                    } else if let Some(req) = detail.get("version").and_then(Value::as_str) {
                        Requirement::new(scope, name, Some(req.to_owned()))
                    } else {
                        continue;
                    };
                // Keyed by the name the code uses, so a rename is a change of requirement.
                requirement.key = format!("{}\u{0}{key}", scope.unwrap_or(""));
                out.push(requirement);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(declared: &Declared) -> Vec<String> {
        declared
            .required
            .iter()
            .chain(&declared.toolchains)
            .map(|r| {
                format!(
                    "{}{} {}",
                    r.scope
                        .as_deref()
                        .map_or(String::new(), |s| format!("{s}:")),
                    r.name,
                    r.req.as_deref().unwrap_or("(inherited)")
                )
            })
            .collect()
    }

    #[test]
    fn every_dependency_table() {
        let text = r#"
[package]
name = "app"
version = "0.1.0"
rust-version = "1.70"

[dependencies]
serde = "1"
regex = { version = "1.10", default-features = false }
local = { path = "../local" }
fork = { git = "https://example.com/fork" }
both = { path = "../both", version = "0.3" }
log.workspace = true
rand_core = { package = "rand_core", version = "0.6" }
io = { package = "tokio", version = "1.38" }

[dependencies.clap]
version = "4.5"
features = ["derive"]

[dev-dependencies]
proptest = "1"

[build_dependencies]
cc = "1.0"

[target.'cfg(unix)'.dependencies]
libc = "0.2"

[target.'cfg(windows)'.dev-dependencies]
windows-sys = { version = "0.52" }

[workspace.dependencies]
log = "0.4"

[workspace.package]
rust-version = "1.74"
"#;
        assert_eq!(
            listed(&parse(text).unwrap()),
            [
                "clap 4.5",
                "tokio 1.38",
                "log (inherited)",
                "rand_core 0.6",
                "regex 1.10",
                "serde 1",
                "dev-dependencies:proptest 1",
                "build-dependencies:cc 1.0",
                "target.'cfg(unix)'.dependencies:libc 0.2",
                "target.'cfg(windows)'.dev-dependencies:windows-sys 0.52",
                "workspace.dependencies:log 0.4",
                "rust 1.70",
                "workspace.package:rust 1.74",
            ]
        );
    }

    #[test]
    fn inherited_rust_version_is_not_a_floor_here() {
        let text = "[package]\nname = \"a\"\nrust-version.workspace = true\n";
        assert!(parse(text).unwrap().toolchains.is_empty());
    }

    #[test]
    fn errors_carry_a_line() {
        let error = parse("[dependencies]\nserde = \n").unwrap_err();
        assert_eq!(error.line, Some(2));
    }
}
