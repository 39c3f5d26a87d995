//! GitLab comments that start a pipeline.
//!
//! GitLab CI has no pipeline source for comments. The documented way to react to one is a
//! project webhook for comment events pointed at the project's pipeline trigger URL
//! (`/projects/:id/ref/:ref/trigger/pipeline?token=...`): the comment then starts a pipeline with
//! `CI_PIPELINE_SOURCE=trigger`, and GitLab passes the webhook's body to it in the file-type
//! variable `TRIGGER_PAYLOAD` (the variable holds the path of a file with the JSON). Only
//! `object_kind: note` payloads are read here; any other trigger leaves the event details empty.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::error::ContextError;
use super::event::{CommentAction, NoteEvent, comment_action};
use super::vars::Vars;

/// The note in `TRIGGER_PAYLOAD`, for a trigger pipeline whose payload is a Note Hook.
pub(super) fn from_trigger(vars: &Vars<'_>) -> Result<Option<NoteEvent>, ContextError> {
    if vars.get("CI_PIPELINE_SOURCE") != Some("trigger") {
        return Ok(None);
    }
    let Some(path) = vars.get("TRIGGER_PAYLOAD") else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        payload_error(
            &path,
            format!(
                "{e}; GitLab writes it for pipelines started through a pipeline trigger, run shipline in the triggered job's script"
            ),
        )
    })?;
    let payload: Value = serde_json::from_str(&text).map_err(|e| {
        payload_error(
            &path,
            format!(
                "not valid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    parse(&payload, &path)
}

fn parse(payload: &Value, path: &Path) -> Result<Option<NoteEvent>, ContextError> {
    if payload["object_kind"].as_str() != Some("note") {
        return Ok(None);
    }
    let attrs = &payload["object_attributes"];
    let note_id = attrs["id"].as_u64().ok_or_else(|| {
        payload_error(
            path,
            "`object_kind: note` without `object_attributes.id`: not a GitLab Note Hook payload"
                .into(),
        )
    })?;
    let noteable_type = attrs["noteable_type"].as_str().unwrap_or_default();
    let number = match noteable_type {
        "MergeRequest" => payload["merge_request"]["iid"].as_u64(),
        "Issue" => payload["issue"]["iid"].as_u64(),
        _ => None,
    };
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    Ok(Some(NoteEvent {
        action: attrs["action"]
            .as_str()
            .map_or(CommentAction::Created, |a| match a {
                "create" => CommentAction::Created,
                "update" => CommentAction::Edited,
                other => comment_action(other),
            }),
        note_id,
        body: attrs["note"].as_str().unwrap_or_default().to_string(),
        author: payload["user"]["username"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        noteable_type: noteable_type.to_string(),
        number,
        project_path: text(&payload["project"]["path_with_namespace"]),
        system: attrs["system"].as_bool().unwrap_or(false),
        url: text(&attrs["url"]),
    }))
}

fn payload_error(path: &Path, message: String) -> ContextError {
    ContextError::TriggerPayload {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_map_to_comment_actions() {
        let note = |action: Option<&str>| {
            let mut p = json!({
                "object_kind": "note",
                "object_attributes": { "id": 5, "note": "/revert", "noteable_type": "Issue" },
                "issue": { "iid": 3 },
            });
            if let Some(a) = action {
                p["object_attributes"]["action"] = json!(a);
            }
            parse(&p, Path::new("p")).unwrap().unwrap()
        };
        assert_eq!(note(None).action, CommentAction::Created);
        assert_eq!(note(Some("create")).action, CommentAction::Created);
        assert_eq!(note(Some("update")).action, CommentAction::Edited);
        assert_eq!(note(None).number, Some(3));
        assert!(!note(None).is_merge_request());
    }

    #[test]
    fn other_payloads_are_no_note() {
        let push = json!({ "object_kind": "push", "ref": "refs/heads/main" });
        assert_eq!(parse(&push, Path::new("p")).unwrap(), None);
        let broken = json!({ "object_kind": "note", "object_attributes": {} });
        let err = parse(&broken, Path::new("/tmp/TRIGGER_PAYLOAD"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/tmp/TRIGGER_PAYLOAD") && err.contains("object_attributes.id"),
            "{err}"
        );
    }
}
