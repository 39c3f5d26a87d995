//! The version of a release, decided from what the repository shows, and said in one line.
//!
//! Guessing a bump where there is no evidence produced false claims on real repositories
//! ("Patch" for a major release whose messages read "area: subject"). So the version comes
//! from evidence only, strongest first:
//!
//! 1. **a version tag on the head** of the range's tag family: that is the release, and the bump
//!    is the real one from the version before the range (`13.0.0` → `14.0.0`: major);
//! 2. **an explicit version** (promote's input);
//! 3. **the manifest's own `version`** raised in the range (`Cargo.toml`, `package.json`,
//!    `pyproject.toml`; see [`crate::manifest_version`]);
//! 4. **breaking markers** (`!`, `BREAKING CHANGE:`): major;
//! 5. **Conventional Commits**, where the repository uses them: at least
//!    [`CONVENTIONAL_SHARE`] of the recent messages parse with a standard type; the bump is the
//!    one [`Bump::of_range`] reads.
//!
//! Otherwise the bump is *not stated*, and the line says why ("8% of the last 200 messages follow
//! Conventional Commits").

use semver::Version;
use serde::Serialize;

use crate::message::{CommitMessage, CommitType};
use crate::version::{
    Bump, ReleaseMode, TagScheme, TaggedVersion, VersionError, bump_between, next_version,
};

/// The share of recent messages that must follow Conventional Commits for their types to decide
/// the bump.
pub const CONVENTIONAL_SHARE: f64 = 0.5;

/// The manifest's `version` at the range's two ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestChange {
    /// The manifest's path.
    pub file: String,
    /// The version at the base (`None`: no manifest or no version there).
    pub from: Option<Version>,
    /// The version at the head.
    pub to: Version,
}

/// What the version of a release is decided from.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    /// The tag family the versions are read from.
    pub family: TagScheme,
    /// The family's version tag on the head commit, if any.
    pub head_tag: Option<TaggedVersion>,
    /// The family's latest version before the range.
    pub current: Option<TaggedVersion>,
    /// The messages of the range (merges left out).
    pub range: &'a [CommitMessage],
    /// Recent messages up to the head, to measure whether the repository follows Conventional
    /// Commits; the range's own are used when this is empty.
    pub lookback: &'a [CommitMessage],
    /// The manifest's version, when a manifest of this family states one at the head.
    pub manifest: Option<ManifestChange>,
    /// A version given explicitly (promote's input).
    pub explicit: Option<Version>,
}

/// How the version was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The head carries a version tag of the family.
    TagAtHead,
    /// A version given explicitly.
    Explicit,
    /// The manifest's `version` was raised in the range.
    Manifest,
    /// Commits marked breaking.
    BreakingMarker,
    /// Conventional Commit types.
    ConventionalCommits,
    /// Conventional Commits say nothing that ships changed.
    NothingToRelease,
    /// No evidence: the bump is not stated.
    NotStated,
}

/// A release's version, how it was decided, and the one line that says so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionDecision {
    /// What decided it.
    pub decided_by: Basis,
    /// The prefix of the tag family (`""` for `v1.2.3` and `1.2.3`, `grep-cli-`, `api/`).
    pub tag_family: String,
    /// The version before the range (its tag), if any.
    #[serde(skip)]
    pub current: Option<TaggedVersion>,
    /// The release's version: the head's tag or the next one; `None` when not stated or nothing
    /// is to be released.
    #[serde(skip)]
    pub next: Option<Version>,
    /// The tag naming the release: the head's, or the one the next version would get.
    pub tag: Option<String>,
    /// The bump from `current` to `next`; `None` when not stated.
    #[serde(skip)]
    pub bump: Option<Bump>,
    /// The share (0–1) of the measured messages that follow Conventional Commits.
    pub conventional_share: f64,
    /// How many messages that share was measured over.
    pub messages_measured: usize,
    /// How the version was decided, in one line.
    pub explanation: String,
}

