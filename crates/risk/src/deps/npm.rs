//! `package-lock.json` and `npm-shrinkwrap.json`.
//!
//! Lockfile versions 2 and 3 list every installed copy in `packages`, keyed by its install path
//! (`node_modules/a`, `node_modules/a/node_modules/b`, `node_modules/@scope/c`); the package name is
//! what follows the last `node_modules/`. Keys without `node_modules/` are the root project and
//! workspace folders, and `"link": true` entries point at them: both are the project's own code.
//! Version 1 nests `dependencies` objects instead; it is read when `packages` is absent (version 2
//! carries both, and `packages` is the complete one).

use std::collections::HashMap;

use serde::Deserialize;

use super::lockfile::{Entry, Syntax};

#[derive(Deserialize)]
struct Lock {
    packages: Option<HashMap<String, Package>>,
    dependencies: Option<HashMap<String, V1Dependency>>,
}

#[derive(Deserialize)]
struct Package {
    version: Option<String>,
    #[serde(default)]
    link: bool,
}

#[derive(Deserialize)]
struct V1Dependency {
    version: Option<String>,
    dependencies: Option<HashMap<String, V1Dependency>>,
}

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, Syntax> {
    let lock: Lock = serde_json::from_str(text).map_err(|e| Syntax {
        line: Some(e.line()),
        column: Some(e.column()),
        reason: e.to_string(),
    })?;
    let mut entries = Vec::new();
    if let Some(packages) = lock.packages {
        for (path, package) in packages {
            let Some(at) = path.rfind("node_modules/") else {
                continue;
            };
            if package.link {
                continue;
            }
            let Some(version) = package.version else {
                continue;
            };
            entries.push(Entry::new(&path[at + "node_modules/".len()..], version));
        }
    } else if let Some(dependencies) = lock.dependencies {
        // An explicit stack: nesting depth follows the install tree, not the Rust stack.
        let mut stack: Vec<(String, V1Dependency)> = dependencies.into_iter().collect();
        while let Some((name, dependency)) = stack.pop() {
            if let Some(nested) = dependency.dependencies {
                stack.extend(nested);
            }
            if let Some(version) = dependency.version {
                entries.push(Entry::new(name, version));
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut entries: Vec<Entry>) -> Vec<(String, String)> {
        entries.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        entries.into_iter().map(|e| (e.name, e.version)).collect()
    }

    #[test]
    fn v3_packages_with_nesting_scopes_and_links() {
        let text = r#"{
  "name": "web", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": { "name": "web", "version": "1.0.0", "workspaces": ["packages/ui"] },
    "node_modules/@babel/core": { "version": "7.24.0" },
    "node_modules/debug": { "version": "4.3.4" },
    "node_modules/debug/node_modules/ms": { "version": "2.1.2" },
    "node_modules/ms": { "version": "2.1.3" },
    "node_modules/ui": { "resolved": "packages/ui", "link": true },
    "packages/ui": { "name": "ui", "version": "0.2.0" }
  }
}"#;
        assert_eq!(
            sorted(parse(text).unwrap()),
            [
                ("@babel/core".to_owned(), "7.24.0".to_owned()),
                ("debug".to_owned(), "4.3.4".to_owned()),
                ("ms".to_owned(), "2.1.2".to_owned()),
                ("ms".to_owned(), "2.1.3".to_owned()),
            ]
        );
    }

    #[test]
    fn v1_nested_dependencies() {
        let text = r#"{
  "name": "old", "lockfileVersion": 1,
  "dependencies": {
    "debug": { "version": "2.6.9", "dependencies": { "ms": { "version": "2.0.0" } } },
    "ms": { "version": "2.1.3" }
  }
}"#;
        assert_eq!(
            sorted(parse(text).unwrap()),
            [
                ("debug".to_owned(), "2.6.9".to_owned()),
                ("ms".to_owned(), "2.0.0".to_owned()),
                ("ms".to_owned(), "2.1.3".to_owned()),
            ]
        );
    }

    #[test]
    fn json_errors_have_line_and_column() {
        let error = parse("{\n  \"packages\": {\n    \"node_modules/a\": { \"version\": 1 }\n")
            .unwrap_err();
        assert_eq!(error.line, Some(3));
        assert!(error.column.is_some());
    }
}
