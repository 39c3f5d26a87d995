//! `shipline-status check`: `.shipline.yml` checked on its own through the binary. Every class of
//! mistake is refused with exit 2 at its file, line and column, in our words with the fix, and
//! none of the YAML parser's own wording reaches the user.

use std::path::Path;

use predicates::str::contains;
use shipline_testkit::repo::TestRepo;

use crate::helpers::{local, status};

/// The complete example of docs/configuration.md, which must pass.
fn documented_example() -> String {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md"),
    )
    .unwrap();
    let start = doc.find("## A complete example").unwrap();
    let block = &doc[start..];
    let body = &block[block.find("```yaml\n").unwrap() + 8..];
    body[..body.find("```").unwrap()].to_string()
}

/// Words of serde, serde-saphyr and croner that must never reach a user.
const LIBRARY_WORDS: [&str; 14] = [
    "Option<",
    "from_str",
    "budget breached",
    "AliasAnchorRatio",
    "deserialize",
    "invalid type:",
    "DuplicateKeyPolicy",
    "unknown variant",
    "Component error",
    "CronPattern",
    "struct ",
    "u8",
    "0 to 255",
    "scanning",
];

/// Runs `check --config FILE` on `text`; asserts exit 2 and returns stdout.
fn refused(text: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shipline.yml");
    std::fs::write(&file, text).unwrap();
    let out = status()
        .current_dir(dir.path())
        .args(["check", "--config", "shipline.yml"])
        .assert()
        .code(2)
        .stderr(contains("problem"))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for word in LIBRARY_WORDS {
        assert!(!out.contains(word), "library text `{word}` leaked: {out}");
    }
    out
}

/// Asserts `text` is refused at `line:col` with `message` and `hint` in our words.
fn refused_at(text: &str, line_col: &str, message: &str, hint: &str) {
    let out = refused(text.as_bytes());
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("shipline.yml:{line_col}: ")),
        "expected shipline.yml:{line_col}: ..., got: {out}"
    );
    assert!(first.contains(message), "{message:?} missing: {out}");
    assert!(first.contains(hint), "hint {hint:?} missing: {out}");
}

#[test]
fn the_documented_example_is_ok_with_a_summary() {
    let repo = TestRepo::new();
    std::fs::write(repo.path().join(".shipline.yml"), documented_example()).unwrap();
    local(repo.path()).arg("check").assert().success().stdout(
        "ok: .shipline.yml: 3 environments (review, staging, production), 1 rollout with \
             3 health checks, 2 freeze windows, 2 sensitive path rules, reverts on \
             deployment_failure, workflow_failure, comment\n",
    );
}

#[test]
fn no_file_is_ok_with_the_defaults() {
    let repo = TestRepo::new();
    local(repo.path())
        .arg("check")
        .assert()
        .success()
        .stdout(contains("ok: no .shipline.yml in"))
        .stdout(contains("every setting takes its default"));
}

#[test]
fn check_needs_no_ci_context_even_with_a_broken_one() {
    // A broken GitLab context stops every other command; the check still runs.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yml"), "risk: { lookback: 10 }\n").unwrap();
    status()
        .current_dir(dir.path())
        .env("GITLAB_CI", "true")
        .args(["check", "--config", "c.yml"])
        .assert()
        .success()
        .stdout(contains("ok: c.yml: no environments"));
}

#[test]
fn documented_ranges_are_enforced_with_the_range_in_the_message() {
    refused_at(
        "risk:\n  lookback: 0\n",
        "2:13",
        "`lookback: 0` is outside 1–1000000",
        "use a whole number from 1 to 1000000",
    );
    for weight in ["150", "500", "-1"] {
        refused_at(
            &format!("risk:\n  sensitive:\n    - {{ paths: [a], weight: {weight}, reason: r }}\n"),
            "3:29",
            &format!("`weight: {weight}` is outside 0–100"),
            "from 0 to 100",
        );
    }
    refused_at(
        "risk:\n  sensitive:\n    - { paths: [a], weight: lots, reason: r }\n",
        "3:29",
        "`weight` must be a whole number from 0 to 100, not the text `lots`",
        "write digits only",
    );
    refused_at(
        "revert:\n  max_per_day: 1000\n",
        "2:16",
        "`max_per_day: 1000` is outside 0–100",
        "from 0 to 100",
    );
    refused_at(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh\n      health:\n        - http: https://example.com\n          expect_status: 70000\n",
        "7:26",
        "`expect_status: 70000` is outside 100–599",
        "from 100 to 599",
    );
    refused_at(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh\n      failure_limit: 5000\n",
        "5:22",
        "`failure_limit: 5000` is outside 1–1000",
        "from 1 to 1000",
    );
    refused_at(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh\n      health:\n        - command: ./smoke.sh\n          timeout: 10ms\n",
        "7:20",
        "`timeout: 10ms` is outside 100ms–1h",
        "from `100ms` to `1h`",
    );
}

