//! The outcome of a run, as outputs, JSON and Markdown.
//!
//! The JSON shape is part of the CLI contract (documented in `docs/revert.md`); fields are only
//! ever added.

use serde::Serialize;
use shipline_core::exit;
use shipline_core::output::{OutputError, Outputs};

use crate::culprit::Culprit;

/// What the run ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A revert PR was opened.
    Opened,
    /// The revert branch was created in the local repository (no forge token); pushed with
    /// `--push`.
    Local,
    /// Nothing new was done (see `skipped`).
    Skipped,
    /// The request was refused (see `skipped`); nothing was created.
    Refused,
    /// `--dry-run`: what would be done.
    DryRun,
    /// The revert conflicts; an issue lists the files (or, locally, the report does).
    Conflict,
}

/// Everything a run decided and did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Outcome.
    pub status: Status,
    /// Why nothing (new) was done, for `skipped`, `refused` and `conflict`.
    pub skipped: Option<String>,
    /// The revert branch.
    pub branch: Option<String>,
    /// The revert PR's number (also for an existing one found by deduplication).
    pub pr_number: Option<u64>,
    /// The revert PR's URL.
    pub pr_url: Option<String>,
    /// The issue opened for a conflict.
    pub issue_url: Option<String>,
    /// Where to open the PR by hand (local mode).
    pub compare_url: Option<String>,
    /// What is reverted.
    pub culprit: Option<Culprit>,
    /// The PR title.
    pub title: Option<String>,
    /// The PR description.
    pub body: Option<String>,
    /// Files that conflicted.
    pub conflicts: Vec<String>,
    /// Labels put on the PR.
    pub labels: Vec<String>,
    /// Reviewers requested and kept by the forge.
    pub reviewers: Vec<String>,
    /// Auto-merge was enabled on the opened PR (`revert.auto_merge: true`).
    pub auto_merge: bool,
    /// Asked to merge by itself, the PR/MR was merged at once: its checks had passed already
    /// (GitLab).
    pub merged: bool,
    /// Things that went wrong without stopping the run (a reviewer that could not be asked).
    pub warnings: Vec<String>,
}

impl Report {
    /// An empty report with `status`.
    pub fn new(status: Status) -> Self {
        Self {
            status,
            skipped: None,
            branch: None,
            pr_number: None,
            pr_url: None,
            issue_url: None,
            compare_url: None,
            culprit: None,
            title: None,
            body: None,
            conflicts: Vec::new(),
            labels: Vec::new(),
            reviewers: Vec::new(),
            auto_merge: false,
            merged: false,
            warnings: Vec::new(),
        }
    }

    /// Nothing new done, because `why`.
    pub fn skipped(why: impl Into<String>) -> Self {
        let mut r = Self::new(Status::Skipped);
        r.skipped = Some(why.into());
        r
    }

    /// Refused, because `why`.
    pub fn refused(why: impl Into<String>) -> Self {
        let mut r = Self::new(Status::Refused);
        r.skipped = Some(why.into());
        r
    }

    /// The process exit code: 3 for a refusal, 0 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self.status {
            Status::Refused => exit::BLOCKED,
            _ => exit::OK,
        }
    }

    /// Sets `pr-number`, `pr-url`, `branch` and `skipped` (empty when not applicable).
    pub fn write_outputs(&self, outputs: &Outputs) -> Result<(), OutputError> {
        let number = self.pr_number.map(|n| n.to_string()).unwrap_or_default();
        outputs.set("pr-number", &number)?;
        outputs.set("pr-url", self.pr_url.as_deref().unwrap_or_default())?;
        outputs.set("branch", self.branch.as_deref().unwrap_or_default())?;
        outputs.set("skipped", self.skipped.as_deref().unwrap_or_default())?;
        Ok(())
    }

    /// Stable JSON.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// A short Markdown report; in local mode it carries the PR description to paste.
    pub fn markdown(&self) -> String {
        let mut out = String::from("## shipline revert\n\n");
        let line = match self.status {
            Status::Opened => format!(
                "Opened revert PR #{} ({}) from `{}`{}.",
                self.pr_number.unwrap_or_default(),
                self.pr_url.as_deref().unwrap_or(""),
                self.branch.as_deref().unwrap_or(""),
                if self.merged {
                    "; its checks had passed, so it was merged at once"
                } else if self.auto_merge {
                    "; it merges by itself once its checks pass"
                } else {
                    ""
                }
            ),
            Status::Local => format!(
                "Created branch `{}` locally.",
                self.branch.as_deref().unwrap_or("")
            ),
            Status::Skipped => format!("Skipped: {}", self.skipped.as_deref().unwrap_or("")),
            Status::Refused => format!("Refused: {}", self.skipped.as_deref().unwrap_or("")),
            Status::DryRun => format!(
                "Dry run: would revert onto branch `{}`.",
                self.branch.as_deref().unwrap_or("")
            ),
            Status::Conflict => format!("Conflict: {}", self.skipped.as_deref().unwrap_or("")),
        };
        out.push_str(&line);
        out.push('\n');
        if let Some(url) = &self.compare_url {
            out.push_str(&format!("\nOpen the pull request: {url}\n"));
        }
        if let Some(url) = &self.issue_url {
            out.push_str(&format!("\nIssue: {url}\n"));
        }
        if !self.conflicts.is_empty() {
            out.push_str("\nConflicting files:\n");
            for f in &self.conflicts {
                out.push_str(&format!("- `{f}`\n"));
            }
        }
        if matches!(
            self.status,
            Status::Local | Status::DryRun | Status::Conflict
        ) && let (Some(title), Some(body)) = (&self.title, &self.body)
        {
            out.push_str(&format!("\n### {title}\n\n{body}"));
        }
        for w in &self.warnings {
            out.push_str(&format!("\nWarning: {w}\n"));
        }
        out
    }
}
