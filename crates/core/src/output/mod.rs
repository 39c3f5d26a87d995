//! The one sink every tool reports through: outputs, summaries, annotations, groups, logs.
//!
//! Each CI system has its own way to hand values to later steps and to show a report, and each
//! has traps (heredoc delimiters on GitHub, a strict dotenv parser with size limits on GitLab).
//! [`Outputs`] knows the runtime and does the right thing for it:
//!
//! | | GitHub Actions | GitLab CI | local |
//! |---|---|---|---|
//! | `set` | appended to `$GITHUB_OUTPUT` | `shipline.env` dotenv report (`SHIPLINE_DOTENV`) | kept (see [`Outputs::values`]) and printed `name=value` on stderr |
//! | `summary` | appended to `$GITHUB_STEP_SUMMARY` | appended to `shipline-report.md` (`SHIPLINE_REPORT`) | stdout |
//! | annotations | `::notice/warning/error file=,line=,title=::` | `warning: file:line: message` lines | same as GitLab |
//! | `group` | `::group::` / `::endgroup::` | collapsed `section_start` / `section_end` | a `== name ==` line |
//! | `mask` | `::add-mask::` per line | scrubbing only | scrubbing only |
//!
//! Console lines (commands, logs, annotations) go to stderr, so stdout stays the tool's report
//! (`--format json` can be piped); the GitHub runner reads workflow commands from both streams.
//!
//! Secrets: at construction the values of the secret variables ([`crate::secret::is_secret_var`]) are registered
//! in a shared [`Redactor`] (and masked with `::add-mask::` on GitHub); every string written
//! anywhere passes through it, so a token cannot reach a file or a log even when a caller passes
//! it in by mistake.

mod console;
mod error;
pub mod github;
pub mod gitlab;
mod redact;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

pub use console::{Capture, Console};
pub use error::OutputError;
pub use gitlab::DotenvLimits;
pub use redact::{MASK, MIN_SECRET_LEN, RedactingWriter, Redactor};

use crate::context::{CiContext, Runtime};
use crate::variable::InvalidVar;

pub use crate::secret::TOKEN_VARS;

/// Annotation severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Informational.
    Notice,
    /// Something to look at.
    Warning,
    /// Something wrong.
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A message attached to a file and line (shown in the PR diff on GitHub).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Severity.
    pub level: Level,
    /// The message (may be multi-line).
    pub message: String,
    /// Path relative to the repository root.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<u32>,
    /// Last line of a range.
    pub end_line: Option<u32>,
    /// A short title.
    pub title: Option<String>,
}

impl Annotation {
    /// An annotation with only a message.
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        Self {
            level,
            message: message.into(),
            file: None,
            line: None,
            end_line: None,
            title: None,
        }
    }

    /// Attaches a file and line.
    pub fn at(mut self, file: impl Into<String>, line: u32) -> Self {
        self.file = Some(file.into());
        self.line = Some(line);
        self
    }

    /// Sets the title.
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

#[derive(Debug)]
enum Backend {
    GitHub {
        output: Option<PathBuf>,
        summary: Option<PathBuf>,
    },
    GitLab {
        dotenv: PathBuf,
        report: PathBuf,
        limits: DotenvLimits,
    },
    Local,
}

/// The output sink; see the module docs for what each method does per runtime. Methods take
/// `&self` (state is behind a lock), so one sink can be shared by a whole run.
#[derive(Debug)]
pub struct Outputs {
    runtime: Runtime,
    backend: Backend,
    console: Mutex<Console>,
    redactor: Redactor,
    // Every output set in this process (values already scrubbed), for JSON reports and tests.
    values: Mutex<BTreeMap<String, String>>,
    // Serialises dotenv read-modify-write cycles within the process.
    file_lock: Mutex<()>,
}

impl Outputs {
    /// The sink for a detected context, reading settings and tokens from the process
    /// environment and writing to the real stdout/stderr.
    pub fn for_runtime(ctx: &CiContext) -> Result<Self, OutputError> {
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        Self::from_vars(ctx, &vars, Console::std())
    }

