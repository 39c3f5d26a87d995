//! How every shipline tool ends: the documented exit codes and the one place errors map to them.
//!
//! Each library error type says which *class* of failure it is ([`Classify`]); [`Class::code`]
//! is the table from class to exit code, and [`finish`] is the one exit path the four binaries
//! share: it prints the error chain on one line to stderr, scrubbed of every secret the
//! redactor knows, and returns the code. Changing the table means changing [`Class::code`]
//! and nothing else.
//!
//! [`TABLE`] is the same table as users read it: one row per kind of failure, its code and the
//! tools it can happen in. The README carries it as [`markdown`] renders it (a test fails when
//! the two drift) and each binary's `--help` ends with [`help`]; the whole-pipeline tests run
//! every row through every tool it names.

use std::error::Error as StdError;
use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use crate::config::ConfigError;
use crate::context::ContextError;
use crate::forge::ForgeError;
use crate::git::GitError;
use crate::ledger::LedgerError;
use crate::output::{OutputError, Redactor};
use crate::variable::InvalidVar;

/// Done.
pub const OK: u8 = 0;
/// The job failed (a rollout rolled back, a forge call failed, ...).
pub const FAILED: u8 = 1;
/// Bad usage, input or configuration: nothing was done.
pub const USAGE: u8 = 2;
/// Blocked by a gate (promote) or above the risk limit (risk `--fail-above`).
pub const BLOCKED: u8 = 3;

/// What kind of failure an error is, as far as the exit code is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The job ran and failed, or something it needed (git, the forge, a file) failed.
    Failed,
    /// The call itself was wrong (a flag, a variable, the configuration): nothing was done.
    Usage,
    /// A gate or a limit refused: the call was right and the answer is no.
    Blocked,
}

impl Class {
    /// The exit code of this class: the table every tool documents.
    pub const fn code(self) -> u8 {
        match self {
            Class::Failed => FAILED,
            Class::Usage => USAGE,
            Class::Blocked => BLOCKED,
        }
    }
}

/// A tool, as the exit-code table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `shipline-risk`.
    Risk,
    /// `shipline-status`.
    Status,
    /// `shipline-promote`.
    Promote,
    /// `shipline-revert`.
    Revert,
}

impl Tool {
    /// Every tool, in the order the table lists them.
    pub const ALL: [Tool; 4] = [Tool::Risk, Tool::Status, Tool::Promote, Tool::Revert];

    /// The binary's name.
    pub const fn binary(self) -> &'static str {
        match self {
            Tool::Risk => "shipline-risk",
            Tool::Status => "shipline-status",
            Tool::Promote => "shipline-promote",
            Tool::Revert => "shipline-revert",
        }
    }

    /// The short name the table uses (`risk`).
    pub const fn name(self) -> &'static str {
        match self {
            Tool::Risk => "risk",
            Tool::Status => "status",
            Tool::Promote => "promote",
            Tool::Revert => "revert",
        }
    }
}

/// One row of the exit-code table: a kind of failure, its class and where it can happen.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The kind of failure, in a few words (the key the tests look cases up by).
    pub what: &'static str,
    /// An example or the details, for people.
    pub example: &'static str,
    /// Its class, which gives the code.
    pub class: Class,
    /// The tools it can happen in.
    pub tools: &'static [Tool],
}

const ALL: &[Tool] = &Tool::ALL;

