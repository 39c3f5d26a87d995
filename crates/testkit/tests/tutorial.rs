//! docs/tutorial.md, run: every `sh` block of the page in order, in an empty directory, with the
//! workspace's tools on PATH, each block's output checked against the `text` block that follows
//! it. A block marked `<!-- tutorial: skip (reason) -->` is not run and is counted, with its
//! reason, so the page cannot quietly stop being tested.
//!
//! A block marked `<!-- tutorial: fake github (...) -->` or `fake gitlab` pushes to a forge. It
//! runs as written, with `origin` pointed at a bare repository of the test's own (and `gh`, the
//! GitHub CLI, a stand-in that records what it was asked); the forge's side is then checked
//! against the fake forge (`tutorial_forges/`): on GitHub, the jobs of the workflow `init` wrote
//! run by a simulated runner (`actions/`) for the pull request and the push; on GitLab, the
//! pipeline the page includes run by gitlab-ci-local (`gitlab/`).
//!
//! Expected lines are abridged: each must match one line of what the block printed (stdout and
//! stderr), where `…` in the expected line stands for any text (SHAs, times, durations).

mod actions;
mod gitlab;
mod tutorial_forges;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use shipline_testkit::bins;
use tutorial_forges::{on_github, on_gitlab};

/// Where a block runs.
#[derive(Debug, Clone, PartialEq)]
enum Runs {
    /// Here, with no forge.
    Locally,
    /// Not at all, for this reason.
    Skipped(String),
    /// Against a bare origin, the forge's side checked against the fake forge named.
    AgainstFake {
        /// `github` or `gitlab`.
        forge: String,
        /// What the marker says.
        reason: String,
    },
}

/// One `sh` block and what it should print.
#[derive(Debug)]
struct Step {
    script: String,
    expected: Vec<String>,
    runs: Runs,
}

/// What a `<!-- tutorial: ... -->` marker line says about the next block, if it is one.
fn marker(line: &str) -> Option<Runs> {
    let inner = line
        .strip_prefix("<!-- tutorial: ")?
        .strip_suffix(") -->")?;
    if let Some(reason) = inner.strip_prefix("skip (") {
        return Some(Runs::Skipped(reason.to_string()));
    }
    let (forge, reason) = inner.strip_prefix("fake ")?.split_once(" (")?;
    Some(Runs::AgainstFake {
        forge: forge.to_string(),
        reason: reason.to_string(),
    })
}

fn steps(page: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut runs: Option<Runs> = None;
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        if let Some(marked) = marker(line) {
            runs = Some(marked);
            continue;
        }
        let fence = line.trim_end();
        if fence != "```sh" && fence != "```text" {
            continue;
        }
        let mut body = Vec::new();
        for inner in lines.by_ref() {
            if inner.trim_end() == "```" {
                break;
            }
            body.push(inner.to_string());
        }
        if fence == "```sh" {
            steps.push(Step {
                script: body.join("\n"),
                expected: Vec::new(),
                runs: runs.take().unwrap_or(Runs::Locally),
            });
        } else if let Some(step) = steps.last_mut() {
            step.expected = body;
        }
    }
    steps
}

/// Whether `line` is `pattern`, with each `…` of the pattern standing for any text.
fn matches(line: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    let (first, rest) = parts.split_first().expect("split gives one part at least");
    let Some(mut tail) = line.strip_prefix(first) else {
        return false;
    };
    for (i, part) in rest.iter().enumerate() {
        if i + 1 == rest.len() {
            return tail.ends_with(part);
        }
        match tail.find(part) {
            Some(at) => tail = &tail[at + part.len()..],
            None => return false,
        }
    }
    tail.is_empty()
}

#[test]
fn patterns_match_with_ellipses_for_what_changes() {
    assert!(matches(
        "deployed abc to production (50%)",
        "deployed … to production (50%)"
    ));
    assert!(matches("exit code: 3", "exit code: 3"));
    assert!(!matches("exit code: 3", "exit code: 0"));
    assert!(!matches("exit code: 30", "exit code: 3"));
    assert!(matches(
        "| Changes | 1 in `a1..b2` |",
        "| Changes | 1 in `…..…` |"
    ));
    assert!(!matches(
        "| Changes | 2 in `a1..b2` |",
        "| Changes | 1 in `…..…` |"
    ));
}

