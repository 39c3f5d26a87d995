//! The report: what is in the range, each change's risk, the release's risk, bump and version.
//!
//! Its JSON form is the stable contract documented in `docs/risk.md`; the Markdown form
//! ([`crate::render`]) is made from the same value.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use shipline_core::config::{RiskConfig, RiskLevel};
use shipline_core::git::Git;

use crate::RiskError;
use crate::calibrate::{self, Distribution};
use crate::commits::CommitMessage;
use crate::deps::{self, ChangedFile, DependencyChange, LockFormat};
use crate::features::Features;
use crate::model::{Reason, raw_score};
use crate::range::{BaseSource, Range};
use crate::scan::{Scanned, scan};
use crate::version::{Bump, ReleaseMode, next_version};

/// One change in the range.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Full SHA.
    pub sha: String,
    /// The PR/MR it came with; `None` for a direct push.
    pub pr: Option<u64>,
    /// The description (conventional header without type) or subject.
    pub title: String,
    /// Conventional type (`feat`, `fix`, ...), `None` when the message is not conventional.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Marked as a breaking change.
    pub breaking: bool,
    /// Author name.
    pub author: String,
    /// 0–100 against the repository's history.
    pub score: f64,
    /// Level of the score.
    pub level: RiskLevel,
    /// Why, largest first.
    pub reasons: Vec<Reason>,
    /// The features the score came from.
    #[serde(skip)]
    pub features: Features,
    /// The raw score (before the percentile), process signals included.
    #[serde(skip)]
    pub raw: f64,
    /// The summary section it is listed under.
    #[serde(skip)]
    pub section: crate::commits::Section,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Exclusive lower end (`None`: whole history).
    pub base: Option<String>,
    /// Inclusive upper end.
    pub head: String,
    /// Where the base came from.
    pub base_source: BaseSource,
    /// The release's score, 0–100.
    pub score: f64,
    /// Its level.
    pub level: RiskLevel,
    /// The semver bump the commits ask for.
    pub bump: Bump,
    /// The latest version tag, if any.
    pub current_version: Option<String>,
    /// The next version, `None` when nothing is to be released.
    pub next_version: Option<String>,
    /// Non-merge commits, newest first.
    pub changes: Vec<Change>,
    /// What drove the release score, largest first.
    pub reasons: Vec<Reason>,
    /// Dependency changes between base and head.
    pub dependencies: Vec<DependencyChange>,
    /// Changes compared against (size of the lookback window).
    pub lookback: usize,
    /// The lookback window's raw scores, to score changes again when the forge adds signals.
    #[serde(skip)]
    pub distribution: Distribution,
}

/// The score of a raw value as a level.
pub fn level_of(config: &RiskConfig, score: f64) -> RiskLevel {
    config.levels.level(score.round().clamp(0.0, 100.0) as u8)
}

/// Fewer earlier changes than this make a poor yardstick on their own.
const MIN_LOOKBACK: usize = 50;

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cached {
    dist: Distribution,
    features: HashMap<String, Features>,
}

