//! The exit-code table in the README, run for real: every row through every tool it names.
//!
//! The table is read from the README as users read it (the code, the tools), so a row whose
//! code changes in the docs but not in the tools fails here, and so does a row added without a
//! case: each (row, tool) pair needs at least one case below, and a case for a row or a tool
//! the table does not list fails too. The tools are the binaries the workspace build left
//! ([`shipline_testkit::bins`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use shipline_testkit::bins;
use shipline_testkit::fixtures::{GitHubEnv, webhook};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::repo::TestRepo;

const TOOLS: [&str; 4] = ["risk", "status", "promote", "revert"];

/// The token the fake GitHub accepts; the tools are given another one.
const ACCEPTED: &str = "ghs_exitCodesAcceptedToken0001";
const REFUSED: &str = "ghs_exitCodesRefusedToken00002";

/// One row of the README's table.
#[derive(Debug)]
struct Row {
    what: String,
    code: i32,
    tools: Vec<String>,
}

fn readme_table() -> Vec<Row> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let section = readme
        .split("\n## Exit codes\n")
        .nth(1)
        .expect("README.md has an `## Exit codes` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut rows = Vec::new();
    for line in section.lines().filter(|l| l.starts_with('|')).skip(2) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert!(
            cells.len() >= 3,
            "a row of the exit-code table has too few cells: {line}"
        );
        let tools = match cells[2] {
            "all" => TOOLS.iter().map(|t| t.to_string()).collect(),
            list => list.split(',').map(|t| t.trim().to_string()).collect(),
        };
        rows.push(Row {
            what: cells[0].to_string(),
            code: cells[1]
                .parse()
                .unwrap_or_else(|_| panic!("code of `{line}`")),
            tools,
        });
    }
    assert!(!rows.is_empty(), "no rows in the README's exit-code table");
    rows
}

/// Everything the cases need, made once.
struct World {
    /// A repository with history, pushed, with a `.shipline.yml` listing environments.
    repo: TestRepo,
    /// A repository without commits.
    empty: TestRepo,
    /// A directory that is no repository.
    plain: tempfile::TempDir,
    /// A commit on a branch that is not the default branch.
    side_commit: String,
    /// The GitHub job's variables and files, with a token the fake refuses.
    job: GitHubEnv,
    /// The same for a `pull_request` job.
    pr_job: GitHubEnv,
    _fake: FakeForge,
}

const CONFIG: &str = r#"environments:
  staging: {}
  production:
    after: [staging]
  canary:
    rollout:
      command: "false"
      rollback: "true"
      steps: [100]
risk:
  sensitive:
    - { paths: ["**"], weight: 100, reason: everything is sensitive here }
  levels: { medium: 1, high: 2, critical: 3 }
"#;

impl World {
    fn new() -> Self {
        let repo = TestRepo::new();
        repo.commit("feat: first cut")
            .file("src/lib.rs", "pub fn a() {}\n")
            .file(".shipline.yml", CONFIG)
            .create();
        repo.tag("v1.0.0");
        repo.commit("feat: second cut")
            .file("src/lib.rs", "pub fn a() {}\npub fn b() {}\n")
            .create();
        repo.push();
        repo.branch("side");
        repo.checkout("side");
        let side_commit = repo
            .commit("feat: on the side")
            .file("side.rs", "x\n")
            .create();
        repo.checkout("main");

        let fake = FakeForge::start();
        let head = repo.head();
        let mut payload: Value = webhook("push");
        payload["ref"] = "refs/heads/main".into();
        payload["before"] = repo.rev("HEAD~1").into();
        payload["after"] = head.clone().into();
        payload["head_commit"]["id"] = head.clone().into();
        payload["repository"]["default_branch"] = "main".into();
        let mut job = GitHubEnv::for_event("push", &payload);
        let full_name = job.vars()["GITHUB_REPOSITORY"].clone();
        {
            let mut state = fake.state();
            state.github.require_token(ACCEPTED);
            let r = state.github.add_repo(&full_name);
            r.refs.insert("main".into(), head);
        }
        job.set("GITHUB_API_URL", &fake.github_api_url())
            .set("GITHUB_GRAPHQL_URL", &fake.github_graphql_url())
            .set("GITHUB_WORKSPACE", &repo.path().to_string_lossy())
            .set("GITHUB_TOKEN", REFUSED);
        let mut pr: Value = webhook("pull_request.opened");
        pr["pull_request"]["base"]["sha"] = repo.rev("HEAD~1").into();
        pr["pull_request"]["head"]["sha"] = repo.rev("HEAD").into();
        let mut pr_job = GitHubEnv::for_event("pull_request", &pr);
        for key in [
            "GITHUB_API_URL",
            "GITHUB_GRAPHQL_URL",
            "GITHUB_WORKSPACE",
            "GITHUB_TOKEN",
        ] {
            let value = job.vars()[key].clone();
            pr_job.set(key, &value);
        }
        Self {
            repo,
            pr_job,
            empty: TestRepo::new(),
            plain: tempfile::tempdir().expect("temp dir"),
            side_commit,
            job,
            _fake: fake,
        }
    }
}

