//! `/revert` notes on GitLab merge requests, delivered the way GitLab delivers them: a project
//! webhook for comment events triggers a pipeline, whose job finds the webhook's body (GitLab's
//! documented Note Hook shape) in the file named by `TRIGGER_PAYLOAD`. The note is read back from
//! the fake GitLab, never believed from the payload.

use std::process::Output;

use serde_json::Value;
use shipline_testkit::fixtures::gitlab_hooks::note_on_merge_request;
use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::access;
use shipline_testkit::repo::{MergeStyle, TestRepo};

use crate::gitlab::{add_mr, fake_gitlab, mr_states};
use crate::helpers::*;

/// A merged MR !17 (merge commit), maria a Maintainer and rita a Reporter on the project.
fn scenario() -> (TestRepo, FakeForge, u64, String, String) {
    let repo = base_repo();
    let before = repo.head();
    let merged = merge(&repo, 17, "Add exports", MergeStyle::GitLabMerge, 2);
    let merge_sha = merged.merge_commit.clone().unwrap();
    let (forge, id) = fake_gitlab(&repo);
    add_mr(&forge, 17, "Add exports", &merged.commits, Some(&merge_sha));
    {
        let mut st = forge.state();
        st.gitlab.set_member(REPO, "maria", access::MAINTAINER);
        st.gitlab.set_member(REPO, "rita", access::REPORTER);
    }
    let branch = format!("shipline/revert-{}", &merge_sha[..12]);
    (repo, forge, id, branch, before)
}

/// Runs the binary as the job of a pipeline the comment webhook triggered with `payload`.
fn run_triggered(
    repo: &TestRepo,
    forge: &FakeForge,
    project_id: u64,
    payload: &Value,
    args: &[&str],
) -> Output {
    let file = repo.path().join("../TRIGGER_PAYLOAD");
    std::fs::write(&file, serde_json::to_vec(payload).unwrap()).unwrap();
    let mut vars = gitlab_vars(GitLabPipeline::Trigger);
    vars.remove("CI_JOB_TOKEN");
    for (k, v) in [
        ("CI_PROJECT_PATH", REPO.to_string()),
        ("CI_PROJECT_ID", project_id.to_string()),
        ("CI_PROJECT_DIR", repo.path().to_string_lossy().to_string()),
        ("CI_API_V4_URL", forge.gitlab_api_url()),
        ("CI_DEFAULT_BRANCH", "main".to_string()),
        ("CI_COMMIT_SHA", repo.head()),
        ("TRIGGER_PAYLOAD", file.to_string_lossy().to_string()),
        ("GITLAB_TOKEN", TOKEN.to_string()),
        (
            "SHIPLINE_DOTENV",
            repo.path()
                .join("../revert.env")
                .to_string_lossy()
                .to_string(),
        ),
    ] {
        vars.insert(k.to_string(), v);
    }
    bin(repo.path())
        .current_dir(repo.path())
        .envs(&vars)
        .args(args)
        .output()
        .expect("run shipline-revert")
}

fn note(forge: &FakeForge, user: &str, body: &str) -> (u64, Value) {
    let id = forge.state().gitlab.add_note(REPO, 17, user, body);
    (id, note_on_merge_request(REPO, 17, id, user, body))
}

/// Bodies of the non-system notes on !17 that the tool's token wrote.
fn replies(forge: &FakeForge) -> Vec<String> {
    let st = forge.state();
    let bot = st
        .gitlab
        .users
        .iter()
        .find(|u| u.username == "shipline-bot")
        .map(|u| u.id);
    st.gitlab
        .project(REPO)
        .unwrap()
        .comments(17)
        .into_iter()
        .filter(|n| Some(n.author_id) == bot)
        .map(|n| n.body.clone())
        .collect()
}

