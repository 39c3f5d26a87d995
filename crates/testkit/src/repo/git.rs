//! How the test repositories run git: the fixed identity and clock they start from, a clean
//! configuration (no system or user config, no prompts, the C locale), and a panic with the
//! command and git's message when git fails.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The first commit's time (2023-11-14T22:13:20Z); each commit moves the clock one hour on.
pub const EPOCH: i64 = 1_700_000_000;
/// Seconds the clock advances per commit.
pub const TICK: i64 = 3_600;
/// The identity used when a commit names no author.
pub const DEFAULT_AUTHOR: (&str, &str) = ("Shipline Test", "test@example.com");

/// `git args` in `dir`, with the fixed identity and a clean configuration.
pub(super) fn command<I, S>(dir: &Path, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .env("GIT_COMMITTER_NAME", DEFAULT_AUTHOR.0)
        .env("GIT_COMMITTER_EMAIL", DEFAULT_AUTHOR.1)
        .env("GIT_AUTHOR_NAME", DEFAULT_AUTHOR.0)
        .env("GIT_AUTHOR_EMAIL", DEFAULT_AUTHOR.1)
        .stdin(Stdio::null());
    cmd
}

/// Runs `git args` in `dir` without the system's or the user's git configuration, as the
/// default author; returns its stdout without the trailing newline, and panics with the command
/// and git's message when git fails.
pub fn git_in<I, S>(dir: &Path, args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let out = command(dir, &args).output().expect("run git");
    String::from_utf8_lossy(&check(&args, out).stdout)
        .trim_end()
        .to_string()
}

/// `out`, unless git failed: then a panic with the command and git's message.
pub(super) fn check<S: AsRef<OsStr>>(args: &[S], out: Output) -> Output {
    if !out.status.success() {
        let args: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
        panic!(
            "`git {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    out
}
