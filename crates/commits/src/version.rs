//! The semver bump a range of commits calls for, the latest released version, and the next one.
//!
//! Teams that write conventional commits can let the history pick the version: this module turns
//! the commit kinds into a bump, finds the latest version among the tags the caller found reachable
//! from the head, and applies the bump with the rules below.
//!
//! # The bump
//! - **major** when any commit is breaking;
//! - **minor** when any commit is a `feat`;
//! - **patch** when any commit is a `fix`, `perf`, `revert`, `refactor` or `build`, any type the
//!   team invented, any commit that is not conventional (it may change anything), and any
//!   dependency update written as `chore(deps)` / `chore(deps-dev)` (Dependabot's and Renovate's
//!   form: the shipped code changes);
//! - **none** when the range is empty or holds only `docs`, `test`, `ci`, `style` and `chore`
//!   commits. Those change nothing that ships, and tagging a release that equals the previous one
//!   only adds noise; a caller that knows better (for example, the dependency diff found a lockfile
//!   change) raises the bump with [`Bump::max`].
//!
//! # The next version
//! - **No tag at all** → `0.1.0` for any bump other than none: the first release of a project,
//!   as `cargo new` and most release tools start; nothing to break yet, so even a breaking range
//!   starts there.
//! - **0.y.z** → a breaking change bumps the minor (`0.3.2` → `0.4.0`), a feature or a fix bumps the
//!   patch (`0.3.2` → `0.3.3`). Under semver anything may change before 1.0; this is the convention
//!   Cargo and most release tools follow, and leaving 0.x stays a deliberate human decision.
//! - **A pre-release tag** (`1.3.0-rc.1`) prepares the release of its core version (`1.3.0`).
//!   When the new commits need no more than that core already implies, the pre-release continues
//!   (`1.3.0-rc.1` + fix → `1.3.0-rc.2`; `1.3.0-beta` → `1.3.0-beta.1`), or, asked for
//!   [`ReleaseMode::Stable`], graduates to the core (`1.3.0`). When they need more (a breaking
//!   change on top of `1.3.0-rc.1`), the core is bumped again (`2.0.0-rc.1`, or `2.0.0` stable).
//! - Build metadata is never carried over.

use std::cmp::Ordering;

use semver::{BuildMetadata, Prerelease, Version};
use serde::Serialize;

use crate::message::{CommitMessage, CommitType};

/// The size of a semver bump, ordered `None < Patch < Minor < Major`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Nothing that ships changed.
    #[default]
    None,
    /// Fixes and other changes that keep the API.
    Patch,
    /// New features that keep the API.
    Minor,
    /// Breaking changes.
    Major,
}

impl Bump {
    /// The larger of two bumps.
    pub fn max(self, other: Bump) -> Bump {
        std::cmp::max(self, other)
    }

    /// The bump one commit asks for (see the module documentation).
    pub fn of(message: &CommitMessage) -> Bump {
        if message.breaking {
            return Bump::Major;
        }
        match &message.kind {
            Some(CommitType::Feat) => Bump::Minor,
            Some(CommitType::Docs | CommitType::Test | CommitType::Ci | CommitType::Style) => {
                Bump::None
            }
            Some(CommitType::Chore) => {
                let deps = message.scope.as_deref().is_some_and(|scope| {
                    let scope = scope.to_ascii_lowercase();
                    scope == "deps" || scope.starts_with("deps-")
                });
                if deps { Bump::Patch } else { Bump::None }
            }
            _ => Bump::Patch,
        }
    }

    /// The bump a range of commits asks for: the largest of its commits, none when empty.
    pub fn of_range<'a>(messages: impl IntoIterator<Item = &'a CommitMessage>) -> Bump {
        messages.into_iter().map(Bump::of).max().unwrap_or_default()
    }
}

/// How the tags of a repository spell versions.
///
/// The default accepts `1.2.3` and `v1.2.3` (and `V1.2.3`); with a prefix (`release-`, `api-v`,
/// `my-crate-`) only tags starting with it count, followed by an optional `v`. A leading
/// `refs/tags/` is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagScheme {
    /// Text every version tag starts with, before the optional `v`.
    pub prefix: String,
}

impl TagScheme {
    /// A scheme for tags that start with `prefix`.
    pub fn with_prefix(prefix: impl Into<String>) -> TagScheme {
        TagScheme {
            prefix: prefix.into(),
        }
    }

