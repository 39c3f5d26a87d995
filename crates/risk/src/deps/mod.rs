//! Dependency changes read from lockfiles and manifests: which third-party packages a release
//! adds, removes, upgrades or downgrades, with major moves flagged, and which toolchain floors it
//! raises.
//!
//! A dependency bump can change more behaviour than the rest of a release together, yet shows up in
//! a diff as thousands of lockfile lines nobody reads. Parsing the lockfiles of both revisions and
//! diffing the resolved packages turns that into a short list. A library often has no lockfile in
//! its repository; its manifest's requirements (Cargo.toml, package.json, pyproject.toml, Gemfile)
//! are then what its users get, so they are read too: a requirement added, removed
//! or changed, and a major move when the lowest version it accepts crosses into another
//! compatible series. Lockfiles are exact and win: a package that a lockfile and a manifest both
//! report in one diff is reported once, from the lockfile. Toolchain floors (`rust-version`,
//! `engines`, `requires-python`, go.mod's `go`, the Gemfile's `ruby`) are reported as their own
//! kind of change ([`Origin::Toolchain`]).
//!
//! The caller gives, for each changed file, its path and its contents at the base and at the head
//! (missing for an added or deleted file); [`DepFormat::detect`] tells which paths are worth
//! reading; [`revisions`] reads them from git, for a range or for each commit on its own. Every format is parsed in one pass over its text, and the diff works on hash maps, so
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
mod cargo_toml;
mod change;
mod compare;
mod diff;
mod gemfile;
mod go;
mod lockfile;
mod manifest;
mod npm;
mod package_json;
mod pnpm;
mod pyproject;
mod python;
mod requirement;
pub mod revisions;
mod ruby;
mod yarn;

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

pub use change::{ChangeKind, DependencyChange, Ecosystem, Origin};
use diff::diff_entries;
use lockfile::Syntax;
use manifest::{Declared, diff_requirements};
use requirement::ReqSyntax;

/// A file format this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepFormat {
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
    /// `Cargo.toml` requirements and `rust-version`.
    CargoToml,
    /// `package.json` ranges and `engines`.
    PackageJson,
    /// `pyproject.toml` requirements (PEP 621, PEP 735, Poetry) and the Python floor.
    PyprojectToml,
    /// `Gemfile` / `gems.rb` requirements and `ruby`.
    Gemfile,
}

impl DepFormat {
    /// The format of a file, from its path (`/` or `\` separated), or `None` when it is not one
    /// this module reads.
    pub fn detect(path: &str) -> Option<DepFormat> {
        let mut parts = path.rsplit(['/', '\\']);
        let name = parts.next()?;
        let parent = parts.next().unwrap_or("");
        // Manifests of installed, vendored or test-fixture packages are not the project's.
        let foreign = path.split(['/', '\\']).any(|segment| {
            matches!(
                segment,
                "node_modules" | "vendor" | "fixtures" | "fixture" | "testdata" | "__fixtures__"
            )
        });
        Some(match name {
            "Cargo.lock" => DepFormat::CargoLock,
            "package-lock.json" | "npm-shrinkwrap.json" => DepFormat::PackageLock,
            "yarn.lock" => DepFormat::YarnLock,
            "pnpm-lock.yaml" => DepFormat::PnpmLock,
            "go.mod" => DepFormat::GoMod,
            "go.sum" => DepFormat::GoSum,
            "poetry.lock" => DepFormat::PoetryLock,
            "uv.lock" => DepFormat::UvLock,
            "Gemfile.lock" | "gems.locked" => DepFormat::GemfileLock,
            "Cargo.toml" if !foreign => DepFormat::CargoToml,
            "package.json" if !foreign => DepFormat::PackageJson,
            "pyproject.toml" if !foreign => DepFormat::PyprojectToml,
            "Gemfile" | "gems.rb" if !foreign => DepFormat::Gemfile,
            _ if name.ends_with(".txt")
                && (name.starts_with("requirements") || parent == "requirements") =>
            {
                DepFormat::Requirements
            }
            _ => return None,
        })
    }

