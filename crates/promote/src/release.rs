//! The release published after a successful promotion (`release:` in the environment): the
//! version decided from the history as shipline-risk decides it (a tag on the commit, an explicit
//! `--release-version`, the manifest's raised version, Conventional Commits where they are used),
//! the tag on the deployed commit, and optionally a GitHub or GitLab release with the change
//! summary as notes.
//!
//! Versioning follows shipline-risk's rules (same bump, same next version), so the version the
//! risk report announced for a pull request is the one tagged when it reaches the environment.

use std::fmt::Write as _;

use serde::Serialize;
use shipline_commits::{
    Basis, Bump, Evidence, MANIFESTS, ManifestChange, TagScheme, Version, choose_family, decide,
    manifest_speaks_for, manifest_version,
};
use shipline_commits::{CommitMessage, group_by_section};
use shipline_core::config::ReleaseConfig;
use shipline_core::forge::{Forge, NewRelease};
use shipline_core::git::Git;
use shipline_core::text;

use crate::error::ReleaseError;

/// What is (or would be) released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleasePlan {
    /// The version, without prefix.
    pub version: String,
    /// The tag naming it.
    pub tag: String,
    /// The previous version tag, if any.
    pub previous: Option<String>,
    /// Whether the tag already points at the commit (then nothing new is tagged).
    pub existing: bool,
    /// Release notes (Markdown).
    pub notes: String,
}

/// What publishing did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseResult {
    /// The plan carried out.
    #[serde(flatten)]
    pub plan: ReleasePlan,
    /// The tag was created by this run.
    pub tagged: bool,
    /// The forge release's URL, when one was published.
    pub release_url: Option<String>,
    /// Why publishing failed (the promotion itself stands).
    pub error: Option<String>,
}

impl ReleaseResult {
    /// A plan not (yet) carried out.
    pub fn planned(plan: ReleasePlan) -> Self {
        Self {
            plan,
            tagged: false,
            release_url: None,
            error: None,
        }
    }
}

/// The release for `sha`: `Ok(None)` when nothing that ships changed since the last version.
///
/// The version is decided as shipline-risk decides it ([`decide`]): a version tag already on the
/// commit, `explicit` (`--release-version`), the manifest's raised `version`, breaking markers,
/// or Conventional Commits where the repository follows them. When none of those states a
/// version, nothing is guessed: the error says how to give one.
pub fn plan(
    git: &Git,
    sha: &str,
    prefix: Option<&str>,
    explicit: Option<&str>,
) -> Result<Option<ReleasePlan>, ReleaseError> {
    let merged = lines(&git.run(["tag", "--merged", sha])?);
    let family = choose_family([], prefix, merged.iter().map(String::as_str));
    let at_commit = lines(&git.run(["tag", "--points-at", sha])?);
    if let Some(found) = family.latest(at_commit.iter().map(String::as_str)) {
        return Ok(Some(ReleasePlan {
            version: found.version.to_string(),
            tag: found.tag,
            previous: None,
            existing: true,
            notes: String::new(),
        }));
    }
    let explicit = explicit
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|given| {
            let bare = given.strip_prefix(['v', 'V']).unwrap_or(given);
            Version::parse(bare).map_err(|_| ReleaseError::InvalidVersion {
                given: given.to_string(),
            })
        })
        .transpose()?;
    let latest = family.latest(merged.iter().map(String::as_str));
    let range = match &latest {
        Some(tagged) => format!("refs/tags/{}..{sha}", tagged.tag),
        None => sha.to_string(),
    };
    let log = git.run(["log", "--no-merges", "--format=%h%x1f%B%x1e", &range])?;
    let commits: Vec<(String, CommitMessage)> = log
        .split('\x1e')
        .filter_map(|entry| {
            let (short, message) = entry.trim_start_matches('\n').split_once('\x1f')?;
            Some((short.to_string(), CommitMessage::parse(message)))
        })
        .collect();
    let messages: Vec<CommitMessage> = commits.iter().map(|(_, m)| m.clone()).collect();
    let recent = git.run(["log", "--no-merges", "-n200", "--format=%s%x1e", sha])?;
    let lookback: Vec<CommitMessage> = recent
        .split('\x1e')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(CommitMessage::parse)
        .collect();
    let base = latest.as_ref().map(|t| format!("refs/tags/{}", t.tag));
    let manifest = manifest_change(git, base.as_deref(), sha, &family);
    let decision = decide(&Evidence {
        family: family.clone(),
        head_tag: None,
        current: latest.clone(),
        range: &messages,
        lookback: &lookback,
        manifest,
        explicit,
    })?;
    // Commits that ask for no bump (docs, tests, CI, chores) would be a patch if a release
    // were cut, as shipline-risk says; promotion cuts none for them: nothing that ships changed.
    if decision.decided_by == Basis::ConventionalCommits && Bump::of_range(&messages) == Bump::None
    {
        return Ok(None);
    }
    let (Some(next), Some(tag)) = (decision.next.clone(), decision.tag.clone()) else {
        if decision.decided_by == Basis::NotStated {
            return Err(ReleaseError::VersionNotStated {
                sha: sha.to_string(),
                explanation: decision.explanation,
            });
        }
        return Ok(None);
    };
    // With no version tag yet, a new family is spelled `v<version>` unless configured.
    let tag = match (&latest, prefix) {
        (None, None) => format!("v{next}"),
        _ => tag,
    };
    let mut notes = String::new();
    for group in group_by_section(&commits, |(_, m)| m.section()) {
        let _ = writeln!(notes, "### {}\n", group.section.title());
        for (short, message) in group.items {
            let scope = message
                .scope
                .as_deref()
                .map(|s| format!("**{}:** ", text::inline(s)))
                .unwrap_or_default();
            // Commit messages are anyone's words: Markdown escaped, mentions quieted.
            let _ = writeln!(
                notes,
                "- {scope}{} ({short})",
                text::inline(&message.description)
            );
        }
        notes.push('\n');
    }
    Ok(Some(ReleasePlan {
        version: next.to_string(),
        tag,
        previous: latest.map(|t| t.tag),
        existing: false,
        notes,
    }))
}

