//! `pnpm-lock.yaml`: the `packages` map, whose keys name each resolved package.
//!
//! The key layout changed over pnpm's lockfile versions:
//! - v5 (`lockfileVersion: 5.4`): `/name/1.2.3`, `/@scope/name/1.2.3_peer@2.0.0`;
//! - v6 (`'6.0'`): `/name@1.2.3`, `/@scope/name@1.2.3(peer@2.0.0)`;
//! - v9 (`'9.0'`): `name@1.2.3` in `packages`, with the peer variants moved to `snapshots`.
//!
//! Entries resolved from git or a tarball carry `name` and `version` fields, which win over the
//! key. Peer-suffixed variants of one version collapse to repeated copies of it, which the diff
//! does not report.

use std::collections::HashMap;

use serde::Deserialize;

use super::lockfile::{Entry, Syntax};

#[derive(Deserialize)]
struct Lock {
    packages: Option<HashMap<String, Option<Package>>>,
}

#[derive(Deserialize, Default)]
struct Package {
    name: Option<String>,
    version: Option<String>,
}

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, Syntax> {
    // The default budget is sized for configuration files; a lockfile of a large monorepo holds
    // more nodes. The limits grow with the input, which bounds them all the same.
    let nodes = 250_000usize.max(text.len() / 2);
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: nodes,
            max_events: nodes.saturating_mul(4),
        },
    };
    let lock: Lock = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let location = e.location();
        Syntax {
            line: location.map(|l| l.line() as usize),
            column: location.map(|l| l.column() as usize),
            reason: e
                .to_string()
                .lines()
                .next()
                .unwrap_or("invalid YAML")
                .to_owned(),
        }
    })?;
    let mut entries = Vec::new();
    for (key, package) in lock.packages.unwrap_or_default() {
        let package = package.unwrap_or_default();
        if let (Some(name), Some(version)) = (&package.name, &package.version) {
            entries.push(Entry::new(name.clone(), version.clone()));
            continue;
        }
        let Some((name, version)) = split_key(&key) else {
            continue;
        };
        let version = package.version.unwrap_or_else(|| version.to_owned());
        entries.push(Entry::new(name, version));
    }
    Ok(entries)
}

/// Name and version from a `packages` key of any layout.
fn split_key(key: &str) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    // v6 and v9: `name@version`, then optional `(peer@version)` suffixes.
    let base = key.split('(').next().unwrap_or(key);
    if let Some(at) = base.get(1..).and_then(|rest| rest.rfind('@')) {
        let (name, version) = (&base[..at + 1], &base[at + 2..]);
        if valid_name(name) && !version.is_empty() {
            return Some((name, version));
        }
    }
    // v5: `name/version` then an optional `_peer@version+...` suffix; the version never
    // contains `_`.
    let segments = if key.starts_with('@') { 2 } else { 1 };
    let split = key.match_indices('/').nth(segments - 1)?.0;
    let (name, version) = (&key[..split], &key[split + 1..]);
    let version = version.split('_').next().unwrap_or(version);
    (valid_name(name) && !version.is_empty() && !version.contains('/')).then_some((name, version))
}

/// An npm package name: `name` or `@scope/name`.
fn valid_name(name: &str) -> bool {
    match name.strip_prefix('@') {
        Some(scoped) => scoped.split_once('/').is_some_and(|(scope, rest)| {
            !scope.is_empty() && !rest.is_empty() && !rest.contains('/')
        }),
        None => !name.is_empty() && !name.contains('/'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_layouts() {
        assert_eq!(split_key("/lodash/4.17.21"), Some(("lodash", "4.17.21")));
        assert_eq!(
            split_key("/@babel/core/7.22.5_supports-color@8.1.1"),
            Some(("@babel/core", "7.22.5"))
        );
        assert_eq!(split_key("/lodash@4.17.21"), Some(("lodash", "4.17.21")));
        assert_eq!(
            split_key("/@testing-library/react@14.0.0(react-dom@18.2.0)(react@18.2.0)"),
            Some(("@testing-library/react", "14.0.0"))
        );
        assert_eq!(
            split_key("@types/node@20.11.5"),
            Some(("@types/node", "20.11.5"))
        );
        assert_eq!(split_key("lodash"), None);
    }

    #[test]
    fn yaml_errors_have_a_line() {
        let error = parse("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {\n  b: [\n").unwrap_err();
        assert!(error.line.is_some(), "{error:?}");
    }
}
