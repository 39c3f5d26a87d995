//! What can go wrong, one type per step, each with its exit-code class.
//!
//! The flags are checked ([`FlagError`]), the range is resolved ([`RangeError`]), the history is
//! read into a report ([`ReportError`]), and the report is printed, posted and set as outputs
//! ([`PublishError`]); [`Error`] is any of them, as the binary sees it. Each implements
//! [`Classify`], so the binary picks the exit code without looking inside.
//!
//! The caller's mistakes exit 2 (`exit::USAGE`): flags this tool refuses together (found only
//! once the configuration has been read), `--comment` or `--label` where they cannot work, a
//! revision that names no commit, a reversed or unrelated range. A failure of git, the forge or
//! the outputs exits 1. Configuration and CI-context errors (2) come from start-up in
//! `shipline_core`, and a release above `--fail-above` (3) is not an error: the report command
//! returns that code itself.
//! The texts are what users see, so they name the flag, revision, PR/MR or label, and the fix.

use shipline_commits::VersionError;
use shipline_core::app::AppError;
use shipline_core::context::EventKind;
use shipline_core::exit::{Class, Classify};
use shipline_core::forge::{ForgeError, ForgeKind};
use shipline_core::git::GitError;
use shipline_core::output::OutputError;

/// Flags that do not go together.
#[derive(Debug, thiserror::Error)]
pub enum FlagError {
    /// `--format jsonl` without the `history` subcommand.
    #[error("--format jsonl is for `shipline-risk history`; use markdown or json")]
    JsonlOutsideHistory,
    /// `history` with `--format markdown` or `--format json`.
    #[error("`history` prints JSON lines only: drop --format or use --format jsonl")]
    HistoryNotJsonl,
    /// `--component` names no component of the configuration.
    #[error("--component (SHIPLINE_COMPONENT): {0}")]
    Component(String),
}

impl Classify for FlagError {
    fn class(&self) -> Class {
        Class::Usage
    }
}

/// The range of commits could not be settled.
#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    /// A revision given by a flag (or by the event, for the flag's default) is unknown here.
    #[error("resolving {from} `{rev}`")]
    Revision {
        /// Where the revision came from: `--base`, `--head`, or the variable or payload field
        /// of the CI event that named it.
        from: Box<str>,
        /// The revision as given.
        rev: String,
        /// What git said.
        #[source]
        source: GitError,
    },
    /// `--base` is newer than `--head`: the range holds nothing, though a release lies between.
    #[error(
        "--base `{base}` is a descendant of --head `{head}`: the range is reversed and would hold \
         nothing; swap them (--base {head} --head {base})"
    )]
    Reversed {
        /// `--base` as given.
        base: String,
        /// `--head` (or its default) as given.
        head: String,
    },
    /// `--base` and `--head` share no history, so nothing between them is a release.
    #[error(
        "--base `{base}` and --head `{head}` have no common history (no merge base): pass a \
         --base that is an ancestor of --head, such as the previous release tag"
    )]
    Unrelated {
        /// `--base` as given.
        base: String,
        /// `--head` (or its default) as given.
        head: String,
    },
    /// git failed (a shallow clone that cannot be deepened, a tag that does not resolve, ...).
    #[error(transparent)]
    Git(#[from] GitError),
}

/// A reversed or unrelated range is a wrong call (2), and so is a revision that names no
/// commit; git failing is a failure (1).
impl Classify for RangeError {
    fn class(&self) -> Class {
        match self {
            RangeError::Reversed { .. } | RangeError::Unrelated { .. } => Class::Usage,
            RangeError::Revision { source, .. } | RangeError::Git(source) => source.class(),
        }
    }
}

