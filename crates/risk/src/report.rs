//! The report: what is in the range, each change's risk, the release's risk, bump and version.
//!
//! Its JSON form is the stable contract documented in `docs/risk.md`; the Markdown form
//! ([`crate::render`]) is made from the same value.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use shipline_core::config::{RiskConfig, RiskLevel};
use shipline_core::git::Git;
use shipline_core::sha;

use crate::aggregate::{self, Area};
use crate::calibrate::{self, Distribution, Window};
use crate::deps::{self, DepFormat, DependencyChange};
use crate::error::ReportError;
use crate::model::{Reason, raw_score};
use crate::range::{BaseSource, Range};
use crate::scan::{Scanned, scan_each};
use shipline_commits::{
    Bump, CommitMessage, GroupKey, Grouping, VersionDecision, component_of, fold_single_groups,
};
use shipline_core::git::history::HistoryQuery;

/// One change in the range.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Full SHA.
    pub sha: String,
    /// The PR/MR it came with, from its message or the forge; `None` when neither names one
    /// (a direct push only when [`Report::forge_checked`]).
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
    /// The raw score (before the percentile), process signals included.
    #[serde(skip)]
    pub raw: f64,
    /// The group it is listed under ([`Report::grouping`]): a section, an area or a component.
    pub group: GroupKey,
    /// The files its risk is shared among, with lines changed: its code files when it changes
    /// code, else all it changes (ignored paths left out).
    #[serde(skip)]
    pub files: Vec<(String, u64)>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The component reported on (`--component`); absent for the whole repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
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
    /// The bump from `current_version` to `next_version`; `None` (JSON `null`) when the
    /// evidence states none.
    pub bump: Option<Bump>,
    /// The version before the range (the tag family's latest at the base), if any.
    pub current_version: Option<String>,
    /// The release's version: the head's version tag, else the next version the evidence
    /// states; `None` when not stated or nothing is to be released.
    pub next_version: Option<String>,
    /// How the version was decided (tag family, basis, the one-line explanation).
    pub version: VersionDecision,
    /// Non-merge commits, newest first.
    pub changes: Vec<Change>,
    /// What drove the release score, largest first.
    pub reasons: Vec<Reason>,
    /// Dependency changes between base and head.
    pub dependencies: Vec<DependencyChange>,
    /// Changes compared against (size of the lookback window).
    pub lookback: usize,
    /// How the changes are grouped (by type, area or component) and why.
    pub grouping: Grouping,
    /// Whether a forge said how the changes landed (PRs/MRs, reviews, checks). Without one, a
    /// change whose message names no PR/MR may still have come through one: nothing is claimed.
    pub forge_checked: bool,
    /// The directories carrying the release's risk, largest share first.
    pub areas: Vec<Area>,
    /// The past releases the release was compared with, oldest first (empty when there were too
    /// few to compare with).
    pub past_releases: Vec<PastRelease>,
    /// The lookback window's raw scores, to score changes again when the forge adds signals.
    #[serde(skip)]
    pub distribution: Distribution,
    /// The same raw scores, oldest first: the stretches the release is compared with.
    #[serde(skip)]
    pub window: Vec<f64>,
    /// Where past releases end in `window`; `None` for a PR/MR's range.
    #[serde(skip)]
    pub release_ends: Option<Vec<usize>>,
    /// The version tag at each of `release_ends`.
    #[serde(skip)]
    pub release_tags: Vec<String>,
}

/// A past release and its score, as the release under review was scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PastRelease {
    /// The version tag it ends at.
    pub tag: String,
    /// Its number of changes (non-merge commits).
    pub changes: usize,
    /// Its score, 0–100.
    pub score: f64,
}

/// What a release is compared with.
struct Past<'a> {
    window: &'a [f64],
    dist: &'a Distribution,
    releases: Option<&'a [usize]>,
    tags: &'a [String],
}

