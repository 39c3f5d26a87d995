//! The release's version as the repository shows it: the git side of
//! [`shipline_commits::decide`]. It reads the tag family, the tags on the head and before the
//! range, the root manifest's `version` at both ends and the recent messages, and leaves the
//! deciding to the shared rules, so promote tags what this report announces.
//!
//! For a component the family is its own prefix, the manifest is the one its `manifest:` names
//! (the root one speaks for the repository, not for it), and the recent messages are those of
//! its own changes.

use shipline_commits::{
    CommitMessage, Evidence, MANIFESTS, ManifestChange, TagScheme, VersionDecision, choose_family,
    decide, manifest_speaks_for, manifest_version,
};
use shipline_core::git::Git;

use crate::error::ReportError;
use crate::range::{BaseSource, Range};

/// How many recent messages tell whether the repository follows Conventional Commits.
const LOOKBACK: usize = 200;

/// The version of the release `range` ends with; `messages` are the range's (merges left out).
pub fn decide_version(
    git: &Git,
    range: &Range,
    messages: &[CommitMessage],
) -> Result<VersionDecision, ReportError> {
    let reachable = git.run(["tag", "--merged", &range.head])?;
    let family = choose_family(
        named_tags(git, range).iter().map(String::as_str),
        range.tag_prefix.as_deref(),
        reachable.lines().map(str::trim),
    );
    let at_head = git.run(["tag", "--points-at", &range.head])?;
    let head_tag = family.latest(at_head.lines().map(str::trim));
    let current = match &range.base {
        Some(base) => {
            let before = git.run(["tag", "--merged", base])?;
            family.latest(before.lines().map(str::trim))
        }
        None => None,
    };
    let manifest = manifest_change(git, range, &family);
    let mut args = vec![
        "log".to_string(),
        "--no-merges".to_string(),
        format!("-n{LOOKBACK}"),
        "--format=%s%x1e".to_string(),
        range.head.clone(),
    ];
    if let Some(scope) = &range.component {
        args.push("--".into());
        args.extend(scope.pathspecs.iter().cloned());
    }
    let log = git.run(&args)?;
    let lookback: Vec<CommitMessage> = log
        .split('\x1e')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(CommitMessage::parse)
        .collect();
    Ok(decide(&Evidence {
        family,
        head_tag,
        current,
        range: messages,
        lookback: &lookback,
        manifest,
        explicit: None,
    })?)
}

/// The tags that name the range's ends (`--head`, then `--base`, or the tag the base came from).
fn named_tags(git: &Git, range: &Range) -> Vec<String> {
    let is_tag = |rev: &str| {
        let rev = rev.trim_start_matches("refs/tags/");
        git.check([
            "show-ref",
            "--verify",
            "--quiet",
            &format!("refs/tags/{rev}"),
        ])
        .unwrap_or(false)
        .then(|| rev.to_string())
    };
    let mut named = Vec::new();
    if let Some(head) = range.head_rev.as_deref().and_then(is_tag) {
        named.push(head);
    }
    match &range.source {
        BaseSource::Flag { rev, tag: true } => named.push(rev.clone()),
        BaseSource::Tag { tag } => named.push(tag.clone()),
        _ => {}
    }
    named
}

/// The root manifest's version at the head and the base, when a manifest of this family states
/// one at the head.
fn manifest_change(git: &Git, range: &Range, family: &TagScheme) -> Option<ManifestChange> {
    let read = |rev: &str, file: &str| {
        let out = git.output(["show", &format!("{rev}:{file}")]).ok()?;
        manifest_version(file, &String::from_utf8_lossy(&out.stdout))
    };
    // A component's manifest is its own by configuration; without one, none speaks for it.
    let (files, configured): (Vec<&str>, bool) = match &range.component {
        Some(scope) => (scope.component.manifest().into_iter().collect(), true),
        None => (MANIFESTS.to_vec(), false),
    };
    files.into_iter().find_map(|file| {
        let (name, to) = read(&range.head, file)?;
        if !configured && !manifest_speaks_for(family, name.as_deref()) {
            return None;
        }
        let from = range
            .base
            .as_deref()
            .and_then(|base| read(base, file))
            .map(|(_, v)| v);
        Some(ManifestChange {
            file: file.to_string(),
            from,
            to,
        })
    })
}