    /// A lockfile, written by a tool rather than by hand: its lines say nothing about where the
    /// work of a change was.
    pub fn is_lockfile(self) -> bool {
        !matches!(
            self,
            DepFormat::CargoToml
                | DepFormat::PackageJson
                | DepFormat::PyprojectToml
                | DepFormat::Gemfile
                | DepFormat::Requirements
                | DepFormat::GoMod
        )
    }

    /// The ecosystem whose packages the format lists.
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            DepFormat::CargoLock | DepFormat::CargoToml => Ecosystem::Cargo,
            DepFormat::PackageLock | DepFormat::PackageJson => Ecosystem::Npm,
            DepFormat::YarnLock => Ecosystem::Yarn,
            DepFormat::PnpmLock => Ecosystem::Pnpm,
            DepFormat::GoMod | DepFormat::GoSum => Ecosystem::Go,
            DepFormat::PoetryLock
            | DepFormat::UvLock
            | DepFormat::Requirements
            | DepFormat::PyprojectToml => Ecosystem::Pypi,
            DepFormat::GemfileLock | DepFormat::Gemfile => Ecosystem::Rubygems,
        }
    }

    /// How the format writes requirements and toolchain floors.
    fn syntax(self) -> ReqSyntax {
        match self.ecosystem() {
            Ecosystem::Cargo => ReqSyntax::Cargo,
            Ecosystem::Npm | Ecosystem::Yarn | Ecosystem::Pnpm => ReqSyntax::Npm,
            Ecosystem::Go => ReqSyntax::Go,
            Ecosystem::Pypi => ReqSyntax::Pep440,
            Ecosystem::Rubygems => ReqSyntax::Gem,
        }
    }

    /// How to repair a file of this format.
    fn hint(self) -> &'static str {
        match self {
            DepFormat::CargoLock => "regenerate it with `cargo update --workspace`",
            DepFormat::PackageLock => "regenerate it with `npm install --package-lock-only`",
            DepFormat::YarnLock => "regenerate it with `yarn install`",
            DepFormat::PnpmLock => "regenerate it with `pnpm install --lockfile-only`",
            DepFormat::GoMod | DepFormat::GoSum => "repair it with `go mod tidy`",
            DepFormat::PoetryLock => "regenerate it with `poetry lock`",
            DepFormat::UvLock => "regenerate it with `uv lock`",
            DepFormat::Requirements => {
                "write the requirement as `name==version` or `name>=version`"
            }
            DepFormat::GemfileLock => "regenerate it with `bundle lock`",
            DepFormat::CargoToml => "fix the TOML so that `cargo metadata` reads it",
            DepFormat::PackageJson => "fix the JSON so that `npm install` reads it",
            DepFormat::PyprojectToml => {
                "fix the TOML and write requirements as PEP 508 strings (`name>=1.2`)"
            }
            DepFormat::Gemfile => "write each gem as `gem \"name\", \"requirement\"`",
        }
    }

    fn parse(self, text: &str) -> Result<Declared, Syntax> {
        let locked = match self {
            DepFormat::CargoLock => cargo::parse(text),
            DepFormat::PackageLock => npm::parse(text),
            DepFormat::YarnLock => yarn::parse(text),
            DepFormat::PnpmLock => pnpm::parse(text),
            DepFormat::GoMod => return go::parse_mod(text),
            DepFormat::GoSum => go::parse_sum(text),
            DepFormat::PoetryLock => python::parse_poetry(text),
            DepFormat::UvLock => python::parse_uv(text),
            DepFormat::Requirements => python::parse_requirements(text),
            DepFormat::GemfileLock => ruby::parse(text),
            DepFormat::CargoToml => return cargo_toml::parse(text),
            DepFormat::PackageJson => return package_json::parse(text),
            DepFormat::PyprojectToml => return pyproject::parse(text),
            DepFormat::Gemfile => return gemfile::parse(text),
        };
        locked.map(Declared::locked)
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

/// A dependency file that could not be read. Its dependency changes are left out; the others are
/// not affected.
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
        format: DepFormat,
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

/// The dependency changes in one file; an empty list for a path [`DepFormat::detect`] does not
/// know.
pub fn diff_file(
    path: &str,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
) -> Result<Vec<DependencyChange>, DepsError> {
    let Some(format) = DepFormat::detect(path) else {
        return Ok(Vec::new());
    };
    let old = read(path, format, Side::Base, old)?;
    let new = read(path, format, Side::Head, new)?;
    let (ecosystem, syntax) = (format.ecosystem(), format.syntax());
    let mut changes = diff_entries(ecosystem, path, old.locked, new.locked);
    changes.extend(diff_requirements(
        ecosystem,
        syntax,
        Origin::Manifest,
        path,
        old.required,
        new.required,
    ));
    changes.extend(diff_requirements(
        ecosystem,
        syntax,
        Origin::Toolchain,
        path,
        old.toolchains,
        new.toolchains,
    ));
    Ok(changes)
}

/// The dependency changes in a set of changed files; files this module does not read are
/// ignored.
///
/// When a `go.mod` and the `go.sum` next to it both changed, the `go.sum` changes are dropped: the
/// requirements in `go.mod` are the versions the build selects, while `go.sum` also keeps
/// checksums of versions that are no longer used. A package that a lockfile reports is not
/// reported again from a manifest: the lockfile says exactly where it went.
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
        .filter(|(path, _)| DepFormat::detect(path) == Some(DepFormat::GoMod))
        .map(|(path, _)| parent_dir(path))
        .collect();
    for (path, changes) in per_file {
        let shadowed = DepFormat::detect(path) == Some(DepFormat::GoSum)
            && go_mod_dirs.contains(&parent_dir(path));
        if !shadowed {
            report.changes.extend(changes);
        }
    }
    join_moves_between_lockfiles(&mut report.changes);
    // A lockfile covers the manifests in its directory and below (a workspace's Cargo.lock, the
    // package-lock.json next to package.json); a pinned list elsewhere (`requirements/dev.txt`)
    // does not speak for the project's own requirements.
    let locked: HashSet<(Ecosystem, &str, &str)> = report
        .changes
        .iter()
        .filter(|c| c.origin == Origin::Lockfile)
        .map(|c| (c.ecosystem.registry(), c.name.as_str(), parent_dir(&c.file)))
        .collect();
    let covered: Vec<bool> = report
        .changes
        .iter()
        .map(|c| {
            c.origin == Origin::Manifest
                && ancestors(parent_dir(&c.file))
                    .any(|dir| locked.contains(&(c.ecosystem.registry(), c.name.as_str(), dir)))
        })
        .collect();
    let mut covered = covered.into_iter();
    report.changes.retain(|_| !covered.next().unwrap_or(false));
    report
}

