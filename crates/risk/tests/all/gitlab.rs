//! GitLab: `--comment` on a merge request pipeline (one MR note, updated on re-run), and what
//! finding the merge requests and their process signals costs.

use std::collections::BTreeMap;

use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::NewMergeRequest;
use shipline_testkit::repo::{CommitSpec, MergeStyle, PrSpec, TestRepo};

use crate::helpers::{lines, risk_with};

const PROJECT: &str = "root-group/child-group/awesome-project";

fn notes(forge: &FakeForge, iid: u64) -> Vec<String> {
    let mut state = forge.state();
    state
        .gitlab
        .project_mut(PROJECT)
        .notes
        .iter()
        .filter(|n| n.mr_iid == iid && !n.system)
        .map(|n| n.body.clone())
        .collect()
}

/// The project, a maintainer's token, and an open merge request from `feature` into `main`.
fn open_mr(forge: &FakeForge, title: &str, head: &str, commits: Vec<String>) -> (u64, u64) {
    let mut state = forge.state();
    let project_id = state.gitlab.add_project(PROJECT);
    state
        .gitlab
        .add_token("glpat-test-token-0123456789", "maintainer", PROJECT, 40);
    let iid = state.gitlab.add_merge_request(
        PROJECT,
        NewMergeRequest {
            title: title.into(),
            author: "dev".into(),
            source_branch: "feature".into(),
            target_branch: "main".into(),
            sha: head.into(),
            commits,
            merged_as: None,
        },
    );
    (project_id, iid)
}

fn mr_vars(
    forge: &FakeForge,
    repo: &TestRepo,
    base: &str,
    (project_id, iid): (u64, u64),
    out: &std::path::Path,
) -> BTreeMap<String, String> {
    let mut vars = gitlab_vars(GitLabPipeline::MergeRequest);
    let head = repo.head();
    for (k, v) in [
        ("CI_API_V4_URL", forge.gitlab_api_url()),
        ("CI_API_GRAPHQL_URL", forge.gitlab_graphql_url()),
        ("CI_PROJECT_DIR", repo.path().to_string_lossy().into_owned()),
        ("CI_COMMIT_SHA", head.clone()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", head),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.to_string()),
        ("CI_MERGE_REQUEST_IID", iid.to_string()),
        ("CI_PROJECT_ID", project_id.to_string()),
        ("CI_MERGE_REQUEST_PROJECT_ID", project_id.to_string()),
        ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", project_id.to_string()),
        ("GITLAB_TOKEN", "glpat-test-token-0123456789".to_string()),
        (
            "SHIPLINE_DOTENV",
            out.join("shipline.env").to_string_lossy().into_owned(),
        ),
        (
            "SHIPLINE_REPORT",
            out.join("report.md").to_string_lossy().into_owned(),
        ),
    ] {
        vars.insert(k.to_string(), v);
    }
    vars.retain(|k, _| k != "CI_JOB_TOKEN");
    vars
}

#[test]
fn one_mr_note_created_then_updated() {
    let forge = FakeForge::start();
    let out = tempfile::tempdir().unwrap();
    let repo = TestRepo::new();
    repo.commit("feat: base")
        .file("src/lib.rs", lines("pub fn a() {}\n", 20))
        .create();
    let base = repo.head();
    repo.branch("feature");
    repo.commit("feat: mr change")
        .file("src/mr.rs", lines("pub fn m() {}\n", 30))
        .create();
    let (project_id, iid) = open_mr(&forge, "feat: mr change", &repo.head(), vec![repo.head()]);
    let vars = mr_vars(&forge, &repo, &base, (project_id, iid), out.path());
    risk_with(repo.path(), &vars)
        .arg("--comment")
        .assert()
        .success();
    let first = notes(&forge, iid);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].contains("mr change"));
    let dotenv = std::fs::read_to_string(out.path().join("shipline.env")).unwrap();
    assert!(
        dotenv.contains("LEVEL=") && dotenv.contains("BUMP=minor"),
        "{dotenv}"
    );
    assert!(
        std::fs::read_to_string(out.path().join("report.md"))
            .unwrap()
            .contains("shipline-risk")
    );

    repo.commit("fix: mr follow-up")
        .file("src/mr.rs", lines("pub fn m() { 2; }\n", 31))
        .create();
    let vars = mr_vars(&forge, &repo, &base, (project_id, iid), out.path());
    risk_with(repo.path(), &vars)
        .arg("--comment")
        .assert()
        .success();
    let second = notes(&forge, iid);
    assert_eq!(second.len(), 1);
    assert!(second[0].contains("mr follow-up"));
}

