//! `pyproject.toml`: PEP 621 requirements, PEP 735 dependency groups, Poetry's dependency tables,
//! and the Python floor.
//!
//! - `[project] dependencies` and `optional-dependencies.<extra>`, and `[dependency-groups]`, are
//!   lists of PEP 508 strings (`requests>=2.31; python_version >= "3.8"`). A requirement is keyed
//!   by its name and environment marker, since one package may be required differently per
//!   environment. Direct references (`pkg @ https://...`) are skipped.
//! - `[tool.poetry.dependencies]`, `[tool.poetry.dev-dependencies]` and
//!   `[tool.poetry.group.<group>.dependencies]` map names to a constraint (`"^1.2"`), a table
//!   with a `version`, or a list of such tables (per-environment constraints, read as
//!   alternatives); path, git and URL entries have no version and are skipped. Its `python` entry
//!   is the Python floor.
//! - `requires-python` is the Python floor of PEP 621.
//!
//! Names are normalised as PEP 503 says.

use toml::{Table, Value};

use super::lockfile::{Syntax, toml_error};
use super::manifest::{Declared, Requirement};
use super::python::{normalize, requirement};

pub(crate) fn parse(text: &str) -> Result<Declared, Syntax> {
    let doc: Table = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    let mut declared = Declared::default();
    let project = doc.get("project").and_then(Value::as_table);
    if let Some(project) = project {
        pep508_list(project.get("dependencies"), None, &mut declared)?;
        for (extra, list) in tables(project.get("optional-dependencies")) {
            pep508_list(
                Some(list),
                Some(&format!("optional-dependencies.{extra}")),
                &mut declared,
            )?;
        }
        if let Some(floor) = project.get("requires-python").and_then(Value::as_str) {
            declared
                .toolchains
                .push(Requirement::new(None, "python", Some(floor.to_owned())));
        }
    }
    for (group, list) in tables(doc.get("dependency-groups")) {
        pep508_list(
            Some(list),
            Some(&format!("dependency-groups.{group}")),
            &mut declared,
        )?;
    }
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(Value::as_table);
    if let Some(poetry) = poetry {
        poetry_table(poetry.get("dependencies"), None, &mut declared);
        poetry_table(
            poetry.get("dev-dependencies"),
            Some("tool.poetry.dev-dependencies"),
            &mut declared,
        );
        for (group, table) in tables(poetry.get("group")) {
            poetry_table(
                table.get("dependencies"),
                Some(&format!("tool.poetry.group.{group}")),
                &mut declared,
            );
        }
    }
    Ok(declared)
}

/// The members of a table field.
fn tables(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    value.and_then(Value::as_table).into_iter().flatten()
}

fn pep508_list(
    list: Option<&Value>,
    scope: Option<&str>,
    declared: &mut Declared,
) -> Result<(), Syntax> {
    let Some(list) = list.and_then(Value::as_array) else {
        return Ok(());
    };
    for (index, item) in list.iter().enumerate() {
        // PEP 735 groups may also hold `{include-group = "..."}` tables.
        let Some(text) = item.as_str() else {
            continue;
        };
        let Some(entry) = requirement(text.trim(), index + 1).map_err(|mut syntax| {
            syntax.line = None;
            syntax.reason = format!(
                "item {} of {}: {}",
                index + 1,
                scope.unwrap_or("project.dependencies"),
                syntax.reason
            );
            syntax
        })?
        else {
            continue;
        };
        let marker = text.split_once(';').map(|(_, m)| m.trim()).unwrap_or("");
        let mut r = Requirement::new(scope, &entry.name, Some(entry.version));
        if !marker.is_empty() {
            r.key = format!("{}; {marker}", r.key);
        }
        declared.required.push(r);
    }
    Ok(())
}

fn poetry_table(table: Option<&Value>, scope: Option<&str>, declared: &mut Declared) {
    for (name, value) in tables(table) {
        let constraint = match value {
            Value::String(c) => Some(c.clone()),
            Value::Table(t) => t.get("version").and_then(Value::as_str).map(str::to_owned),
            Value::Array(list) => {
                let versions: Vec<&str> = list
                    .iter()
                    .filter_map(|t| t.get("version").and_then(Value::as_str))
                    .collect();
                (!versions.is_empty()).then(|| versions.join(" || "))
            }
            _ => None,
        };
        let Some(constraint) = constraint else {
            continue;
        };
        if name == "python" {
            declared
                .toolchains
                .push(Requirement::new(scope, "python", Some(constraint)));
        } else {
            declared
                .required
                .push(Requirement::new(scope, &normalize(name), Some(constraint)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(text: &str) -> Vec<String> {
        let declared = parse(text).unwrap();
        let mut out: Vec<String> = declared.listed();
        out.sort();
        out
    }

    #[test]
    fn pep621_and_groups() {
        let text = r#"
[project]
name = "app"
requires-python = ">=3.9"
dependencies = [
  "requests>=2.31,<3",
  "numpy>=1.26; python_version < '3.13'",
  "numpy>=2.1; python_version >= '3.13'",
  "Flask_Login",
  "local @ file:///src/local",
]
[project.optional-dependencies]
socks = ["PySocks>=1.5.6, !=1.5.7"]

[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
"#;
        assert_eq!(
            listed(text),
            [
                "dependency-groups.test:pytest >=8",
                "flask-login *",
                "numpy >=1.26",
                "numpy >=2.1",
                "optional-dependencies.socks:pysocks >=1.5.6,!=1.5.7",
                "python >=3.9",
                "requests >=2.31,<3",
            ]
        );
    }

    #[test]
    fn poetry_tables() {
        let text = r#"
[tool.poetry.dependencies]
python = "^3.10"
Django = "^5.0"
httpx = { version = "~0.27", extras = ["http2"] }
mylib = { path = "../mylib" }
numpy = [
  { version = "^1.26", python = "<3.13" },
  { version = "^2.1", python = ">=3.13" },
]

[tool.poetry.group.dev.dependencies]
pytest = "^8.0"
"#;
        assert_eq!(
            listed(text),
            [
                "django ^5.0",
                "httpx ~0.27",
                "numpy ^1.26 || ^2.1",
                "python ^3.10",
                "tool.poetry.group.dev:pytest ^8.0",
            ]
        );
    }

    #[test]
    fn a_broken_requirement_is_named() {
        let error = parse("[project]\ndependencies = [\"ok\", \"b[x==2\"]\n").unwrap_err();
        assert!(error.reason.contains("item 2"), "{}", error.reason);
    }
}