/// The release's score, the reasons behind it and where its risk sits.
struct Scored {
    score: f64,
    reasons: Vec<Reason>,
    areas: Vec<Area>,
    past_releases: Vec<PastRelease>,
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

/// Builds the report for `range`, with the PR numbers written in merge and squash subjects
/// and known from the event (see [`apply_forge`] for the rest).
pub fn build(git: &Git, range: &Range, config: &RiskConfig) -> Result<Report, ReportError> {
    // The window before the range, then the range itself, its features carrying on from the
    // window's: a file's past and an author's experience include what came before the range.
    let Window {
        raws,
        release_ends,
        release_tags,
        mut tracker,
    } = match &range.base {
        Some(base) => {
            let scope = range.component.as_ref().zip(range.tag_prefix.as_deref());
            calibrate::window(git, base, config, scope)?
        }
        None => Window::default(),
    };
    let mut query = HistoryQuery::new(range.head.clone());
    query.base = range.base.clone();
    // A component's changes are those touching its paths, each counted by those paths only.
    if let Some(scope) = &range.component {
        query.paths = scope.pathspecs.clone();
    }
    let mut commits: Vec<Scanned> = Vec::new();
    scan_each(git, query, &mut tracker, config, |s| commits.push(s))?;
    let in_range: Vec<String> = commits.iter().map(|s| s.commit.sha.clone()).collect();

    let mut pool = raws;
    if pool.len() < MIN_LOOKBACK {
        // Too little history before the range (a young repository, the whole history under
        // review): compare against every change read, the range included.
        pool.extend(
            commits
                .iter()
                .filter_map(|s| s.features.as_ref())
                .map(|f| raw_score(f).0),
        );
    }
    let dist = Distribution::new(pool.clone());

    // PR numbers: from squash subjects and merge commits' sides, then from the event (every
    // commit of a PR/MR's own range is that PR/MR's); the forge fills in the rest later.
    let mut pr_of: BTreeMap<String, u64> = commits
        .iter()
        .filter(|s| !s.commit.is_merge())
        .filter_map(|s| {
            Some((
                s.commit.sha.clone(),
                s.message.references.pr.as_ref()?.number,
            ))
        })
        .collect();
    for (sha, number) in merged_sides(git, &commits, &range.head)? {
        pr_of.entry(sha).or_insert(number);
    }

    if let BaseSource::ChangeRequest { number } = range.source {
        for sha in &in_range {
            pr_of.entry(sha.clone()).or_insert(number);
        }
    }

    let mut dependencies =
        deps::revisions::between(git, range.base.as_deref(), &range.head)?.changes;
    // Each change's dependency moves come from its own diff, not from the release's.
    // (A component's commits carry only its files, so theirs are its own already.)
    let own_deps = deps::revisions::of_commits(git, commits.iter().map(|s| &s.commit))?;
    if let Some(scope) = &range.component {
        dependencies.retain(|d| scope.component.counts(&d.file));
    }

    let grouping = Grouping::decide(
        commits
            .iter()
            .filter(|s| !s.commit.is_merge())
            .map(|s| &s.message),
    );
    let mut changes = Vec::new();
    for s in commits.iter().rev() {
        let Some(mut f) = s.features.clone() else {
            continue;
        };
        if let Some(own) = own_deps.get(&s.commit.sha) {
            let moves = deps::major_moves(&own.changes);
            f.dep_majors = moves.len() as u32;
            f.dep_major_moves = moves;
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
            raw,
            group: grouping.key(&s.message, component(&s.commit).as_deref()),
            files: risk_files(&s.commit, config),
        });
    }

    let mut groups: Vec<GroupKey> = changes.iter().map(|c| c.group.clone()).collect();
    fold_single_groups(&mut groups);
    for (change, group) in changes.iter_mut().zip(groups) {
        change.group = group;
    }

    let messages: Vec<&CommitMessage> = commits
        .iter()
        .filter(|s| !s.commit.is_merge())
        .map(|s| &s.message)
        .collect();
    let messages: Vec<CommitMessage> = messages.into_iter().cloned().collect();
    let version = crate::versions::decide_version(git, range, &messages)?;