/// The exit-code table every tool documents, one row per kind of failure. A run that did its
/// job exits 0.
pub const TABLE: &[Row] = &[
    Row {
        what: "bad flag or value",
        example: "an unknown flag, a missing or unusable value (`--since soon`), flags that do not go together (`risk history --format json`)",
        class: Class::Usage,
        tools: ALL,
    },
    Row {
        what: "not a git repository",
        example: "run outside a checkout, or `--repo` names a directory that is not one",
        class: Class::Usage,
        tools: ALL,
    },
    Row {
        what: "empty repository",
        example: "the checkout has no commits yet",
        class: Class::Usage,
        tools: ALL,
    },
    Row {
        what: "unknown revision",
        example: "`risk --base`, `status start --ref`, `promote --ref`, `revert --sha` naming no commit of the checkout",
        class: Class::Usage,
        tools: ALL,
    },
    Row {
        what: "reversed range",
        example: "`risk --base` newer than `--head` or without common history with it, `revert --range A..B` holding no commits",
        class: Class::Usage,
        tools: &[Tool::Risk, Tool::Revert],
    },
    Row {
        what: "bad config",
        example: "`.shipline.yml` invalid, or the file `--config` names missing",
        class: Class::Usage,
        tools: ALL,
    },
    Row {
        what: "unknown environment",
        example: "an environment `.shipline.yml` does not list",
        class: Class::Usage,
        tools: &[Tool::Status, Tool::Promote],
    },
    Row {
        what: "unknown component",
        example: "`--component` naming no component of `.shipline.yml`, or one not deployed to the environment",
        class: Class::Usage,
        tools: &[Tool::Risk, Tool::Status, Tool::Promote],
    },
    Row {
        what: "bad CI context",
        example: "`GITHUB_REPOSITORY` not `owner/name`, a SHA variable not a SHA, both `GITHUB_ACTIONS` and `GITLAB_CI` set, `$GITHUB_OUTPUT` in a directory that does not exist",
        class: Class::Usage,
        tools: ALL,
    },
    Row {
        what: "forge refused",
        example: "the token is refused (401, 403) or the forge fails",
        class: Class::Failed,
        tools: ALL,
    },
    Row {
        what: "rollout failed",
        example: "a rollout step or health check failed and was rolled back",
        class: Class::Failed,
        tools: &[Tool::Promote],
    },
    Row {
        what: "gate blocked",
        example: "a promotion gate refused, or the release is above `risk --fail-above`",
        class: Class::Blocked,
        tools: &[Tool::Risk, Tool::Promote],
    },
    Row {
        what: "revert refused",
        example: "the commit is not on the default branch, or `/revert` came from someone without write access",
        class: Class::Blocked,
        tools: &[Tool::Revert],
    },
];

/// The tools column of a row: `all`, or the short names.
fn tools_cell(tools: &[Tool]) -> String {
    if tools == ALL {
        "all".to_string()
    } else {
        tools
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// [`TABLE`] as the Markdown table the README carries.
pub fn markdown() -> String {
    let mut out = String::from("| error | code | tools | for example |\n|---|---|---|---|\n");
    for row in TABLE {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.what,
            row.class.code(),
            tools_cell(row.tools),
            row.example
        ));
    }
    out
}

/// The exit codes of one tool, for the end of its `--help`.
pub fn help(tool: Tool) -> String {
    let mut out = String::from(
        "New to shipline? `shipline-status init` writes a starter .shipline.yml and a GitHub\n\
         workflow or GitLab include file for your repository.\n\n\
         Exit codes: 0 ok, 1 failed, 2 usage, input or configuration error, 3 blocked or refused.\n",
    );
    for row in TABLE.iter().filter(|row| row.tools.contains(&tool)) {
        out.push_str(&format!("  {}  {}\n", row.class.code(), row.what));
    }
    out
}

/// An error that knows its [`Class`]. Every library error type implements it, so the binaries
/// need no downcasting to pick an exit code.
pub trait Classify {
    /// The class of this error.
    fn class(&self) -> Class;
}

impl Classify for std::io::Error {
    fn class(&self) -> Class {
        Class::Failed
    }
}

/// `.shipline.yml` is wrong: a usage error.
impl Classify for ConfigError {
    fn class(&self) -> Class {
        Class::Usage
    }
}

/// The CI context (variables, the event payload) cannot be used as given.
impl Classify for ContextError {
    fn class(&self) -> Class {
        Class::Usage
    }
}

/// A forge call failed: the job failed, whatever the status.
impl Classify for ForgeError {
    fn class(&self) -> Class {
        Class::Failed
    }
}

/// A revision that names no commit, a directory that is no repository and a repository
/// without commits are the caller's input; git failing otherwise is a failure.
impl Classify for GitError {
    fn class(&self) -> Class {
        match self {
            GitError::UnknownRevision { .. }
            | GitError::NotARepository(_)
            | GitError::NoCommits { .. }
            | GitError::NoDirectory { .. } => Class::Usage,
            _ => Class::Failed,
        }
    }
}

/// An environment name, a state transition or a deployment id the ledger refuses was given by
/// the caller; anything else failed underneath.
impl Classify for LedgerError {
    fn class(&self) -> Class {
        match self {
            LedgerError::InvalidEnvironment { .. }
            | LedgerError::InvalidTransition { .. }
            | LedgerError::InvalidRequest(_)
            | LedgerError::NotFound { .. } => Class::Usage,
            _ => Class::Failed,
        }
    }
}