/// The history could not be read into a report or into history lines.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// git failed while reading the history.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The commits ask for a version that cannot be computed from the latest tag.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// Writing history lines failed (a closed pipe is not reported).
    #[error("cannot write the report: {0}")]
    Write(#[source] std::io::Error),
    /// A history line could not be encoded as JSON.
    #[error("cannot encode the report: {0}")]
    Encode(#[source] serde_json::Error),
}

impl Classify for ReportError {
    fn class(&self) -> Class {
        match self {
            ReportError::Git(e) => e.class(),
            _ => Class::Failed,
        }
    }
}

/// The report could not be printed, posted or set as outputs.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// `--comment` or `--label` outside a pull or merge request.
    #[error(
        "--comment and --label need a pull request (GitHub `pull_request` event) or a merge request pipeline (GitLab); this run is a {event} event"
    )]
    NotAChangeRequest {
        /// What started this run instead.
        event: EventKind,
    },
    /// `--comment` or `--label` without a token that can write to the PR/MR.
    #[error(
        "--comment/--label need a token to write to #{number}: {}",
        token_fix(*forge)
    )]
    NoToken {
        /// The PR/MR.
        number: u64,
        /// The forge it lives on, which decides the token to set.
        forge: Option<ForgeKind>,
    },
    /// The forge client could not be set up.
    #[error(transparent)]
    Forge(#[from] AppError),
    /// The sticky comment could not be created or updated.
    #[error("posting the risk summary on #{number}")]
    Comment {
        /// The PR/MR.
        number: u64,
        /// What the forge said.
        #[source]
        source: ForgeError,
    },
    /// The PR/MR's labels could not be read.
    #[error("reading the labels of #{number}")]
    ReadLabels {
        /// The PR/MR.
        number: u64,
        /// What the forge said.
        #[source]
        source: ForgeError,
    },
    /// A `risk:` label of another level could not be removed.
    #[error("removing the label `{label}` from #{number}")]
    RemoveLabel {
        /// The PR/MR.
        number: u64,
        /// The label.
        label: String,
        /// What the forge said.
        #[source]
        source: ForgeError,
    },
    /// The `risk:<level>` label could not be added.
    #[error("adding the label `{label}` to #{number}")]
    AddLabel {
        /// The PR/MR.
        number: u64,
        /// The label.
        label: String,
        /// What the forge said.
        #[source]
        source: ForgeError,
    },
    /// The report could not be encoded as JSON.
    #[error(transparent)]
    Encode(serde_json::Error),
    /// The report could not be written to stdout.
    #[error(transparent)]
    Stdout(std::io::Error),
    /// An output, the step summary or an annotation could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// The token to set for `--comment` and `--label`, and the permission it needs.
fn token_fix(forge: Option<ForgeKind>) -> &'static str {
    match forge {
        Some(ForgeKind::GitLab) => {
            "set GITLAB_TOKEN to a project access token with the `api` scope (CI_JOB_TOKEN cannot write MR notes)"
        }
        _ => {
            "set GITHUB_TOKEN (env: GITHUB_TOKEN: ${{ github.token }}) and grant `permissions: pull-requests: write`"
        }
    }
}

/// `--comment` or `--label` where they cannot work is a wrong call (2). Outputs are written
/// once the report exists, so an output file that cannot be written fails the run (1) like any
/// other write.
impl Classify for PublishError {
    fn class(&self) -> Class {
        match self {
            PublishError::NotAChangeRequest { .. } | PublishError::NoToken { .. } => Class::Usage,
            PublishError::Forge(e) => e.class(),
            _ => Class::Failed,
        }
    }
}

/// Anything `shipline-risk` can fail with, by the step that failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Flags that do not go together.
    #[error(transparent)]
    Flags(#[from] FlagError),
    /// The checkout could not be opened.
    #[error(transparent)]
    App(#[from] AppError),
    /// The range could not be settled.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// The report could not be built.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The task building the report stopped before it finished.
    #[error("the report task stopped")]
    ReportTask(#[source] tokio::task::JoinError),
    /// `shipline-risk history` could not read or write the history.
    #[error("reading the history for `shipline-risk history`")]
    History(#[source] ReportError),
    /// The report could not be printed, posted or set as outputs.
    #[error(transparent)]
    Publish(#[from] PublishError),
}

impl Classify for Error {
    fn class(&self) -> Class {
        match self {
            Error::Flags(e) => e.class(),
            Error::App(e) => e.class(),
            Error::Range(e) => e.class(),
            Error::Report(e) | Error::History(e) => e.class(),
            Error::ReportTask(_) => Class::Failed,
            Error::Publish(e) => e.class(),
        }
    }
}