#[test]
fn markers_say_where_a_block_runs() {
    assert_eq!(
        marker("<!-- tutorial: skip (needs a phone) -->"),
        Some(Runs::Skipped("needs a phone".into()))
    );
    assert_eq!(
        marker("<!-- tutorial: fake gitlab (pushes; checked) -->"),
        Some(Runs::AgainstFake {
            forge: "gitlab".into(),
            reason: "pushes; checked".into()
        })
    );
    assert_eq!(marker("<!-- a comment -->"), None);
}

/// The page as committed.
fn page() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/tutorial.md"))
        .expect("read docs/tutorial.md")
}

/// The tutorial's world: the temp directory the page starts in, its git configuration, and a
/// directory of stand-ins for commands that talk to a real forge.
struct Reader {
    root: tempfile::TempDir,
}

impl Reader {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            root.path().join("gitconfig"),
            "[user]\n\tname = Dee Ploy\n\temail = dee@example.com\n",
        )
        .expect("write gitconfig");
        // `gh` records what it was asked; the test then does it on the fake GitHub.
        let stand_ins = root.path().join("stand-ins");
        std::fs::create_dir_all(&stand_ins).expect("stand-ins dir");
        std::fs::write(
            stand_ins.join("gh"),
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$HOME/gh.log\"\n",
        )
        .expect("write gh");
        let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(stand_ins.join("gh"), mode).expect("chmod gh");
        Self { root }
    }

    /// `gizmo/` once the first block made it, the start directory before.
    fn dir(&self) -> PathBuf {
        let repo = self.repo();
        if repo.is_dir() {
            repo
        } else {
            self.root.path().to_path_buf()
        }
    }

    fn repo(&self) -> PathBuf {
        self.root.path().join("gizmo")
    }

    /// Runs `script` with `sh` the way a reader would, with `first` in front of PATH.
    fn sh(&self, script: &str, first: &[&Path]) -> Output {
        self.command("sh", first)
            .args(["-c", script])
            .output()
            .expect("run sh")
    }

    /// `program` in the tutorial's directory, in a cleared environment: the tools on PATH
    /// after `first`, the tutorial's HOME and git configuration.
    fn command(&self, program: &str, first: &[&Path]) -> Command {
        let path = std::env::join_paths(
            first
                .iter()
                .map(|p| p.to_path_buf())
                .chain(std::iter::once(bins::dir().to_path_buf()))
                .chain(std::env::split_paths(
                    &std::env::var_os("PATH").unwrap_or_default(),
                )),
        )
        .expect("PATH");
        let mut command = Command::new(program);
        command
            .current_dir(self.dir())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", self.root.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.root.path().join("gitconfig"));
        command
    }

    /// `git args` in the tutorial's repository; its stdout, trimmed.
    fn git(&self, args: &[&str]) -> String {
        let out = self
            .command("git", &[])
            .args(args)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// The tutorial's repository right after a block that pushes has run against a bare origin.
struct Pushed<'a> {
    reader: &'a Reader,
    /// The bare repository the block pushed to.
    origin: PathBuf,
    /// `owner/name`, from the forge URL `origin` had on the page.
    slug: String,
}

/// Whether the walk goes on after a forge block.
#[derive(PartialEq)]
enum Next {
    Continue,
    Stop,
}

/// What a walk through the page did.
struct Walked {
    ran: usize,
    against_fakes: Vec<(String, String)>,
    skipped: Vec<String>,
}

