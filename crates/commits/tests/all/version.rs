//! Bumps from commit kinds, the latest version among tags, and the next version.

use semver::Version;
use shipline_commits::CommitMessage;
use shipline_commits::{Bump, ReleaseMode, TagScheme, VersionError, next_version};

fn bump(messages: &[&str]) -> Bump {
    let parsed: Vec<CommitMessage> = messages.iter().map(|m| CommitMessage::parse(m)).collect();
    Bump::of_range(&parsed)
}

fn next(current: Option<&str>, bump: Bump, mode: ReleaseMode) -> Option<String> {
    let current = current.map(|v| Version::parse(v).unwrap());
    next_version(current.as_ref(), bump, &mode)
        .unwrap()
        .map(|v| v.to_string())
}

#[test]
fn bump_from_commits() {
    assert_eq!(bump(&[]), Bump::None);
    assert_eq!(
        bump(&["docs: x", "ci: y", "test: z", "style: w", "chore: tidy"]),
        Bump::None
    );
    assert_eq!(
        bump(&["docs: x", "chore(deps): bump serde from 1.0.1 to 1.0.2"]),
        Bump::Patch
    );
    assert_eq!(bump(&["docs: x", "build: new linker flags"]), Bump::Patch);
    assert_eq!(bump(&["docs: x", "Tweak the thing"]), Bump::Patch);
    assert_eq!(bump(&["fix: a", "perf: b"]), Bump::Patch);
    assert_eq!(bump(&["revert: feat: a"]), Bump::Patch);
    assert_eq!(bump(&["fix: a", "feat: b"]), Bump::Minor);
    assert_eq!(
        bump(&["fix: a", "feat: b", "docs!: drop the old guide"]),
        Bump::Major
    );
    assert_eq!(
        bump(&["chore: x\n\nBREAKING CHANGE: node 18 required"]),
        Bump::Major
    );
    assert_eq!(Bump::None.max(Bump::Patch), Bump::Patch);
}

#[test]
fn latest_tag_by_precedence() {
    let tags = [
        "v1.2.3",
        "latest",
        "v1.10.0",
        "1.9.9",
        "v2.0.0-rc.1",
        "v1.10",
        "nightly-2024-01-01",
        "release-9.0.0",
        "refs/tags/v1.10.1-beta.2",
    ];
    let latest = TagScheme::default().latest(tags).unwrap();
    assert_eq!(latest.tag, "v2.0.0-rc.1");
    assert_eq!(latest.version, Version::parse("2.0.0-rc.1").unwrap());

    let release = TagScheme::with_prefix("release-").latest(tags).unwrap();
    assert_eq!(release.tag, "release-9.0.0");
    assert_eq!(TagScheme::default().latest(["latest", "v1", "x.y.z"]), None);
    // The first of two tags naming one version wins; build metadata does not count.
    let tie = TagScheme::default()
        .latest(["1.0.0+a", "v1.0.0+b", "V0.9.0"])
        .unwrap();
    assert_eq!(tie.tag, "1.0.0+a");
}

#[test]
fn next_stable_versions() {
    use ReleaseMode::Auto;
    assert_eq!(next(None, Bump::Patch, Auto).as_deref(), Some("0.1.0"));
    assert_eq!(next(None, Bump::Major, Auto).as_deref(), Some("0.1.0"));
    assert_eq!(next(None, Bump::None, Auto), None);
    assert_eq!(
        next(Some("1.4.2"), Bump::Major, Auto).as_deref(),
        Some("2.0.0")
    );
    assert_eq!(
        next(Some("1.4.2"), Bump::Minor, Auto).as_deref(),
        Some("1.5.0")
    );
    assert_eq!(
        next(Some("1.4.2"), Bump::Patch, Auto).as_deref(),
        Some("1.4.3")
    );
    assert_eq!(next(Some("1.4.2"), Bump::None, Auto), None);
}

#[test]
fn zero_major_rules() {
    use ReleaseMode::Auto;
    assert_eq!(
        next(Some("0.3.2"), Bump::Major, Auto).as_deref(),
        Some("0.4.0")
    );
    assert_eq!(
        next(Some("0.3.2"), Bump::Minor, Auto).as_deref(),
        Some("0.3.3")
    );
    assert_eq!(
        next(Some("0.3.2"), Bump::Patch, Auto).as_deref(),
        Some("0.3.3")
    );
    assert_eq!(
        next(Some("0.0.5"), Bump::Major, Auto).as_deref(),
        Some("0.1.0")
    );
}

#[test]
fn pre_releases() {
    use ReleaseMode::{Auto, Prerelease, Stable};
    assert_eq!(
        next(Some("1.3.0-rc.1"), Bump::Patch, Auto).as_deref(),
        Some("1.3.0-rc.2")
    );
    assert_eq!(
        next(Some("1.3.0-rc.1"), Bump::Minor, Auto).as_deref(),
        Some("1.3.0-rc.2")
    );
    assert_eq!(
        next(Some("1.3.0-beta"), Bump::Patch, Auto).as_deref(),
        Some("1.3.0-beta.1")
    );
    assert_eq!(next(Some("1.3.0-rc.1"), Bump::None, Auto), None);
    // More than the pre-release covers: a new core, same label.
    assert_eq!(
        next(Some("1.3.0-rc.1"), Bump::Major, Auto).as_deref(),
        Some("2.0.0-rc.1")
    );
    assert_eq!(
        next(Some("1.2.4-rc.3"), Bump::Minor, Auto).as_deref(),
        Some("1.3.0-rc.1")
    );
    assert_eq!(
        next(Some("2.0.0-alpha.4"), Bump::Major, Auto).as_deref(),
        Some("2.0.0-alpha.5")
    );
    // Graduating to stable.
    assert_eq!(
        next(Some("1.3.0-rc.2"), Bump::Patch, Stable).as_deref(),
        Some("1.3.0")
    );
    assert_eq!(
        next(Some("1.3.0-rc.2"), Bump::None, Stable).as_deref(),
        Some("1.3.0")
    );
    assert_eq!(
        next(Some("1.3.0-rc.2"), Bump::Major, Stable).as_deref(),
        Some("2.0.0")
    );
    // Starting and switching labels.
    let rc = || Prerelease("rc".into());
    assert_eq!(
        next(Some("1.2.3"), Bump::Minor, rc()).as_deref(),
        Some("1.3.0-rc.1")
    );
    assert_eq!(
        next(Some("1.3.0-beta.4"), Bump::Patch, rc()).as_deref(),
        Some("1.3.0-rc.1")
    );
    assert_eq!(
        next(Some("1.3.0-rc.1"), Bump::Patch, rc()).as_deref(),
        Some("1.3.0-rc.2")
    );
    assert_eq!(next(None, Bump::Minor, rc()).as_deref(), Some("0.1.0-rc.1"));
}

#[test]
fn pre_release_errors_say_what_to_do() {
    let current = Version::parse("1.3.0-rc.1").unwrap();
    let error = next_version(
        Some(&current),
        Bump::Patch,
        &ReleaseMode::Prerelease("beta".into()),
    )
    .unwrap_err();
    assert!(matches!(error, VersionError::LabelGoesBackwards { .. }));
    assert!(error.to_string().contains("1.3.0-beta.1"), "{error}");
    let error = next_version(
        Some(&current),
        Bump::Patch,
        &ReleaseMode::Prerelease("r c".into()),
    )
    .unwrap_err();
    assert!(matches!(error, VersionError::InvalidLabel { .. }));
}
