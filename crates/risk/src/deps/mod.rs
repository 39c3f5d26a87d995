//! Dependency changes read from lockfiles: which third-party packages a release adds, removes,
//! upgrades or downgrades, with major bumps flagged.
//!
//! A dependency bump can change more behaviour than the rest of a release together, yet shows up in
//! a diff as thousands of lockfile lines nobody reads. Parsing the lockfiles of both revisions and
//! diffing the resolved packages turns that into a short list.
//!
//! The caller gives, for each changed file, its path and its contents at the base and at the head
//! (missing for an added or deleted file); [`LockFormat::detect`] tells which paths are worth
//! reading. Every format is parsed in one pass over its text, and the diff works on hash maps, so
//! time grows linearly with the lockfile (plus sorting the changes found). A file that does not
//! parse yields a [`DepsError`] naming the file, the revision and the line; [`diff_files`] collects
//! those next to the changes, so one broken lockfile does not hide the others.
//!
//! Packages installed in several versions at once (several `[[package]]` entries of one name in
//! Cargo.lock, nested `node_modules` copies) are diffed as multisets: versions present on both
//! sides cancel out; what remains is paired within a compatible series first (`1.0.0` → `1.0.1`
//! while a `2.x` copy stays), then from the highest down; the rest is added or removed. A copy whose
//! version is still present on the other side (a duplicate that npm or pnpm deduplicated) is not
//! reported, and copies that all made the same move are reported once. Local packages
//! (workspace members, path and editable sources) are not dependencies and are skipped.

mod cargo;
mod change;
mod compare;
mod diff;
mod go;
mod lockfile;
mod npm;
mod pnpm;
mod python;
mod ruby;
mod yarn;

use std::fmt;

use serde::Serialize;

pub use change::{ChangeKind, DependencyChange, Ecosystem};
use diff::diff_entries;
use lockfile::{Entry, Syntax};

/// A file format this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockFormat {
    /// `Cargo.lock` (versions 1 to 4).
    CargoLock,
    /// `package-lock.json` / `npm-shrinkwrap.json` (lockfile versions 1, 2 and 3).
    PackageLock,
    /// `yarn.lock`, classic (v1) and berry (v2+).
    YarnLock,
    /// `pnpm-lock.yaml` (v5 to v9 key layouts).
    PnpmLock,
    /// `go.mod` require directives.
    GoMod,
    /// `go.sum` checksums of downloaded modules.
    GoSum,
    /// `poetry.lock`.
    PoetryLock,
    /// `uv.lock`.
    UvLock,
    /// `requirements*.txt` and `requirements/*.txt`.
    Requirements,
    /// `Gemfile.lock` / `gems.locked`.
    GemfileLock,
}

impl LockFormat {
    /// The format of a file, from its path (`/` or `\` separated), or `None` when it is not one
    /// this module reads.
    pub fn detect(path: &str) -> Option<LockFormat> {
        let mut parts = path.rsplit(['/', '\\']);
        let name = parts.next()?;
        let parent = parts.next().unwrap_or("");
        Some(match name {
            "Cargo.lock" => LockFormat::CargoLock,
            "package-lock.json" | "npm-shrinkwrap.json" => LockFormat::PackageLock,
            "yarn.lock" => LockFormat::YarnLock,
            "pnpm-lock.yaml" => LockFormat::PnpmLock,
            "go.mod" => LockFormat::GoMod,
            "go.sum" => LockFormat::GoSum,
            "poetry.lock" => LockFormat::PoetryLock,
            "uv.lock" => LockFormat::UvLock,
            "Gemfile.lock" | "gems.locked" => LockFormat::GemfileLock,
            _ if name.ends_with(".txt")
                && (name.starts_with("requirements") || parent == "requirements") =>
            {
                LockFormat::Requirements
            }
            _ => return None,
        })
    }

    /// The ecosystem whose packages the format lists.
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            LockFormat::CargoLock => Ecosystem::Cargo,
            LockFormat::PackageLock => Ecosystem::Npm,
            LockFormat::YarnLock => Ecosystem::Yarn,
            LockFormat::PnpmLock => Ecosystem::Pnpm,
            LockFormat::GoMod | LockFormat::GoSum => Ecosystem::Go,
            LockFormat::PoetryLock | LockFormat::UvLock | LockFormat::Requirements => {
                Ecosystem::Pypi
            }
            LockFormat::GemfileLock => Ecosystem::Rubygems,
        }
    }

    /// How to repair a file of this format.
    fn hint(self) -> &'static str {
        match self {
            LockFormat::CargoLock => "regenerate it with `cargo update --workspace`",
            LockFormat::PackageLock => "regenerate it with `npm install --package-lock-only`",
            LockFormat::YarnLock => "regenerate it with `yarn install`",
            LockFormat::PnpmLock => "regenerate it with `pnpm install --lockfile-only`",
            LockFormat::GoMod | LockFormat::GoSum => "repair it with `go mod tidy`",
            LockFormat::PoetryLock => "regenerate it with `poetry lock`",
            LockFormat::UvLock => "regenerate it with `uv lock`",
            LockFormat::Requirements => {
                "write the requirement as `name==version` or `name>=version`"
            }
            LockFormat::GemfileLock => "regenerate it with `bundle lock`",
        }
    }

    fn parse(self, text: &str) -> Result<Vec<Entry>, Syntax> {
        match self {
            LockFormat::CargoLock => cargo::parse(text),
            LockFormat::PackageLock => npm::parse(text),
            LockFormat::YarnLock => yarn::parse(text),
            LockFormat::PnpmLock => pnpm::parse(text),
            LockFormat::GoMod => go::parse_mod(text),
            LockFormat::GoSum => go::parse_sum(text),
            LockFormat::PoetryLock => python::parse_poetry(text),
            LockFormat::UvLock => python::parse_uv(text),
            LockFormat::Requirements => python::parse_requirements(text),
            LockFormat::GemfileLock => ruby::parse(text),
        }
    }
}