/// Runs the page's blocks in order, checking what each prints; after each block marked for a
/// fake forge (run against a bare origin) calls `at_forge` with the forge's name.
fn walk(reader: &Reader, mut at_forge: impl FnMut(&str, &Pushed) -> Next) -> Walked {
    let page = page();
    let steps = steps(&page);
    let mut walked = Walked {
        ran: 0,
        against_fakes: Vec::new(),
        skipped: Vec::new(),
    };
    for (n, step) in steps.iter().enumerate() {
        let mut pushed = None;
        let out = match &step.runs {
            Runs::Skipped(reason) => {
                walked.skipped.push(reason.clone());
                continue;
            }
            Runs::Locally => reader.sh(&step.script, &[]),
            Runs::AgainstFake { forge, reason } => {
                walked.against_fakes.push((forge.clone(), reason.clone()));
                let url = reader.git(&["remote", "get-url", "origin"]);
                let host = format!("https://{forge}.com/");
                let slug = url
                    .strip_prefix(&host)
                    .and_then(|rest| rest.strip_suffix(".git"))
                    .unwrap_or_else(|| {
                        panic!("block {}: origin is {url}, not a {host} repository", n + 1)
                    })
                    .to_string();
                let origin = reader.root.path().join(format!("{forge}-origin.git"));
                reader.git(&[
                    "init",
                    "-q",
                    "--bare",
                    "-b",
                    "main",
                    &origin.to_string_lossy(),
                ]);
                reader.git(&["remote", "set-url", "origin", &origin.to_string_lossy()]);
                pushed = Some(Pushed {
                    reader,
                    origin,
                    slug,
                });
                reader.sh(&step.script, &[&reader.root.path().join("stand-ins")])
            }
        };
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "docs/tutorial.md block {}:\n{}\nexited {:?}:\n{printed}",
            n + 1,
            step.script,
            out.status.code()
        );
        for want in step.expected.iter().filter(|l| !l.trim().is_empty()) {
            assert!(
                printed.lines().any(|line| matches(line.trim_end(), want)),
                "docs/tutorial.md block {}:\n{}\ndid not print `{want}`; it printed:\n{printed}",
                n + 1,
                step.script
            );
        }
        walked.ran += 1;
        if let (Some(pushed), Runs::AgainstFake { forge, .. }) = (pushed, &step.runs)
            && at_forge(forge, &pushed) == Next::Stop
        {
            break;
        }
    }
    walked
}

/// The tests that check each forge's side of the page, by forge.
const FORGE_TESTS: [(&str, &str); 2] = [
    ("github", "the_github_steps_run_against_the_fake_github"),
    ("gitlab", "the_gitlab_steps_run_against_the_fake_gitlab"),
];

#[test]
fn the_tutorial_runs_as_written() {
    let reader = Reader::new();
    let walked = walk(&reader, |_, _| Next::Continue);
    let page = page();
    let local = walked.ran - walked.against_fakes.len();
    let forges: Vec<String> = walked
        .against_fakes
        .iter()
        .map(|(forge, reason)| {
            let (_, test) = FORGE_TESTS
                .iter()
                .find(|(name, _)| name == forge)
                .unwrap_or_else(|| panic!("no test checks blocks marked `fake {forge}`"));
            let ignored = if *forge == "gitlab" && !cfg!(gitlab_ci_local) {
                format!(" [ignored here; to run it: {}]", gitlab::INSTALL_HINT)
            } else {
                String::new()
            };
            format!("{forge} by {test} ({reason}){ignored}")
        })
        .collect();
    eprintln!(
        "docs/tutorial.md: {local} blocks ran locally; {} ran against a bare origin and were checked against fake forges ({}); {} skipped{}{}",
        walked.against_fakes.len(),
        forges.join("; "),
        walked.skipped.len(),
        if walked.skipped.is_empty() { "" } else { ": " },
        walked.skipped.join("; ")
    );
    assert!(local >= 10, "only {local} blocks ran locally");
    assert_eq!(
        walked.skipped.len(),
        page.matches("<!-- tutorial: skip (").count(),
        "a skip marker is not followed by an sh block"
    );
    assert_eq!(
        walked.against_fakes.len(),
        page.matches("<!-- tutorial: fake ").count(),
        "a fake forge marker is not followed by an sh block"
    );
}

#[test]
fn the_github_steps_run_against_the_fake_github() {
    let reader = Reader::new();
    let mut checked = false;
    walk(&reader, |forge, pushed| {
        if forge != "github" {
            return Next::Continue;
        }
        on_github::check(pushed);
        checked = true;
        Next::Stop
    });
    assert!(checked, "the page has no block marked `fake github`");
}

#[test]
#[cfg_attr(
    not(gitlab_ci_local),
    ignore = "needs gitlab-ci-local and rsync: npm install --global gitlab-ci-local@4.60.0 (Node 20), apt-get install rsync; .ci/run installs both"
)]
fn the_gitlab_steps_run_against_the_fake_gitlab() {
    gitlab::require_tools("tutorial on GitLab");
    let reader = Reader::new();
    let mut checked = false;
    walk(&reader, |forge, pushed| {
        if forge != "gitlab" {
            return Next::Continue;
        }
        on_gitlab::check(pushed);
        checked = true;
        Next::Stop
    });
    assert!(checked, "the page has no block marked `fake gitlab`");
}
