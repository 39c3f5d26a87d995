//! `--comment` on a GitLab merge request pipeline: one MR note, updated on re-run.

use std::collections::BTreeMap;

use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::NewMergeRequest;
use shipline_testkit::repo::TestRepo;

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
    let (project_id, iid) = {
        let mut state = forge.state();
        let project_id = state.gitlab.add_project(PROJECT);
        state
            .gitlab
            .add_token("glpat-test-token-0123456789", "maintainer", PROJECT, 40);
        let iid = state.gitlab.add_merge_request(
            PROJECT,
            NewMergeRequest {
                title: "feat: mr change".into(),
                author: "dev".into(),
                source_branch: "feature".into(),
                target_branch: "main".into(),
                sha: repo.head(),
                commits: vec![repo.head()],
                merged_as: None,
            },
        );
        (project_id, iid)
    };
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
