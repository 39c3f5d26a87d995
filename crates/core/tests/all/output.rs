//! The output sink against real files: GitHub's output file read back by an independent parser,
//! GitLab's dotenv rules, and tokens that must never come out the other side.

use std::collections::BTreeMap;
use std::path::Path;

use shipline_core::context::{CiContext, Runtime};
use shipline_core::output::*;
use shipline_testkit::fixtures::{GitHubEnv, GitLabPipeline, gitlab_vars};
use shipline_testkit::outputs::read_github_output;

fn github_sink(env: &GitHubEnv) -> (Outputs, Capture, Capture) {
    let ctx = CiContext::from_vars(env.vars(), env.dir()).unwrap();
    let (console, out, err) = Console::capture();
    (
        Outputs::from_vars(&ctx, env.vars(), console).unwrap(),
        out,
        err,
    )
}

fn github_sink_result(env: &GitHubEnv) -> Result<Outputs, OutputError> {
    let ctx = CiContext::from_vars(env.vars(), env.dir()).unwrap();
    Outputs::from_vars(&ctx, env.vars(), Console::capture().0)
}

#[test]
fn github_outputs_round_trip_through_an_independent_parser() {
    let env = GitHubEnv::for_webhook("pull_request.opened");
    let (outputs, _, _) = github_sink(&env);
    let mut expected = BTreeMap::new();
    let cases = [
        ("score", "42".to_string()),
        ("level", "medium".to_string()),
        ("equation", "a=b=c".to_string()),
        (
            "report",
            "## Risk\n\n| change | score |\n|---|---|\n| #2 | 42 |\n".to_string(),
        ),
        // Lines that look like delimiters: the common `EOF`, the runner's own prefix, and a
        // heredoc header.
        (
            "tricky",
            "start\nEOF\nghadelimiter_0123456789abcdef\nother<<EOF\nend".to_string(),
        ),
        ("empty", String::new()),
        ("trailing-newline", "line\n".to_string()),
    ];
    for (name, value) in &cases {
        outputs.set(name, value).unwrap();
        expected.insert(name.to_string(), value.clone());
    }
    // Called again: appended, last one wins, as on the runner.
    outputs.set("score", "43").unwrap();
    expected.insert("score".into(), "43".into());

    let text = std::fs::read_to_string(env.output_file()).unwrap();
    assert_eq!(
        read_github_output(&env.output_file()),
        expected,
        "file was:\n{text}"
    );
    assert_eq!(outputs.values(), expected);
}

#[test]
fn github_summary_annotations_groups() {
    let env = GitHubEnv::for_webhook("push");
    let (outputs, out, err) = github_sink(&env);
    outputs.summary("# Release\n").unwrap();
    outputs.summary("second part").unwrap();
    assert_eq!(
        std::fs::read_to_string(env.summary_file()).unwrap(),
        "# Release\nsecond part\n"
    );

    outputs.annotate(
        &Annotation::new(Level::Warning, "50% risk,\nsee: reasons")
            .at("src/db/mig,1.sql", 12)
            .titled("Risk: high"),
    );
    {
        let _group = outputs.group("Risk details");
        outputs.log().info("computing");
    }
    let err = err.contents();
    assert!(err.contains(
        "::warning file=src/db/mig%2C1.sql,line=12,title=Risk%3A high::50%25 risk,%0Asee: reasons\n"
    ), "{err}");
    let group = err.find("::group::Risk details\n").expect("group opened");
    let info = err.find("computing\n").unwrap();
    let end = err
        .find("::endgroup::\n")
        .expect("group closed by the guard");
    assert!(group < info && info < end, "{err}");
    assert_eq!(out.contents(), "", "stdout stays free for the report");
}

#[test]
fn github_without_output_file_variable_is_a_clear_error() {
    let mut env = GitHubEnv::for_webhook("push");
    env.remove("GITHUB_OUTPUT");
    let (outputs, _, _) = github_sink(&env);
    let err = outputs.set("a", "b").unwrap_err().to_string();
    assert!(err.contains("GITHUB_OUTPUT"), "{err}");
}

#[test]
fn io_errors_name_the_path() {
    let mut env = GitHubEnv::for_webhook("push");
    let target = env.dir().join("dir-not-file");
    std::fs::create_dir(&target).unwrap();
    env.set("GITHUB_OUTPUT", &target.to_string_lossy());
    let (outputs, _, _) = github_sink(&env);
    let err = outputs.set("a", "b").unwrap_err();
    assert!(matches!(err, OutputError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("dir-not-file"), "{err}");
}

#[test]
fn missing_output_files_are_created_but_missing_directories_are_refused() {
    let mut env = GitHubEnv::for_webhook("push");
    let file = env.dir().join("summary.md");
    env.set("GITHUB_STEP_SUMMARY", &file.to_string_lossy());
    let (outputs, _, _) = github_sink(&env);
    outputs.summary("hi").unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "hi\n");

    let nested = env.dir().join("a/b/summary.md");
    env.set("GITHUB_STEP_SUMMARY", &nested.to_string_lossy());
    let err = github_sink_result(&env).unwrap_err();
    assert!(matches!(err, OutputError::InvalidVar(_)), "{err:?}");
    assert!(err.to_string().starts_with("GITHUB_STEP_SUMMARY="), "{err}");
    assert!(!env.dir().join("a").exists());
}

