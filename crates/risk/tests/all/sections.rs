//! A PR/MR in a repository with `components:`, run without `--component`: the comment shows the
//! whole PR/MR, then a section per component it touches, then one line naming the components it
//! leaves alone.

use shipline_testkit::fixtures::{GitHubEnv, webhook};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::TestRepo;

use crate::helpers::{lines, risk, risk_with};

const CONFIG: &str =
    "components:\n  api:\n    paths: [api]\n    shared: [libs/shared]\n  web:\n    paths: [web]\n";

/// A workspace with `api` and `web` on `main`, a `feature` branch started from it, the fake
/// forge knowing the PR, and the Actions environment of a `pull_request` event whose head is
/// the branch's tip (see [`point_at_head`]).
fn workspace_pr(forge: &FakeForge, config: &str) -> (TestRepo, GitHubEnv, u64) {
    let repo = TestRepo::new();
    repo.commit("chore: the workspace")
        .file(".shipline.yml", config)
        .file("README.md", "# workspace\n")
        .file("api/src/lib.rs", lines("pub fn api() {}\n", 20))
        .file("web/src/app.ts", lines("export const a = 1;\n", 20))
        .file("libs/shared/src/lib.rs", lines("pub fn shared() {}\n", 20))
        .create();
    repo.commit("feat(web): a first page")
        .file("web/src/page.ts", lines("export const p = 1;\n", 10))
        .create();
    let base = repo.head();
    repo.branch("feature");
    let mut payload = webhook("pull_request.opened");
    let number = payload["pull_request"]["number"].as_u64().unwrap();
    let full_name = payload["repository"]["full_name"]
        .as_str()
        .unwrap()
        .to_string();
    payload["pull_request"]["base"]["sha"] = base.into();
    payload["pull_request"]["head"]["sha"] = repo.head().into();
    {
        let mut state = forge.state();
        state.github.add_repo(&full_name);
        state.github.add_pull(
            &full_name,
            shipline_testkit::forge::github::Pull {
                number,
                title: "feat: api grows".into(),
                state: "open".into(),
                user: "octocat".into(),
                head_ref: "feature".into(),
                head_sha: repo.head(),
                base_ref: "main".into(),
                ..Default::default()
            },
        );
    }
    let mut env = GitHubEnv::for_event("pull_request", &payload);
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", "ghs_test_token_0123456789")
        .set("GITHUB_WORKSPACE", &repo.path().to_string_lossy());
    (repo, env, number)
}

/// Makes the event's PR head the branch's tip, as a push to the PR does.
fn point_at_head(repo: &TestRepo, env: &GitHubEnv) {
    let mut payload: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.event_path()).unwrap()).unwrap();
    payload["pull_request"]["head"]["sha"] = repo.head().into();
    std::fs::write(env.event_path(), serde_json::to_vec(&payload).unwrap()).unwrap();
}

