//! Scores relative to the repository's own history.
//!
//! A raw score means little on its own: a 300-line change is routine in one project and rare in
//! another. The 0–100 score is the raw score's percentile among the changes of a lookback window
//! (the `risk.lookback` commits before the range). Reading that window is the costly part, so
//! what it leaves behind (its changes' raw scores in order, and the feature tracker's state after
//! it) is cached under `.git/shipline/`, keyed by the commit the window ends at, its length, the
//! model version and the configuration that shapes features; a repeated run for the same base,
//! whatever its head, reads one file and then only the range.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use shipline_core::config::RiskConfig;
use shipline_core::git::Git;
use shipline_core::git::history::HistoryQuery;

use crate::error::ReportError;
use crate::features::Tracker;
use crate::model::raw_score;
use crate::range::Scope;
use crate::scan::scan_each;
use shipline_commits::TagScheme;

/// Changes to the model or the cache's contents invalidate cached windows.
pub const MODEL_VERSION: u32 = 5;

/// Cached windows kept per repository; older ones are removed when a new one is written.
const KEEP: usize = 16;

/// What the lookback window before a range leaves behind: its changes' raw scores, oldest
/// first, where past releases end, and the feature tracker's state after it. Cached per window
/// end ([`cache_path`]).
#[derive(Default, Serialize, Deserialize)]
pub struct Window {
    /// Raw scores of the window's changes, oldest first.
    pub raws: Vec<f64>,
    /// Where past releases end in `raws`: after each version-tagged commit, the number of
    /// changes up to it. Consecutive entries bound one past release.
    pub release_ends: Vec<usize>,
    /// The version tag at each of `release_ends` (one per entry), to name past releases.
    pub release_tags: Vec<String>,
    /// Per-file and per-author state after the window, for the range's features to carry on.
    pub tracker: Tracker,
}

/// The window of `config.lookback` commits ending at `end` (inclusive): from the cache, else
/// read and cached. For a component (`scope`) the window is its own past: the commits under
/// its paths, with releases ending at its own version tags (those starting with `tag_prefix`).
pub fn window(
    git: &Git,
    end: &str,
    config: &RiskConfig,
    scope: Option<(&Scope, &str)>,
) -> Result<Window, ReportError> {
    if config.lookback == 0 {
        return Ok(Window::default());
    }
    let cache = git_dir(git)?.map(|dir| {
        let mut path = cache_path(&dir, end, config.lookback, config);
        if let Some((scope, prefix)) = scope {
            // The component's window is not the repository's: a file of its own.
            let key = (&scope.pathspecs, prefix);
            let hash = fnv(&serde_json::to_vec(&key).unwrap_or_default());
            path.set_extension(format!("{hash:016x}.json"));
        }
        path
    });
    if let Some(cached) = cache.as_deref().and_then(load::<Window>) {
        return Ok(cached);
    }
    let mut tagged = version_tagged_commits(git)?;
    let mut window = Window::default();
    let mut query = HistoryQuery::new(end);
    query.max_commits = Some(config.lookback as usize);
    if let Some((scope, prefix)) = scope {
        let family = TagScheme::with_prefix(prefix);
        tagged.retain(|_, tag| family.parse(tag).is_some());
        query.paths = scope.pathspecs.clone();
    }
    let (raws, ends, tags) = (
        &mut window.raws,
        &mut window.release_ends,
        &mut window.release_tags,
    );
    scan_each(git, query, &mut window.tracker, config, |s| {
        if let Some(f) = &s.features {
            raws.push(raw_score(f).0);
        }
        if let Some(tag) = tagged.get(&s.commit.sha) {
            if ends.last() == Some(&raws.len()) {
                // Two tagged commits with no change between them: the later tag names it.
                if let Some(last) = tags.last_mut() {
                    last.clone_from(tag);
                }
            } else {
                ends.push(raws.len());
                tags.push(tag.clone());
            }
        }
    })?;
    if let Some(cache) = &cache {
        store(cache, &window);
    }
    Ok(window)
}

