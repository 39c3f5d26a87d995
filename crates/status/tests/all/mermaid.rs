//! The Mermaid diagrams of `show` and `metrics`: in a GitHub Actions job's step summary (which
//! GitHub renders), with the values the JSON reports give; never on stdout (a log) nor locally
//! (a terminal); and drawn without error by the real `mermaid` library in headless Chromium.

use regex::Regex;
use serde_json::Value;
use shipline_testkit::fixtures::GitHubEnv;
use shipline_testkit::repo::TestRepo;

use crate::dashboard::ledger;
use crate::helpers::{local, status};

/// The Mermaid blocks of a Markdown text.
pub fn mermaid_blocks(md: &str) -> Vec<String> {
    md.split("```mermaid\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block.to_string()))
        .collect()
}

/// A push job whose workspace is `repo`, the ledger read from git.
fn job(repo: &TestRepo) -> GitHubEnv {
    let mut ci = GitHubEnv::for_webhook("push");
    ci.set("GITHUB_WORKSPACE", &repo.path().display().to_string())
        .set("GITHUB_SHA", &repo.head());
    ci
}

/// Runs `args` in the job; returns stdout and the step summary written so far.
fn in_job(ci: &GitHubEnv, repo: &TestRepo, args: &[&str]) -> (String, String) {
    let out = status()
        .envs(ci.vars())
        .current_dir(repo.path())
        .args(["--backend", "git"])
        .args(args)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let summary = std::fs::read_to_string(ci.summary_file()).unwrap_or_default();
    (stdout, summary)
}

fn json(repo: &TestRepo, args: &[&str]) -> Value {
    let out = local(repo.path())
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn stdout(repo: &TestRepo, args: &[&str]) -> String {
    let out = local(repo.path()).args(args).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// What `show` draws for `show --format json`'s environments: a box per environment in its
/// order, an arrow from each upstream with the commits waiting.
fn expected_flowchart(show: &Value, after: &[(&str, &str)]) -> String {
    let envs = show["environments"].as_array().unwrap();
    let mut out = String::from("flowchart LR\n");
    for (i, env) in envs.iter().enumerate() {
        let version = env["running"]["version"].as_str().unwrap();
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(
                "    n{i}[\"{}<br/>{version}<br/>running\"]\n",
                env["environment"].as_str().unwrap()
            ),
        );
    }
    let index = |name: &str| envs.iter().position(|e| e["environment"] == name).unwrap();
    for (up, down) in after {
        let waiting = &envs[index(down)]["waiting"];
        assert_eq!(waiting["from"], *up);
        out.push_str(&format!(
            "    n{} -->|\"{} waiting\"| n{}\n",
            index(up),
            waiting["commits"],
            index(down)
        ));
    }
    out
}

#[test]
fn show_draws_the_environments_in_the_step_summary_and_nowhere_else() {
    let ledger = ledger();
    let repo = &ledger.repo;
    let ci = job(repo);
    let (out, summary) = in_job(&ci, repo, &["show"]);
    assert!(!out.contains("```mermaid"), "stdout is a log: {out}");
    assert!(out.contains("| production |"), "{out}");
    let blocks = mermaid_blocks(&summary);
    assert_eq!(blocks.len(), 1, "{summary}");
    let show = json(repo, &["show"]);
    let expected = expected_flowchart(&show, &[("dev", "staging"), ("staging", "production")]);
    assert_eq!(blocks[0], expected);
    // Production lags two commits behind staging: the arrow says so.
    assert!(
        blocks[0].contains("n1 -->|\"2 waiting\"| n2"),
        "{}",
        blocks[0]
    );

    let local_out = stdout(repo, &["show"]);
    assert!(local_out.contains("| production |"), "{local_out}");
    assert!(!local_out.contains("```mermaid"), "{local_out}");
}

#[test]
fn show_says_failed_and_nothing_and_keeps_hostile_versions_inside_labels() {
    let repo = TestRepo::new();
    repo.commit("chore: config")
        .file(
            ".shipline.yml",
            "environments:\n  staging: {}\n  qa:\n    after: [staging]\n  production:\n    after: [staging, qa]\n",
        )
        .create();
    repo.push();
    let hostile = "1.0\"] %%{init}%%\nclick n0 call alert(1)";
    for (env, state) in [("staging", "success"), ("qa", "failure")] {
        local(repo.path())
            .args(["start", "--env", env, "--version", hostile])
            .assert()
            .success();
        local(repo.path())
            .args(["finish", "--env", env, "--state", state])
            .assert()
            .success();
    }
    let ci = job(&repo);
    let (_, summary) = in_job(&ci, &repo, &["show"]);
    let blocks = mermaid_blocks(&summary);
    assert_eq!(blocks.len(), 1, "{summary}");
    assert_eq!(
        blocks[0],
        // The version keeps its last 32 characters, quotes, `%`, `{`, `(` and the line break as `_`;
        // production waits on its first upstream only, as `show --format json` says.
        "flowchart LR\n    n0[\"staging<br/>__init____click n0 call alert_1_<br/>running\"]\n    n1[\"qa<br/>failed\"]\n    n2[\"production<br/>nothing\"]\n    n0 -->|\"1 waiting\"| n1\n    n0 -->|\"1 waiting\"| n2\n    n1 --> n2\n"
    );
}

/// Successful deployments of `environment` in `metrics --since DAYSd --format json`.
fn successful(repo: &TestRepo, days: i64, environment: &str) -> i64 {
    let report = json(repo, &["metrics", "--since", &format!("{days}d")]);
    report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["environment"] == environment)
        .map_or(0, |e| e["successful"].as_i64().unwrap())
}

#[test]
fn metrics_charts_production_week_by_week_with_the_reports_figures() {
    let ledger = ledger();
    let repo = &ledger.repo;
    let ci = job(repo);
    let (out, summary) = in_job(&ci, repo, &["metrics", "--since", "84d"]);
    assert!(!out.contains("```mermaid"), "stdout is a log: {out}");
    let blocks = mermaid_blocks(&summary);
    assert_eq!(blocks.len(), 1, "one chart: production only\n{summary}");
    let chart = &blocks[0];
    assert!(
        chart.starts_with(
            "xychart-beta\n    title \"Successful deployments per week in production\"\n    x-axis \"week from\" ["
        ),
        "{chart}"
    );
    assert!(
        chart.contains("    y-axis \"deployments\" 0 --> "),
        "{chart}"
    );
    let bars: Vec<i64> = Regex::new(r"(?m)^    bar \[([0-9, ]*)\]$")
        .unwrap()
        .captures(chart)
        .unwrap()[1]
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(bars.len(), 12, "{chart}");
    // Week k from the end is what `metrics` counts over 7k days minus 7(k-1) days.
    let mut before = 0;
    for (k, bar) in bars.iter().rev().enumerate() {
        let upto = successful(repo, 7 * (k as i64 + 1), "production");
        assert_eq!(*bar, upto - before, "week {} from the end\n{chart}", k + 1);
        before = upto;
    }
    assert_eq!(bars.iter().sum::<i64>(), successful(repo, 84, "production"));
    assert!(bars.iter().any(|b| *b > 0) && bars.contains(&0), "{chart}");

    let local_out = stdout(repo, &["metrics", "--since", "84d"]);
    assert!(local_out.contains("| production |"), "{local_out}");
    assert!(!local_out.contains("```mermaid"), "{local_out}");
}

/// Every block the status summaries write, and a broken one, drawn by `mermaid.min.js`.
#[test]
#[ignore = "needs headless Chromium and the mermaid npm package: set SHIPLINE_NODE_MODULES (.ci/run does)"]
fn the_summary_diagrams_render_with_mermaid() {
    let ledger = ledger();
    let repo = &ledger.repo;
    let ci = job(repo);
    in_job(&ci, repo, &["show"]);
    in_job(&ci, repo, &["metrics", "--since", "84d"]);
    in_job(&ci, repo, &["metrics", "--since", "3d"]);
    let summary = std::fs::read_to_string(ci.summary_file()).unwrap();
    let mut blocks = mermaid_blocks(&summary);
    assert_eq!(blocks.len(), 3, "{summary}");
    let hostile = hostile_show();
    blocks.push(hostile);
    // The examples in the docs draw too.
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    for page in ["status.md", "promote.md"] {
        let text = std::fs::read_to_string(docs.join(page)).unwrap();
        let examples = mermaid_blocks(&text);
        assert!(!examples.is_empty(), "{page} shows a diagram");
        blocks.extend(examples);
    }
    blocks.push("flowchart LR\n    n0[\"a\"b\"]\n".to_string());
    let Some(drawn) = shipline_testkit::browser::render_mermaid(&blocks) else {
        return;
    };
    let (broken, drawn) = drawn.split_last().unwrap();
    assert!(
        !broken.ok,
        "a quote inside a label must fail: {}",
        broken.output
    );
    for (block, result) in blocks.iter().zip(drawn) {
        assert!(result.ok, "{block}\n{}", result.output);
        assert!(result.output.starts_with("<svg"), "{}", result.output);
        assert!(!result.output.contains("Syntax error"), "{}", result.output);
    }
    assert!(
        drawn[0].output.contains("production"),
        "{}",
        drawn[0].output
    );
    assert!(drawn[0].output.contains("2 waiting"), "{}", drawn[0].output);
    assert!(
        drawn[1].output.contains("Successful deployments per week"),
        "{}",
        drawn[1].output
    );
    assert!(
        drawn[3].output.contains("classDef x fill__f00"),
        "{}",
        drawn[3].output
    );
    assert!(!drawn[3].output.contains("<script"), "{}", drawn[3].output);
}

/// The `show` diagram of a ledger whose version is hostile.
fn hostile_show() -> String {
    let repo = TestRepo::new();
    repo.commit("chore: config")
        .file(
            ".shipline.yml",
            "environments:\n  staging: {}\n  production:\n    after: [staging]\n",
        )
        .create();
    repo.push();
    local(repo.path())
        .args(["start", "--env", "staging", "--version"])
        .arg("<script>alert(1)</script>\"%%{init}%%#quot;\nclassDef x fill:#f00")
        .assert()
        .success();
    local(repo.path())
        .args(["finish", "--env", "staging", "--state", "success"])
        .assert()
        .success();
    let ci = job(&repo);
    let (_, summary) = in_job(&ci, &repo, &["show"]);
    mermaid_blocks(&summary).remove(0)
}