const TOKEN: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const JOB_TOKEN: &str = "glcbt-64_exampleJobTokenValue0001";

#[test]
fn a_token_never_reaches_files_or_logs_on_github() {
    let mut env = GitHubEnv::for_webhook("pull_request.opened");
    env.set("GITHUB_TOKEN", TOKEN);
    let (outputs, out, err) = github_sink(&env);

    // Callers trying to write the token everywhere.
    outputs.set("leak", &format!("token={TOKEN}")).unwrap();
    outputs.set("multi", &format!("a\n{TOKEN}\nb")).unwrap();
    outputs.summary(&format!("header {TOKEN} footer")).unwrap();
    outputs.annotate(
        &Annotation::new(Level::Error, format!("auth failed with {TOKEN}"))
            .at(format!("{TOKEN}.rs"), 1)
            .titled(TOKEN),
    );
    outputs.log().info(&format!("using {TOKEN}"));
    outputs.log().warn(&format!("retrying {TOKEN}"));
    drop(outputs.group(&format!("group {TOKEN}")));

    let files = [
        std::fs::read_to_string(env.output_file()).unwrap(),
        std::fs::read_to_string(env.summary_file()).unwrap(),
    ];
    for file in &files {
        assert!(!file.contains(TOKEN), "token in a file:\n{file}");
        assert!(file.contains(MASK), "{file}");
    }
    let err = err.contents();
    let mask_line = format!("::add-mask::{TOKEN}");
    assert_eq!(
        err.lines().filter(|l| *l == mask_line).count(),
        1,
        "add-mask emitted once: {err}"
    );
    let without_mask: String = err
        .lines()
        .filter(|l| *l != mask_line)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!without_mask.contains(TOKEN), "{without_mask}");
    assert!(without_mask.contains("using ***"), "{without_mask}");
    assert!(!out.contents().contains(TOKEN));
}

#[test]
fn secrets_registered_later_and_multi_line_secrets_are_masked_per_line() {
    let env = GitHubEnv::for_webhook("push");
    let (outputs, _, err) = github_sink(&env);
    let key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----";
    outputs.mask(key);
    let err = err.contents();
    for line in key.lines() {
        assert!(err.contains(&format!("::add-mask::{line}\n")), "{err}");
    }
    let redactor = outputs.redactor();
    assert_eq!(redactor.redact("x MIIEvQIBADANBgkq y"), "x *** y");
    outputs.set("k", "MIIEvQIBADANBgkq").unwrap();
    assert_eq!(outputs.values()["k"], MASK);
}

// ---------------------------------------------------------------- GitLab

fn gitlab_sink(extra: &[(&str, &str)]) -> (tempfile::TempDir, Outputs, Capture) {
    let dir = tempfile::tempdir().unwrap();
    let mut vars = gitlab_vars(GitLabPipeline::Branch);
    vars.insert("CI_PROJECT_DIR".into(), dir.path().to_string_lossy().into());
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    let ctx = CiContext::from_vars(&vars, dir.path()).unwrap();
    assert_eq!(ctx.runtime, Runtime::GitLabCi);
    let (console, _, err) = Console::capture();
    let outputs = Outputs::from_vars(&ctx, &vars, console).unwrap();
    (dir, outputs, err)
}

/// GitLab's documented dotenv rules, checked independently of the writer.
fn parse_gitlab_dotenv(text: &str) -> BTreeMap<String, String> {
    assert!(text.len() <= 5 * 1024, "over 5 KB");
    let mut map = BTreeMap::new();
    for line in text.lines() {
        assert!(!line.is_empty(), "empty lines are not allowed");
        assert!(!line.starts_with('#'), "comments are not allowed");
        let (k, v) = line.split_once('=').expect("KEY=value");
        assert!(
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad key {k:?}"
        );
        map.insert(k.to_string(), v.trim().to_string());
    }
    map
}

#[test]
fn gitlab_dotenv_names_normalised_and_file_parseable() {
    let (dir, outputs, _) = gitlab_sink(&[]);
    outputs.set("deployment-id", "1234").unwrap();
    outputs.set("next.version", "1.5.0").unwrap();
    outputs
        .set(
            "pr-url",
            "https://gitlab.example.com/g/p/-/merge_requests/3",
        )
        .unwrap();
    outputs.set("deployment-id", "  5678 ").unwrap();
    let text = std::fs::read_to_string(dir.path().join("shipline.env")).unwrap();
    let parsed = parse_gitlab_dotenv(&text);
    assert_eq!(
        parsed,
        BTreeMap::from([
            ("DEPLOYMENT_ID".to_string(), "5678".to_string()),
            ("NEXT_VERSION".to_string(), "1.5.0".to_string()),
            (
                "PR_URL".to_string(),
                "https://gitlab.example.com/g/p/-/merge_requests/3".to_string()
            ),
        ])
    );
    assert_eq!(
        text.lines().count(),
        3,
        "re-set replaces, no duplicates:\n{text}"
    );
}