fn paths(forge: &FakeForge) -> Vec<String> {
    forge
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn revert_note_from_a_maintainer_opens_one_mr_and_replies() {
    let (repo, forge, id, branch, before) = scenario();
    let (note_id, payload) = note(&forge, "maria", "/revert exports time out");
    let out = run_triggered(&repo, &forge, id, &payload, &["--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "opened", "{report}");
    assert_eq!(mr_states(&forge, &branch).len(), 1);
    let mr_number = report["pr_number"].as_u64().unwrap();
    {
        let st = forge.state();
        let mr = st
            .gitlab
            .project(REPO)
            .unwrap()
            .merge_requests
            .iter()
            .find(|m| m.source_branch == branch)
            .unwrap()
            .clone();
        assert!(
            mr.description.contains("Requested by @maria"),
            "{}",
            mr.description
        );
        assert!(
            mr.description.contains(&format!("#note_{note_id}")),
            "{}",
            mr.description
        );
        assert!(mr.description.contains("> exports time out"));
    }
    repo.run([
        "fetch",
        "-q",
        "origin",
        &format!("refs/heads/{branch}:refs/remotes/origin/{branch}"),
    ]);
    assert_tree_restored(&repo, &before, &format!("origin/{branch}"), &["pr17"]);

    let replies = replies(&forge);
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0].contains(&format!("Opened revert merge request !{mr_number}")),
        "{}",
        replies[0]
    );

    // What the trigger costs on top of the revert: the note read back, the author's membership,
    // the reply (3). The revert of one merge commit itself (11): the MR and the MRs from the
    // branch, the dry run on the default branch, the branch, dry run and revert on it, the MR,
    // its labels, the author's user id, the MR's reviewers and the new reviewers.
    let sent = paths(&forge);
    let project = format!("/api/v4/projects/{id}");
    assert_eq!(
        sent,
        vec![
            format!("GET {project}/merge_requests/17/notes/{note_id}"),
            format!("GET {project}/members/all/{}", user_id(&forge, "maria")),
            format!("GET {project}/merge_requests/17"),
            format!("GET {project}/merge_requests"),
            format!(
                "POST {project}/repository/commits/{}/revert",
                merge_sha(&report)
            ),
            format!("POST {project}/repository/branches"),
            format!(
                "POST {project}/repository/commits/{}/revert",
                merge_sha(&report)
            ),
            format!(
                "POST {project}/repository/commits/{}/revert",
                merge_sha(&report)
            ),
            format!("POST {project}/merge_requests"),
            format!("PUT {project}/merge_requests/{mr_number}"),
            "GET /api/v4/users".to_string(),
            format!("GET {project}/merge_requests/{mr_number}"),
            format!("PUT {project}/merge_requests/{mr_number}"),
            format!("POST {project}/merge_requests/17/notes"),
        ],
    );
}

fn user_id(forge: &FakeForge, name: &str) -> u64 {
    forge
        .state()
        .gitlab
        .users
        .iter()
        .find(|u| u.username == name)
        .unwrap()
        .id
}

fn merge_sha(report: &Value) -> String {
    report["culprit"]["key"].as_str().unwrap().to_string()
}

#[test]
fn revert_note_from_a_reporter_is_refused_with_a_reply_and_nothing_made() {
    let (repo, forge, id, branch, _) = scenario();
    let (_, payload) = note(&forge, "rita", "/revert");
    let out = run_triggered(&repo, &forge, id, &payload, &["--format", "json"]);
    assert_code(&out, 3);
    let report = json(&out);
    assert_eq!(report["status"], "refused");
    let why = report["skipped"].as_str().unwrap();
    assert!(why.contains("@rita has the Reporter role"), "{why}");
    assert!(why.contains("Developer, Maintainer or Owner"), "{why}");
    assert_eq!(mr_states(&forge, &branch).len(), 0);
    assert!(!origin_has(&repo, &branch));
    assert!(
        forge
            .requests_to("POST", "/api/v4/projects/*/repository/**")
            .is_empty(),
        "{:?}",
        paths(&forge)
    );
    let replies = replies(&forge);
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0].contains("Not reverted: @rita has the Reporter role"),
        "{}",
        replies[0]
    );
    let dotenv = std::fs::read_to_string(repo.path().join("../revert.env")).unwrap();
    assert!(dotenv.contains("SKIPPED="), "{dotenv}");
}

#[test]
fn the_same_note_delivered_twice_gives_one_mr() {
    let (repo, forge, id, branch, _) = scenario();
    let (_, payload) = note(&forge, "maria", "/revert");
    assert_code(&run_triggered(&repo, &forge, id, &payload, &[]), 0);
    let again = run_triggered(&repo, &forge, id, &payload, &["--format", "json"]);
    assert_code(&again, 0);
    let report = json(&again);
    assert_skipped(&report, "skipped", "already exists (open)");
    assert_eq!(mr_states(&forge, &branch).len(), 1);
    let replies = replies(&forge);
    assert_eq!(replies.len(), 2);
    assert!(replies[1].contains("Nothing new to do"), "{}", replies[1]);
    assert!(replies[1].contains("already exists"), "{}", replies[1]);
}

