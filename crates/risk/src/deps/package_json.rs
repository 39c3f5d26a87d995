//! `package.json`: the ranges of `dependencies`, `devDependencies`, `peerDependencies` and
//! `optionalDependencies`, and the `engines` floors.
//!
//! Only registry ranges are requirements. Specs that point elsewhere (`file:`, `link:`,
//! `workspace:`, `portal:`, `patch:`, git and tarball URLs, `user/repo` shorthands, local paths)
//! are the project's own code or pinned by their source, and skipped; an alias
//! (`npm:other@^1.2`) is the aliased package's range. Values that are not strings are skipped.

use serde_json::{Map, Value};

use super::lockfile::Syntax;
use super::manifest::{Declared, Requirement};

const FIELDS: &[(&str, Option<&str>)] = &[
    ("dependencies", None),
    ("devDependencies", Some("devDependencies")),
    ("peerDependencies", Some("peerDependencies")),
    ("optionalDependencies", Some("optionalDependencies")),
];

pub(crate) fn parse(text: &str) -> Result<Declared, Syntax> {
    let doc: Value = serde_json::from_str(text).map_err(|e| Syntax {
        line: Some(e.line()),
        column: Some(e.column()),
        reason: e.to_string(),
    })?;
    let Some(doc) = doc.as_object() else {
        return Err(Syntax::at(1, "the top level is not a JSON object"));
    };
    let mut declared = Declared::default();
    for (field, scope) in FIELDS {
        for (name, spec) in strings(doc.get(*field)) {
            if let Some((name, range)) = registry_range(name, spec) {
                declared
                    .required
                    .push(Requirement::new(*scope, name, Some(range.to_owned())));
            }
        }
    }
    for (engine, range) in strings(doc.get("engines")) {
        declared
            .toolchains
            .push(Requirement::new(None, engine, Some(range.to_owned())));
    }
    Ok(declared)
}

/// The string-valued members of an object field.
fn strings(value: Option<&Value>) -> impl Iterator<Item = (&str, &str)> {
    value
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::iter)
        .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?)))
}

/// The package and range a spec asks the registry for, `None` for any other source.
fn registry_range<'a>(name: &'a str, spec: &'a str) -> Option<(&'a str, &'a str)> {
    let spec = spec.trim();
    if let Some(alias) = spec.strip_prefix("npm:") {
        // `npm:@scope/pkg@^1.2`: the range follows the last `@` that is not the first character.
        return match alias.rfind('@').filter(|at| *at > 0) {
            Some(at) => Some((&alias[..at], &alias[at + 1..])),
            None => (!alias.is_empty()).then_some((alias, "*")),
        };
    }
    let elsewhere = spec.contains(':')
        || spec.starts_with(['.', '/'])
        || spec.starts_with("~/")
        || (spec.contains('/') && !spec.contains(' '));
    (!elsewhere).then_some((name, if spec.is_empty() { "*" } else { spec }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_sources_and_engines() {
        let text = r#"{
  "name": "app",
  "engines": { "node": ">=18", "npm": "^9 || ^10" },
  "dependencies": {
    "ky": "^1.2.0",
    "local": "file:../local",
    "ws": "workspace:*",
    "gh": "sindresorhus/ky",
    "git": "git+https://example.com/r.git",
    "old": "npm:@scope/legacy@^2.0.0",
    "any": "",
    "weird": 3
  },
  "devDependencies": { "typescript": "~5.4.5" },
  "peerDependencies": { "react": ">=17 <19" },
  "optionalDependencies": { "fsevents": "2.x" }
}"#;
        let declared = parse(text).unwrap();
        let mut listed: Vec<String> = declared.listed();
        listed.sort();
        assert_eq!(
            listed,
            [
                "@scope/legacy ^2.0.0",
                "any *",
                "devDependencies:typescript ~5.4.5",
                "ky ^1.2.0",
                "node >=18",
                "npm ^9 || ^10",
                "optionalDependencies:fsevents 2.x",
                "peerDependencies:react >=17 <19",
            ]
        );
    }

    #[test]
    fn errors_carry_a_line() {
        let error = parse("{\n  \"dependencies\": {\n    \"a\": ^1\n  }\n}\n").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert!(parse("[1, 2]").is_err());
    }
}