fn comments(forge: &FakeForge, number: u64) -> Vec<String> {
    forge
        .state()
        .github
        .repos
        .values()
        .flat_map(|r| {
            r.comments
                .iter()
                .filter(|c| c.issue == number)
                .map(|c| c.body.clone())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Runs `--comment` on the PR and returns its one comment.
fn comment(repo: &TestRepo, env: &GitHubEnv, forge: &FakeForge, number: u64) -> String {
    risk_with(repo.path(), env.vars())
        .arg("--comment")
        .assert()
        .success();
    let all = comments(forge, number);
    assert_eq!(all.len(), 1, "one sticky comment");
    all[0].clone()
}

/// The JSON report of the same PR run with `args` added.
fn pr_json(repo: &TestRepo, env: &GitHubEnv, args: &[&str]) -> serde_json::Value {
    let out = risk_with(repo.path(), env.vars())
        .args(["--format", "json"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("JSON report")
}

/// The section heading `component`'s own report (`--component`, the PR's range) predicts.
fn heading_of(repo: &TestRepo, env: &GitHubEnv, component: &str) -> String {
    let json = pr_json(repo, env, &["--component", component]);
    assert_eq!(json["base_source"]["kind"], "change_request");
    let level = json["level"].as_str().unwrap();
    let score = json["score"].as_f64().unwrap();
    let badge = match level {
        "low" => "🟢 low",
        "medium" => "🟡 medium",
        "high" => "🟠 high",
        _ => "🔴 critical",
    };
    format!("### {component}: {badge} ({score:.0}/100)")
}

#[test]
fn a_pr_touching_api_only_has_an_api_section_and_names_web_unchanged() {
    let forge = FakeForge::start();
    let (repo, env, number) = workspace_pr(&forge, CONFIG);
    repo.commit("feat(api): a new endpoint")
        .file("api/src/endpoint.rs", lines("pub fn e() {}\n", 40))
        .create();
    point_at_head(&repo, &env);
    let body = comment(&repo, &env, &forge, number);

    assert!(body.starts_with("<!-- shipline-risk -->\n## shipline-risk: "));
    let api = heading_of(&repo, &env, "api");
    assert!(
        body.contains(&format!("\n{api}\n")),
        "no `{api}` in:\n{body}"
    );
    assert!(!body.contains("### web"), "web is untouched:\n{body}");
    assert!(
        body.trim_end().ends_with("Unchanged: web."),
        "last line:\n{body}"
    );
    // The whole PR comes first; the section repeats api's change.
    let section = body.find("### api").unwrap();
    assert!(body[..section].contains("a new endpoint"));
    assert!(body[section..].contains("a new endpoint"));
    assert_github_conformance(&forge);
}

#[test]
fn a_pr_touching_api_web_and_the_root_has_two_sections_and_the_root_change_on_top() {
    let forge = FakeForge::start();
    let (repo, env, number) = workspace_pr(&forge, CONFIG);
    repo.commit("fix(shared): round down")
        .file("libs/shared/src/lib.rs", lines("pub fn shared() { }\n", 20))
        .create();
    repo.commit("feat(web): a second page")
        .file("web/src/second.ts", lines("export const s = 2;\n", 30))
        .create();
    repo.commit("docs: the workspace explained")
        .file("README.md", "# workspace\n\nTwo components.\n")
        .create();
    point_at_head(&repo, &env);
    let body = comment(&repo, &env, &forge, number);
    // Read before the runs below add theirs.
    let outputs = std::fs::read_to_string(env.output_file()).unwrap();
    let summary = std::fs::read_to_string(env.summary_file()).unwrap();

    let (api, web) = (
        heading_of(&repo, &env, "api"),
        heading_of(&repo, &env, "web"),
    );
    let at_api = body.find(&format!("\n{api}\n")).expect("an api section");
    let at_web = body.find(&format!("\n{web}\n")).expect("a web section");
    assert!(at_api < at_web, "configuration order");
    assert!(!body.contains("Unchanged:"), "both are touched:\n{body}");
    // The shared path is api's; the root README is no component's and shows only on top.
    assert!(body[at_api..at_web].contains("round down"));
    assert!(!body[at_api..at_web].contains("a second page"));
    assert!(body[at_web..].contains("a second page"));
    assert!(body[..at_api].contains("the workspace explained"));
    assert!(!body[at_api..].contains("the workspace explained"));

    // The outputs stay the whole PR's.
    let whole = pr_json(&repo, &env, &[]);
    assert!(
        outputs.contains(&format!("level={}", whole["level"].as_str().unwrap())),
        "{outputs}"
    );
    assert!(outputs.contains("changes=3"), "{outputs}");
    assert!(outputs.contains(&format!("score={:.0}", whole["score"].as_f64().unwrap())));
    assert!(summary.contains(&api) && summary.contains(&web));
}

#[test]
fn the_comment_stays_one_and_gains_a_section_when_a_push_touches_another_component() {
    let forge = FakeForge::start();
    let (repo, env, number) = workspace_pr(&forge, CONFIG);
    repo.commit("feat(api): a new endpoint")
        .file("api/src/endpoint.rs", lines("pub fn e() {}\n", 40))
        .create();
    point_at_head(&repo, &env);
    let first = comment(&repo, &env, &forge, number);
    assert!(first.contains("Unchanged: web."));

    repo.commit("fix(web): the page loads")
        .file("web/src/page.ts", lines("export const p = 2;\n", 12))
        .create();
    point_at_head(&repo, &env);
    let second = comment(&repo, &env, &forge, number);
    assert!(second.contains(&heading_of(&repo, &env, "web")), "{second}");
    assert!(second.contains(&heading_of(&repo, &env, "api")), "{second}");
    assert!(!second.contains("Unchanged:"), "{second}");
    assert_github_conformance(&forge);
}

#[test]
fn outside_a_pr_the_summary_has_no_component_sections() {
    let repo = TestRepo::new();
    repo.commit("chore: the workspace")
        .file(".shipline.yml", CONFIG)
        .file("api/src/lib.rs", lines("pub fn api() {}\n", 20))
        .file("web/src/app.ts", lines("export const a = 1;\n", 20))
        .create();
    repo.tag("v1.0.0");
    repo.commit("feat(api): a new endpoint")
        .file("api/src/endpoint.rs", lines("pub fn e() {}\n", 40))
        .create();
    let out = risk(repo.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8(out).unwrap();
    assert!(md.contains("a new endpoint"));
    assert!(
        !md.contains("### api") && !md.contains("Unchanged:"),
        "{md}"
    );
}