#[test]
fn gitlab_dotenv_limits_are_enforced() {
    let (dir, outputs, _) = gitlab_sink(&[]);
    let err = outputs.set("notes", "a\nb").unwrap_err().to_string();
    assert!(err.contains("multi-line") && err.contains("notes"), "{err}");
    let err = outputs.set("risk score", "1").unwrap_err().to_string();
    assert!(err.contains("ASCII letters"), "{err}");

    for i in 0..20 {
        outputs.set(&format!("v{i}"), "x").unwrap();
    }
    let err = outputs.set("one-more", "x").unwrap_err().to_string();
    assert!(
        err.contains("21 variables") && err.contains("SHIPLINE_DOTENV_MAX_VARIABLES"),
        "{err}"
    );
    let text = std::fs::read_to_string(dir.path().join("shipline.env")).unwrap();
    assert_eq!(
        parse_gitlab_dotenv(&text).len(),
        20,
        "the failed write left the file intact"
    );

    let (dir, outputs, _) = gitlab_sink(&[]);
    let err = outputs
        .set("big", &"x".repeat(5200))
        .unwrap_err()
        .to_string();
    assert!(err.contains("5120") && err.contains("bytes"), "{err}");
    assert!(!dir.path().join("shipline.env").exists());

    let (_dir, outputs, _) = gitlab_sink(&[
        ("SHIPLINE_DOTENV_MAX_VARIABLES", "50"),
        ("SHIPLINE_DOTENV_MAX_BYTES", "10240"),
    ]);
    for i in 0..30 {
        outputs.set(&format!("v{i}"), "x").unwrap();
    }
    outputs.set("big", &"x".repeat(5200)).unwrap();
}

#[test]
fn gitlab_paths_from_vars_report_and_sections() {
    let (dir, outputs, err) = gitlab_sink(&[
        ("SHIPLINE_DOTENV", "out/vars.env"),
        ("SHIPLINE_REPORT", "out/report.md"),
        ("GITLAB_TOKEN", "glpat-abcdefghijklmnop"),
    ]);
    outputs.set("level", "low").unwrap();
    outputs.summary("# Report").unwrap();
    outputs
        .summary("token glpat-abcdefghijklmnop here")
        .unwrap();
    {
        let _section = outputs.group("Rollout step 1");
        outputs.log().info("deploying");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/vars.env")).unwrap(),
        "LEVEL=low\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/report.md")).unwrap(),
        "# Report\ntoken *** here\n"
    );
    let err = err.contents();
    assert!(err.contains("section_start:"), "{err}");
    assert!(
        err.contains(":rollout_step_1[collapsed=true]\r\x1b[0KRollout step 1\n"),
        "{err}"
    );
    assert!(err.contains("section_end:"), "{err}");
    assert!(
        !err.contains("add-mask"),
        "GitLab has no mask command: {err}"
    );
    assert!(
        !err.contains(JOB_TOKEN),
        "CI_JOB_TOKEN from the fixture is never printed: {err}"
    );
}

#[test]
fn gitlab_job_token_is_scrubbed_from_the_dotenv() {
    let (dir, outputs, _) = gitlab_sink(&[]);
    outputs.set("leak", JOB_TOKEN).unwrap();
    let text = std::fs::read_to_string(dir.path().join("shipline.env")).unwrap();
    assert_eq!(text, "LEAK=***\n");
}

#[test]
fn invalid_limit_settings_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut vars = gitlab_vars(GitLabPipeline::Branch);
    vars.insert("SHIPLINE_DOTENV_MAX_BYTES".into(), "lots".into());
    let ctx = CiContext::from_vars(&vars, dir.path()).unwrap();
    let err = Outputs::from_vars(&ctx, &vars, Console::capture().0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("SHIPLINE_DOTENV_MAX_BYTES") && err.contains("lots"),
        "{err}"
    );
}

// ---------------------------------------------------------------- local

#[test]
fn local_outputs_are_kept_and_printed_summary_on_stdout() {
    let vars = BTreeMap::from([("SHIPLINE_TOKEN".to_string(), "shp_localsecret".to_string())]);
    let (console, out, err) = Console::capture();
    let outputs = Outputs::new(Runtime::Local, Path::new("."), &vars, console).unwrap();
    outputs.set("score", "12").unwrap();
    outputs.summary("# Risk: low, shp_localsecret").unwrap();
    outputs.warning("careful");
    outputs.annotate(&Annotation::new(Level::Error, "broken").at("a.rs", 3));
    assert_eq!(outputs.values()["score"], "12");
    assert_eq!(out.contents(), "# Risk: low, ***\n");
    let err = err.contents();
    assert!(err.contains("score=12\n"), "{err}");
    assert!(err.contains("warning: careful\n"), "{err}");
    assert!(err.contains("error: a.rs:3: broken\n"), "{err}");
}
