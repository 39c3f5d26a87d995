//! One `git log` process, streamed through the parser: the unit every reading strategy runs,
//! alone or several at once.

use std::io::{BufReader, Read, Write};
use std::ops::ControlFlow;
use std::process::{Child, ChildStderr, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use super::commit::Commit;
use super::parse::Parser;
use crate::git::{Git, GitError};

/// Runs one `git log` (feeding `stdin_revs` when given), parsing as it streams. Returns early,
/// killing git, when `f` breaks or `stop` is set.
pub(super) fn run_log<F>(
    git: &Git,
    args: &[String],
    stdin_revs: Option<&[String]>,
    stop: &AtomicBool,
    mut f: F,
) -> Result<(), GitError>
where
    F: FnMut(Commit) -> ControlFlow<()>,
{
    let mut cmd = git.command(args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin_revs.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().map_err(GitError::Spawn)?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let stdin = child.stdin.take();
    let describe = || args.join(" ");

    std::thread::scope(|scope| {
        // Drained on the side so a chatty git (rename-limit warnings) cannot block on a full pipe.
        let errors = scope.spawn(move || drain(stderr));
        if let (Some(mut stdin), Some(revs)) = (stdin, stdin_revs) {
            scope.spawn(move || {
                let mut text = String::with_capacity(revs.len() * 41);
                for rev in revs {
                    text.push_str(rev);
                    text.push('\n');
                }
                // A write error means git already exited; its status and stderr tell why.
                let _ = stdin.write_all(text.as_bytes());
            });
        }
        let mut parser = Parser::new(BufReader::with_capacity(256 * 1024, stdout));
        let parsed = loop {
            if stop.load(Ordering::Relaxed) {
                break Ok(false);
            }
            match parser.next_commit() {
                Ok(Some(commit)) => {
                    if f(commit).is_break() {
                        break Ok(false);
                    }
                }
                Ok(None) => break Ok(true),
                Err(detail) => break Err(detail),
            }
        };
        let cut_short = !matches!(parsed, Ok(true));
        if cut_short {
            // Kill before waiting for stderr: git may be blocked writing output nobody reads,
            // and then never closes stderr.
            let _ = child.kill();
        }
        finish_child(
            &mut child,
            cut_short,
            errors.join().unwrap_or_default(),
            &parsed,
            describe,
            git,
        )
    })
}

fn finish_child(
    child: &mut Child,
    cut_short: bool,
    stderr: Vec<u8>,
    parsed: &Result<bool, String>,
    describe: impl Fn() -> String,
    git: &Git,
) -> Result<(), GitError> {
    if cut_short {
        // Either we stopped reading or the output was malformed: git's remaining output is unwanted.
        let _ = child.kill();
    }
    let status = child.wait().map_err(GitError::Spawn)?;
    if let Err(detail) = parsed {
        return Err(GitError::Parse {
            args: describe(),
            detail: detail.clone(),
        });
    }
    if !cut_short && !status.success() {
        return Err(GitError::Command {
            args: describe(),
            dir: git.dir().display().to_string(),
            stderr: String::from_utf8_lossy(&stderr).trim().to_string(),
            code: status.code(),
        });
    }
    Ok(())
}

fn drain(mut stderr: ChildStderr) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = stderr.read_to_end(&mut buf);
    buf
}