    // A PR/MR is compared with stretches of as many changes; anything else is a release.
    let releases =
        (!matches!(range.source, BaseSource::ChangeRequest { .. })).then_some(release_ends);
    let past = Past {
        window: &pool,
        dist: &dist,
        releases: releases.as_deref(),
        tags: &release_tags,
    };
    let Scored {
        score,
        reasons,
        areas,
        past_releases,
    } = release_score(&changes, &dependencies, &past, config, false);
    Ok(Report {
        component: range.component.as_ref().map(|c| c.name.clone()),
        base: range.base.clone(),
        head: range.head.clone(),
        base_source: range.source.clone(),
        score,
        level: level_of(config, score),
        bump: version.bump,
        current_version: version.current.as_ref().map(|t| t.version.to_string()),
        next_version: version.next.as_ref().map(|v| v.to_string()),
        version,
        changes,
        reasons,
        dependencies,
        lookback: dist.len(),
        grouping,
        forge_checked: false,
        areas,
        past_releases,
        distribution: dist,
        window: pool,
        release_ends: releases,
        release_tags,
    })
}

/// Applies what the forge returned for each change's commit: PR numbers for changes that had
/// none, and the process signals ([`crate::landing`]) of the PR each change came with, or
/// `direct_push` when the forge knows none. Scores, levels and release reasons are recomputed,
/// and the report is marked [`Report::forge_checked`].
pub fn apply_forge(
    report: &mut Report,
    found: &BTreeMap<String, Vec<shipline_core::forge::PullRequest>>,
    config: &RiskConfig,
) {
    for change in &mut report.changes {
        let Some(prs) = found.get(&change.sha) else {
            continue;
        };
        let pr = crate::landing::pick(change.pr, prs);
        if change.pr.is_none() {
            change.pr = pr.map(|p| p.number);
        }
        if change.pr.is_some() && pr.is_none() {
            // Named in the message but not returned for this commit: nothing to judge by.
            continue;
        }
        let added = crate::landing::reasons(pr);
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
    let past = Past {
        window: &report.window,
        dist: &report.distribution,
        releases: report.release_ends.as_deref(),
        tags: &report.release_tags,
    };
    report.forge_checked = true;
    let scored = release_score(&report.changes, &report.dependencies, &past, config, true);
    report.score = scored.score;
    report.level = level_of(config, scored.score);
    report.reasons = scored.reasons;
    report.areas = scored.areas;
    report.past_releases = scored.past_releases;
}

/// The PR/MR number of every commit a numbered merge brought in, among `commits` (a range,
/// oldest first). For merges on the range's first-parent line that is one walk over the range:
/// going up that line, a merge's side is what its second parent reaches that the line below it
/// has not. Other numbered merges (inside a merged branch) ask git.
fn merged_sides(
    git: &Git,
    commits: &[Scanned],
    head: &str,
) -> Result<Vec<(String, u64)>, ReportError> {
    let by_sha: HashMap<&str, &Scanned> =
        commits.iter().map(|s| (s.commit.sha.as_str(), s)).collect();
    let mut mainline = Vec::new();
    let mut at = Some(head);
    while let Some(sha) = at {
        let Some(s) = by_sha.get(sha) else {
            break;
        };
        mainline.push(*s);
        at = s.commit.parents.first().map(String::as_str);
    }
    let mut out = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for s in mainline.iter().rev() {
        let number = s
            .message
            .references
            .pr
            .as_ref()
            .filter(|_| s.commit.is_merge())
            .map(|pr| pr.number);
        let mut stack: Vec<&str> = s
            .commit
            .parents
            .iter()
            .skip(1)
            .map(String::as_str)
            .collect();
        while let Some(sha) = stack.pop() {
            if !by_sha.contains_key(sha) || !seen.insert(sha) {
                continue;
            }
            if let Some(number) = number {
                out.push((sha.to_string(), number));
            }
            stack.extend(by_sha[sha].commit.parents.iter().map(String::as_str));
        }
        seen.insert(s.commit.sha.as_str());
    }
    let on_mainline: HashSet<&str> = mainline.iter().map(|s| s.commit.sha.as_str()).collect();
    for s in commits {
        let Some(pr) = &s.message.references.pr else {
            continue;
        };
        if s.commit.is_merge() && !on_mainline.contains(s.commit.sha.as_str()) {
            let side = format!("{}..{}", s.commit.parents[0], s.commit.parents[1]);
            for sha in git.run(["rev-list", &side])?.lines() {
                out.push((sha.to_string(), pr.number));
            }
        }
    }
    Ok(out)
}

/// The top-level component a commit changes most ([`component_of`]).
fn component(commit: &shipline_core::git::history::Commit) -> Option<String> {
    let paths: Vec<(String, u64)> = commit
        .files
        .iter()
        .map(|f| {
            let path = f.path.to_string_lossy().into_owned();
            // A lockfile's lines are generated: they say nothing about where the work was.
            let lines = if DepFormat::detect(&path).is_some_and(DepFormat::is_lockfile) {
                0
            } else {
                f.added + f.deleted
            };
            (path, lines)
        })
        .collect();
    component_of(paths.iter().map(|(p, n)| (p.as_str(), *n)))
}

/// The files a change's risk is shared among, with lines changed: its code files when it changes
/// code (the score is about them), else every file it changes; ignored paths left out.
fn risk_files(
    commit: &shipline_core::git::history::Commit,
    config: &RiskConfig,
) -> Vec<(String, u64)> {
    let files: Vec<(String, u64, bool)> = commit
        .files
        .iter()
        .map(|f| {
            let path = f.path.to_string_lossy().into_owned();
            let code = crate::features::classify(&path) == crate::features::PathKind::Code;
            (path, f.added + f.deleted, code)
        })
        .filter(|(path, _, _)| !config.is_ignored(path))
        .collect();
    let code = files.iter().any(|(_, lines, code)| *code && *lines > 0);
    files
        .into_iter()
        .filter(|(_, _, is_code)| !code || *is_code)
        .map(|(path, lines, _)| (path, lines))
        .collect()
}

/// `items` joined with `sep`, at most `shown` of them, then "and N more" (with `noun`'s
/// singular or plural after it, when given) for the rest: a list that is cut says so.
pub fn list_with_more(
    items: &[String],
    shown: usize,
    sep: &str,
    noun: Option<(&str, &str)>,
) -> String {
    let mut out = items
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(sep);
    if items.len() > shown {
        let more = items.len() - shown;
        let tail = match noun {
            Some((one, many)) => format!("{more} more {}", if more == 1 { one } else { many }),
            None => format!("{more} more"),
        };
        if shown == 0 {
            out = tail;
        } else {
            out.push_str(&format!("{sep}and {tail}"));
        }
    }
    out
}

/// `n` and the noun, singular or plural (`1 change`, `2 changes`).
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The release's score ([`crate::aggregate`]): its changes' summed hazard against past releases
/// or stretches of as many changes in the window, with the reasons that drove it, the areas its
/// risk sits in and the past releases it was compared with. `forge_checked`: a forge said which
/// changes came without a PR/MR (without one, a message that names none proves nothing).
fn release_score(
    changes: &[Change],
    deps: &[DependencyChange],
    past: &Past<'_>,
    config: &RiskConfig,
    forge_checked: bool,
) -> Scored {
    let mut reasons = Vec::new();
    let high = f64::from(config.levels.high);
    let scores: Vec<f64> = changes.iter().map(|c| c.score).collect();
    let window = past.window;
    let agg = aggregate::release(&scores, window, past.dist, past.releases, high);
    let Some((top_index, top)) = changes
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.score.total_cmp(&b.1.score))
    else {
        return Scored {
            score: 0.0,
            reasons,
            areas: Vec::new(),
            past_releases: Vec::new(),
        };
    };
    let total: f64 = agg.hazards.iter().sum();
    let share = |h: f64| {
        if total > 0.0 {
            round2(100.0 * h / total)
        } else {
            0.0
        }
    };
    let k = changes.len();
    let n = window.len();
    let too_few = |count: usize| {
        format!(
            "too few past releases here to rank it against ({} in the last {n} changes, {} needed)",
            count,
            aggregate::MIN_RELEASES
        )
    };
    let past_count = past
        .releases
        .map(|ends| ends.len().saturating_sub(1))
        .unwrap_or(0);
    let compared = match agg.basis {
        aggregate::Basis::PastReleases {
            count,
            median,
            below,
            ..
        } => {
            let rank = if below == count {
                format!("riskier than all {count} past releases")
            } else {
                format!(
                    "riskier than {:.0}% of the {count} past releases",
                    agg.basis.riskier_than().unwrap_or(0.0)
                )
            };
            Some(format!(
                "{rank} in the last {n} changes here (typically {} each; this one has {k})",
                count_of(median, "change", "changes"),
            ))
        }
        aggregate::Basis::Stretches { count, len } => {
            let against = if len == k {
                format!(
                    "riskier than {:.0}% of the {count} runs of {} in a row among the last {n} here",
                    agg.relative,
                    count_of(k, "change", "changes")
                )
            } else {
                format!(
                    "its changes are on average riskier than those of {:.0}% of the {count} runs of {len} changes in a row among the last {n} here",
                    agg.relative
                )
            };
            Some(match past.releases {
                Some(_) => format!(
                    "{}; compared with runs of changes instead: {against}",
                    too_few(past_count)
                ),
                None => against,
            })
        }
        aggregate::Basis::Approximation => {
            let against = format!(
                "riskier than an estimated {:.0}% of sets of {} drawn from the last {n} here",
                agg.relative,
                count_of(k, "change", "changes")
            );
            Some(match past.releases {
                Some(_) => format!("{}; {against}", too_few(past_count)),
                None => against,
            })
        }
        aggregate::Basis::RiskiestChange => None,
    };
    // A release's score is its summed hazard on a fixed scale: say what that sum amounts to, so
    // that a low score beside a high share of past releases reads right.
    let compared = match (past.releases, agg.mean_hazard, compared) {
        (Some(_), Some(mean), Some(rest)) if mean > 0.0 => Some(format!(
            "its {} hold as much risk as {:.1} average changes here; {rest}",
            count_of(k, "change", "changes"),
            total / mean
        )),
        (_, _, compared) => compared,
    };
    if let Some(message) = compared {
        reasons.push(Reason {
            code: "compared_with_history".into(),
            message,
            weight: agg.relative,
        });
    }
    let why: Vec<String> = top.reasons.iter().map(|r| r.message.clone()).collect();
    reasons.push(Reason {
        code: "riskiest_change".into(),
        message: format!(
            "riskiest change {} \"{}\" scores {:.0}{}",
            sha::prefix(&top.sha, sha::UNIQUE),
            top.title,
            top.score,
            if why.is_empty() {
                ", with nothing in it that stands out".to_string()
            } else {
                format!(
                    ": {}",
                    list_with_more(&why, 2, "; ", Some(("reason", "reasons")))
                )
            }
        ),
        weight: share(agg.hazards[top_index]),
    });
    let risky: Vec<usize> = (0..k)
        .filter(|i| *i != top_index && changes[*i].score >= high)
        .collect();
    if !risky.is_empty() {
        let at_or_above = risky.len() + usize::from(top.score >= high);
        let usual = if agg.typical_high < 0.5 {
            "none would be usual for as many changes here".to_string()
        } else {
            format!(
                "about {:.0} would be usual for as many changes here",
                agg.typical_high
            )
        };
        reasons.push(Reason {
            code: "many_risky_changes".into(),
            message: format!("{at_or_above} of the {k} changes score {high:.0} or more; {usual}"),
            weight: share(risky.iter().map(|i| agg.hazards[*i]).sum()),
        });
    }
    let majors = deps::major_moves(deps);
    if !majors.is_empty() {
        reasons.push(Reason {
            code: "dependency_major".into(),
            message: match majors.len() {
                1 => format!("a dependency crosses a major version: {}", majors[0]),
                n => format!(
                    "{n} dependencies cross a major version: {}",
                    list_with_more(&majors, 5, ", ", None)
                ),
            },
            // Counted in the changes that made each move (`dependency_major` there).
            weight: 0.0,
        });
    }
    let direct = changes.iter().filter(|c| c.pr.is_none()).count();
    if forge_checked && direct > 0 {
        reasons.push(Reason {
            code: "direct_push".into(),
            message: format!("{direct} change(s) reached the branch without a PR/MR"),
            weight: 0.0,
        });
    }
    let files: Vec<(f64, Vec<(String, u64)>)> = changes
        .iter()
        .zip(&agg.hazards)
        .map(|(c, h)| (*h, c.files.clone()))
        .collect();
    let past_releases = agg
        .past
        .iter()
        .map(|p| PastRelease {
            tag: past.tags.get(p.end).cloned().unwrap_or_default(),
            changes: p.changes,
            score: p.score,
        })
        .collect();
    Scored {
        score: agg.score,
        reasons,
        areas: aggregate::areas(&files),
        past_releases,
    }
}
