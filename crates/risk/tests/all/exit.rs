//! Exit codes and the one line each failure prints: 0 done (a closed stdout included), 1 failed,
//! 2 a call or configuration the run cannot start with, 3 above `--fail-above` (see `report.rs`).

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use predicates::prelude::*;
use shipline_testkit::repo::{FastImportSpec, fast_import};

use crate::helpers::{released_repo, risk};

#[test]
fn flags_that_do_not_go_together_exit_2_and_say_which() {
    let repo = released_repo();
    risk(repo.path())
        .args(["--format", "jsonl"])
        .assert()
        .code(2)
        .stderr("error: --format jsonl is for `shipline-risk history`; use markdown or json\n");
    risk(repo.path())
        .args(["history", "--format", "json"])
        .assert()
        .code(2)
        .stderr("error: `history` prints JSON lines only: drop --format or use --format jsonl\n");
}

#[test]
fn comment_outside_a_change_request_exits_2_and_names_the_event() {
    let repo = released_repo();
    risk(repo.path())
        .arg("--label")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--comment and --label need a pull request",
        ))
        .stderr(predicate::str::contains("this run is a local event"));
}

#[test]
fn a_config_file_that_does_not_exist_exits_2() {
    let repo = released_repo();
    risk(repo.path())
        .args(["--config", "missing.yml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.yml"));
}

#[test]
fn a_version_that_cannot_be_bumped_says_so() {
    // Used to read "cannot encode the report: cannot bump ...", which blamed the wrong step.
    let repo = released_repo();
    repo.tag("v18446744073709551615.0.0");
    repo.commit("feat!: drop the old API")
        .file("src/lib.rs", "pub fn b() {}\n")
        .create();
    risk(repo.path())
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "error: cannot bump 18446744073709551615.0.0: a version number would exceed",
        ));
}

#[test]
fn history_into_a_closed_pipe_exits_0_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = FastImportSpec::new(600);
    spec.files = 60;
    fast_import(dir.path(), &spec);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shipline-risk"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .current_dir(dir.path())
        .arg("history")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"sha\":"), "{first}");
    // The reader is gone: the rest of the lines, far more than a pipe holds, meet a closed pipe.
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