/// Builds the report for `range`, with the PR numbers written in merge and squash subjects
/// (see [`apply_prs`] for the rest).
pub fn build(git: &Git, range: &Range, config: &RiskConfig) -> Result<Report, RiskError> {
    let range_args: Vec<String> = match &range.base {
        Some(base) => vec![range.head.clone(), format!("^{base}")],
        None => vec![range.head.clone()],
    };
    let mut list_args = vec!["rev-list".to_string()];
    list_args.extend(range_args.iter().cloned());
    let in_range: Vec<String> = git.run(&list_args)?.lines().map(str::to_string).collect();
    let in_range_set: HashSet<&str> = in_range.iter().map(String::as_str).collect();

    let lookback = config.lookback as usize;
    let git_dir = git_dir(git)?;
    let cache = calibrate::cache_path(
        &git_dir,
        &format!("{}-{}", range.head, range.base.as_deref().unwrap_or("root")),
        config.lookback,
    );
    let (dist, commits) = match calibrate::load::<Cached>(&cache) {
        Some(cached) => {
            let mut query = shipline_core::git::history::HistoryQuery::new(range.head.clone());
            query.base = range.base.clone();
            let commits = shipline_core::git::history::read(git, &query)?
                .into_iter()
                .rev()
                .map(|commit| {
                    let message = CommitMessage::parse(&crate::scan::full_message(&commit));
                    let features = cached.features.get(&commit.sha).cloned();
                    Scanned {
                        commit,
                        message,
                        features,
                    }
                })
                .collect::<Vec<_>>();
            (cached.dist, commits)
        }
        None => {
            let scanned = scan(git, &range.head, Some(in_range.len() + lookback), config)?;
            let mut raws: Vec<f64> = scanned
                .iter()
                .filter(|s| !in_range_set.contains(s.commit.sha.as_str()))
                .filter_map(|s| s.features.as_ref())
                .map(|f| raw_score(f).0)
                .collect();
            if raws.len() < MIN_LOOKBACK {
                // Too little history before the range (a young repository, the whole history
                // under review): compare against every change read, the range included.
                raws = scanned
                    .iter()
                    .filter_map(|s| s.features.as_ref())
                    .map(|f| raw_score(f).0)
                    .collect();
            }
            let dist = Distribution::new(raws);
            let commits: Vec<Scanned> = scanned
                .into_iter()
                .filter(|s| in_range_set.contains(s.commit.sha.as_str()))
                .collect();
            let features: HashMap<String, Features> = commits
                .iter()
                .filter_map(|s| Some((s.commit.sha.clone(), s.features.clone()?)))
                .collect();
            calibrate::store(
                &cache,
                &Cached {
                    dist: dist.clone(),
                    features: features.clone(),
                },
            );
            (dist, commits)
        }
    };

    // PR numbers: from squash subjects and merge commits' sides, then from the event (every
    // commit of a PR/MR's own range is that PR/MR's); the forge fills in the rest later.
    let mut pr_of: BTreeMap<String, u64> = BTreeMap::new();
    for s in &commits {
        if let Some(pr) = &s.message.references.pr {
            if s.commit.is_merge() {
                let side = format!("{}..{}", s.commit.parents[0], s.commit.parents[1]);
                for sha in git.run(["rev-list", &side])?.lines() {
                    pr_of.entry(sha.to_string()).or_insert(pr.number);
                }
            } else {
                pr_of.entry(s.commit.sha.clone()).or_insert(pr.number);
            }
        }
    }

    if let BaseSource::ChangeRequest { number } = range.source {
        for sha in &in_range {
            pr_of.entry(sha.clone()).or_insert(number);
        }
    }

    let dependencies = dependency_changes(git, range)?;
    let majors = dependencies.iter().filter(|d| d.major).count() as u32;

    let mut changes = Vec::new();
    for s in commits.iter().rev() {
        let Some(mut f) = s.features.clone() else {
            continue;
        };
        if majors > 0 && touches_lockfile(&s.commit) {
            f.dep_majors = majors;
        }
        let (raw, reasons) = raw_score(&f);
        let score = dist.percentile(raw);
        let pr = pr_of.get(&s.commit.sha).copied();
        let title = match pr {
            // The squash marker is shown as the PR column already.
            Some(n) => s
                .message
                .description
                .trim_end()
                .strip_suffix(&format!("(#{n})"))
                .map_or_else(
                    || s.message.description.clone(),
                    |t| t.trim_end().to_string(),
                ),
            None => s.message.description.clone(),
        };
        changes.push(Change {
            sha: s.commit.sha.clone(),
            pr,
            title,
            kind: s.message.kind.as_ref().map(|k| k.as_str().to_string()),
            breaking: s.message.breaking,
            author: s.commit.author_name.clone(),
            score,
            level: level_of(config, score),
            reasons: reasons
                .into_iter()
                .map(|r| Reason {
                    weight: round2(r.weight),
                    ..r
                })
                .collect(),
            features: f,
            raw,
            section: s.message.section(),
        });
    }

    let messages: Vec<&CommitMessage> = commits
        .iter()
        .filter(|s| !s.commit.is_merge())
        .map(|s| &s.message)
        .collect();
    let bump = Bump::of_range(messages.iter().copied());
    let current = crate::range::latest_tag(git, &range.head)?;
    let next = next_version(
        current.as_ref().map(|t| &t.version),
        bump,
        &ReleaseMode::Auto,
    )
    .map_err(|e| RiskError::Io(e.to_string()))?;

    let (score, reasons) = release_score(&changes, &dependencies);
    Ok(Report {
        base: range.base.clone(),
        head: range.head.clone(),
        base_source: range.source.clone(),
        score,
        level: level_of(config, score),
        bump,
        current_version: current.map(|t| t.version.to_string()),
        next_version: next.map(|v| v.to_string()),
        changes,
        reasons,
        dependencies,
        lookback: dist.len(),
        distribution: dist,
    })
}

/// Fills in PR numbers found on the forge for changes that had none, and refreshes the release
/// reasons (direct pushes) accordingly.
pub fn apply_prs(report: &mut Report, prs: &BTreeMap<String, u64>) {
    for change in &mut report.changes {
        if change.pr.is_none() {
            change.pr = prs.get(&change.sha).copied();
        }
    }
    let (_, reasons) = release_score(&report.changes, &report.dependencies);
    report.reasons = reasons;
}

