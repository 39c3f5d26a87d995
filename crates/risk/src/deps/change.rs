//! What a dependency change is: the package's ecosystem, the change, and how it moved.
//!
//! The diff ([`super::diff`]) makes these and callers read them through the parent module; they
//! sit in a module of their own so that the diff and the parent do not refer to each other.

use serde::Serialize;

use super::compare::Scheme;

/// A package ecosystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// Rust crates (Cargo.lock).
    Cargo,
    /// npm packages through package-lock.json or npm-shrinkwrap.json.
    Npm,
    /// npm packages through yarn.lock.
    Yarn,
    /// npm packages through pnpm-lock.yaml.
    Pnpm,
    /// Go modules (go.mod, go.sum).
    Go,
    /// Python packages (poetry.lock, uv.lock, requirements*.txt).
    Pypi,
    /// Ruby gems (Gemfile.lock).
    Rubygems,
}

impl Ecosystem {
    pub(super) fn scheme(self) -> Scheme {
        match self {
            Ecosystem::Cargo | Ecosystem::Npm | Ecosystem::Yarn | Ecosystem::Pnpm => Scheme::Semver,
            Ecosystem::Go => Scheme::Go,
            Ecosystem::Pypi => Scheme::Pep440,
            Ecosystem::Rubygems => Scheme::Gem,
        }
    }
}

/// How a package changed between the two revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// New at the head.
    Added,
    /// Gone at the head.
    Removed,
    /// To a higher version.
    Upgraded,
    /// To a lower version.
    Downgraded,
    /// To a version that does not order against the old one (a git source, a specifier, build
    /// metadata only).
    Changed,
}

/// One package that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependencyChange {
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name as the ecosystem spells it (Python names normalised as in PEP 503).
    pub name: String,
    /// The version at the base, `None` when added.
    pub from: Option<String>,
    /// The version at the head, `None` when removed.
    pub to: Option<String>,
    /// What happened.
    pub kind: ChangeKind,
    /// The versions are in different compatible series (`1.x` → `2.x`, `0.3.x` → `0.4.x`), in
    /// either direction.
    pub major: bool,
    /// The file it was read from, as given.
    pub file: String,
}
