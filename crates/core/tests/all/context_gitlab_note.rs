//! GitLab comments that reach a pipeline through a pipeline trigger: the Note Hook payload in
//! `TRIGGER_PAYLOAD` (GitLab's documented "Comment on a merge request" example), read from the
//! file the variable names.

use std::path::Path;

use serde_json::Value;
use shipline_core::context::*;
use shipline_testkit::fixtures::gitlab_hooks::{gitlab_hook, note_on_merge_request};
use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars};

const PROJECT: &str = "root-group/child-group/awesome-project";

fn triggered(payload: Option<&Value>) -> (tempfile::TempDir, Result<CiContext, ContextError>) {
    let dir = tempfile::tempdir().unwrap();
    let mut vars = gitlab_vars(GitLabPipeline::Trigger);
    let path = dir.path().join("TRIGGER_PAYLOAD");
    if let Some(p) = payload {
        std::fs::write(&path, serde_json::to_vec(p).unwrap()).unwrap();
    }
    vars.insert("TRIGGER_PAYLOAD".into(), path.to_string_lossy().to_string());
    let ctx = CiContext::from_vars(&vars, Path::new("/nonexistent"));
    (dir, ctx)
}

#[test]
fn the_documented_note_example_is_a_note_event() {
    let (_dir, ctx) = triggered(Some(&gitlab_hook("note.merge_request")));
    let ctx = ctx.unwrap();
    assert_eq!(ctx.event, EventKind::Note);
    assert_eq!(ctx.number, Some(1));
    let EventDetails::Note(note) = &ctx.details else {
        panic!("{:?}", ctx.details)
    };
    assert_eq!(note.action, CommentAction::Created);
    assert_eq!(note.note_id, 1244);
    assert_eq!(note.body, "This MR needs work.");
    assert_eq!(note.author, "root");
    assert!(note.is_merge_request());
    assert_eq!(note.number, Some(1));
    assert_eq!(note.project_path.as_deref(), Some("gitlab-org/gitlab-test"));
    assert!(!note.system);
    assert_eq!(
        note.url.as_deref(),
        Some("http://example.com/gitlab-org/gitlab-test/merge_requests/1#note_1244")
    );
    // The pipeline's own ref and commit stay those of the trigger (the default branch).
    assert_eq!(ctx.branch.as_deref(), Some("main"));
    assert_eq!(ctx.base_sha, None, "no push precedes a triggered pipeline");
}

#[test]
fn an_edited_note_and_a_note_without_action_are_told_apart() {
    let mut edited = note_on_merge_request(PROJECT, 17, 900, "maria", "/revert");
    edited["object_attributes"]["action"] = "update".into();
    let (_dir, ctx) = triggered(Some(&edited));
    let EventDetails::Note(note) = ctx.unwrap().details else {
        panic!()
    };
    assert_eq!(note.action, CommentAction::Edited);

    // Before GitLab 16.11 the payload had no `action`, and hooks fired for new notes only.
    let mut old = note_on_merge_request(PROJECT, 17, 900, "maria", "/revert");
    old["object_attributes"]
        .as_object_mut()
        .unwrap()
        .remove("action");
    let (_dir, ctx) = triggered(Some(&old));
    let EventDetails::Note(note) = ctx.unwrap().details else {
        panic!()
    };
    assert_eq!(note.action, CommentAction::Created);
}

#[test]
fn other_trigger_payloads_and_other_sources_carry_no_note() {
    // A plain API trigger: GitLab's payload holds the request's parameters.
    let api = serde_json::json!({ "ref": "main", "variables": { "DEPLOY": "1" } });
    let (_dir, ctx) = triggered(Some(&api));
    let ctx = ctx.unwrap();
    assert_eq!(ctx.event, EventKind::Other("trigger".into()));
    assert_eq!(ctx.details, EventDetails::None);

    // TRIGGER_PAYLOAD outside a trigger pipeline is not read.
    let dir = tempfile::tempdir().unwrap();
    let mut vars = gitlab_vars(GitLabPipeline::Branch);
    vars.insert(
        "TRIGGER_PAYLOAD".into(),
        dir.path().join("missing").to_string_lossy().to_string(),
    );
    let ctx = CiContext::from_vars(&vars, Path::new("/nonexistent")).unwrap();
    assert_eq!(ctx.event, EventKind::Push);
}

#[test]
fn an_unreadable_or_broken_payload_names_the_file() {
    let (dir, ctx) = triggered(None);
    let err = ctx.unwrap_err().to_string();
    let path = dir.path().join("TRIGGER_PAYLOAD");
    assert!(
        err.contains(&path.display().to_string()) && err.contains("TRIGGER_PAYLOAD"),
        "{err}"
    );

    std::fs::write(&path, "{ not json").unwrap();
    let mut vars = gitlab_vars(GitLabPipeline::Trigger);
    vars.insert("TRIGGER_PAYLOAD".into(), path.to_string_lossy().to_string());
    let err = CiContext::from_vars(&vars, Path::new("/nonexistent"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1, column"), "{err}");
}
