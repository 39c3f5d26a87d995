//! `show` on the git ledger: what runs where and what waits upstream.

use shipline_testkit::repo::{CommitSpec, MergeStyle, PrSpec, TestRepo};

use crate::helpers::local;

const CONFIG: &str = "environments:\n  staging: {}\n  production:\n    after: [staging]\n";

fn deploy(repo: &TestRepo, env: &str, version: &str, state: &str) {
    local(repo.path())
        .args(["start", "--env", env, "--version", version])
        .assert()
        .success();
    local(repo.path())
        .args(["finish", "--env", env, "--state", state])
        .assert()
        .success();
}

fn pr(repo: &TestRepo, number: u64, style: MergeStyle) {
    repo.merge_pr(PrSpec {
        number,
        title: format!("feat: change {number}"),
        branch: format!("change-{number}"),
        commits: vec![
            CommitSpec::new(&format!("feat: part of {number}"))
                .file(format!("f{number}.txt"), "x\n"),
        ],
        style,
    });
}

#[test]
fn show_lists_what_runs_where_and_the_prs_waiting_upstream() {
    let repo = TestRepo::new();
    repo.commit("chore: config")
        .file(".shipline.yml", CONFIG)
        .create();
    pr(&repo, 1, MergeStyle::Squash);
    repo.push();
    deploy(&repo, "staging", "1.0.0", "success");
    deploy(&repo, "production", "1.0.0", "success");
    let live = repo.head();
    pr(&repo, 2, MergeStyle::Squash);
    pr(&repo, 3, MergeStyle::Merge);
    repo.push();
    deploy(&repo, "staging", "1.1.0", "success");
    // A failed attempt in production on top of the live version.
    deploy(&repo, "production", "1.1.0", "failure");

    let out = local(repo.path())
        .args(["show", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let envs = json["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2);
    assert_eq!(envs[0]["environment"], "staging");
    assert_eq!(envs[0]["running"]["sha"], repo.head());
    assert_eq!(envs[0]["running"]["version"], "1.1.0");
    assert_eq!(envs[0]["waiting"], serde_json::Value::Null);
    let prod = &envs[1];
    assert_eq!(prod["production"], true);
    assert_eq!(prod["upstream"], "staging");
    assert_eq!(prod["running"]["sha"], live);
    assert_eq!(prod["running"]["version"], "1.0.0");
    // No CI actor locally: the record names git's user.name (the test repository's).
    assert_eq!(prod["running"]["by"], "Shipline Test");
    assert_eq!(prod["latest"]["state"], "failure");
    assert_eq!(prod["latest"]["sha"], repo.head());
    assert_eq!(prod["waiting"]["from"], "staging");
    // The squash commit of #2, the merge commit of #3 and #3's own commit.
    assert_eq!(prod["waiting"]["commits"], 3);
    assert_eq!(prod["waiting"]["pull_requests"], serde_json::json!([2, 3]));

    let out = local(repo.path())
        .args(["show", "--env", "production"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| production"))
        .collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(rows[0].contains(&format!("`{}`", &live[..7])), "{text}");
    assert!(rows[0].contains("| 1.0.0 |"), "{text}");
    assert!(
        rows[0].contains("3 commit(s) from staging: #2, #3"),
        "{text}"
    );
    assert!(!text.contains("| staging"), "{text}");

    let out = local(repo.path()).arg("show").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    insta::with_settings!({filters => vec![
        (r"`[0-9a-f]{7}`", "`[sha]`"),
        (r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "[time]"),
    ]}, {
        insta::assert_snapshot!("show_markdown", text);
    });
}

#[test]
fn show_of_an_unknown_environment_is_a_usage_error() {
    let repo = TestRepo::new();
    repo.commit("chore: config")
        .file(".shipline.yml", CONFIG)
        .create();
    local(repo.path())
        .args(["show", "--env", "qa"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown environment `qa`"));
}

/// Regression: ordering environments upstream-first was cubic in their number
/// (4,000 took 30-40 s). Ten thousand in a chain written downstream-first, the worst order for
/// the old search, must come out upstream-first; `cargo bench -p shipline-core --bench
/// environments` times it against twice as many.
#[test]
fn show_orders_ten_thousand_environments_upstream_first() {
    const COUNT: usize = 10_000;
    let mut config = String::from("environments:\n");
    for i in (0..COUNT).rev() {
        if i == 0 {
            config.push_str("  env-0: {}\n");
        } else {
            config.push_str(&format!("  env-{i}:\n    after: [env-{}]\n", i - 1));
        }
    }
    let repo = TestRepo::new();
    repo.commit("chore: config")
        .file(".shipline.yml", &config)
        .create();
    deploy(&repo, "env-0", "1.0.0", "success");
    let out = local(repo.path())
        .args(["show", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let envs = json["environments"].as_array().unwrap();
    assert_eq!(envs.len(), COUNT);
    for (i, env) in envs.iter().enumerate() {
        assert_eq!(env["environment"], format!("env-{i}"));
    }
    assert_eq!(envs[0]["running"]["version"], "1.0.0");
    assert_eq!(envs[1]["upstream"], "env-0");
}

#[test]
fn lines_of_the_ledger_that_cannot_be_read_are_left_out_and_said_once() {
    let repo = TestRepo::new();
    repo.commit("feat: first").file("a.txt", "a\n").create();
    std::fs::write(repo.path().join(".shipline.yml"), CONFIG).unwrap();
    deploy(&repo, "staging", "1.0.0", "success");
    // A line a person typed into the note by hand, and one from a future event format.
    let note = repo.run([
        "notes",
        "--ref",
        "refs/notes/shipline",
        "show",
        &repo.head(),
    ]);
    let edited = format!("{note}\nnot json at all\n{{\"v\":99,\"id\":\"x\"}}\n");
    repo.run([
        "notes",
        "--ref",
        "refs/notes/shipline",
        "add",
        "-f",
        "-m",
        &edited,
        &repo.head(),
    ]);
    let out = local(repo.path()).args(["show"]).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("could not be read"))
        .collect();
    assert_eq!(warned.len(), 1, "{stderr}");
    assert!(
        warned[0].starts_with("warning: refs/notes/shipline: 2 line(s) could not be read"),
        "{stderr}"
    );
    assert!(warned[0].contains(&repo.head()), "{stderr}");
    // The readable record is still shown.
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("1.0.0"), "{stdout}");
}

/// Locally there is no CI actor: the record names git's `user.name`, and the "By" column of
/// `show` shows it (a `|` in it kept inside its cell).
#[test]
fn show_names_who_deployed_locally_from_git_user_name() {
    let repo = TestRepo::new();
    repo.commit("chore: config")
        .file(".shipline.yml", CONFIG)
        .create();
    repo.run(["config", "user.name", "Ada Lovelace | ops"]);
    deploy(&repo, "staging", "1.0.0", "success");

    let out = local(repo.path())
        .args(["show", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        json["environments"][0]["running"]["by"],
        "Ada Lovelace | ops"
    );
    let out = local(repo.path()).arg("show").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let row = text
        .lines()
        .find(|line| line.starts_with("| staging |"))
        .unwrap_or_else(|| panic!("no staging row: {text}"));
    assert!(row.contains("| Ada Lovelace \\| ops |"), "{row}");
}

/// With `components:`, each component is listed in the environments it is deployed to, in
/// promotion order after the environments themselves, and what waits for it upstream is only
/// the commits that change it.
#[test]
fn components_are_listed_in_promotion_order_with_only_their_own_commits_waiting() {
    let repo = TestRepo::new();
    let first = repo
        .commit("feat: first")
        .file("api/main.rs", "fn main() {}\n")
        .file("web/index.html", "<p>hi</p>\n")
        .create();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "environments:\n  staging: {}\n  production:\n    after: [staging]\ncomponents:\n  api:\n    paths: [api]\n  web:\n    paths: [web]\n    environments: [production]\n",
    )
    .unwrap();
    let at = |env: &str, sha: &str| {
        for args in [
            vec!["start", "--env", env, "--ref", sha],
            vec!["finish", "--env", env, "--ref", sha, "--state", "success"],
        ] {
            local(repo.path()).args(&args).assert().success();
        }
    };
    at("staging/api", &first);
    at("production/api", &first);
    repo.commit("feat: web only")
        .file("web/index.html", "<p>hello</p>\n")
        .create();
    repo.commit("fix: api")
        .file("api/main.rs", "fn main() { }\n")
        .create();
    let last = repo
        .commit("docs: readme")
        .file("README.md", "x\n")
        .create();
    at("staging/api", &last);

    let out = local(repo.path())
        .args(["show", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let envs = json["environments"].as_array().unwrap();
    let names: Vec<&str> = envs
        .iter()
        .map(|e| e["environment"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "staging",
            "production",
            "staging/api",
            "production/api",
            "production/web"
        ],
        "{json}"
    );
    let production_api = &envs[3];
    assert_eq!(production_api["upstream"], "staging/api", "{json}");
    assert_eq!(production_api["waiting"]["commits"], 1, "{json}");
    assert_eq!(production_api["running"]["sha"], first.as_str(), "{json}");
    // web is deployed to production only: nothing upstream of it.
    assert!(envs[4]["upstream"].is_null(), "{json}");
    assert!(envs[4]["running"].is_null(), "{json}");

    // The components × environments table under the environments.
    let out = local(repo.path()).arg("show").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let short = |sha: &str| shipline_core::sha::short(sha).to_string();
    assert!(
        text.contains(&format!(
            "| Component | staging | production |\n|---|---|---|\n| api | `{}` | `{}`, 1 waiting |\n| web | — | nothing |\n",
            short(&last),
            short(&first)
        )),
        "{text}"
    );

    // The dashboard's environment map shows them in the same order.
    let site = tempfile::tempdir().unwrap();
    local(repo.path())
        .args(["dashboard", "--out"])
        .arg(site.path())
        .assert()
        .success();
    let page = std::fs::read_to_string(site.path().join("index.html")).unwrap();
    let map: Vec<usize> = names
        .iter()
        .map(|n| {
            page.find(&format!("li class=\"env\" data-environment=\"{n}\""))
                .unwrap_or_else(|| panic!("{n} not on the map"))
        })
        .collect();
    assert!(map.windows(2).all(|w| w[0] < w[1]), "{map:?}");
}