    /// The version a tag names, or `None` for tags that are not versions under this scheme.
    pub fn parse(&self, tag: &str) -> Option<Version> {
        let tag = tag.strip_prefix("refs/tags/").unwrap_or(tag);
        let rest = tag.strip_prefix(self.prefix.as_str())?;
        let rest = rest
            .strip_prefix('v')
            .or_else(|| rest.strip_prefix('V'))
            .unwrap_or(rest);
        Version::parse(rest).ok()
    }

    /// The scheme (family) a version tag belongs to, whatever its prefix: `v1.2.3` and `1.2.3`
    /// → no prefix, `grep-cli-0.1.10` → `grep-cli-`, `api/v2.0.0` → `api/`. The version starts
    /// at the first digit that follows the start, a non-alphanumeric character, or a `v` that
    /// itself follows one of those; `None` when no such place starts a semver version.
    pub fn of_tag(tag: &str) -> Option<TagScheme> {
        let tag = tag.strip_prefix("refs/tags/").unwrap_or(tag);
        let bytes = tag.as_bytes();
        let boundary = |i: usize| i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        for (i, b) in bytes.iter().enumerate() {
            if !b.is_ascii_digit() {
                continue;
            }
            let prefix_end = if boundary(i) {
                i
            } else if matches!(bytes[i - 1], b'v' | b'V') && boundary(i - 1) {
                i - 1
            } else {
                continue;
            };
            if Version::parse(&tag[i..]).is_ok() {
                return Some(TagScheme::with_prefix(&tag[..prefix_end]));
            }
        }
        None
    }

    /// The highest version by semver precedence among `tags`, with the tag that names it.
    ///
    /// Tags that are not versions are skipped. When two tags name the same version (`v1.2.0` and
    /// `1.2.0`), the first one given wins. Build metadata does not take part in precedence.
    pub fn latest<'a>(&self, tags: impl IntoIterator<Item = &'a str>) -> Option<TaggedVersion> {
        let mut best: Option<TaggedVersion> = None;
        for tag in tags {
            let Some(version) = self.parse(tag) else {
                continue;
            };
            let better = match &best {
                None => true,
                Some(current) => version.cmp_precedence(&current.version) == Ordering::Greater,
            };
            if better {
                best = Some(TaggedVersion {
                    tag: tag.to_owned(),
                    version,
                });
            }
        }
        best
    }
}

/// Whether a tag marks a release for comparing with past releases: a version under the default
/// scheme, or a two-part one (`v1.2`, `0.10`) as older projects wrote them.
pub fn is_release_tag(tag: &str) -> bool {
    if TagScheme::default().parse(tag).is_some() {
        return true;
    }
    let digits = tag.strip_prefix(['v', 'V']).unwrap_or(tag);
    let parts: Vec<&str> = digits.split('.').collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A version and the tag it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaggedVersion {
    /// The tag name as given.
    pub tag: String,
    /// The version it names.
    pub version: Version,
}

impl TaggedVersion {
    /// The tag's text before the version (`v`, `grep-cli-`, `api/v`), to spell the next tag of
    /// the same family the same way.
    pub fn spelled_prefix(&self) -> &str {
        let tag = self.tag.strip_prefix("refs/tags/").unwrap_or(&self.tag);
        tag.strip_suffix(self.version.to_string().as_str())
            .unwrap_or("")
    }
}

/// The bump that leads from one released version to another: the highest core component that
/// moved (`13.0.0` → `14.0.0` major, `0.4.2` → `0.5.0` minor), none when the cores are equal.
pub fn bump_between(from: &Version, to: &Version) -> Bump {
    if to.major != from.major {
        Bump::Major
    } else if to.minor != from.minor {
        Bump::Minor
    } else if to.patch != from.patch {
        Bump::Patch
    } else {
        Bump::None
    }
}

/// Which kind of version to produce next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ReleaseMode {
    /// Continue a pre-release when the latest version is one, else a stable release.
    #[default]
    Auto,
    /// A stable release; from a pre-release, graduate to its core version.
    Stable,
    /// A pre-release with this label (`rc`, `beta`): `<core>-<label>.<n>`.
    Prerelease(String),
}

/// Why no next version could be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The requested pre-release label sorts below the current one, so the result would go
    /// backwards.
    #[error(
        "pre-release label `{label}` would produce {candidate}, which is not above the latest \
         version {current}; use a label that sorts after the current one (alpha < beta < rc) or \
         release a stable version"
    )]
    LabelGoesBackwards {
        /// The latest version.
        current: Version,
        /// The requested label.
        label: String,
        /// The version the label would produce.
        candidate: Version,
    },
    /// The label is not a valid semver pre-release identifier list.
    #[error(
        "pre-release label `{label}` is not valid semver (dot-separated ASCII letters, digits \
         and hyphens, no leading zeros in numbers); pick a label such as `rc` or `beta`"
    )]
    InvalidLabel {
        /// The requested label.
        label: String,
    },
    /// A version component would overflow `u64`.
    #[error("cannot bump {current}: a version number would exceed {}", u64::MAX)]
    Overflow {
        /// The latest version.
        current: Version,
    },
}