/// Applies what the forge returned for each change's commit: PR numbers for changes that had
/// none, and the process signals ([`crate::process`]) of the PR each change came with, or
/// `direct_push` when the forge knows none. Scores, levels and release reasons are recomputed.
pub fn apply_forge(
    report: &mut Report,
    found: &BTreeMap<String, Vec<shipline_core::forge::PullRequest>>,
    config: &RiskConfig,
) {
    for change in &mut report.changes {
        let Some(prs) = found.get(&change.sha) else {
            continue;
        };
        let pr = crate::process::pick(change.pr, prs);
        if change.pr.is_none() {
            change.pr = pr.map(|p| p.number);
        }
        if change.pr.is_some() && pr.is_none() {
            // Named in the message but not returned for this commit: nothing to judge by.
            continue;
        }
        let added = crate::process::reasons(pr);
        if added.is_empty() {
            continue;
        }
        change.raw += added.iter().map(|r| r.weight).sum::<f64>();
        change.reasons.extend(added.into_iter().map(|r| Reason {
            weight: round2(r.weight),
            ..r
        }));
        change.reasons.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        change.score = report.distribution.percentile(change.raw);
        change.level = level_of(config, change.score);
    }
    let (score, reasons) = release_score(&report.changes, &report.dependencies);
    report.score = score;
    report.level = level_of(config, score);
    report.reasons = reasons;
}

fn git_dir(git: &Git) -> Result<std::path::PathBuf, RiskError> {
    let dir = git.run(["rev-parse", "--absolute-git-dir"])?;
    Ok(std::path::PathBuf::from(dir.trim()))
}

fn touches_lockfile(commit: &shipline_core::git::history::Commit) -> bool {
    commit.files.iter().any(|f| {
        f.path
            .to_str()
            .is_some_and(|p| LockFormat::detect(p).is_some())
    })
}

/// The release's score: its riskiest change, raised a little for each further high-risk change
/// and for dependencies crossing a major version.
fn release_score(changes: &[Change], deps: &[DependencyChange]) -> (f64, Vec<Reason>) {
    let mut reasons = Vec::new();
    let Some(top) = changes.iter().max_by(|a, b| a.score.total_cmp(&b.score)) else {
        return (0.0, reasons);
    };
    let mut score = top.score;
    reasons.push(Reason {
        code: "riskiest_change".into(),
        message: format!(
            "riskiest change {} \"{}\" scores {:.0}: {}",
            &top.sha[..top.sha.len().min(12)],
            top.title,
            top.score,
            top.reasons
                .iter()
                .take(2)
                .map(|r| r.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        weight: round2(top.score),
    });
    let risky = changes.iter().filter(|c| c.score >= 60.0).count();
    if risky > 1 {
        let extra = (2.0 * (risky as f64).log2()).min(10.0);
        score += extra;
        reasons.push(Reason {
            code: "many_risky_changes".into(),
            message: format!("{risky} changes score 60 or more"),
            weight: round2(extra),
        });
    }
    let majors: Vec<&DependencyChange> = deps.iter().filter(|d| d.major).collect();
    if !majors.is_empty() {
        let extra = (5.0 * majors.len() as f64).min(15.0);
        score += extra;
        reasons.push(Reason {
            code: "dependency_major".into(),
            message: format!(
                "{} dependency(ies) cross a major version: {}",
                majors.len(),
                majors
                    .iter()
                    .take(5)
                    .map(|d| format!(
                        "{} {} → {}",
                        d.name,
                        d.from.as_deref().unwrap_or("?"),
                        d.to.as_deref().unwrap_or("?")
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            weight: round2(extra),
        });
    }
    let direct = changes.iter().filter(|c| c.pr.is_none()).count();
    if direct > 0 {
        reasons.push(Reason {
            code: "direct_push".into(),
            message: format!("{direct} change(s) reached the branch without a PR/MR"),
            weight: 0.0,
        });
    }
    (round2(score.clamp(0.0, 100.0)), reasons)
}

/// A lockfile's path with its contents at the base and the head.
type Contents = (String, Option<Vec<u8>>, Option<Vec<u8>>);

/// Dependency changes between the range's ends, from the lockfiles and manifests that differ.
fn dependency_changes(git: &Git, range: &Range) -> Result<Vec<DependencyChange>, RiskError> {
    let names = match &range.base {
        Some(base) => git.run(["diff", "--name-only", "-z", base, &range.head])?,
        None => git.run(["ls-tree", "-r", "-z", "--name-only", &range.head])?,
    };
    let paths: Vec<&str> = names
        .split('\0')
        .filter(|p| !p.is_empty() && LockFormat::detect(p).is_some())
        .collect();
    let mut contents: Vec<Contents> = Vec::new();
    for path in paths {
        let read = |rev: &str| {
            git.output(["show", &format!("{rev}:{path}")])
                .ok()
                .map(|o| o.stdout)
        };
        let old = range.base.as_deref().and_then(read);
        let new = read(&range.head);
        contents.push((path.to_string(), old, new));
    }
    let report = deps::diff_files(contents.iter().map(|(path, old, new)| ChangedFile {
        path,
        old: old.as_deref(),
        new: new.as_deref(),
    }));
    Ok(report.changes)
}