#[test]
fn the_payload_is_not_believed_gitlab_is_asked() {
    let (repo, forge, id, branch, _) = scenario();
    // The payload says maria wrote it; GitLab says rita did.
    let (note_id, _) = note(&forge, "rita", "/revert");
    let forged = note_on_merge_request(REPO, 17, note_id, "maria", "/revert");
    let out = run_triggered(&repo, &forge, id, &forged, &["--format", "json"]);
    assert_code(&out, 3);
    assert!(
        json(&out)["skipped"]
            .as_str()
            .unwrap()
            .contains("@rita has the Reporter role")
    );

    // A note that does not exist on the merge request: refused, nothing written, no reply.
    forge.clear_requests();
    let invented = note_on_merge_request(REPO, 17, 424_242, "maria", "/revert");
    let out = run_triggered(&repo, &forge, id, &invented, &["--format", "json"]);
    assert_code(&out, 3);
    let why = json(&out)["skipped"].as_str().unwrap().to_string();
    assert!(why.contains("no such comment"), "{why}");
    assert_eq!(paths(&forge).len(), 1, "{:?}", paths(&forge));

    // The payload says `/revert`; the note on GitLab says something else (edited since).
    forge.clear_requests();
    let (changed_id, _) = note(&forge, "maria", "looks good");
    let stale = note_on_merge_request(REPO, 17, changed_id, "maria", "/revert");
    let out = run_triggered(&repo, &forge, id, &stale, &["--format", "json"]);
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["status"], "skipped");
    assert!(
        report["skipped"].as_str().unwrap().contains("edited"),
        "{report}"
    );
    assert_eq!(paths(&forge).len(), 1, "{:?}", paths(&forge));
    assert_eq!(mr_states(&forge, &branch).len(), 0);
    assert!(
        forge
            .requests_to("POST", "/api/v4/projects/*/merge_requests/*/notes")
            .is_empty()
    );
}

#[test]
fn edited_notes_bots_issues_and_other_projects_cost_no_request() {
    let (repo, forge, id, _, _) = scenario();
    let mut edited = note_on_merge_request(REPO, 17, 1, "maria", "/revert");
    edited["object_attributes"]["action"] = "update".into();
    let bot = note_on_merge_request(REPO, 17, 2, "project_1001_bot_4ffca233d8298ea1", "/revert");
    let mut issue = note_on_merge_request(REPO, 17, 3, "maria", "/revert");
    issue["object_attributes"]["noteable_type"] = "Issue".into();
    issue["issue"] = serde_json::json!({ "iid": 4 });
    let chatter = note_on_merge_request(REPO, 17, 4, "maria", "nice work");
    let mut system = note_on_merge_request(REPO, 17, 6, "maria", "/revert");
    system["object_attributes"]["system"] = true.into();
    for (payload, expect) in [
        (&edited, "edited"),
        (&bot, "bot"),
        (&system, "system notes"),
        (&issue, "not a merge request"),
        (&chatter, "not a `/revert` command"),
    ] {
        let out = run_triggered(&repo, &forge, id, payload, &["--format", "json"]);
        assert_code(&out, 0);
        let report = json(&out);
        assert_eq!(report["status"], "skipped");
        assert!(
            report["skipped"].as_str().unwrap().contains(expect),
            "{expect}: {report}"
        );
    }
    // A note on a fork's (another project's) merge request: refused.
    let fork = note_on_merge_request("someone/widgets-fork", 17, 5, "maria", "/revert");
    let out = run_triggered(&repo, &forge, id, &fork, &["--format", "json"]);
    assert_code(&out, 3);
    assert!(
        json(&out)["skipped"]
            .as_str()
            .unwrap()
            .contains("someone/widgets-fork")
    );
    assert!(forge.requests().is_empty(), "{:?}", paths(&forge));
}

#[test]
fn revert_note_on_an_open_mr_is_refused_with_a_reply() {
    let (repo, forge, id, _, _) = scenario();
    let head = repo.head();
    let open_iid = 18;
    add_mr(&forge, open_iid, "Still open", &[head], None);
    let note_id = forge
        .state()
        .gitlab
        .add_note(REPO, open_iid, "maria", "/revert");
    let payload = note_on_merge_request(REPO, open_iid, note_id, "maria", "/revert");
    let out = run_triggered(&repo, &forge, id, &payload, &["--format", "json"]);
    assert_code(&out, 3);
    let why = json(&out)["skipped"].as_str().unwrap().to_string();
    assert!(why.contains("not merged (still open)"), "{why}");
    let st = forge.state();
    let replies: Vec<_> = st
        .gitlab
        .project(REPO)
        .unwrap()
        .comments(open_iid)
        .into_iter()
        .filter(|n| n.body.starts_with("shipline-revert:"))
        .map(|n| n.body.clone())
        .collect();
    assert_eq!(replies.len(), 1);
    assert!(replies[0].contains("not merged"), "{}", replies[0]);
}