/// Which core component a bump increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Component {
    Patch,
    Minor,
    Major,
}

/// The next version after `current` for a range asking for `bump`, or `None` when nothing is to
/// be released (see the module documentation for the rules).
pub fn next_version(
    current: Option<&Version>,
    bump: Bump,
    mode: &ReleaseMode,
) -> Result<Option<Version>, VersionError> {
    let Some(current) = current else {
        if bump == Bump::None {
            return Ok(None);
        }
        let first = Version::new(0, 1, 0);
        return match mode {
            ReleaseMode::Prerelease(label) => with_prerelease(first, label, 1).map(Some),
            _ => Ok(Some(first)),
        };
    };
    let core = Version::new(current.major, current.minor, current.patch);

    if current.pre.is_empty() {
        let Some(component) = component(current, bump) else {
            return Ok(None);
        };
        let next = increment(&core, component).ok_or_else(|| overflow(current))?;
        return match mode {
            ReleaseMode::Prerelease(label) => with_prerelease(next, label, 1).map(Some),
            ReleaseMode::Auto | ReleaseMode::Stable => Ok(Some(next)),
        };
    }

    // A pre-release: does its core already cover what the new commits need?
    let needed = component(current, bump);
    let covered = needed.is_none_or(|needed| needed <= covered_by(&core));
    let target = if covered {
        core.clone()
    } else {
        let needed = needed.unwrap_or(Component::Patch);
        increment(&core, needed).ok_or_else(|| overflow(current))?
    };
    match mode {
        ReleaseMode::Stable => Ok(Some(target)),
        ReleaseMode::Auto if !covered => {
            let (label, _) = split_prerelease(&current.pre);
            with_prerelease(target, &label, 1).map(Some)
        }
        ReleaseMode::Auto => {
            if bump == Bump::None {
                return Ok(None);
            }
            continue_prerelease(current).map(Some)
        }
        ReleaseMode::Prerelease(label) => {
            let (current_label, _) = split_prerelease(&current.pre);
            if covered && *label == current_label {
                if bump == Bump::None {
                    return Ok(None);
                }
                return continue_prerelease(current).map(Some);
            }
            let candidate = with_prerelease(target, label, 1)?;
            if candidate.cmp_precedence(current) != Ordering::Greater {
                return Err(VersionError::LabelGoesBackwards {
                    current: current.clone(),
                    label: label.clone(),
                    candidate,
                });
            }
            Ok(Some(candidate))
        }
    }
}

/// The component a bump increments on `current`, applying the 0.x rule.
fn component(current: &Version, bump: Bump) -> Option<Component> {
    let zero = current.major == 0;
    match bump {
        Bump::None => None,
        Bump::Patch => Some(Component::Patch),
        Bump::Minor if zero => Some(Component::Patch),
        Bump::Minor => Some(Component::Minor),
        Bump::Major if zero => Some(Component::Minor),
        Bump::Major => Some(Component::Major),
    }
}

/// The largest component a pre-release's core was bumped by: `2.0.0` a major, `1.3.0` a minor,
/// `1.2.4` a patch (and in 0.x, `0.4.0` a minor).
fn covered_by(core: &Version) -> Component {
    if core.patch != 0 {
        Component::Patch
    } else if core.minor != 0 || core.major == 0 {
        Component::Minor
    } else {
        Component::Major
    }
}

fn increment(core: &Version, component: Component) -> Option<Version> {
    Some(match component {
        Component::Major => Version::new(core.major.checked_add(1)?, 0, 0),
        Component::Minor => Version::new(core.major, core.minor.checked_add(1)?, 0),
        Component::Patch => Version::new(core.major, core.minor, core.patch.checked_add(1)?),
    })
}

/// The label and the trailing counter of a pre-release: `rc.1` → (`rc`, 1), `beta` → (`beta`,
/// none), `7` → (``, 7).
fn split_prerelease(pre: &Prerelease) -> (String, Option<u64>) {
    let text = pre.as_str();
    let (label, last) = match text.rsplit_once('.') {
        Some((label, last)) => (label, last),
        None => ("", text),
    };
    match last.parse::<u64>() {
        Ok(n) => (label.to_owned(), Some(n)),
        _ => (text.to_owned(), None),
    }
}

