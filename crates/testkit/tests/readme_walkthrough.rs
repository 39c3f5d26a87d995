//! The README's local walk-through, run as written in a repository that is not shipline's: a
//! fresh clone of a small project whose `origin` refuses pushes, as a clone of someone else's
//! public repository does. Every command must succeed with no setup beyond the block's own
//! lines; the clone keeps its ledger records and says so once per command.
//!
//! The block is read from the README, so a command added there runs here. Of its lines only
//! the three that set the walk-through up are not run as they stand: `cargo build` (the
//! workspace build made the tools: [`shipline_testkit::bins`]), `export PATH` (the tools'
//! directory is put on PATH instead) and `cd` (the commands run in the clone).

use std::path::Path;
use std::process::{Command, Output};

use shipline_testkit::bins;

/// The README's walk-through: the `sh` block that changes into "your repository".
fn walkthrough() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("read README.md");
    let block = readme
        .split("```sh\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(body, _)| body))
        .find(|body| body.contains("cd /path/to/your/repository"))
        .expect("README.md has a ```sh block with `cd /path/to/your/repository`");
    block
        .lines()
        .map(|line| match line.find(" #") {
            Some(at) => line[..at].trim().to_string(),
            None => line.trim().to_string(),
        })
        .filter(|line| !line.is_empty())
        .collect()
}

fn git(dir: &Path, args: &[&str]) -> String {
    shipline_testkit::repo::git_in(dir, args)
}

/// A small project (not shipline) with a few commits, on an `origin` that refuses pushes, and
/// a fresh clone of it.
fn read_only_clone(root: &Path) -> std::path::PathBuf {
    std::fs::write(
        root.join("gitconfig"),
        "[user]\n\tname = Walk Through\n\temail = walk@example.com\n[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();
    let seed = root.join("seed");
    std::fs::create_dir(&seed).unwrap();
    git(&seed, &["init", "-q", "-b", "main"]);
    for (i, (file, text, message)) in [
        ("README.md", "# gizmo\n", "docs: readme"),
        ("src/main.c", "int main(void) { return 0; }\n", "feat: main"),
        ("src/util.c", "int util(void) { return 1; }\n", "feat: util"),
        ("Makefile", "all:\n\tcc src/*.c\n", "build: makefile"),
    ]
    .into_iter()
    .enumerate()
    {
        let path = seed.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        git(&seed, &["add", "-A"]);
        let date = format!("@{} +0000", 1_764_000_000 + i * 3_600);
        let out = Command::new("git")
            .args(["commit", "-q", "-m", message])
            .current_dir(&seed)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", root.join("gitconfig"))
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    git(root, &["init", "-q", "--bare", "-b", "main", "origin.git"]);
    git(&seed, &["push", "-q", "../origin.git", "main"]);
    // From here on the origin refuses every push, as a public repository does to a stranger.
    let hook = root.join("origin.git/hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'permission denied' >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    git(root, &["clone", "-q", "origin.git", "clone"]);
    root.join("clone")
}

fn run(line: &str, dir: &Path, root: &Path) -> Output {
    let path = std::env::join_paths(std::iter::once(bins::dir().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", root.join("gitconfig"))
        .output()
        .expect("run sh")
}

#[test]
fn the_readme_walkthrough_runs_as_written_in_a_clone_that_cannot_push() {
    let root = tempfile::tempdir().unwrap();
    let clone = read_only_clone(root.path());
    let lines = walkthrough();
    let mut set_up = 0;
    let mut ran = Vec::new();
    for line in &lines {
        if line.starts_with("cargo build")
            || line.starts_with("export PATH=")
            || line.starts_with("cd ")
        {
            set_up += 1;
            continue;
        }
        let out = run(line, &clone, root.path());
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(0),
            "README walk-through: `{line}` failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        ran.push((line.clone(), stdout, stderr));
    }
    assert_eq!(set_up, 3, "the block's set-up lines changed: {lines:?}");
    assert!(ran.len() >= 7, "{lines:?}");

    let find = |prefix: &str| {
        ran.iter()
            .find(|(line, _, _)| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("the walk-through has no `{prefix}`"))
    };
    let (_, out, _) = find("shipline-status init");
    assert!(out.contains("wrote .shipline.yml"), "{out}");
    // Each command that writes the ledger says once that the records stay in this clone,
    // naming the variable that stops the attempts.
    for prefix in ["shipline-status start", "shipline-status finish"] {
        let (_, _, err) = find(prefix);
        assert_eq!(
            err.matches("recorded in this clone only").count(),
            1,
            "{prefix}: {err}"
        );
        assert!(err.contains("SHIPLINE_LEDGER_REMOTE=none"), "{err}");
    }
    let (_, out, _) = find("shipline-promote");
    assert!(out.contains("would be promoted (dry run)"), "{out}");
    let (_, out, _) = find("shipline-status show");
    assert!(
        out.contains("| staging |") && out.contains("Walk Through"),
        "{out}"
    );
    let (_, out, _) = find("shipline-status metrics");
    assert!(out.contains("| production | no deployments |"), "{out}");
    // The origin took nothing.
    assert!(
        git(
            &root.path().join("origin.git"),
            &["for-each-ref", "refs/notes"]
        )
        .is_empty(),
        "a ledger ref reached the read-only origin"
    );
}
