//! What a dependency change is: the package's ecosystem, where it was read, the change, and how
//! it moved.
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
    /// Ecosystems that share one package registry (npm, yarn and pnpm all install npm packages),
    /// so that a lockfile and a manifest can be matched.
    pub(super) fn registry(self) -> Ecosystem {
        match self {
            Ecosystem::Yarn | Ecosystem::Pnpm => Ecosystem::Npm,
            other => other,
        }
    }

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

/// Where a change was read, which says what its versions are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A lockfile (or go.mod, or a requirements file): `from` and `to` are the versions
    /// installed, or the specifier written where a requirements line pins none.
    Lockfile,
    /// A manifest's requirement (Cargo.toml, package.json, pyproject.toml, Gemfile): `from` and
    /// `to` are requirements as written (`^1.2`, `>=2`); "major" means the lowest version they
    /// accept moved into another compatible series.
    Manifest,
    /// A toolchain floor (`rust-version`, `engines`, `requires-python`, go.mod's `go`, the
    /// Gemfile's `ruby`): `name` is the toolchain (`rust`, `node`, `python`, `go`, `ruby`).
    Toolchain,
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
    /// What kind of file that is.
    pub origin: Origin,
    /// For a manifest, the table or field the requirement sits in (`dev-dependencies`,
    /// `target.'cfg(unix)'.dependencies`, `peerDependencies`, `optional-dependencies.test`);
    /// `None` for the main dependency list and for lockfiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}