#[test]
fn empty_values_where_empty_means_nothing_are_refused() {
    refused_at(
        "environments:\n  production:\n    rollout:\n      command: \"\"\n",
        "4:16",
        "`command` is empty",
        "give the command line that deploys one step",
    );
    refused_at(
        "environments:\n  production:\n    rollout:\n      command: \"   \"\n",
        "4:16",
        "`command` is blank",
        "give the command line",
    );
    refused_at(
        "revert:\n  opt_out_marker: \"\"\n",
        "2:19",
        "`opt_out_marker` is empty",
        "give the text that keeps a pull request from automatic reverts",
    );
    refused_at(
        "environments:\n  production:\n    required_checks: [build, \"\"]\n",
        "3:30",
        "an entry of `required_checks` is empty",
        "remove the empty one",
    );
    refused_at(
        "risk:\n  sensitive:\n    - { paths: [], weight: 5, reason: r }\n",
        "3:16",
        "`paths` is empty",
        "list at least one glob",
    );
}

#[test]
fn interval_below_one_second_is_refused() {
    refused_at(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh\n      interval: 0s\n",
        "5:17",
        "`interval: 0s` is shorter than 10ms",
        "use at least `10ms`",
    );
}

#[test]
fn a_cron_that_never_fires_is_refused_naming_the_fields() {
    refused_at(
        "environments:\n  production:\n    freeze:\n      - { start: \"0 0 30 2 *\", end: \"0 8 * * MON\" }\n",
        "4:18",
        "invalid cron expression `0 0 30 2 *`: never fires: no date has day-of-month `30` \
         together with month `2`",
        "February has 28 or 29 days",
    );
}

#[test]
fn a_freeze_window_that_ends_when_it_starts_is_refused() {
    let out = refused(
        b"environments:\n  production:\n    freeze:\n      - { start: \"0 18 * * FRI\", end: \"0 18 * * FRI\" }\n",
    );
    let first = out.lines().next().unwrap_or_default();
    assert!(first.starts_with("shipline.yml:4:"), "{out}");
    assert!(
        first.contains("`start` and `end` are both `0 18 * * FRI`, so the freeze never begins"),
        "{out}"
    );
}

#[test]
fn environment_names_follow_the_ledger_rule() {
    refused_at(
        "environments:\n  \"\":\n    url: https://example.com\n",
        "2:3",
        "environment name `` is empty",
        "`review/app`",
    );
    refused_at(
        "environments:\n  review/../prod:\n",
        "2:3",
        "environment name `review/../prod` contains `..`",
        "each part between slashes starting with a letter or digit",
    );
    refused_at(
        "environments:\n  production:\n  Production:\n",
        "3:3",
        "environment `Production` differs from `production` only in case",
        "merge the two entries or rename one",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.yml"),
        "environments:\n  review/app:\n    transient: true\n  production/api:\n    after: [review/app]\n",
    )
    .unwrap();
    status()
        .current_dir(dir.path())
        .args(["check", "--config", "c.yml"])
        .assert()
        .success()
        .stdout(contains("2 environments (review/app, production/api)"));
}

