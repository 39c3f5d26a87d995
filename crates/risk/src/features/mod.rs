//! Per-change features in one pass over the history.
//!
//! Just-in-time defect prediction (Kamei et al. 2013) describes each change by its size (LA, LD,
//! LT), its spread (NS, ND, NF, entropy), the history of the files it touches (NDEV, AGE, NUC), its
//! author's experience (EXP, REXP, SEXP) and its purpose (fix). Most of these depend on what came
//! before, so [`Tracker`] walks the commits oldest first and keeps, per file and per author, just
//! enough state to answer them in constant time per touched file. It also splits the size by the
//! role of each file ([`paths`]): lines of shipped code, of tests, of docs, because a change that
//! only edits tests or prose is a different thing from one that rewrites code.

mod paths;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use shipline_core::config::RiskConfig;
use shipline_core::git::history::Commit;

use crate::code_lines::Measured;
use paths::is_migration;
pub(crate) use paths::{PathKind, classify};
use shipline_commits::CommitMessage;

/// Seconds in a day.
const DAY: f64 = 86_400.0;

/// What one change looks like, before scoring.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Lines added.
    pub la: u64,
    /// Lines deleted.
    pub ld: u64,
    /// Lines in the touched files before the change (mean over files, as far as history shows).
    pub lt: f64,
    /// Subsystems (top-level directories) touched.
    pub ns: u32,
    /// Directories touched.
    pub nd: u32,
    /// Files touched.
    pub nf: u32,
    /// Spread of the modified lines over the files (Shannon entropy, bits).
    pub entropy: f64,
    /// Distinct authors who changed the touched files before.
    pub ndev: u32,
    /// Mean days since the touched files last changed.
    pub age: f64,
    /// Earlier changes to the touched files (sum over files).
    pub nuc: u32,
    /// The author's earlier changes.
    pub exp: u32,
    /// The author's earlier changes, weighted by recency (one-year decay).
    pub rexp: f64,
    /// The author's earlier changes to the same subsystems.
    pub sexp: u32,
    /// The author's earlier changes to the touched code files.
    pub own: u32,
    /// The message says this change fixes a defect.
    pub fix: bool,
    /// The change undoes an earlier one.
    pub revert: bool,
    /// The change is an urgent fix.
    pub hotfix: bool,
    /// Lines added to shipped code (not tests, docs, CI or lockfiles).
    pub code_la: u64,
    /// Lines deleted from shipped code.
    pub code_ld: u64,
    /// Shipped-code files touched.
    pub code_nf: u32,
    /// Lines added or deleted in tests.
    pub test_lines: u64,
    /// Lines added or deleted in docs.
    pub doc_lines: u64,
    /// Earlier fix commits that touched the code files of this change (sum over files).
    pub code_fixes: u32,
    /// Earlier changes to the code files of this change (sum over files).
    pub code_changes: u32,
    /// Code files that did not exist before (as far as history shows).
    pub code_new_files: u32,
    /// CI, infrastructure or deployment files touched.
    pub infra_files: u32,
    /// Database migrations touched.
    pub migrations: u32,
    /// Dependency manifests or lockfiles touched.
    pub dep_files: u32,
    /// Binary files touched.
    pub binaries: u32,
    /// Lines of code changed while no test changed with them.
    pub untested_code: bool,
    /// Sensitive-path rules matched (reason and weight from `risk.sensitive`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive: Vec<(String, u8)>,
    /// Dependencies this change itself moved across a major version, read from its own diff
    /// against its first parent (filled in for the range under review only).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dep_majors: u32,
    /// Those moves, as `name from → to`, for the reason shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dep_major_moves: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One touched file's past, as far as the history read so far shows.
#[derive(Debug, Default, Serialize, Deserialize)]
struct FileState {
    lines: i64,
    last: i64,
    changes: u32,
    fixes: u32,
    authors: Vec<(u32, u32)>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AuthorState {
    changes: u32,
    recent: f64,
    last: i64,
    subsystems: HashMap<String, u32>,
}

/// Walks commits oldest first and computes each one's [`Features`]. Its state can be saved and
/// restored (serde), to carry on after a part of the history read earlier.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Tracker {
    files: HashMap<String, FileState>,
    authors: HashMap<String, AuthorState>,
    author_ids: HashMap<String, u32>,
}

/// The path a change entry refers to, as text (non-UTF-8 bytes replaced).
fn path_text(path: &shipline_core::git::history::GitPath) -> String {
    path.to_string_lossy().into_owned()
}

fn subsystem(path: &str) -> &str {
    match path.split_once('/') {
        Some((top, _)) => top,
        None => "",
    }
}

fn directory(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((dir, _)) => dir,
        None => "",
    }
}