/// A setting variable with a value shipline cannot use was given by the caller.
impl Classify for InvalidVar {
    fn class(&self) -> Class {
        Class::Usage
    }
}

/// A setting variable for the outputs with an unusable value is a usage error; a file that
/// cannot be written is a failure.
impl Classify for OutputError {
    fn class(&self) -> Class {
        match self {
            OutputError::MissingVar { .. } | OutputError::InvalidVar(_) => Class::Usage,
            _ => Class::Failed,
        }
    }
}

/// A failed run on its way out of a binary: the error with its class.
///
/// Any error that implements [`Classify`] converts into it with `?`; [`Failure::new`] gives an
/// error of another type its class explicitly.
pub struct Failure {
    class: Class,
    error: Box<dyn StdError + Send + Sync + 'static>,
}

impl Failure {
    /// An error of the given class.
    pub fn new(class: Class, error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        Self {
            class,
            error: error.into(),
        }
    }

    /// The class this failure was given.
    pub fn class(&self) -> Class {
        self.class
    }

    /// The error chain on one line, `outer: inner: ...`.
    pub fn message(&self) -> String {
        one_line(self.error.as_ref())
    }

    /// Whether a closed stdout (`| head`) caused it, which is not a failure worth reporting.
    fn is_broken_pipe(&self) -> bool {
        chain(self.error.as_ref()).any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        })
    }
}

impl<E> From<E> for Failure
where
    E: StdError + Classify + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        Self {
            class: error.class(),
            error: Box::new(error),
        }
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.class, self.message())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Turns a tool's result into the process exit code: `Ok(code)` exits with the code the tool
/// chose (0, or 3 for a refusal it reported itself); an error is printed on one line to stderr,
/// scrubbed by `redactor`, and exits with its class's code. A closed stdout exits 0.
pub fn finish(result: Result<u8, Failure>, redactor: &Redactor) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) if failure.is_broken_pipe() => ExitCode::SUCCESS,
        Err(failure) => {
            let text = crate::text::plain_lines(
                &redactor.redact(&format!("error: {}", failure.message())),
            );
            let _ = writeln!(std::io::stderr(), "{text}");
            ExitCode::from(failure.class.code())
        }
    }
}

fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(error);
    std::iter::from_fn(move || {
        let current = next?;
        next = current.source();
        Some(current)
    })
}

/// The error chain on one line, `outer: inner: ...`. A cause whose text the line already holds
/// is left out: errors that print their source in their own message (`forge ledger: {0}`)
/// would otherwise repeat it.
pub fn one_line(error: &(dyn StdError + 'static)) -> String {
    let mut line = String::new();
    for cause in chain(error) {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("inner failed")]
    struct Inner;

    impl Classify for Inner {
        fn class(&self) -> Class {
            Class::Usage
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Outer(#[from] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("starting")]
    struct Starting(#[source] Outer);

    #[test]
    fn one_line_does_not_repeat_a_cause_already_in_the_message() {
        assert_eq!(
            one_line(&Starting(Outer(Inner))),
            "starting: outer: inner failed"
        );
    }

    #[test]
    fn a_classified_error_keeps_its_class_and_the_table_gives_the_code() {
        let failure = Failure::from(Inner);
        assert_eq!(failure.class(), Class::Usage);
        assert_eq!(failure.class().code(), USAGE);
        assert_eq!(Class::Failed.code(), FAILED);
        assert_eq!(Class::Blocked.code(), BLOCKED);
    }

    #[test]
    fn the_readme_carries_the_table() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(&markdown()),
            "the exit-code table in README.md differs from exit::TABLE; paste this in:\n{}",
            markdown()
        );
    }

    #[test]
    fn help_lists_only_the_rows_of_the_tool() {
        let revert = help(Tool::Revert);
        assert!(revert.contains("3  revert refused"), "{revert}");
        assert!(!revert.contains("rollout failed"), "{revert}");
        assert!(help(Tool::Promote).contains("1  rollout failed"));
    }

    #[test]
    fn a_broken_pipe_anywhere_in_the_chain_is_not_a_failure() {
        let pipe = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed");
        assert!(Failure::from(pipe).is_broken_pipe());
        assert!(!Failure::from(Inner).is_broken_pipe());
    }
}