fn continue_prerelease(current: &Version) -> Result<Version, VersionError> {
    let core = Version::new(current.major, current.minor, current.patch);
    let (label, counter) = split_prerelease(&current.pre);
    let next = match counter {
        Some(n) => n.checked_add(1).ok_or_else(|| overflow(current))?,
        None => 1,
    };
    with_prerelease(core, &label, next)
}

fn with_prerelease(
    mut version: Version,
    label: &str,
    counter: u64,
) -> Result<Version, VersionError> {
    let text = if label.is_empty() {
        counter.to_string()
    } else {
        format!("{label}.{counter}")
    };
    version.pre = Prerelease::new(&text).map_err(|_| VersionError::InvalidLabel {
        label: label.to_owned(),
    })?;
    version.build = BuildMetadata::EMPTY;
    Ok(version)
}

fn overflow(current: &Version) -> VersionError {
    VersionError::Overflow {
        current: current.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).expect("valid version")
    }

    fn next(current: &str, bump: Bump) -> String {
        next_version(Some(&v(current)), bump, &ReleaseMode::Auto)
            .expect("computable")
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn prerelease_split() {
        assert_eq!(
            split_prerelease(&Prerelease::new("rc.1").unwrap()),
            ("rc".into(), Some(1))
        );
        assert_eq!(
            split_prerelease(&Prerelease::new("beta").unwrap()),
            ("beta".into(), None)
        );
        assert_eq!(
            split_prerelease(&Prerelease::new("7").unwrap()),
            ("".into(), Some(7))
        );
        assert_eq!(
            split_prerelease(&Prerelease::new("alpha.beta.2").unwrap()),
            ("alpha.beta".into(), Some(2))
        );
    }

    #[test]
    fn stable_bumps() {
        assert_eq!(next("1.2.3", Bump::Patch), "1.2.4");
        assert_eq!(next("1.2.3", Bump::Minor), "1.3.0");
        assert_eq!(next("1.2.3", Bump::Major), "2.0.0");
        assert_eq!(next("1.2.3", Bump::None), "");
        assert_eq!(next("1.2.3+build.5", Bump::Patch), "1.2.4");
    }

    fn family(tag: &str) -> Option<String> {
        TagScheme::of_tag(tag).map(|s| s.prefix)
    }

    #[test]
    fn tag_families() {
        assert_eq!(family("14.1.0").as_deref(), Some(""));
        assert_eq!(family("v8.7.1").as_deref(), Some(""));
        assert_eq!(family("grep-cli-0.1.10").as_deref(), Some("grep-cli-"));
        assert_eq!(family("api/v1.2.0").as_deref(), Some("api/"));
        assert_eq!(
            family("refs/tags/my_crate-v2.0.0-rc.1").as_deref(),
            Some("my_crate-")
        );
        assert_eq!(family("release-2024"), None);
        assert_eq!(family("x264-1.0.0").as_deref(), Some("x264-"));
        assert_eq!(family("0.10"), None);
        let scheme = TagScheme::of_tag("grep-cli-0.1.10").unwrap();
        assert_eq!(
            scheme.parse("grep-cli-0.1.10"),
            Some(Version::new(0, 1, 10))
        );
        assert_eq!(scheme.parse("grep-0.2.13"), None);
    }

    #[test]
    fn spelled_prefix_keeps_the_v() {
        let tagged = |tag: &str| TagScheme::of_tag(tag).unwrap().latest([tag]).unwrap();
        assert_eq!(tagged("v1.2.0").spelled_prefix(), "v");
        assert_eq!(tagged("1.2.0").spelled_prefix(), "");
        assert_eq!(tagged("api/v1.2.0").spelled_prefix(), "api/v");
    }

    #[test]
    fn bump_between_releases() {
        assert_eq!(bump_between(&v("13.0.0"), &v("14.0.0")), Bump::Major);
        assert_eq!(bump_between(&v("0.4.2"), &v("0.5.0")), Bump::Minor);
        assert_eq!(bump_between(&v("1.2.3"), &v("1.2.4")), Bump::Patch);
        assert_eq!(bump_between(&v("1.3.0-rc.1"), &v("1.3.0")), Bump::None);
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let current = Version::new(1, 2, u64::MAX);
        assert!(matches!(
            next_version(Some(&current), Bump::Patch, &ReleaseMode::Auto),
            Err(VersionError::Overflow { .. })
        ));
    }
}