/// Which revision of a file a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The old contents (the range's base).
    Base,
    /// The new contents (the range's head).
    Head,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Base => "base",
            Side::Head => "head",
        })
    }
}

/// A lockfile that could not be read. Its dependency changes are left out; the others are not
/// affected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepsError {
    /// The bytes are not UTF-8 text.
    #[error(
        "{file} at the {side} revision is not UTF-8 text (invalid byte at offset {offset}); its \
         dependency changes are left out; {hint}"
    )]
    NotUtf8 {
        /// The file, as given.
        file: String,
        /// Which revision.
        side: Side,
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// How to repair the file.
        hint: &'static str,
    },
    /// The text does not follow the format.
    #[error(
        "{}: cannot read the {side} revision as {format:?}: {reason}; its dependency changes \
         are left out; {hint}",
        location(file, *line, *column)
    )]
    Invalid {
        /// The file, as given.
        file: String,
        /// Which revision.
        side: Side,
        /// The format it was read as.
        format: LockFormat,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What is wrong.
        reason: String,
        /// How to repair the file.
        hint: &'static str,
    },
}

fn location(file: &str, line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        _ => file.to_owned(),
    }
}

/// One changed file: its path and its contents at the base and the head.
#[derive(Debug, Clone, Copy)]
pub struct ChangedFile<'a> {
    /// Path in the repository.
    pub path: &'a str,
    /// Contents at the base, `None` when the file was added.
    pub old: Option<&'a [u8]>,
    /// Contents at the head, `None` when the file was deleted.
    pub new: Option<&'a [u8]>,
}

/// The dependency changes of a set of files, with the files that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DependencyReport {
    /// Changes, file by file in the order given, by name within a file.
    pub changes: Vec<DependencyChange>,
    /// Files that could not be read.
    #[serde(skip)]
    pub errors: Vec<DepsError>,
}

/// The dependency changes in one file; an empty list for a path [`LockFormat::detect`] does not
/// know.
pub fn diff_file(
    path: &str,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
) -> Result<Vec<DependencyChange>, DepsError> {
    let Some(format) = LockFormat::detect(path) else {
        return Ok(Vec::new());
    };
    let old = read(path, format, Side::Base, old)?;
    let new = read(path, format, Side::Head, new)?;
    Ok(diff_entries(format.ecosystem(), path, old, new))
}

/// The dependency changes in a set of changed files; files that are not lockfiles are ignored.
///
/// When a `go.mod` and the `go.sum` next to it both changed, the `go.sum` changes are dropped: the
/// requirements in `go.mod` are the versions the build selects, while `go.sum` also keeps
/// checksums of versions that are no longer used.
pub fn diff_files<'a>(files: impl IntoIterator<Item = ChangedFile<'a>>) -> DependencyReport {
    let mut report = DependencyReport::default();
    let mut per_file: Vec<(&'a str, Vec<DependencyChange>)> = Vec::new();
    for file in files {
        match diff_file(file.path, file.old, file.new) {
            Ok(changes) => per_file.push((file.path, changes)),
            Err(error) => report.errors.push(error),
        }
    }
    let go_mod_dirs: Vec<&str> = per_file
        .iter()
        .filter(|(path, _)| LockFormat::detect(path) == Some(LockFormat::GoMod))
        .map(|(path, _)| parent_dir(path))
        .collect();
    for (path, changes) in per_file {
        let shadowed = LockFormat::detect(path) == Some(LockFormat::GoSum)
            && go_mod_dirs.contains(&parent_dir(path));
        if !shadowed {
            report.changes.extend(changes);
        }
    }
    report
}

fn parent_dir(path: &str) -> &str {
    path.rfind(['/', '\\']).map_or("", |i| &path[..i])
}

fn read(
    path: &str,
    format: LockFormat,
    side: Side,
    bytes: Option<&[u8]>,
) -> Result<Vec<Entry>, DepsError> {
    let Some(bytes) = bytes else {
        return Ok(Vec::new());
    };
    let text = std::str::from_utf8(bytes).map_err(|e| DepsError::NotUtf8 {
        file: path.to_owned(),
        side,
        offset: e.valid_up_to(),
        hint: format.hint(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    format.parse(text).map_err(|syntax| DepsError::Invalid {
        file: path.to_owned(),
        side,
        format,
        line: syntax.line,
        column: syntax.column,
        reason: syntax.reason,
        hint: format.hint(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_formats() {
        assert_eq!(
            LockFormat::detect("Cargo.lock"),
            Some(LockFormat::CargoLock)
        );
        assert_eq!(
            LockFormat::detect("web/package-lock.json"),
            Some(LockFormat::PackageLock)
        );
        assert_eq!(
            LockFormat::detect("requirements-dev.txt"),
            Some(LockFormat::Requirements)
        );
        assert_eq!(
            LockFormat::detect("requirements/prod.txt"),
            Some(LockFormat::Requirements)
        );
        assert_eq!(LockFormat::detect("docs/notes.txt"), None);
        assert_eq!(LockFormat::detect("Cargo.toml"), None);
        assert_eq!(LockFormat::detect("svc\\go.sum"), Some(LockFormat::GoSum));
    }
}