/// Tags the commit and publishes the release as configured. With `publish`, the forge creates
/// the tag with the release; otherwise the tag is made with git and pushed to `origin`.
pub async fn publish(
    git: &Git,
    forge: Option<&Forge>,
    sha: &str,
    config: &ReleaseConfig,
    plan: ReleasePlan,
    environment: &str,
) -> Result<ReleaseResult, ReleaseError> {
    let mut result = ReleaseResult::planned(plan);
    let tag = result.plan.tag.clone();
    if config.publish {
        let forge = forge.ok_or_else(|| ReleaseError::NoToken {
            environment: environment.to_string(),
            tag: tag.clone(),
        })?;
        let release = match forge.release_by_tag(&tag).await? {
            Some(existing) => existing,
            None => {
                let body = if result.plan.notes.is_empty() {
                    format!("Promoted to {environment}.")
                } else {
                    format!("Promoted to {environment}.\n\n{}", result.plan.notes)
                };
                result.tagged = !result.plan.existing;
                forge
                    .create_release(&NewRelease {
                        tag: tag.clone(),
                        target_sha: sha.to_string(),
                        name: tag.clone(),
                        body,
                        prerelease: result.plan.version.contains('-'),
                    })
                    .await?
            }
        };
        result.release_url = Some(release.url);
    } else if config.tag && !result.plan.existing {
        let message = format!("{tag}: promoted to {environment}");
        git.run(["tag", "-a", &tag, "-m", &message, sha])?;
        if git.remote_url("origin")?.is_some() {
            git.run(["push", "origin", &format!("refs/tags/{tag}")])?;
        }
        result.tagged = true;
    }
    Ok(result)
}

/// The root manifest's version at `sha` and at the previous tag, when one of this family states
/// one at `sha`.
fn manifest_change(
    git: &Git,
    base: Option<&str>,
    sha: &str,
    family: &TagScheme,
) -> Option<ManifestChange> {
    let read = |rev: &str, file: &str| {
        let out = git.output(["show", &format!("{rev}:{file}")]).ok()?;
        manifest_version(file, &String::from_utf8_lossy(&out.stdout))
    };
    MANIFESTS.iter().find_map(|file| {
        let (name, to) = read(sha, file)?;
        if !manifest_speaks_for(family, name.as_deref()) {
            return None;
        }
        let from = base.and_then(|base| read(base, file)).map(|(_, v)| v);
        Some(ManifestChange {
            file: (*file).to_string(),
            from,
            to,
        })
    })
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}