/// A package removed from one lockfile and added to another of the same registry in one diff
/// (a project moving from `requirements/*.txt` to `uv.lock`, or from yarn to npm) moved: it is
/// reported once, from its old version to its new one, where it is now, or not at all where the
/// new lockfile keeps a version an old one had. Pins of other versions stay reported as removed.
fn join_moves_between_lockfiles(changes: &mut Vec<DependencyChange>) {
    let key = |c: &DependencyChange| {
        let name: String = c
            .name
            .to_ascii_lowercase()
            .chars()
            .map(|ch| if matches!(ch, '_' | '.') { '-' } else { ch })
            .collect();
        (c.ecosystem.registry(), name)
    };
    let lock =
        |c: &DependencyChange, kind: ChangeKind| c.origin == Origin::Lockfile && c.kind == kind;
    let mut drop = vec![false; changes.len()];
    for at in 0..changes.len() {
        if !lock(&changes[at], ChangeKind::Added) {
            continue;
        }
        let wanted = key(&changes[at]);
        let removed: Vec<usize> = (0..changes.len())
            .filter(|&i| {
                !drop[i]
                    && lock(&changes[i], ChangeKind::Removed)
                    && changes[i].file != changes[at].file
                    && key(&changes[i]) == wanted
            })
            .collect();
        // A copy at the version the new lockfile has did not move, and neither did the package:
        // only the other pins (an older one in a minimum-versions list) went.
        let same: Vec<usize> = removed
            .iter()
            .copied()
            .filter(|&i| changes[i].from == changes[at].to)
            .collect();
        if !same.is_empty() {
            for i in same {
                drop[i] = true;
            }
            drop[at] = true;
            continue;
        }
        let scheme = changes[at].ecosystem.scheme();
        let specifiers =
            (changes[at].ecosystem == Ecosystem::Pypi).then_some(requirement::ReqSyntax::Pep440);
        // The highest old version is the one the project ran with.
        let Some(&from) = removed.iter().max_by(|&&a, &&b| {
            let read = |i: usize| changes[i].from.as_deref().and_then(|v| scheme.parse(v));
            match (read(a), read(b)) {
                (Some(x), Some(y)) => x.precedence(&y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            }
        }) else {
            continue;
        };
        let old = changes[from].from.clone();
        // Its other copies at that version moved with it; older pins elsewhere stay removed.
        for i in removed {
            if changes[i].from == old {
                drop[i] = true;
            }
        }
        let (kind, major) =
            diff::movement(scheme, specifiers, old.as_ref(), changes[at].to.as_ref());
        let moved = &mut changes[at];
        moved.from = old;
        moved.kind = kind;
        moved.major = major;
    }
    let mut drop = drop.into_iter();
    changes.retain(|_| !drop.next().unwrap_or(false));
}

/// The moves across a major version among `changes`, each once, as `name from → to` (the same
/// move read from several files, as in a workspace, is one move).
pub fn major_moves(changes: &[DependencyChange]) -> Vec<String> {
    // A package moved in a lockfile and in a manifest elsewhere is one move: the lockfile's
    // versions name it (PyPI names compare as normalised: `Foo_Bar` is `foo-bar`).
    let mut majors: Vec<&DependencyChange> = changes.iter().filter(|c| c.major).collect();
    majors.sort_by_key(|c| c.origin != Origin::Lockfile);
    let mut seen = HashSet::new();
    let mut moves: Vec<(usize, String)> = majors
        .into_iter()
        .filter(|c| {
            let name: String = c
                .name
                .to_ascii_lowercase()
                .chars()
                .map(|ch| if matches!(ch, '_' | '.') { '-' } else { ch })
                .collect();
            // package-lock.json and yarn.lock side by side move one npm package once.
            seen.insert((c.ecosystem.registry(), name))
        })
        .map(|c| {
            let at = changes.iter().position(|x| std::ptr::eq(x, c)).unwrap_or(0);
            let text = format!(
                "{} {} → {}",
                c.name,
                c.from.as_deref().unwrap_or("?"),
                c.to.as_deref().unwrap_or("?")
            );
            (at, text)
        })
        .collect();
    // In the order the changes came.
    moves.sort();
    moves.into_iter().map(|(_, text)| text).collect()
}

fn parent_dir(path: &str) -> &str {
    path.rfind(['/', '\\']).map_or("", |i| &path[..i])
}

/// `dir` and every directory above it, the root (`""`) last.
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(dir), |d| (!d.is_empty()).then(|| parent_dir(d)))
}

