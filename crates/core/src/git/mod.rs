//! Git access for shipline: running the git CLI, reading history, handling shallow clones.
//!
//! Every runner has git, and the git CLI is the reference for what a repository contains, so
//! shipline drives it directly instead of linking a second implementation. Reading history goes
//! through one streamed `git log` ([`history`]); writing (revert commits, notes, pushes) through
//! [`Git::run`].

pub mod history;
pub mod shallow;

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// What went wrong talking to git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The git executable could not be started.
    #[error("could not run git ({0}): install git and make sure it is on PATH")]
    Spawn(#[source] std::io::Error),
    /// A git command exited non-zero.
    #[error("`git {args}` failed in {dir}: {stderr}")]
    Command {
        /// The arguments, joined by spaces.
        args: String,
        /// The working directory.
        dir: String,
        /// git's own message (trimmed).
        stderr: String,
        /// The exit code, if any.
        code: Option<i32>,
    },
    /// The directory is not inside a git work tree.
    #[error("{0} is not a git repository: run shipline inside a checkout or pass --repo PATH")]
    NotARepository(String),
    /// The directory git should run in does not exist.
    #[error("{dir} does not exist: run shipline inside a checkout or pass --repo PATH")]
    NoDirectory {
        /// The directory, as shipline was told it.
        dir: String,
    },
    /// The repository has no commits, so no revision resolves.
    #[error(
        "the repository at {dir} has no commits yet: commit something first, or run shipline in a checkout with history"
    )]
    NoCommits {
        /// The repository.
        dir: String,
    },
    /// A revision does not resolve.
    #[error("unknown revision `{rev}`: {hint}")]
    UnknownRevision {
        /// The revision as given.
        rev: String,
        /// What to do about it.
        hint: String,
    },
    /// The clone lacks history that is needed.
    #[error("{0}")]
    Shallow(String),
    /// git printed something shipline could not parse.
    #[error("unexpected output from `git {args}`: {detail}")]
    Parse {
        /// The arguments, joined by spaces.
        args: String,
        /// What was wrong.
        detail: String,
    },
}

/// A handle on a repository: a directory where git commands run.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
}

impl Git {
    /// Uses `dir` as the working directory for git commands (no check made).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Opens the work tree that contains `dir` (or, for a bare repository such as a mirror,
    /// the repository itself), failing clearly when there is none.
    pub fn discover(dir: impl AsRef<Path>) -> Result<Self, GitError> {
        let dir = dir.as_ref();
        let probe = Self::new(dir);
        match probe.run(["rev-parse", "--show-toplevel"]) {
            Ok(top) => Ok(Self::new(top.trim())),
            Err(GitError::Command { .. }) => {
                // History can be read from a bare repository too; only a work tree is missing.
                match probe.run(["rev-parse", "--is-bare-repository", "--absolute-git-dir"]) {
                    Ok(out) if out.lines().next() == Some("true") => {
                        let git_dir = out.lines().nth(1).unwrap_or_default().trim();
                        Ok(Self::new(git_dir))
                    }
                    _ => Err(GitError::NotARepository(dir.display().to_string())),
                }
            }
            Err(other) => Err(other),
        }
    }

    /// Whether this is a bare repository (a mirror): one with no work tree, which tools read
    /// from and must not leave files in.
    pub fn is_bare(&self) -> bool {
        self.run(["rev-parse", "--is-bare-repository"])
            .is_ok_and(|out| out.trim() == "true")
    }