/// A tool's binary in `dir` with only PATH and HOME from the test's environment, plus `vars`.
fn run(tool: &str, dir: &Path, vars: &BTreeMap<String, String>, args: &[&str]) -> Output {
    let mut cmd = Command::new(bins::exe(&format!("shipline-{tool}")));
    cmd.env_clear();
    for key in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    cmd.env("SHIPLINE_LEDGER_REMOTE", "none")
        .envs(vars)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the tool runs")
}

/// The arguments of a case and the variables and directory it runs with.
struct Case<'w> {
    dir: &'w Path,
    vars: BTreeMap<String, String>,
    args: Vec<String>,
    /// The variables the case changes, for the failure message.
    changed: Vec<String>,
}

impl<'w> Case<'w> {
    fn local(dir: &'w Path, args: &[&str]) -> Self {
        Self {
            dir,
            vars: BTreeMap::new(),
            args: args.iter().map(|a| a.to_string()).collect(),
            changed: Vec::new(),
        }
    }

    fn var(mut self, key: &str, value: &str) -> Self {
        self.vars.insert(key.to_string(), value.to_string());
        self.changed.push(format!("{key}={value}"));
        self
    }
}

/// The cases of `row` for `tool`; `None` when there are none.
fn cases<'w>(world: &'w World, row: &str, tool: &str) -> Option<Vec<Case<'w>>> {
    let repo = world.repo.path();
    let empty = world.empty.path();
    let plain = world.plain.path();
    let side = world.side_commit.as_str();
    let job = |args: &[&str]| Case {
        dir: repo,
        vars: world.job.vars().clone(),
        args: args.iter().map(|a| a.to_string()).collect(),
        changed: vec!["in a GitHub Actions job".to_string()],
    };
    // A command of each tool that does its job in the repository.
    let ordinary: &[&str] = match tool {
        "risk" => &[],
        "status" => &["show"],
        "promote" => &["--to", "staging", "--dry-run"],
        _ => &["--sha", "HEAD", "--dry-run"],
    };
    let cases = match (row, tool) {
        ("bad flag or value", "risk") => vec![
            Case::local(repo, &["--no-such-flag"]),
            Case::local(repo, &["history", "--format", "json"]),
            Case::local(repo, &["--format", "jsonl"]),
        ],
        ("bad flag or value", "status") => vec![
            Case::local(repo, &["metrics", "--since", "soon"]),
            Case::local(repo, &["finish", "--env", "staging", "--state", "maybe"]),
        ],
        ("bad flag or value", "promote") => vec![Case::local(repo, &["--to"])],
        ("bad flag or value", "revert") => vec![Case::local(repo, &["--pr", "many"])],
        ("not a git repository", _) => vec![Case::local(plain, ordinary)],
        ("empty repository", "status") => vec![Case::local(empty, &["start", "--env", "staging"])],
        ("empty repository", "promote") => vec![Case::local(empty, &["--to", "staging"])],
        ("empty repository", _) => vec![Case::local(empty, ordinary)],
        ("unknown revision", "risk") => vec![
            Case::local(repo, &["--base", "no-such-rev"]),
            Case::local(repo, &["--head", "no-such-rev"]),
        ],
        ("unknown revision", "status") => vec![Case::local(
            repo,
            &["start", "--env", "staging", "--ref", "no-such-rev"],
        )],
        ("unknown revision", "promote") => {
            vec![Case::local(
                repo,
                &["--to", "staging", "--ref", "no-such-rev"],
            )]
        }
        ("unknown revision", "revert") => vec![
            Case::local(repo, &["--sha", "no-such-rev", "--dry-run"]),
            Case::local(repo, &["--range", "no-such-rev..HEAD", "--dry-run"]),
        ],
        ("reversed range", "risk") => {
            vec![Case::local(repo, &["--base", "HEAD", "--head", "HEAD~1"])]
        }
        ("reversed range", "revert") => vec![
            Case::local(repo, &["--range", "HEAD..HEAD~1", "--dry-run"]),
            Case::local(repo, &["--range", "HEAD..HEAD", "--dry-run"]),
        ],
        ("bad config", _) => vec![
            Case::local(repo, &[&["--config", "missing.yml"], ordinary].concat()),
            Case::local(repo, &[&["--config", "src/lib.rs"], ordinary].concat()),
        ],
        ("unknown environment", "status") => {
            vec![Case::local(repo, &["start", "--env", "nowhere"])]
        }
        ("unknown environment", "promote") => vec![Case::local(repo, &["--to", "nowhere"])],
        ("unknown component", "risk") => vec![Case::local(repo, &["--component", "nothing"])],
        ("unknown component", "status") => vec![Case::local(
            repo,
            &["start", "--env", "staging", "--component", "nothing"],
        )],
        ("unknown component", "promote") => vec![Case::local(
            repo,
            &["--to", "staging", "--component", "nothing", "--dry-run"],
        )],
        ("bad CI context", _) => vec![
            job(ordinary).var("GITHUB_REPOSITORY", "acme/widgets/extra"),
            job(ordinary).var("GITHUB_REPOSITORY", "acme/wid gets"),
            job(ordinary).var("GITHUB_SHA", "nothex"),
            job(ordinary).var("GITLAB_CI", "true"),
            job(ordinary).var("GITHUB_WORKSPACE", &plain.join("gone").to_string_lossy()),
            job(ordinary).var(
                "GITHUB_OUTPUT",
                &plain.join("gone/output").to_string_lossy(),
            ),
        ],
        ("forge refused", "risk") => vec![Case {
            dir: repo,
            vars: world.pr_job.vars().clone(),
            args: vec!["--comment".to_string()],
            changed: vec!["in a GitHub Actions pull_request job".to_string()],
        }],
        ("forge refused", "status") => vec![job(&["start", "--env", "staging"])],
        // staging has no gate and no rollout: promoting it asks nothing of the forge.
        ("forge refused", "promote") => vec![
            job(&["--to", "production"]),
            job(&["--to", "production", "--dry-run"]),
            job(&["--to", "canary"]),
        ],
        ("forge refused", "revert") => vec![job(&["--sha", "HEAD"])],
        ("rollout failed", "promote") => vec![Case::local(repo, &["--to", "canary"])],
        ("gate blocked", "risk") => vec![Case::local(repo, &["--fail-above", "low"])],
        ("gate blocked", "promote") => vec![Case::local(repo, &["--to", "production"])],
        ("revert refused", "revert") => vec![Case::local(repo, &["--sha", side, "--dry-run"])],
        _ => return None,
    };
    Some(cases)
}