    /// The sink for a detected context, with settings and tokens from `vars`.
    pub fn from_vars(
        ctx: &CiContext,
        vars: &BTreeMap<String, String>,
        console: Console,
    ) -> Result<Self, OutputError> {
        Self::new(ctx.runtime, &ctx.workspace, vars, console)
    }

    /// The sink for `runtime`, with relative paths resolved against `workspace`.
    pub fn new(
        runtime: Runtime,
        workspace: &Path,
        vars: &BTreeMap<String, String>,
        console: Console,
    ) -> Result<Self, OutputError> {
        let get = |k: &str| var(vars, k);
        let resolve = |p: &str| {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                workspace.join(p)
            }
        };
        let backend = match runtime {
            Runtime::GitHubActions => Backend::GitHub {
                output: runner_file(vars, "GITHUB_OUTPUT")?,
                summary: runner_file(vars, "GITHUB_STEP_SUMMARY")?,
            },
            Runtime::GitLabCi => Backend::GitLab {
                dotenv: resolve(get("SHIPLINE_DOTENV").unwrap_or("shipline.env")),
                report: resolve(get("SHIPLINE_REPORT").unwrap_or("shipline-report.md")),
                limits: DotenvLimits {
                    max_bytes: limit(vars, "SHIPLINE_DOTENV_MAX_BYTES", gitlab::DEFAULT_MAX_BYTES)?,
                    max_variables: limit(
                        vars,
                        "SHIPLINE_DOTENV_MAX_VARIABLES",
                        gitlab::DEFAULT_MAX_VARIABLES,
                    )?,
                },
            },
            Runtime::Local => Backend::Local,
        };
        let outputs = Self {
            runtime,
            backend,
            console: Mutex::new(console),
            redactor: Redactor::new(),
            values: Mutex::new(BTreeMap::new()),
            file_lock: Mutex::new(()),
        };
        for value in crate::secret::secret_values(vars) {
            outputs.mask(value);
        }
        Ok(outputs)
    }

    /// The runtime this sink writes for.
    pub fn runtime(&self) -> Runtime {
        self.runtime
    }

    /// The shared scrubber (register more secrets with [`Outputs::mask`] or on the clone).
    pub fn redactor(&self) -> Redactor {
        self.redactor.clone()
    }

    /// A logging handle for progress lines, scrubbed like everything else.
    pub fn log(&self) -> Log<'_> {
        Log { outputs: self }
    }

    /// Every output set through this sink so far (scrubbed values).
    pub fn values(&self) -> BTreeMap<String, String> {
        self.values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Registers a secret: scrubbed from everything written from now on, and on GitHub hidden
    /// from the job log with `::add-mask::` (one command per line of a multi-line value).
    pub fn mask(&self, value: &str) {
        if !self.redactor.add(value) {
            return;
        }
        if self.runtime == Runtime::GitHubActions {
            let mut lines: Vec<&str> = value
                .lines()
                .map(str::trim)
                .filter(|l| l.len() >= MIN_SECRET_LEN)
                .collect();
            lines.dedup();
            // This is the one place a secret is written unscrubbed: the runner needs the value.
            for line in lines {
                self.console_err_raw(&github::command("add-mask", &[], line));
            }
        }
    }

    /// Sets an output for later steps or jobs.
    pub fn set(&self, name: &str, value: &str) -> Result<(), OutputError> {
        let name = self.redactor.redact(name).into_owned();
        let value = self.redactor.redact(value).into_owned();
        match &self.backend {
            Backend::GitHub { output, .. } => {
                if name.is_empty() || name.contains(['=', '\n', '\r', '<']) {
                    return Err(OutputError::InvalidName {
                        name,
                        rule: "GitHub output names must be non-empty and contain no `=`, `<` or line breaks",
                    });
                }
                let path = output.as_ref().ok_or(OutputError::MissingVar {
                    var: "GITHUB_OUTPUT",
                    hint: "the runner sets it for every step; run shipline as a step (runner 2.297.0 or newer)",
                })?;
                let entry = github::file_command_entry(&name, &value, github::random_delimiter);
                append_existing_dir(path, &entry)?;
            }
            Backend::GitLab { dotenv, limits, .. } => {
                let key = gitlab::dotenv_key(&name)?;
                let _guard = self.file_lock.lock().unwrap_or_else(|e| e.into_inner());
                let mut entries = gitlab::read_dotenv(dotenv)?;
                let text = gitlab::upsert(&mut entries, &name, key, &value, *limits)?;
                write(dotenv, &text)?;
            }
            Backend::Local => {
                self.console_err(&format!("{name}={value}"));
            }
        }
        self.values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name, value);
        Ok(())
    }

    /// Adds Markdown to the run's summary (appended; call as often as needed).
    pub fn summary(&self, markdown: &str) -> Result<(), OutputError> {
        // A last line of defence: whatever a caller forgot to clean, no control character
        // reaches the summary or the terminal.
        let mut text = crate::text::plain_lines(&self.redactor.redact(markdown));
        if !text.ends_with('\n') {
            text.push('\n');
        }
        match &self.backend {
            Backend::GitHub { summary, .. } => {
                let path = summary.as_ref().ok_or(OutputError::MissingVar {
                    var: "GITHUB_STEP_SUMMARY",
                    hint: "the runner sets it for every step; run shipline as a step",
                })?;
                append_existing_dir(path, &text)
            }
            Backend::GitLab { report, .. } => {
                ensure_parent(report)?;
                append_existing_dir(report, &text)
            }
            Backend::Local => {
                let mut console = self.console.lock().unwrap_or_else(|e| e.into_inner());
                console
                    .out
                    .write_all(text.as_bytes())
                    .and_then(|()| console.out.flush())
                    .map_err(|source| OutputError::Io {
                        path: PathBuf::from("<stdout>"),
                        action: "write",
                        source,
                    })
            }
        }
    }

    /// Shows an annotation.
    pub fn annotate(&self, annotation: &Annotation) {
        let redact = |s: &str| crate::text::plain_lines(&self.redactor.redact(s));
        let message = redact(&annotation.message);
        if self.runtime == Runtime::GitHubActions {
            let mut props = Vec::new();
            if let Some(file) = &annotation.file {
                props.push(("file", redact(file)));
            }
            if let Some(line) = annotation.line {
                props.push(("line", line.to_string()));
            }
            if let Some(end) = annotation.end_line {
                props.push(("endLine", end.to_string()));
            }
            if let Some(title) = &annotation.title {
                props.push(("title", redact(title)));
            }
            self.console_err_raw(&github::command(
                annotation.level.as_str(),
                &props,
                &message,
            ));
        } else {
            let mut line = format!("{}: ", annotation.level.as_str());
            if let Some(file) = &annotation.file {
                line.push_str(&redact(file));
                if let Some(n) = annotation.line {
                    line.push_str(&format!(":{n}"));
                }
                line.push_str(": ");
            }
            if let Some(title) = &annotation.title {
                line.push_str(&format!("{}: ", redact(title)));
            }
            line.push_str(&message);
            self.console_err_raw(&line);
        }
    }

    /// Convenience for a notice annotation without location.
    pub fn notice(&self, message: &str) {
        self.annotate(&Annotation::new(Level::Notice, message));
    }

    /// Convenience for a warning annotation without location.
    pub fn warning(&self, message: &str) {
        self.annotate(&Annotation::new(Level::Warning, message));
    }

    /// Convenience for an error annotation without location.
    pub fn error(&self, message: &str) {
        self.annotate(&Annotation::new(Level::Error, message));
    }

    /// Opens a collapsible group of log lines; it closes when the guard is dropped.
    pub fn group(&self, title: &str) -> Group<'_> {
        let title = crate::text::plain(&self.redactor.redact(title));
        let name = gitlab::section_name(&title);
        match self.runtime {
            Runtime::GitHubActions => {
                self.console_err_raw(&format!("::group::{}", github::escape_data(&title)))
            }
            Runtime::GitLabCi => {
                self.console_err_raw(&gitlab::section_start(&name, &title, unix_now()))
            }
            Runtime::Local => self.console_err_raw(&format!("== {title} ==")),
        }
        Group {
            outputs: self,
            name,
        }
    }

    fn end_group(&self, name: &str) {
        match self.runtime {
            Runtime::GitHubActions => self.console_err_raw("::endgroup::"),
            Runtime::GitLabCi => self.console_err_raw(&gitlab::section_end(name, unix_now())),
            Runtime::Local => {}
        }
    }

    /// A line on stderr, scrubbed of secrets and control characters.
    fn console_err(&self, line: &str) {
        let line = crate::text::plain_lines(&self.redactor.redact(line));
        self.console_err_raw(&line);
    }

    /// A line on stderr as given (callers scrub; only `mask` passes a secret on purpose).
    /// Console errors are ignored: a closed stderr must not fail the deployment being reported.
    fn console_err_raw(&self, line: &str) {
        let mut console = self.console.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(console.err, "{line}").and_then(|()| console.err.flush());
    }
}

