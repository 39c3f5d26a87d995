//! Process signals from the forge: direct pushes, self-merged and unapproved PRs, red or skipped
//! checks, read from the one batched PR lookup.

use serde_json::Value;
use shipline_testkit::fixtures::{GitHubEnv, webhook};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::github::Pull;
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::TestRepo;

use crate::helpers::{lines, risk_with};

fn merged(number: u64, author: &str, by: &str, sha: &str, approvals: u32) -> Pull {
    Pull {
        number,
        approvals,
        ..Pull::open(
            &format!("feat: pr {number}"),
            &format!("pr-{number}"),
            &"e".repeat(40),
        )
        .merged(sha, by)
    }
    .with_user(author)
}

trait WithUser {
    fn with_user(self, user: &str) -> Self;
}

impl WithUser for Pull {
    fn with_user(mut self, user: &str) -> Self {
        self.user = user.into();
        self
    }
}

const PROCESS: [&str; 5] = [
    "direct_push",
    "self_merged",
    "unapproved",
    "red_checks",
    "skipped_checks",
];

fn change<'a>(json: &'a Value, title: &str) -> &'a Value {
    json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == title)
        .unwrap_or_else(|| panic!("no change {title}: {json:#}"))
}

fn codes(change: &Value) -> Vec<String> {
    change["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn self_merged_unapproved_red_skipped_and_direct_changes_carry_their_reasons() {
    let forge = FakeForge::start();
    let repo = TestRepo::new();
    repo.commit("chore: start")
        .file("README.md", "x\n")
        .create();
    repo.tag("v1.0.0");
    let mut shas = Vec::new();
    for (i, subject) in ["feat: a (#1)", "feat: b", "feat: c", "feat: d (#4)"]
        .into_iter()
        .enumerate()
    {
        repo.commit(subject)
            .file(format!("src/m{i}.rs"), lines("pub fn f() {}\n", 10))
            .create();
        shas.push(repo.head());
    }
    let payload = webhook("push");
    let full_name = payload["repository"]["full_name"]
        .as_str()
        .unwrap()
        .to_string();
    {
        let mut st = forge.state();
        let gh = &mut st.github;
        gh.add_repo(&full_name);
        // #1: reviewed, merged by someone else, green.
        gh.add_pull(&full_name, merged(1, "ada", "bob", &shas[0], 1));
        gh.add_check_run(&full_name, &shas[0], "test", "completed", Some("success"));
        // #2 (not named in the subject): merged by its author without approval, red.
        gh.add_pull(&full_name, merged(2, "ada", "ada", &shas[1], 0));
        gh.add_check_run(&full_name, &shas[1], "test", "completed", Some("failure"));
        gh.add_check_run(&full_name, &shas[1], "lint", "completed", Some("success"));
        // shas[2]: no PR at all.
        // #4: approved under the rules, every check skipped.
        let mut pr4 = merged(4, "ada", "bob", &shas[3], 0);
        pr4.review_decision = Some("APPROVED".into());
        gh.add_pull(&full_name, pr4);
        gh.add_check_run(&full_name, &shas[3], "test", "completed", Some("skipped"));
    }
    let mut env = GitHubEnv::for_event("push", &payload);
    env.set("GITHUB_API_URL", &forge.github_api_url())
        .set("GITHUB_GRAPHQL_URL", &forge.github_graphql_url())
        .set("GITHUB_TOKEN", "ghs_test_token_0123456789")
        .set("GITHUB_SHA", &repo.head())
        .set("GITHUB_WORKSPACE", &repo.path().to_string_lossy());
    let out = risk_with(repo.path(), env.vars())
        .args(["--format", "json"])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();

    let a = change(&json, "a");
    let b = change(&json, "b");
    let c = change(&json, "c");
    let d = change(&json, "d");
    assert!(
        codes(a).iter().all(|c| !PROCESS.contains(&c.as_str())),
        "{a:#}"
    );
    assert_eq!(b["pr"], 2);
    let b_codes = codes(b);
    for code in ["self_merged", "unapproved", "red_checks"] {
        assert!(b_codes.iter().any(|c| c == code), "{code} missing: {b:#}");
    }
    assert_eq!(c["pr"], Value::Null);
    assert!(codes(c).contains(&"direct_push".to_string()), "{c:#}");
    let d_codes = codes(d);
    assert!(d_codes.contains(&"skipped_checks".to_string()), "{d:#}");
    assert!(!d_codes.contains(&"unapproved".to_string()), "{d:#}");
    // The same code change scores higher for each safeguard it bypassed.
    assert!(
        b["score"].as_f64() > a["score"].as_f64(),
        "a {} b {}",
        a["score"],
        b["score"]
    );
    assert!(c["score"].as_f64() > a["score"].as_f64());
    let weight = |change: &Value, code: &str| {
        change["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .and_then(|r| r["weight"].as_f64())
    };
    assert_eq!(weight(b, "red_checks"), Some(1.0));
    assert_eq!(weight(b, "self_merged"), Some(0.5));
    assert_eq!(weight(d, "skipped_checks"), Some(0.3));
    // All of it came with the one PR lookup.
    assert_eq!(forge.requests_to("POST", "/api/graphql").len(), 1);
    assert_github_conformance(&forge);
}

#[test]
fn without_a_token_no_process_signal_is_claimed() {
    let repo = TestRepo::new();
    repo.commit("feat: a")
        .file("src/a.rs", "pub fn a() {}\n")
        .create();
    let out = crate::helpers::risk(repo.path())
        .args(["--format", "json"])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let all: Vec<String> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(codes)
        .collect();
    for code in PROCESS {
        assert!(
            !all.contains(&code.to_string()),
            "{code} claimed without asking the forge"
        );
    }
}
