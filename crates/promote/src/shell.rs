//! Running the team's commands: step, rollback and health check commands go through `sh -c`
//! in the checkout, with the rollout's `SHIPLINE_*` variables set.
//!
//! Step and rollback output goes to stderr (the job log), never to stdout, which carries the
//! report (`--format json` stays parseable). Health check commands run every interval, so their
//! output is kept and only the tail of stderr is shown when they fail.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

/// Words `sh` understands without a program on `PATH`; a command starting with one of these
/// cannot be checked for existence up front.
const SHELL_WORDS: &[&str] = &[
    ".", ":", "[", "alias", "break", "case", "cd", "command", "continue", "echo", "eval", "exec",
    "exit", "export", "false", "for", "if", "kill", "printf", "pwd", "read", "return", "set",
    "shift", "test", "trap", "true", "type", "ulimit", "umask", "unset", "until", "wait", "while",
    "{", "(", "!",
];

/// A shell for one step: working directory and variables.
#[derive(Debug, Clone)]
pub struct Shell {
    dir: PathBuf,
    vars: Vec<(String, String)>,
}

/// How a command ended.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit code (`None` when killed by a signal or timed out).
    pub code: Option<i32>,
    /// Killed because it outlived its timeout.
    pub timed_out: bool,
    /// The end of what it wrote to stderr (captured runs only).
    pub stderr_tail: String,
}

impl Run {
    /// Exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// `exit 3: <stderr tail>`, for reports.
    pub fn describe(&self) -> String {
        let mut text = match self.code {
            Some(code) => format!("exit {code}"),
            None if self.timed_out => "timed out".to_string(),
            None => "killed by a signal".to_string(),
        };
        if !self.stderr_tail.is_empty() {
            text.push_str(": ");
            text.push_str(&self.stderr_tail);
        }
        text
    }
}

impl Shell {
    /// A shell in `dir` with `vars` added to the inherited environment.
    pub fn new(dir: &Path, vars: Vec<(String, String)>) -> Self {
        Self {
            dir: dir.to_path_buf(),
            vars,
        }
    }

    /// The same shell with one more variable (or a changed one).
    pub fn with(&self, name: &str, value: &str) -> Self {
        let mut shell = self.clone();
        shell.vars.retain(|(n, _)| n != name);
        shell.vars.push((name.to_string(), value.to_string()));
        shell
    }

    fn command(&self, line: &str) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c")
            .arg(line)
            .current_dir(&self.dir)
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            // A cancelled rollout must not leave a half-run deploy behind.
            .kill_on_drop(true);
        cmd
    }

    /// Runs a step or rollback command with its output in the job log (stderr).
    pub async fn run_logged(&self, line: &str) -> std::io::Result<Run> {
        let status = self
            .command(line)
            .stdout(Stdio::from(std::io::stderr()))
            .stderr(Stdio::inherit())
            .status()
            .await?;
        Ok(Run {
            code: status.code(),
            timed_out: false,
            stderr_tail: String::new(),
        })
    }

    /// Runs a command quietly, keeping the tail of stderr, killed after `timeout`.
    pub async fn run(&self, line: &str, timeout: Option<Duration>) -> std::io::Result<Run> {
        let mut child = self
            .command(line)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stderr = child.stderr.take();
        let wait = async {
            let mut buf = Vec::new();
            if let Some(err) = stderr.as_mut() {
                let _ = err.read_to_end(&mut buf).await;
            }
            let status = child.wait().await;
            (status, buf)
        };
        let outcome = match timeout {
            Some(limit) => tokio::time::timeout(limit, wait).await.ok(),
            None => Some(wait.await),
        };
        match outcome {
            None => Ok(Run {
                code: None,
                timed_out: true,
                stderr_tail: String::new(),
            }),
            Some((status, buf)) => {
                let status = status?;
                Ok(Run {
                    code: status.code(),
                    timed_out: false,
                    stderr_tail: tail(&String::from_utf8_lossy(&buf)),
                })
            }
        }
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    let joined = lines[start..].join(" / ");
    if joined.chars().count() > 300 {
        let cut: String = joined.chars().rev().take(300).collect();
        format!("…{}", cut.chars().rev().collect::<String>())
    } else {
        joined
    }
}

/// The program a command line starts with, when it is neither found on `path` nor (for a path
/// like `./deploy.sh`) present and executable relative to `dir`. Shell words and lines that
/// start with syntax (`VAR=x cmd` skips the assignments) are trusted.
pub fn missing_program(line: &str, dir: &Path, path: Option<&str>) -> Option<String> {
    let program = line
        .split_whitespace()
        .find(|word| !(word.contains('=') && !word.starts_with('=') && !word.contains('/')))?;
    if SHELL_WORDS.contains(&program)
        || program.starts_with(['$', '`', '"', '\'', '(', '{'])
        || program.contains(['$', '`', ';', '|', '&', '<', '>'])
    {
        return None;
    }
    if program.contains('/') {
        let candidate = dir.join(program);
        return (!is_executable(&candidate)).then(|| program.to_string());
    }
    let found = path
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .any(|d| is_executable(&Path::new(d).join(program)));
    (!found).then(|| program.to_string())
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_missing_programs_only() {
        let dir = std::env::temp_dir();
        let path = std::env::var("PATH").ok();
        let path = path.as_deref();
        assert_eq!(missing_program("sh -c true", &dir, path), None);
        assert_eq!(missing_program("FOO=1 sh -c true", &dir, path), None);
        assert_eq!(missing_program("echo hi", &dir, path), None);
        assert_eq!(missing_program("$DEPLOY", &dir, path), None);
        assert_eq!(
            missing_program("no-such-program-xyz --flag", &dir, path).as_deref(),
            Some("no-such-program-xyz")
        );
        assert_eq!(
            missing_program("./no-such-script.sh 10", &dir, path).as_deref(),
            Some("./no-such-script.sh")
        );
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\n\nb\nc\nd\n"), "b / c / d");
    }
}