/// The commits that version tags (`1.2.3`, `v1.2`, ...) point at, each with one such tag (the
/// highest-sorting name, so the choice does not depend on git's order).
fn version_tagged_commits(git: &Git) -> Result<HashMap<String, String>, ReportError> {
    let refs = git.run([
        "for-each-ref",
        "--format=%(objectname) %(*objectname) %(refname:short)",
        "refs/tags",
    ])?;
    let mut tagged: HashMap<String, String> = HashMap::new();
    for line in refs.lines() {
        let mut parts = line.split(' ');
        let (Some(object), Some(peeled), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !shipline_commits::is_release_tag(name) {
            continue;
        }
        let sha = if peeled.is_empty() { object } else { peeled };
        let entry = tagged.entry(sha.to_string()).or_default();
        if name > entry.as_str() {
            *entry = name.to_string();
        }
    }
    Ok(tagged)
}

/// The repository's git directory for the cache; `None` for a bare repository, which a
/// mirror is: it is read, never written to.
fn git_dir(git: &Git) -> Result<Option<std::path::PathBuf>, ReportError> {
    if git.is_bare() {
        return Ok(None);
    }
    let dir = git.run(["rev-parse", "--absolute-git-dir"])?;
    Ok(Some(std::path::PathBuf::from(dir.trim())))
}

/// The sorted raw scores of a lookback window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    sorted: Vec<f64>,
}

impl Distribution {
    /// A distribution of `raws` (any order).
    pub fn new(mut raws: Vec<f64>) -> Self {
        raws.retain(|r| r.is_finite());
        raws.sort_by(f64::total_cmp);
        Self { sorted: raws }
    }

    /// How many changes it holds.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// The percentile of `raw` (0–100, two decimals): the share of the window below it, ties
    /// counted half. With an empty window, a fixed curve stands in.
    pub fn percentile(&self, raw: f64) -> f64 {
        let value = if self.sorted.is_empty() {
            100.0 * (1.0 - (-raw / 6.0).exp())
        } else {
            let below = self.sorted.partition_point(|x| *x < raw);
            let upto = self.sorted.partition_point(|x| *x <= raw);
            let rank = below as f64 + (upto - below) as f64 / 2.0;
            100.0 * rank / self.sorted.len() as f64
        };
        (value.clamp(0.0, 100.0) * 100.0).round() / 100.0
    }
}

/// Where the window of `lookback` commits ending at `end` (a commit SHA) is cached, for this
/// configuration.
pub fn cache_path(
    git_dir: &std::path::Path,
    end: &str,
    lookback: u32,
    config: &RiskConfig,
) -> PathBuf {
    git_dir.join("shipline").join(format!(
        "risk-v{MODEL_VERSION}-{end}-{lookback}-{:016x}.json",
        fingerprint(config)
    ))
}

/// What of the configuration changes features: sensitive paths and ignored paths (levels only
/// change how scores are named).
fn fingerprint(config: &RiskConfig) -> u64 {
    let shaping = serde_json::to_vec(&(&config.sensitive, &config.ignore)).unwrap_or_default();
    fnv(&shaping)
}

/// FNV-1a: stable across runs and builds, unlike the standard library's hasher.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Reads a cached value; a missing or unreadable cache is simply recomputed.
pub fn load<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Option<T> {
    let text = std::fs::read(path).ok()?;
    let value = serde_json::from_slice(&text).ok()?;
    // Used entries are the ones pruning keeps.
    if let Ok(file) = std::fs::File::options().append(true).open(path) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
    Some(value)
}

/// Writes the cache, then removes all but the newest few entries; failures are ignored (a
/// read-only checkout still works, only slower).
pub fn store<T: Serialize>(path: &std::path::Path, value: &T) {
    let Some(dir) = path.parent() else {
        return;
    };
    let _ = std::fs::create_dir_all(dir);
    if let Ok(text) = serde_json::to_vec(value) {
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }
    prune(dir);
}

fn prune(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut cached: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("risk-") && name.ends_with(".json")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if cached.len() <= KEEP {
        return;
    }
    cached.sort();
    for (_, path) in &cached[..cached.len() - KEEP] {
        let _ = std::fs::remove_file(path);
    }
}