fn codes(change: &serde_json::Value) -> Vec<String> {
    change["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

fn run_json(repo: &TestRepo, vars: &BTreeMap<String, String>) -> serde_json::Value {
    let out = risk_with(repo.path(), vars)
        .args(["--format", "json"])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn mr_pipeline_costs_one_graphql_query_with_approvals_and_head_pipeline() {
    let forge = FakeForge::start();
    let out = tempfile::tempdir().unwrap();
    let repo = TestRepo::new();
    repo.commit("feat: base")
        .file("src/lib.rs", lines("pub fn a() {}\n", 20))
        .create();
    let base = repo.head();
    repo.branch("feature");
    let commits: Vec<String> = (0..30)
        .map(|i| {
            repo.commit(&format!("feat: step {i}"))
                .file(
                    format!("src/m{}.rs", i % 7),
                    lines("pub fn m() {}\n", i + 3),
                )
                .create()
        })
        .collect();
    let head = repo.head();
    let (project_id, iid) = open_mr(&forge, "feat: thirty steps", &head, commits);
    forge
        .state()
        .gitlab
        .add_pipeline(PROJECT, &head, "feature", "failed");
    let vars = mr_vars(&forge, &repo, &base, (project_id, iid), out.path());

    let json = run_json(&repo, &vars);
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 30);
    for change in changes {
        assert_eq!(
            change["pr"], iid,
            "every commit of the MR's range is the MR's"
        );
        let codes = codes(change);
        assert!(
            codes.contains(&"unapproved".to_string()) && codes.contains(&"red_checks".to_string()),
            "{codes:?}"
        );
        assert!(!codes.contains(&"direct_push".to_string()), "{codes:?}");
    }
    let requests = forge.requests();
    assert_eq!(
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>(),
        ["POST /gitlab/api/graphql"],
        "the MR's own range needs no lookup by commit: one query brings approvals and pipeline"
    );

    // Approved, and a newer pipeline for the same head passed: the signals go away.
    {
        let mut state = forge.state();
        state.gitlab.approve(PROJECT, iid, "reviewer");
        state
            .gitlab
            .add_pipeline(PROJECT, &head, "feature", "success");
    }
    forge.clear_requests();
    let json = run_json(&repo, &vars);
    for change in json["changes"].as_array().unwrap() {
        let codes = codes(change);
        assert!(
            !codes.contains(&"unapproved".to_string())
                && !codes.contains(&"red_checks".to_string()),
            "{codes:?}"
        );
    }
    assert_eq!(forge.requests().len(), 1);
}

/// A push to `main`: 300 changes since the last tag, 120 merge requests (110 with merge commits
/// that name them, 10 fast-forwarded), 60 direct pushes.
#[test]
fn branch_range_asks_per_unnamed_commit_and_batches_merge_requests() {
    let forge = FakeForge::start();
    let out = tempfile::tempdir().unwrap();
    let repo = TestRepo::new().with_slug("root-group/child-group", "awesome-project");
    repo.commit("chore: start")
        .file("README.md", "x\n")
        .create();
    repo.tag("v1.0.0");
    let mut merged = Vec::new();
    let mut direct = Vec::new();
    for n in 1..=120u64 {
        let style = if n % 12 == 0 {
            MergeStyle::Rebase
        } else {
            MergeStyle::GitLabMerge
        };
        let commits = (0..2)
            .map(|k| {
                CommitSpec::new(&format!("feat: part {k} of !{n}"))
                    .file(format!("src/mr{n}.rs"), lines("pub fn f() {}\n", k + 2))
            })
            .collect();
        merged.push((
            n,
            style,
            repo.merge_pr(PrSpec {
                number: n,
                title: format!("Change {n}"),
                branch: format!("topic-{n}"),
                commits,
                style,
            }),
        ));
        if n % 2 == 0 {
            direct.push(
                repo.commit(&format!("fix: hot patch {n}"))
                    .file(
                        format!("src/direct{}.rs", n % 5),
                        lines("fn d() {}\n", n as usize),
                    )
                    .create(),
            );
        }
    }
    let head = repo.head();
    let project_id = {
        let mut state = forge.state();
        let gl = &mut state.gitlab;
        let project_id = gl.add_project(PROJECT);
        gl.add_token("glpat-test-token-0123456789", "maintainer", PROJECT, 40);
        for (n, style, pr) in &merged {
            let landed_head = pr.landed.last().unwrap().clone();
            let iid = gl.add_merge_request(
                PROJECT,
                NewMergeRequest {
                    title: format!("Change {n}"),
                    author: format!("dev{}", n % 3),
                    source_branch: format!("topic-{n}"),
                    target_branch: "main".into(),
                    sha: if *style == MergeStyle::Rebase {
                        landed_head.clone()
                    } else {
                        pr.commits.last().unwrap().clone()
                    },
                    commits: pr.landed.clone(),
                    merged_as: Some(pr.merge_commit.clone().unwrap_or(landed_head)),
                },
            );
            assert_eq!(iid, *n);
            if n % 3 != 0 {
                gl.approve(PROJECT, iid, "reviewer");
            }
            let mr_head = gl
                .project(PROJECT)
                .unwrap()
                .merge_request(iid)
                .unwrap()
                .sha
                .clone();
            let status = if n % 10 == 7 { "failed" } else { "success" };
            gl.add_pipeline(PROJECT, &mr_head, &format!("topic-{n}"), status);
        }
        project_id
    };
    let mut vars = gitlab_vars(GitLabPipeline::Branch);
    for (k, v) in [
        ("CI_API_V4_URL", forge.gitlab_api_url()),
        ("CI_API_GRAPHQL_URL", forge.gitlab_graphql_url()),
        ("CI_PROJECT_DIR", repo.path().to_string_lossy().into_owned()),
        ("CI_PROJECT_ID", project_id.to_string()),
        ("CI_COMMIT_SHA", head),
        ("GITLAB_TOKEN", "glpat-test-token-0123456789".to_string()),
        (
            "SHIPLINE_DOTENV",
            out.path()
                .join("shipline.env")
                .to_string_lossy()
                .into_owned(),
        ),
        (
            "SHIPLINE_REPORT",
            out.path().join("report.md").to_string_lossy().into_owned(),
        ),
    ] {
        vars.insert(k.to_string(), v);
    }
    vars.retain(|k, _| k != "CI_JOB_TOKEN");

    let json = run_json(&repo, &vars);
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 300);
    let fast_forwarded: Vec<&String> = merged
        .iter()
        .filter(|(_, style, _)| *style == MergeStyle::Rebase)
        .flat_map(|(_, _, pr)| &pr.landed)
        .collect();
    let unnamed = direct.len() + fast_forwarded.len();
    assert_eq!((direct.len(), fast_forwarded.len()), (60, 20));

    let by_commit = forge.requests_to(
        "GET",
        &format!("/api/v4/projects/{project_id}/repository/commits/*/merge_requests"),
    );
    assert_eq!(
        by_commit.len(),
        unnamed,
        "only commits whose messages name no MR are looked up one by one"
    );
    assert_eq!(
        forge.requests_to("POST", "/gitlab/api/graphql").len(),
        120usize.div_ceil(100),
        "approvals and pipelines of all 120 MRs in batches of 100"
    );
    let per_mr: Vec<String> = forge
        .requests()
        .iter()
        .filter(|r| r.path.contains("/merge_requests/"))
        .map(|r| r.path.clone())
        .collect();
    assert!(per_mr.is_empty(), "no request per MR: {per_mr:?}");

    let change = |sha: &str| {
        changes
            .iter()
            .find(|c| c["sha"] == sha)
            .unwrap_or_else(|| panic!("{sha} is a change"))
    };
    for sha in &direct {
        let c = change(sha);
        assert!(c["pr"].is_null());
        assert!(codes(c).contains(&"direct_push".to_string()));
    }
    for (n, _, pr) in &merged {
        for sha in &pr.landed {
            let c = change(sha);
            assert_eq!(c["pr"], *n, "{sha}");
            let codes = codes(c);
            assert_eq!(
                codes.contains(&"unapproved".to_string()),
                n % 3 == 0,
                "!{n} {codes:?}"
            );
            assert_eq!(
                codes.contains(&"red_checks".to_string()),
                n % 10 == 7,
                "!{n} {codes:?}"
            );
            assert!(codes.contains(&"self_merged".to_string()), "!{n} {codes:?}");
        }
    }
}