/// The tag family a release's versions are read from: the family of the first of `named` that
/// is a version tag (the tags given as the range's ends), else the configured prefix, else the
/// family with the most version tags among `reachable` (`1.2.3` and `v1.2.3` count as one; ties
/// go to the unprefixed family, then to the shorter prefix). The latest tag alone is a poor
/// guide: in a workspace the commit before a release often carries a crate's tag
/// (`grep-0.2.13` just before ripgrep's `14.0.0`).
pub fn choose_family<'a>(
    named: impl IntoIterator<Item = &'a str>,
    configured: Option<&str>,
    reachable: impl IntoIterator<Item = &'a str>,
) -> TagScheme {
    if let Some(scheme) = named.into_iter().find_map(TagScheme::of_tag) {
        return scheme;
    }
    if let Some(prefix) = configured {
        return TagScheme::with_prefix(prefix);
    }
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for tag in reachable {
        if let Some(scheme) = TagScheme::of_tag(tag) {
            *counts.entry(scheme.prefix).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|(a, x), (b, y)| x.cmp(y).then(b.len().cmp(&a.len())).then(b.cmp(a)))
        .map(|(prefix, _)| TagScheme::with_prefix(prefix))
        .unwrap_or_default()
}

/// Whether a manifest of package `name` speaks for the tag family: any manifest for unprefixed
/// tags, else the package the prefix names (`grep-cli-` → `grep-cli`).
pub fn manifest_speaks_for(family: &TagScheme, name: Option<&str>) -> bool {
    let prefix = family.prefix.trim_end_matches(['-', '_', '/', '@']);
    prefix.is_empty() || name.is_some_and(|name| name == prefix)
}

/// Whether a message follows Conventional Commits with one of the standard types (a team's own
/// `area: subject` parses as a header but is not the convention).
pub fn is_conventional(message: &CommitMessage) -> bool {
    matches!(&message.kind, Some(kind) if !matches!(kind, CommitType::Other(_)))
}

/// The share of `messages` that follow Conventional Commits, 0 for none.
pub fn conventional_share(messages: &[CommitMessage]) -> f64 {
    if messages.is_empty() {
        return 0.0;
    }
    messages.iter().filter(|m| is_conventional(m)).count() as f64 / messages.len() as f64
}

/// Decides the version of a release from `evidence` (see the module documentation).
pub fn decide(evidence: &Evidence<'_>) -> Result<VersionDecision, VersionError> {
    let measured = if evidence.lookback.is_empty() {
        evidence.range
    } else {
        evidence.lookback
    };
    let share = conventional_share(measured);
    let percent = (share * 100.0).round();
    let current = evidence.current.clone();
    let from = |next: &Version| -> (Option<Bump>, String) {
        match &current {
            Some(cur) => {
                let bump = bump_between(&cur.version, next);
                (Some(bump), format!("{} from {}", name(bump), cur.version))
            }
            None => (None, "the first version tag of its family".into()),
        }
    };
    let spell = |version: &Version| {
        let prefix = current
            .as_ref()
            .map(|c| c.spelled_prefix().to_string())
            .unwrap_or_else(|| evidence.family.prefix.clone());
        format!("{prefix}{version}")
    };
    let mut decision = VersionDecision {
        decided_by: Basis::NotStated,
        tag_family: evidence.family.prefix.clone(),
        current: current.clone(),
        next: None,
        tag: None,
        bump: None,
        conventional_share: (share * 100.0).round() / 100.0,
        messages_measured: measured.len(),
        explanation: String::new(),
    };

    if let Some(head) = &evidence.head_tag {
        let (bump, words) = from(&head.version);
        decision.decided_by = Basis::TagAtHead;
        decision.next = Some(head.version.clone());
        decision.tag = Some(head.tag.clone());
        decision.bump = bump;
        decision.explanation = format!(
            "version {} from tag {} at head; {words}",
            head.version, head.tag
        );
        return Ok(decision);
    }
    if let Some(version) = &evidence.explicit {
        let (bump, words) = from(version);
        decision.decided_by = Basis::Explicit;
        decision.next = Some(version.clone());
        decision.tag = Some(spell(version));
        decision.bump = bump;
        decision.explanation = format!("version {version} given explicitly; {words}");
        return Ok(decision);
    }
    if let Some(manifest) = &evidence.manifest {
        let raised = manifest.from.as_ref() != Some(&manifest.to);
        let above = current
            .as_ref()
            .is_none_or(|c| manifest.to.cmp_precedence(&c.version).is_gt());
        if raised && above {
            let (bump, words) = from(&manifest.to);
            decision.decided_by = Basis::Manifest;
            decision.next = Some(manifest.to.clone());
            decision.tag = Some(spell(&manifest.to));
            decision.bump = bump;
            let was = manifest
                .from
                .as_ref()
                .map(|v| format!("{v} → "))
                .unwrap_or_default();
            decision.explanation = format!(
                "next {}: the `version` in {} was raised in this range ({was}{}); {words}",
                manifest.to, manifest.file, manifest.to
            );
            return Ok(decision);
        }
    }

    let breaking = evidence.range.iter().filter(|m| m.breaking).count();
    let conventional = share >= CONVENTIONAL_SHARE;
    let of = format!("{percent:.0}% of the last {} messages", measured.len());
    let (bump, basis, why) = if breaking > 0 {
        let why = format!("{breaking} commit(s) marked breaking");
        (Bump::Major, Basis::BreakingMarker, why)
    } else if conventional {
        let bump = Bump::of_range(evidence.range.iter());
        if bump == Bump::None && !evidence.range.is_empty() {
            // Commits that ask for no bump still ship when a release is cut: a release moves
            // at least the patch number.
            let why = format!(
                "{} docs, test, ci, style or chore commit(s), as a release moves at least the patch number",
                evidence.range.len()
            );
            (Bump::Patch, Basis::ConventionalCommits, why)
        } else {
            (bump, Basis::ConventionalCommits, counts(evidence.range))
        }
    } else {
        decision.explanation = format!(
            "bump: not stated — {of} follow Conventional Commits and no version tag is on the \
             head; tag the release or raise the manifest's version"
        );
        return Ok(decision);
    };
    let conventional_note = if conventional {
        format!(" ({percent:.0}% conventional)")
    } else {
        String::new()
    };
    let next = next_version(
        current.as_ref().map(|c| &c.version),
        bump,
        &ReleaseMode::Auto,
    )?;
    decision.decided_by = basis;
    decision.bump = Some(bump);
    match next {
        Some(next) => {
            decision.tag = Some(spell(&next));
            decision.explanation =
                format!("next {next}: {} from {why}{conventional_note}", name(bump));
            decision.next = Some(next);
        }
        None => {
            decision.decided_by = Basis::NothingToRelease;
            decision.explanation = format!(
                "nothing to release: only docs, test, ci, style and chore commits{conventional_note}"
            );
        }
    }
    Ok(decision)
}

fn name(bump: Bump) -> &'static str {
    match bump {
        Bump::None => "no bump",
        Bump::Patch => "patch",
        Bump::Minor => "minor",
        Bump::Major => "major",
    }
}