    /// The directory commands run in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A `git` command set up to run in this repository, with a stable, non-interactive
    /// environment (no pager, no prompts, C locale for parseable messages).
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_PAGER", "cat")
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs git and returns its stdout as (lossy) UTF-8; non-zero exit is an error.
    pub fn run<I, S>(&self, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = self.output(args)?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs git and returns the raw output; non-zero exit is an error.
    pub fn output<I, S>(&self, args: I) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        let output = self
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| {
                if self.dir.is_dir() {
                    GitError::Spawn(e)
                } else {
                    GitError::NoDirectory {
                        dir: self.dir.display().to_string(),
                    }
                }
            })?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(GitError::Command {
                args: join_args(&args),
                dir: self.dir.display().to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
                code: output.status.code(),
            })
        }
    }

    /// Runs git with `input` on its stdin and returns its stdout as (lossy) UTF-8; non-zero exit
    /// is an error. The input is written from a thread of its own: git answers while it reads,
    /// and a pipe filled both ways would stop both.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Result<String, GitError> {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(GitError::Spawn)?;
        let stdin = child.stdin.take();
        let input = input.to_string();
        let writer = std::thread::spawn(move || {
            if let Some(mut stdin) = stdin {
                let _ = stdin.write_all(input.as_bytes());
            }
        });
        let output = child.wait_with_output().map_err(GitError::Spawn)?;
        let _ = writer.join();
        if !output.status.success() {
            return Err(self.failed(&args.join(" "), &output));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The error for `git ARGS` (`args` joined by spaces) that exited as `output` says.
    pub fn failed(&self, args: &str, output: &Output) -> GitError {
        GitError::Command {
            args: args.to_string(),
            dir: self.dir.display().to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            code: output.status.code(),
        }
    }

    /// Like [`Git::run`] but an exit code of 1 means "no" rather than an error (for commands such
    /// as `merge-base --is-ancestor` or `notes show`).
    pub fn check<I, S>(&self, args: I) -> Result<bool, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        match self.output(args) {
            Ok(_) => Ok(true),
            Err(GitError::Command { code: Some(1), .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Resolves a revision to a full commit SHA, with a hint when it does not exist.
    pub fn resolve(&self, rev: &str) -> Result<String, GitError> {
        let spec = format!("{rev}^{{commit}}");
        match self.run(["rev-parse", "--verify", "--quiet", &spec]) {
            Ok(sha) if !sha.trim().is_empty() => Ok(sha.trim().to_string()),
            Ok(_) | Err(GitError::Command { .. }) if !self.has_commits()? => {
                Err(GitError::NoCommits {
                    dir: self.dir.display().to_string(),
                })
            }
            Ok(_) | Err(GitError::Command { .. }) => Err(GitError::UnknownRevision {
                rev: rev.to_string(),
                hint: if self.is_shallow().unwrap_or(false) {
                    "this is a shallow clone; set `fetch-depth: 0` on actions/checkout (GitLab: `GIT_DEPTH: 0`)".into()
                } else {
                    "check the spelling, or fetch it first (`git fetch origin <rev>`)".into()
                },
            }),
            Err(other) => Err(other),
        }
    }

    /// Whether any commit exists (a fresh `git init` has none: `HEAD` is unborn and no ref
    /// points anywhere).
    pub fn has_commits(&self) -> Result<bool, GitError> {
        if self.check(["rev-parse", "--verify", "--quiet", "HEAD"])? {
            return Ok(true);
        }
        Ok(!self
            .run(["for-each-ref", "--count=1", "--format=%(objectname)"])?
            .trim()
            .is_empty())
    }

    /// Whether commits `a` and `b` hold the same content under `pathspecs` (a component's paths:
    /// [`Component::pathspecs`](crate::config::Component::pathspecs)), whatever changed
    /// elsewhere. No pathspec means the whole tree.
    pub fn same_content(&self, a: &str, b: &str, pathspecs: &[String]) -> Result<bool, GitError> {
        if a == b {
            return Ok(true);
        }
        let mut args = vec![
            "diff".to_string(),
            "--quiet".into(),
            "--no-ext-diff".into(),
            "--no-textconv".into(),
            a.to_string(),
            b.to_string(),
            "--".into(),
        ];
        args.extend(pathspecs.iter().cloned());
        self.check(args)
    }

    /// Whether the repository is a shallow clone ([`shallow`] deepens one).
    pub fn is_shallow(&self) -> Result<bool, GitError> {
        Ok(self.run(["rev-parse", "--is-shallow-repository"])?.trim() == "true")
    }

    /// The URL of a remote, if it is configured.
    pub fn remote_url(&self, remote: &str) -> Result<Option<String>, GitError> {
        match self.run(["remote", "get-url", remote]) {
            Ok(url) => Ok(Some(url.trim().to_string())),
            Err(GitError::Command { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

/// Whether `rev` is a full object name (SHA-1 or SHA-256, lower-case hex), as git prints them.
pub fn is_full_sha(rev: &str) -> bool {
    matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn join_args(args: &[std::ffi::OsString]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}