/// The rows the cases above cover, to catch a case left behind when a row goes.
const COVERED: &[&str] = &[
    "bad flag or value",
    "not a git repository",
    "empty repository",
    "unknown revision",
    "reversed range",
    "bad config",
    "unknown environment",
    "unknown component",
    "bad CI context",
    "forge refused",
    "rollout failed",
    "gate blocked",
    "revert refused",
];

#[test]
fn every_row_of_the_readme_table_exits_with_its_code_in_every_tool_it_names() {
    let table = readme_table();
    let world = World::new();
    let mut problems = Vec::new();
    for covered in COVERED {
        if !table.iter().any(|row| row.what == *covered) {
            problems.push(format!(
                "cases for `{covered}`, which the README's table does not list"
            ));
        }
    }
    for row in &table {
        for tool in TOOLS {
            let listed = row.tools.iter().any(|t| t == tool);
            let found = cases(&world, &row.what, tool);
            let Some(cases) = found.filter(|c| !c.is_empty()) else {
                if listed {
                    problems.push(format!("`{}` in {tool}: no test case", row.what));
                }
                continue;
            };
            if !listed {
                problems.push(format!(
                    "`{}` has cases for {tool}, which the README does not list for it",
                    row.what
                ));
                continue;
            }
            for case in cases {
                let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
                let out = run(tool, case.dir, &case.vars, &args);
                let code = out.status.code();
                let stderr = String::from_utf8_lossy(&out.stderr);
                if code != Some(row.code) {
                    problems.push(format!(
                        "`{}` in {tool} {args:?} {:?}: exit {code:?}, the README says {}; stderr: {stderr}",
                        row.what, case.changed, row.code,
                    ));
                }
                if row.code == 2 && !stderr.lines().any(|l| l.starts_with("error")) {
                    problems.push(format!(
                        "`{}` in {tool} {args:?}: no error line on stderr: {stderr}",
                        row.what
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_help_of_every_tool_points_to_init_and_ends_with_its_rows_of_the_table() {
    let table = readme_table();
    for tool in TOOLS {
        let out = run(tool, Path::new("."), &BTreeMap::new(), &["--help"]);
        assert_eq!(out.status.code(), Some(0), "{tool} --help");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("`shipline-status init` writes a starter"),
            "{tool} --help does not point to `shipline-status init`: {help}"
        );
        if tool != "risk" {
            assert!(
                help.contains("SHIPLINE_LEDGER_REMOTE"),
                "{tool} --help does not name SHIPLINE_LEDGER_REMOTE: {help}"
            );
        }
        let tail = help
            .split("Exit codes:")
            .nth(1)
            .unwrap_or_else(|| panic!("{tool} --help has no exit codes: {help}"));
        for row in &table {
            let line = format!("  {}  {}", row.code, row.what);
            let listed = row.tools.iter().any(|t| t == tool);
            assert_eq!(
                tail.lines().any(|l| l == line),
                listed,
                "{tool} --help and the README disagree on `{}`: {tail}",
                row.what
            );
        }
    }
}

/// A token given where a value belongs, or sitting in the configuration or a CI variable,
/// never reaches the output: these paths run before anything is read, so the redactor must
/// already be there. Every tool, each way a value gets echoed back (a flag's value, a
/// configuration value, a CI variable), with the job's token as the value.
#[test]
fn a_token_given_as_a_value_is_masked_in_every_tool() {
    let world = World::new();
    let token = REFUSED;
    let configs = tempfile::tempdir().expect("temp dir");
    let config = |name: &str, text: &str| {
        let path = configs.path().join(name);
        std::fs::write(&path, text.replace("TOKEN", token)).expect("config");
        path.to_string_lossy().into_owned()
    };
    let bad_configs = [
        config(
            "after.yml",
            "environments:\n  staging:\n    after: [TOKEN]\n",
        ),
        config("url.yml", "environments:\n  staging:\n    url: TOKEN\n"),
        config("key.yml", "environments:\n  staging:\n    TOKEN: 1\n"),
        config("value.yml", "risk:\n  lookback: TOKEN\n"),
    ];
    let per_tool: [(&str, Vec<Vec<&str>>); 4] = [
        ("risk", vec![vec!["--base", token], vec!["--format", token]]),
        (
            "status",
            vec![
                vec!["metrics", "--since", token],
                vec!["start", "--env", token],
                vec!["finish", "--env", "staging", "--state", token],
            ],
        ),
        (
            "promote",
            vec![vec!["--to", token], vec!["--to", "staging", "--ref", token]],
        ),
        (
            "revert",
            vec![
                vec!["--sha", token],
                vec!["--pr", token],
                vec!["--deployment", token],
            ],
        ),
    ];
    let mut masked = 0;
    let mut problems = Vec::new();
    for (tool, flag_cases) in &per_tool {
        let ordinary: Vec<&str> = match *tool {
            "risk" => vec![],
            "status" => vec!["show"],
            "promote" => vec!["--to", "staging", "--dry-run"],
            _ => vec!["--sha", "HEAD", "--dry-run"],
        };
        let mut runs: Vec<(String, BTreeMap<String, String>, Vec<&str>)> = Vec::new();
        for args in flag_cases {
            runs.push(("flag".into(), world.job.vars().clone(), args.clone()));
        }
        for path in &bad_configs {
            let args = [vec!["--config", path.as_str()], ordinary.clone()].concat();
            runs.push((format!("config {path}"), world.job.vars().clone(), args));
        }
        for key in [
            "GITHUB_REPOSITORY",
            "GITHUB_SHA",
            "GITHUB_API_URL",
            "GITHUB_REF",
        ] {
            let mut vars = world.job.vars().clone();
            vars.insert(key.to_string(), token.to_string());
            runs.push((format!("{key}=token"), vars, ordinary.clone()));
        }
        for (what, vars, args) in runs {
            let out = run(tool, world.repo.path(), &vars, &args);
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let files: String = [world.job.output_file(), world.job.summary_file()]
                .iter()
                .filter_map(|f| std::fs::read_to_string(f).ok())
                .collect();
            // `::add-mask::` is how the tool asks the runner to mask the token in the log.
            let printed: String = printed
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .map(|l| format!("{l}\n"))
                .collect();
            if printed.contains(token) || files.contains(token) {
                problems.push(format!(
                    "{tool} {args:?} ({what}) printed the token:\n{printed}"
                ));
            }
            if out.status.success() && !what.ends_with("=token") {
                problems.push(format!(
                    "{tool} {args:?} ({what}) took the token as a value"
                ));
            }
            masked += printed.matches("***").count();
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The values were echoed, masked: the paths above were really taken.
    assert!(masked >= 8, "only {masked} masks in all the output");
}