/// Closes its group or section when dropped.
#[derive(Debug)]
pub struct Group<'a> {
    outputs: &'a Outputs,
    name: String,
}

impl Drop for Group<'_> {
    fn drop(&mut self) {
        self.outputs.end_group(&self.name);
    }
}

/// Progress lines for the tools (stderr, scrubbed).
#[derive(Debug, Clone, Copy)]
pub struct Log<'a> {
    outputs: &'a Outputs,
}

impl Log<'_> {
    /// A progress line.
    pub fn info(&self, message: &str) {
        self.outputs.console_err(message);
    }

    /// A warning line (not an annotation: use [`Outputs::annotate`] for those).
    pub fn warn(&self, message: &str) {
        self.outputs.console_err(&format!("warning: {message}"));
    }
}

fn var<'a>(vars: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn limit(
    vars: &BTreeMap<String, String>,
    name: &'static str,
    default: usize,
) -> Result<usize, OutputError> {
    match var(vars, name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(OutputError::InvalidVar(InvalidVar {
                var: name,
                value: v.to_string(),
                expected: "a positive whole number",
            })),
    }
}

/// A file the runner names in `name`, which must sit in an existing directory.
fn runner_file(
    vars: &BTreeMap<String, String>,
    name: &'static str,
) -> Result<Option<PathBuf>, OutputError> {
    let Some(value) = var(vars, name) else {
        return Ok(None);
    };
    let path = PathBuf::from(value);
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            Err(OutputError::InvalidVar(InvalidVar {
                var: name,
                value: value.to_string(),
                expected: "a file in an existing directory, as the runner sets it (do not point it elsewhere)",
            }))
        }
        _ => Ok(Some(path)),
    }
}

fn ensure_parent(path: &Path) -> Result<(), OutputError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|source| OutputError::Io {
                path: parent.to_path_buf(),
                action: "create the directory",
                source,
            })
        }
        _ => Ok(()),
    }
}

/// Appends to `path`; its directory must exist. The runner's files (`$GITHUB_OUTPUT`,
/// `$GITHUB_STEP_SUMMARY`) are checked at start-up and never get directories made for them:
/// a path that is not where the runner looks would take outputs nowhere, silently.
fn append_existing_dir(path: &Path, text: &str) -> Result<(), OutputError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|source| OutputError::Io {
            path: path.to_path_buf(),
            action: "append to",
            source,
        })
}

fn write(path: &Path, text: &str) -> Result<(), OutputError> {
    ensure_parent(path)?;
    std::fs::write(path, text).map_err(|source| OutputError::Io {
        path: path.to_path_buf(),
        action: "write",
        source,
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
