//! docs/tutorial.md, run: every `sh` block of the page in order, in an empty directory, with the
//! workspace's tools on PATH, each block's output checked against the `text` block that follows
//! it. A block marked `<!-- tutorial: skip (reason) -->` (one that needs a real forge) is not run
//! and is counted, with its reason, so the page cannot quietly stop being tested.
//!
//! Expected lines are abridged: each must match one line of what the block printed (stdout and
//! stderr), where `…` in the expected line stands for any text (SHAs, times, durations).

use std::path::Path;
use std::process::Command;

use shipline_testkit::bins;

/// One `sh` block and what it should print.
#[derive(Debug)]
struct Step {
    script: String,
    expected: Vec<String>,
    skip: Option<String>,
}

fn steps(page: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut skip: Option<String> = None;
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        if let Some(reason) = line
            .strip_prefix("<!-- tutorial: skip (")
            .and_then(|rest| rest.strip_suffix(") -->"))
        {
            skip = Some(reason.to_string());
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
                skip: skip.take(),
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
fn the_tutorial_runs_as_written() {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/tutorial.md"),
    )
    .expect("read docs/tutorial.md");
    let steps = steps(&page);
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("gitconfig"),
        "[user]\n\tname = Dee Ploy\n\temail = dee@example.com\n",
    )
    .unwrap();
    let path = std::env::join_paths(std::iter::once(bins::dir().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();

    let (mut ran, mut skipped) = (0, Vec::new());
    for (n, step) in steps.iter().enumerate() {
        if let Some(reason) = &step.skip {
            skipped.push(reason.clone());
            continue;
        }
        // The first block makes `gizmo/`; the page runs everything after it in there.
        let repo = root.path().join("gizmo");
        let dir = if repo.is_dir() {
            repo
        } else {
            root.path().to_path_buf()
        };
        let out = Command::new("sh")
            .args(["-c", &step.script])
            .current_dir(&dir)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", root.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", root.path().join("gitconfig"))
            .output()
            .expect("run sh");
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
        ran += 1;
    }
    eprintln!(
        "docs/tutorial.md: {ran} blocks ran, {} skipped: {}",
        skipped.len(),
        skipped.join("; ")
    );
    assert!(ran >= 10, "only {ran} blocks ran: {steps:?}");
    assert_eq!(
        skipped.len(),
        page.matches("<!-- tutorial: skip (").count(),
        "a skip marker is not followed by an sh block"
    );
}