fn read(
    path: &str,
    format: DepFormat,
    side: Side,
    bytes: Option<&[u8]>,
) -> Result<Declared, DepsError> {
    let Some(bytes) = bytes else {
        return Ok(Declared::default());
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

    fn moved(name: &str, from: &str, to: &str, file: &str, origin: Origin) -> DependencyChange {
        DependencyChange {
            ecosystem: Ecosystem::Pypi,
            name: name.into(),
            from: Some(from.into()),
            to: Some(to.into()),
            kind: ChangeKind::Upgraded,
            major: true,
            file: file.into(),
            origin,
            scope: None,
        }
    }

    #[test]
    fn a_package_moved_in_a_manifest_and_a_lockfile_is_one_move() {
        let changes = [
            moved(
                "Werkzeug",
                ">=2.3.7",
                ">=3.0.0",
                "pyproject.toml",
                Origin::Manifest,
            ),
            moved(
                "click",
                "7.1",
                "8.0",
                "requirements/dev.txt",
                Origin::Lockfile,
            ),
            moved(
                "werkzeug",
                "2.3.7",
                "3.0.0",
                "requirements/dev.txt",
                Origin::Lockfile,
            ),
        ];
        assert_eq!(
            major_moves(&changes),
            ["click 7.1 → 8.0", "werkzeug 2.3.7 → 3.0.0"]
        );
    }

    #[test]
    fn detect_formats() {
        assert_eq!(DepFormat::detect("Cargo.lock"), Some(DepFormat::CargoLock));
        assert_eq!(
            DepFormat::detect("web/package-lock.json"),
            Some(DepFormat::PackageLock)
        );
        assert_eq!(
            DepFormat::detect("requirements-dev.txt"),
            Some(DepFormat::Requirements)
        );
        assert_eq!(
            DepFormat::detect("requirements/prod.txt"),
            Some(DepFormat::Requirements)
        );
        assert_eq!(DepFormat::detect("docs/notes.txt"), None);
        assert_eq!(
            DepFormat::detect("crates/a/Cargo.toml"),
            Some(DepFormat::CargoToml)
        );
        assert_eq!(DepFormat::detect("Gemfile"), Some(DepFormat::Gemfile));
        assert_eq!(DepFormat::detect("test/fixtures/app/package.json"), None);
        assert_eq!(DepFormat::detect("setup.cfg"), None);
        assert_eq!(DepFormat::detect("svc\\go.sum"), Some(DepFormat::GoSum));
    }

    #[test]
    fn a_lockfile_covers_the_manifests_in_its_directory_and_below() {
        let lock = |v: &str| {
            format!(
                "version = 3\n\n[[package]]\nname = \"rand\"\nversion = \"{v}\"\nsource = \"registry+x\"\n"
            )
        };
        let manifest = |v: &str| format!("[dependencies]\nrand = \"{v}\"\n");
        let pins = |v: &str| format!("rand=={v}\n");
        let project = |v: &str| format!("[project]\ndependencies = [\"rand>={v}\"]\n");
        let (l0, l1) = (lock("0.8.5"), lock("0.9.1"));
        let (m0, m1) = (manifest("0.8"), manifest("0.9"));
        let (p0, p1) = (pins("1.0"), pins("2.0"));
        let (q0, q1) = (project("1.0"), project("2.0"));
        let file = |path: &'static str, old: &'static str, new: &'static str| ChangedFile {
            path,
            old: Some(old.as_bytes()),
            new: Some(new.as_bytes()),
        };
        // Leaked so the fixtures outlive the borrowed `ChangedFile`s.
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let report = diff_files([
            file("Cargo.lock", leak(l0), leak(l1)),
            file("crates/a/Cargo.toml", leak(m0.clone()), leak(m1.clone())),
            file("other/Cargo.toml", leak(m0), leak(m1)),
            file("requirements/dev.txt", leak(p0), leak(p1)),
            file("pyproject.toml", leak(q0), leak(q1)),
        ]);
        let files: Vec<(&str, Origin)> = report
            .changes
            .iter()
            .map(|c| (c.file.as_str(), c.origin))
            .collect();
        assert_eq!(
            files,
            [
                ("Cargo.lock", Origin::Lockfile),
                ("requirements/dev.txt", Origin::Lockfile),
                ("pyproject.toml", Origin::Manifest),
            ]
        );
    }
}