#[test]
fn parser_errors_are_in_our_words_one_test_per_class() {
    // null where text is expected
    refused_at(
        "environments:\n  production:\n    rollout:\n      command:\n",
        "4:14",
        "`command` has no value",
        "give the command line",
    );
    refused_at(
        "revert:\n  labels: [revert]\n  opt_out_marker:\n",
        "3:17",
        "`opt_out_marker` has no value",
        "give the text",
    );
    // multiple documents
    refused_at(
        "risk:\n  lookback: 10\n---\nrevert:\n  max_per_day: 1\n",
        "3:1",
        "more than one YAML document",
        "remove the separator line",
    );
    // alias budget: one anchor repeated a hundred times
    let aliases = format!(
        "risk:\n  ignore: [&a \"x/**\", {}]\n",
        vec!["*a"; 100].join(", ")
    );
    let out = refused(aliases.as_bytes());
    assert!(out.contains("too many aliases"), "{out}");
    assert!(out.contains("write the repeated values out"), "{out}");
    // wrong types
    refused_at(
        "environments:\n  production:\n    transient: maybe\n",
        "3:16",
        "expected `true` or `false`, found `maybe`",
        "write `true` or `false`",
    );
    refused_at(
        "environments:\n  production:\n    after: staging\n",
        "3:12",
        "expected a list here",
        "`[a, b]`",
    );
    refused_at(
        "environments: [staging, production]\n",
        "1:15",
        "expected a mapping",
        "write",
    );
    // unknown keys
    refused_at(
        "environments:\n  production:\n    soke: 30m\n",
        "3:5",
        "unknown field `soke`",
        "did you mean `soak`?",
    );
    // tabs
    let out = refused(b"risk:\n\tlookback: 10\n");
    assert!(out.starts_with("shipline.yml:2:"), "{out}");
    assert!(out.contains("a tab is used"), "{out}");
    assert!(out.contains("replace the tab with spaces"), "{out}");
    // duplicate keys
    refused_at(
        "risk:\n  lookback: 10\n  lookback: 20\n",
        "3:3",
        "duplicate key `lookback`",
        "remove or merge the repeated one",
    );
    // not UTF-8
    let out = refused(b"risk:\n  ignore: [\"caf\xe9\"]\n");
    assert!(
        out.starts_with("shipline.yml:2:") && out.contains("not UTF-8"),
        "{out}"
    );
    // a quote left open, a bracket left open
    let out = refused(b"revert:\n  labels: [\"revert]\n");
    assert!(out.starts_with("shipline.yml:"), "{out}");
    let out = refused(b"revert:\n  labels: [revert\n");
    assert!(out.starts_with("shipline.yml:"), "{out}");
}

#[test]
fn every_problem_of_the_cross_checks_is_listed() {
    let out = refused(
        b"environments:\n  staging:\n    after: [qa]\n  production:\n    after: [stagin, production]\n",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0]
            .starts_with("shipline.yml:3:13: `after:` of `staging` names unknown environment `qa`"),
        "{out}"
    );
    assert!(lines[1].starts_with("shipline.yml:5:13: `after:` of `production` names unknown environment `stagin`; did you mean `staging`?"), "{out}");
    assert!(
        lines[2].starts_with("shipline.yml:5:21: environment `production` lists itself"),
        "{out}"
    );
}

#[test]
fn the_other_commands_say_how_many_more_problems_there_are() {
    let repo = TestRepo::new();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "environments:\n  staging:\n    after: [qa]\n  production:\n    after: [stagin]\n",
    )
    .unwrap();
    local(repo.path())
        .args(["show"])
        .assert()
        .code(2)
        .stderr(contains(
            ".shipline.yml:3:13: `after:` of `staging` names unknown environment `qa`",
        ))
        .stderr(contains(
            "1 more problem in this file: `shipline-status check` lists them all",
        ));
}

#[test]
fn github_actions_gets_an_annotation_per_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yml"), "risk:\n  lookback: 0\n").unwrap();
    status()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .args(["check", "--config", "c.yml"])
        .assert()
        .code(2)
        .stdout(contains(
            "::error file=c.yml,line=2,col=13::`lookback: 0` is outside 1–1000000",
        ));
}

#[test]
fn a_missing_explicit_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    status()
        .current_dir(dir.path())
        .args(["check", "--config", "nope.yml"])
        .assert()
        .code(2)
        .stdout(contains(
            "nope.yml: the configuration file given with --config does not exist",
        ));
}
