//! What a manifest declares (requirements and toolchain floors) and how two revisions of one
//! manifest differ.
//!
//! A manifest's entry is keyed by where it sits (its table and its key there), so that the same
//! package required in `[dependencies]` and in `[dev-dependencies]`, or under two environment
//! markers, is two requirements. Two revisions are compared key by key: added, removed, or
//! changed, with the direction and a major move read from the requirements' lower bounds
//! ([`super::requirement`]). An entry inherited from elsewhere (Cargo's `x.workspace = true`) is
//! compared nowhere: its requirement is the workspace's, reported where it is written.

use std::collections::BTreeMap;

use super::change::{DependencyChange, Ecosystem, Origin};
use super::diff::movement;
use super::lockfile::Entry;
use super::requirement::ReqSyntax;

/// One requirement (or toolchain floor) a manifest declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Requirement {
    /// Where it sits, unique within the file.
    pub(crate) key: String,
    /// The package (or toolchain) it names.
    pub(crate) name: String,
    /// The table or field, `None` for the main dependency list.
    pub(crate) scope: Option<String>,
    /// The requirement as written; `None` when it is inherited from elsewhere.
    pub(crate) req: Option<String>,
}

impl Requirement {
    /// A requirement on `name` in `scope`, keyed by both.
    pub(crate) fn new(scope: Option<&str>, name: &str, req: Option<String>) -> Requirement {
        Requirement {
            key: format!("{}\u{0}{name}", scope.unwrap_or("")),
            name: name.to_owned(),
            scope: scope.map(str::to_owned),
            req,
        }
    }
}

/// What one revision of a dependency file declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Declared {
    /// Exact versions (lockfiles, go.mod requirements, requirements files).
    pub(crate) locked: Vec<Entry>,
    /// Requirements (manifests).
    pub(crate) required: Vec<Requirement>,
    /// Toolchain floors, named by toolchain.
    pub(crate) toolchains: Vec<Requirement>,
}

impl Declared {
    /// Requirements then toolchain floors as `scope:name requirement` lines, in file order: what
    /// the parsers' tests compare.
    #[cfg(test)]
    pub(crate) fn listed(&self) -> Vec<String> {
        self.required
            .iter()
            .chain(&self.toolchains)
            .map(|r| {
                let scope = r
                    .scope
                    .as_deref()
                    .map_or(String::new(), |s| format!("{s}:"));
                format!("{scope}{} {}", r.name, r.req.as_deref().unwrap_or(""))
            })
            .collect()
    }

    /// Exact versions only.
    pub(crate) fn locked(entries: Vec<Entry>) -> Declared {
        Declared {
            locked: entries,
            ..Declared::default()
        }
    }
}

/// The changes between two revisions' requirements (or toolchain floors) of one file.
pub(crate) fn diff_requirements(
    ecosystem: Ecosystem,
    syntax: ReqSyntax,
    origin: Origin,
    file: &str,
    old: Vec<Requirement>,
    new: Vec<Requirement>,
) -> Vec<DependencyChange> {
    let mut by_key: BTreeMap<String, (Option<Requirement>, Option<Requirement>)> = BTreeMap::new();
    for r in old {
        // The first of duplicate keys wins, as in the tools that read these files.
        by_key.entry(r.key.clone()).or_default().0.get_or_insert(r);
    }
    for r in new {
        by_key.entry(r.key.clone()).or_default().1.get_or_insert(r);
    }
    let scheme = ecosystem.scheme();
    let mut changes = Vec::new();
    for (old, new) in by_key.into_values() {
        let (from, to) = (
            old.as_ref().map(|r| r.req.clone()),
            new.as_ref().map(|r| r.req.clone()),
        );
        // Inherited on either side: the requirement is written elsewhere.
        if matches!(from, Some(None)) || matches!(to, Some(None)) {
            continue;
        }
        let (from, to) = (from.flatten(), to.flatten());
        if from == to {
            continue;
        }
        let (kind, major) = movement(scheme, Some(syntax), from.as_ref(), to.as_ref());
        let Some(entry) = new.or(old) else {
            continue;
        };
        changes.push(DependencyChange {
            ecosystem,
            name: entry.name,
            from,
            to,
            kind,
            // A toolchain floor moves by its own rules; a raised floor is noted, not a major.
            major: major && origin == Origin::Manifest,
            file: file.to_owned(),
            origin,
            scope: entry.scope,
        });
    }
    changes.sort_by(|a, b| (&a.name, &a.scope).cmp(&(&b.name, &b.scope)));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::ChangeKind;

    fn req(scope: Option<&str>, name: &str, text: &str) -> Requirement {
        Requirement::new(scope, name, Some(text.to_owned()))
    }

    #[test]
    fn keys_separate_scopes_and_inherited_entries_are_skipped() {
        let old = vec![
            req(None, "rand", "0.8"),
            req(Some("dev-dependencies"), "rand", "0.8"),
            Requirement::new(None, "serde", None),
            req(None, "log", "0.4"),
        ];
        let new = vec![
            req(None, "rand", "0.9"),
            req(Some("dev-dependencies"), "rand", "0.8"),
            req(None, "serde", "1"),
            req(None, "anyhow", "1"),
        ];
        let changes = diff_requirements(
            Ecosystem::Cargo,
            ReqSyntax::Cargo,
            Origin::Manifest,
            "Cargo.toml",
            old,
            new,
        );
        let summary: Vec<_> = changes
            .iter()
            .map(|c| (c.name.as_str(), c.kind, c.major, c.scope.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("anyhow", ChangeKind::Added, false, None),
                ("log", ChangeKind::Removed, false, None),
                ("rand", ChangeKind::Upgraded, true, None),
            ]
        );
    }

    #[test]
    fn toolchain_floors_are_never_majors() {
        let changes = diff_requirements(
            Ecosystem::Npm,
            ReqSyntax::Npm,
            Origin::Toolchain,
            "package.json",
            vec![req(None, "node", ">=16")],
            vec![req(None, "node", ">=18")],
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, ChangeKind::Upgraded);
        assert!(!changes[0].major);
    }
}