impl Tracker {
    /// A tracker that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The features of `commit` given everything observed so far, then records it. Commits must
    /// come oldest first; `ignored` paths are left out entirely. `code`: the commit's lines of
    /// code per file of a lexed language ([`crate::code_lines`]), when measured; the rest of
    /// those files' changed lines (comments, blank lines, whitespace) count as docs.
    pub fn observe(
        &mut self,
        commit: &Commit,
        message: &CommitMessage,
        config: &RiskConfig,
        code: Option<&Measured>,
    ) -> Features {
        let ignored = |p: &str| config.is_ignored(p);
        let author = commit.author_email.to_ascii_lowercase();
        let next_id = self.author_ids.len() as u32;
        let author_id = *self.author_ids.entry(author.clone()).or_insert(next_id);
        let time = commit.author_time.seconds;
        let mut f = Features {
            fix: message.purpose.is_fix || message.purpose.is_hotfix,
            revert: message.purpose.is_revert,
            hotfix: message.purpose.is_hotfix,
            ..Features::default()
        };

        let files: Vec<_> = commit
            .files
            .iter()
            .map(|c| (path_text(&c.path), c))
            .filter(|(p, _)| !ignored(p))
            .collect();
        // Renames carry the file's past over to its new name.
        for (path, change) in &files {
            if let Some(old) = &change.old_path {
                let old = path_text(old);
                if let Some(state) = self.files.remove(&old) {
                    self.files.insert(path.clone(), state);
                }
            }
        }

        let mut subsystems = HashSet::new();
        let mut dirs = HashSet::new();
        let mut devs = HashSet::new();
        let mut ages = Vec::new();
        let mut lt_sum = 0i64;
        let mut lt_known = 0u32;
        let mut test_touched = false;
        let author_state = self.authors.get(&author);
        for (path, change) in &files {
            f.nf += 1;
            f.la += change.added;
            f.ld += change.deleted;
            subsystems.insert(subsystem(path).to_string());
            dirs.insert(directory(path).to_string());
            let kind = classify(path);
            let lines = change.added + change.deleted;
            if change.binary {
                f.binaries += 1;
            }
            if is_migration(path) {
                f.migrations += 1;
            }
            for rule in config.sensitive_matches(path) {
                if !f.sensitive.iter().any(|(r, _)| r == &rule.reason) {
                    f.sensitive.push((rule.reason.clone(), rule.weight));
                }
            }
            match kind {
                PathKind::Code => {
                    let (added, deleted) = match code {
                        Some(measured) if crate::code_lines::syntax(path).is_some() => {
                            measured.get(path.as_str()).copied().unwrap_or((0, 0))
                        }
                        _ => (change.added, change.deleted),
                    };
                    f.code_la += added;
                    f.code_ld += deleted;
                    if added + deleted > 0 {
                        f.code_nf += 1;
                    }
                    f.doc_lines += lines.saturating_sub(added + deleted);
                }
                PathKind::Test => {
                    f.test_lines += lines;
                    test_touched = true;
                }
                PathKind::Docs => f.doc_lines += lines,
                PathKind::Infra => f.infra_files += 1,
                PathKind::Deps => f.dep_files += 1,
                PathKind::Other => {}
            }
            match self.files.get(path) {
                Some(state) => {
                    devs.extend(state.authors.iter().map(|(a, _)| *a));
                    ages.push(((time - state.last).max(0) as f64) / DAY);
                    f.nuc += state.changes;
                    lt_sum += state.lines.max(0);
                    lt_known += 1;
                    if kind == PathKind::Code {
                        f.code_fixes += state.fixes;
                        f.code_changes += state.changes;
                        f.own += state
                            .authors
                            .iter()
                            .find(|(a, _)| *a == author_id)
                            .map_or(0, |(_, n)| *n);
                    }
                }
                None => {
                    if kind == PathKind::Code && change.deleted == 0 {
                        f.code_new_files += 1;
                    }
                }
            }
        }
        f.ns = subsystems.len() as u32;
        f.nd = dirs.len() as u32;
        f.ndev = devs.len() as u32;
        f.age = if ages.is_empty() {
            0.0
        } else {
            ages.iter().sum::<f64>() / ages.len() as f64
        };
        f.lt = if lt_known == 0 {
            0.0
        } else {
            lt_sum as f64 / lt_known as f64
        };
        let total: u64 = files.iter().map(|(_, c)| c.added + c.deleted).sum();
        if total > 0 {
            f.entropy = files
                .iter()
                .map(|(_, c)| (c.added + c.deleted) as f64 / total as f64)
                .filter(|p| *p > 0.0)
                .map(|p| -p * p.log2())
                .sum();
        }
        f.untested_code = f.code_la + f.code_ld > 0 && !test_touched;
        if let Some(a) = author_state {
            f.exp = a.changes;
            f.rexp = a.recent * decay(time - a.last);
            f.sexp = subsystems
                .iter()
                .map(|s| a.subsystems.get(s).copied().unwrap_or(0))
                .sum();
        }

        // Record the change.
        let a = self.authors.entry(author).or_default();
        a.recent = a.recent * decay(time - a.last) + 1.0;
        a.last = a.last.max(time);
        a.changes += 1;
        for s in &subsystems {
            *a.subsystems.entry(s.clone()).or_default() += 1;
        }
        for (path, change) in &files {
            let state = self.files.entry(path.clone()).or_default();
            state.lines += change.added as i64 - change.deleted as i64;
            state.last = state.last.max(time);
            state.changes += 1;
            if f.fix {
                state.fixes += 1;
            }
            match state.authors.iter_mut().find(|(a, _)| *a == author_id) {
                Some((_, n)) => *n += 1,
                None => state.authors.push((author_id, 1)),
            }
        }
        f
    }
}

/// Weight of a past change `seconds` ago in the recent-experience sum (one-year time constant).
fn decay(seconds: i64) -> f64 {
    (-(seconds.max(0) as f64) / (365.0 * DAY)).exp()
}