/// "5 `feat:` commits", "3 `fix:` and 2 other commits": what the bump rests on.
fn counts(range: &[CommitMessage]) -> String {
    let feats = range
        .iter()
        .filter(|m| m.kind == Some(CommitType::Feat))
        .count();
    let patches = range.iter().filter(|m| Bump::of(m) == Bump::Patch).count();
    let fixes = range
        .iter()
        .filter(|m| m.kind == Some(CommitType::Fix))
        .count();
    if feats > 0 {
        format!("{feats} `feat:` commit(s)")
    } else if fixes > 0 && patches > fixes {
        format!("{fixes} `fix:` and {} other commit(s)", patches - fixes)
    } else if fixes > 0 {
        format!("{fixes} `fix:` commit(s)")
    } else {
        format!("{patches} commit(s) that change what ships")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(texts: &[&str]) -> Vec<CommitMessage> {
        texts.iter().map(|t| CommitMessage::parse(t)).collect()
    }

    fn tagged(tag: &str) -> TaggedVersion {
        TagScheme::of_tag(tag).unwrap().latest([tag]).unwrap()
    }

    fn evidence<'a>(current: &str, range: &'a [CommitMessage]) -> Evidence<'a> {
        Evidence {
            family: TagScheme::default(),
            head_tag: None,
            current: Some(tagged(current)),
            range,
            lookback: &[],
            manifest: None,
            explicit: None,
        }
    }

    #[test]
    fn the_family_with_most_tags_wins_over_the_latest_crate_tag() {
        let reachable = [
            "13.0.0",
            "12.1.1",
            "v12.0.0",
            "grep-0.2.13",
            "grep-0.2.12",
            "ignore-0.4.20",
        ];
        assert_eq!(choose_family([], None, reachable).prefix, "");
        assert_eq!(
            choose_family(["grep-0.2.13"], None, reachable).prefix,
            "grep-"
        );
        assert_eq!(
            choose_family(["HEAD~1"], Some("api-"), reachable).prefix,
            "api-"
        );
        assert_eq!(choose_family([], None, []).prefix, "");
        assert!(manifest_speaks_for(&TagScheme::default(), Some("ripgrep")));
        assert!(manifest_speaks_for(
            &TagScheme::with_prefix("grep-cli-"),
            Some("grep-cli")
        ));
        assert!(!manifest_speaks_for(
            &TagScheme::with_prefix("grep-"),
            Some("ripgrep")
        ));
    }

    #[test]
    fn a_tag_at_head_is_the_version_with_the_real_bump() {
        let range = msgs(&["printer: fix colors", "ignore: faster walk"]);
        let mut e = evidence("13.0.0", &range);
        e.head_tag = Some(tagged("14.0.0"));
        let d = decide(&e).unwrap();
        assert_eq!(d.next, Some(Version::new(14, 0, 0)));
        assert_eq!(d.bump, Some(Bump::Major));
        assert_eq!(
            d.explanation,
            "version 14.0.0 from tag 14.0.0 at head; major from 13.0.0"
        );
    }

    #[test]
    fn area_subject_messages_state_no_bump() {
        let range = msgs(&["printer: fix colors", "ignore: faster walk", "fix: typo"]);
        let d = decide(&evidence("13.0.0", &range)).unwrap();
        assert_eq!(d.decided_by, Basis::NotStated);
        assert_eq!(d.bump, None);
        assert_eq!(d.next, None);
        assert!(
            d.explanation
                .starts_with("bump: not stated — 33% of the last 3 messages"),
            "{}",
            d.explanation
        );
    }

    #[test]
    fn conventional_repositories_get_the_bump_with_its_evidence() {
        let range = msgs(&["feat: a", "feat(cli): b", "fix: c", "docs: d"]);
        let d = decide(&evidence("v1.2.3", &range)).unwrap();
        assert_eq!(d.next, Some(Version::new(1, 3, 0)));
        assert_eq!(d.tag.as_deref(), Some("v1.3.0"));
        assert_eq!(
            d.explanation,
            "next 1.3.0: minor from 2 `feat:` commit(s) (100% conventional)"
        );
    }

    #[test]
    fn a_raised_manifest_version_wins_over_messages() {
        let range = msgs(&["bump version", "printer: fix"]);
        let mut e = evidence("grep-0.2.12", &range);
        e.family = TagScheme::with_prefix("grep-");
        e.manifest = Some(ManifestChange {
            file: "Cargo.toml".into(),
            from: Some(Version::new(0, 2, 12)),
            to: Version::new(0, 3, 0),
        });
        let d = decide(&e).unwrap();
        assert_eq!(d.decided_by, Basis::Manifest);
        assert_eq!(d.tag.as_deref(), Some("grep-0.3.0"));
        assert_eq!(d.bump, Some(Bump::Minor));
    }

    #[test]
    fn a_breaking_marker_is_evidence_without_the_convention() {
        let range = msgs(&["printer: x", "api: y\n\nBREAKING CHANGE: gone"]);
        let d = decide(&evidence("1.0.0", &range)).unwrap();
        assert_eq!(d.decided_by, Basis::BreakingMarker);
        assert_eq!(d.next, Some(Version::new(2, 0, 0)));
    }
}
