//! Why the CI context could not be detected; each error names the variable or file and the fix.

use std::path::PathBuf;

use super::runtime::Runtime;
use crate::git::GitError;
use crate::variable::InvalidVar;

/// Why the context could not be detected.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A variable the runtime always sets is missing or empty.
    #[error("{var} is not set, but {runtime} always sets it: {hint}")]
    MissingVar {
        /// The variable.
        var: &'static str,
        /// The runtime that was detected.
        runtime: Runtime,
        /// What to do.
        hint: &'static str,
    },
    /// Both GitHub Actions and GitLab CI say they are running this job.
    #[error(
        "GITHUB_ACTIONS and GITLAB_CI are both set to `true`, so it is unclear which CI runs this job: unset the one that does not apply"
    )]
    TwoRuntimes,
    /// A variable has a value shipline cannot use.
    #[error(transparent)]
    InvalidVar(#[from] InvalidVar),
    /// The event payload file could not be read.
    #[error(
        "cannot read the event payload {path} (from GITHUB_EVENT_PATH): {source}; run shipline as a step of the job, not in a container that lacks the runner's files"
    )]
    PayloadRead {
        /// The payload path.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The event payload is not JSON.
    #[error(
        "the event payload {path} (from GITHUB_EVENT_PATH) is not valid JSON at line {line}, column {column}: {message}"
    )]
    PayloadParse {
        /// The payload path.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The payload lacks a field its event always has.
    #[error(
        "the {event} payload {path} has no `{field}`; the file does not match GITHUB_EVENT_NAME={event}"
    )]
    PayloadField {
        /// The event name.
        event: String,
        /// The payload path.
        path: PathBuf,
        /// The JSON path of the field (`pull_request.head.sha`).
        field: String,
    },
    /// A payload field holds what its event never sends (a commit id that is not one).
    #[error(
        "the {event} payload {path} has `{field}` = `{value}`, which is not {expected}; the file is not an event GitHub sent: check GITHUB_EVENT_PATH"
    )]
    PayloadValue {
        /// The event name.
        event: String,
        /// The payload path.
        path: PathBuf,
        /// The JSON path of the field.
        field: String,
        /// The value found (cut to 80 characters).
        value: String,
        /// What the field holds in a real event.
        expected: &'static str,
    },
    /// GitLab's trigger payload (`TRIGGER_PAYLOAD`) could not be read or is not what it says.
    #[error("the trigger payload {path} (from TRIGGER_PAYLOAD): {message}")]
    TriggerPayload {
        /// The payload path.
        path: PathBuf,
        /// What is wrong, and what to do.
        message: String,
    },
    /// Local detection failed in git.
    #[error("cannot read the local checkout: {0}")]
    Git(#[from] GitError),
}
