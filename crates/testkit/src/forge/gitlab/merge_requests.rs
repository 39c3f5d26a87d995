//! Merge requests, their notes, and the users API that reviewer lookups use.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use chrono::Utc;
use http::StatusCode;
use serde_json::{Value, json};

use super::route::{Need, bad_request, error, paginate, time};
use super::{GitLabState, MergeRequest, Note, access};
use crate::forge::{Call, Shared};

type Q = Query<HashMap<String, String>>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v4/users", get(list_users))
        .route(
            "/api/v4/projects/{project}/merge_requests",
            get(list_mrs).post(create_mr),
        )
        .route(
            "/api/v4/projects/{project}/merge_requests/{iid}",
            get(get_mr).put(update_mr),
        )
        .route(
            "/api/v4/projects/{project}/merge_requests/{iid}/merge",
            put(merge_mr),
        )
        .route(
            "/api/v4/projects/{project}/merge_requests/{iid}/notes",
            get(list_notes).post(create_note),
        )
        .route(
            "/api/v4/projects/{project}/merge_requests/{iid}/notes/{note_id}",
            put(update_note),
        )
        .route(
            "/api/v4/projects/{project}/repository/commits/{sha}/merge_requests",
            get(mrs_for_commit),
        )
}

pub(super) fn mr_json(state: &GitLabState, index: usize, mr: &MergeRequest, base: &str) -> Value {
    let project = &state.projects[index];
    let draft = mr.title.starts_with("Draft:") || mr.title.starts_with("[Draft]");
    let merged_by = mr.merged_by.map(|u| state.user(u));
    let references = json!({
        "short": format!("!{}", mr.iid),
        "relative": format!("!{}", mr.iid),
        "full": format!("{}!{}", project.path_with_namespace, mr.iid),
    });
    let time_stats = json!({
        "time_estimate": 0,
        "total_time_spent": 0,
        "human_time_estimate": null,
        "human_total_time_spent": null,
    });
    let mut value = json!({
        "id": mr.id,
        "iid": mr.iid,
        "project_id": project.id,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "created_at": time(mr.created_at),
        "updated_at": time(mr.updated_at),
        "merged_by": merged_by,
        "merge_user": merged_by,
        "merged_at": mr.merged_at.map(time),
        "closed_by": null,
        "closed_at": null,
        "target_branch": mr.target_branch,
        "source_branch": mr.source_branch,
        "user_notes_count": project.comments(mr.iid).len(),
        "upvotes": 0,
        "downvotes": 0,
        "author": state.user(mr.author_id),
        "assignees": [],
        "assignee": null,
        "reviewers": mr.reviewers.iter().map(|r| state.user(*r)).collect::<Vec<_>>(),
        "source_project_id": project.id,
        "target_project_id": project.id,
        "labels": mr.labels,
        "draft": draft,
        "work_in_progress": draft,
        "milestone": null,
        "merge_when_pipeline_succeeds": mr.auto_merge,
        "merge_status": "can_be_merged",
        "detailed_merge_status": "mergeable",
        "sha": mr.sha,
        "merge_commit_sha": mr.merge_commit_sha,
        "squash_commit_sha": mr.squash_commit_sha,
        "discussion_locked": null,
        "should_remove_source_branch": null,
        "force_remove_source_branch": false,
        "has_conflicts": false,
        "blocking_discussions_resolved": true,
    });
    value["reference"] = json!(format!("!{}", mr.iid));
    value["references"] = references;
    value["web_url"] = json!(format!(
        "{base}/{}/-/merge_requests/{}",
        project.path_with_namespace, mr.iid
    ));
    value["time_stats"] = time_stats;
    value["squash"] = json!(false);
    value["task_completion_status"] = json!({ "count": 0, "completed_count": 0 });
    value
}

pub(super) fn note_json(state: &GitLabState, project_id: u64, note: &Note) -> Value {
    json!({
        "id": note.id,
        "type": null,
        "body": note.body,
        "attachment": null,
        "author": state.user(note.author_id),
        "created_at": time(note.created_at),
        "updated_at": time(note.updated_at),
        "system": note.system,
        "noteable_id": note.mr_iid,
        "noteable_type": "MergeRequest",
        "project_id": project_id,
        "noteable_iid": note.mr_iid,
        "resolvable": false,
        "confidential": false,
        "internal": false,
        "commands_changes": {},
    })
}

async fn list_users(State(shared): State<Arc<Shared>>, Query(q): Q) -> Response {
    let state = shared.state();
    let gl = &state.gitlab;
    let users: Vec<Value> = gl
        .users
        .iter()
        .filter(|u| {
            q.get("username")
                .is_none_or(|name| u.username.eq_ignore_ascii_case(name))
        })
        .map(|u| gl.user(u.id))
        .collect();
    paginate(&shared.base_url(), "/api/v4/users", &q, users)
}

async fn list_mrs(Path(project): Path<String>, Query(q): Q, call: Call) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        let wanted_state = q.get("state").map(String::as_str).unwrap_or("all");
        let mut mrs: Vec<&MergeRequest> = p
            .merge_requests
            .iter()
            .filter(|m| q.get("source_branch").is_none_or(|b| m.source_branch == *b))
            .filter(|m| q.get("target_branch").is_none_or(|b| m.target_branch == *b))
            .filter(|m| wanted_state == "all" || m.state == wanted_state)
            .collect();
        mrs.sort_by_key(|m| m.created_at);
        if q.get("sort").map(String::as_str) != Some("asc") {
            mrs.reverse();
        }
        let items = mrs
            .iter()
            .map(|m| mr_json(gl, index, m, &call.base))
            .collect();
        paginate(
            &call.base,
            &format!("/api/v4/projects/{}/merge_requests", p.id),
            &q,
            items,
        )
    })
}

async fn get_mr(Path((project, iid)): Path<(String, u64)>, call: Call) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        match gl.projects[index].merge_request(iid) {
            Some(mr) => axum::Json(mr_json(gl, index, mr, &call.base)).into_response(),
            None => error(StatusCode::NOT_FOUND, "404 Not found"),
        }
    })
}

async fn create_mr(Path(project): Path<String>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::role(access::DEVELOPER),
        |gl, index, caller, body| {
            let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_string);
            let (Some(source), Some(target), Some(title)) = (
                field("source_branch"),
                field("target_branch"),
                field("title"),
            ) else {
                return bad_request("source_branch, target_branch, title are missing");
            };
            let p = &gl.projects[index];
            if let Some(open) = p.merge_requests.iter().find(|m| {
                m.state == "opened" && m.source_branch == source && m.target_branch == target
            }) {
                let message = format!(
                    "Another open merge request already exists for this source branch: !{}",
                    open.iid
                );
                return (
                    StatusCode::CONFLICT,
                    axum::Json(json!({ "message": [message] })),
                )
                    .into_response();
            }
            let title = if body.get("draft").and_then(Value::as_bool) == Some(true)
                && !title.starts_with("Draft:")
            {
                format!("Draft: {title}")
            } else {
                title
            };
            let id = gl.next();
            let author = caller.user_id().unwrap_or(0);
            let p = &mut gl.projects[index];
            let now = Utc::now();
            let iid = p.merge_requests.len() as u64 + 1;
            let mr = MergeRequest {
                id,
                iid,
                title,
                description: field("description").unwrap_or_default(),
                state: "opened".into(),
                author_id: author,
                source_branch: source,
                target_branch: target,
                sha: String::new(),
                commits: Vec::new(),
                merge_commit_sha: None,
                squash_commit_sha: None,
                merged_by: None,
                merged_at: None,
                labels: Vec::new(),
                reviewers: Vec::new(),
                created_at: now,
                updated_at: now,
                auto_merge: false,
            };
            p.merge_requests.push(mr.clone());
            (
                StatusCode::CREATED,
                axum::Json(mr_json(gl, index, &mr, &call.base)),
            )
                .into_response()
        },
    )
}

/// `PUT .../merge`: only the auto-merge form (`auto_merge` or the older
/// `merge_when_pipeline_succeeds`); the fake does not merge on the spot and answers 405 as
/// GitLab does for a merge request it will not merge. A `sha` other than the source head is
/// refused with 409, as on GitLab.
async fn merge_mr(Path((project, iid)): Path<(String, u64)>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::role(access::DEVELOPER),
        |gl, index, _, body| {
            let p = &mut gl.projects[index];
            let Some(mr) = p.merge_requests.iter_mut().find(|m| m.iid == iid) else {
                return error(StatusCode::NOT_FOUND, "404 Not found");
            };
            let flag = |key: &str| body.get(key).and_then(Value::as_bool) == Some(true);
            if mr.state != "opened" || !(flag("auto_merge") || flag("merge_when_pipeline_succeeds"))
            {
                return error(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed");
            }
            if let Some(sha) = body.get("sha").and_then(Value::as_str)
                && !mr.sha.is_empty()
                && sha != mr.sha
            {
                return error(
                    StatusCode::CONFLICT,
                    "SHA does not match HEAD of source branch",
                );
            }
            mr.auto_merge = true;
            mr.updated_at = Utc::now();
            let mr = mr.clone();
            axum::Json(mr_json(gl, index, &mr, &call.base)).into_response()
        },
    )
}

async fn update_mr(Path((project, iid)): Path<(String, u64)>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::role(access::DEVELOPER),
        |gl, index, _, body| {
            let p = &mut gl.projects[index];
            let Some(pos) = p.merge_requests.iter().position(|m| m.iid == iid) else {
                return error(StatusCode::NOT_FOUND, "404 Not found");
            };
            let split = |v: &Value| -> Vec<String> {
                match v {
                    Value::String(s) => s
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    _ => Vec::new(),
                }
            };
            let mut new_labels = Vec::new();
            {
                let mr = &mut p.merge_requests[pos];
                if let Some(labels) = body.get("add_labels") {
                    for label in split(labels) {
                        if !mr.labels.contains(&label) {
                            mr.labels.push(label.clone());
                        }
                        new_labels.push(label);
                    }
                }
                if let Some(labels) = body.get("remove_labels") {
                    let gone = split(labels);
                    mr.labels.retain(|l| !gone.contains(l));
                }
                if let Some(labels) = body.get("labels") {
                    mr.labels = split(labels);
                    new_labels.extend(mr.labels.clone());
                }
                if let Some(ids) = body.get("reviewer_ids").and_then(Value::as_array) {
                    mr.reviewers = ids.iter().filter_map(Value::as_u64).collect();
                }
                if let Some(title) = body.get("title").and_then(Value::as_str) {
                    mr.title = title.to_string();
                }
                if let Some(description) = body.get("description").and_then(Value::as_str) {
                    mr.description = description.to_string();
                }
                mr.updated_at = Utc::now();
            }
            // GitLab creates project labels that do not exist yet.
            p.labels.extend(new_labels);
            let mr = p.merge_requests[pos].clone();
            axum::Json(mr_json(gl, index, &mr, &call.base)).into_response()
        },
    )
}

async fn list_notes(
    Path((project, iid)): Path<(String, u64)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        if p.merge_request(iid).is_none() {
            return error(StatusCode::NOT_FOUND, "404 Not found");
        }
        let mut notes: Vec<&Note> = p.notes.iter().filter(|n| n.mr_iid == iid).collect();
        notes.sort_by_key(|n| (n.created_at, n.id));
        // GitLab's default is newest first.
        if q.get("sort").map(String::as_str) != Some("asc") {
            notes.reverse();
        }
        let items = notes.iter().map(|n| note_json(gl, p.id, n)).collect();
        paginate(
            &call.base,
            &format!("/api/v4/projects/{}/merge_requests/{iid}/notes", p.id),
            &q,
            items,
        )
    })
}

async fn create_note(Path((project, iid)): Path<(String, u64)>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::role(access::REPORTER),
        |gl, index, caller, body| {
            let Some(text) = body.get("body").and_then(Value::as_str).map(str::to_string) else {
                return bad_request("body is missing");
            };
            if gl.projects[index].merge_request(iid).is_none() {
                return error(StatusCode::NOT_FOUND, "404 Not found");
            }
            let id = gl.next();
            let now = Utc::now();
            let note = Note {
                id,
                mr_iid: iid,
                body: text,
                author_id: caller.user_id().unwrap_or(0),
                system: false,
                created_at: now,
                updated_at: now,
            };
            gl.projects[index].notes.push(note.clone());
            let project_id = gl.projects[index].id;
            (
                StatusCode::CREATED,
                axum::Json(note_json(gl, project_id, &note)),
            )
                .into_response()
        },
    )
}

async fn update_note(
    Path((project, iid, note_id)): Path<(String, u64, u64)>,
    call: Call,
) -> Response {
    call.project_json(
        &project,
        Need::role(access::REPORTER),
        |gl, index, caller, body| {
            let Some(text) = body.get("body").and_then(Value::as_str).map(str::to_string) else {
                return bad_request("body is missing");
            };
            let project_id = gl.projects[index].id;
            let Some(note) = gl.projects[index]
                .notes
                .iter_mut()
                .find(|n| n.id == note_id && n.mr_iid == iid)
            else {
                return error(StatusCode::NOT_FOUND, "404 Note Not Found");
            };
            if Some(note.author_id) != caller.user_id() {
                return error(StatusCode::FORBIDDEN, "403 Forbidden");
            }
            note.body = text;
            note.updated_at = Utc::now();
            let note = note.clone();
            axum::Json(note_json(gl, project_id, &note)).into_response()
        },
    )
}

async fn mrs_for_commit(
    Path((project, sha)): Path<(String, String)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        let items = p
            .merge_requests
            .iter()
            .filter(|m| {
                m.commits.contains(&sha)
                    || m.merge_commit_sha.as_deref() == Some(sha.as_str())
                    || m.squash_commit_sha.as_deref() == Some(sha.as_str())
            })
            .map(|m| mr_json(gl, index, m, &call.base))
            .collect();
        paginate(
            &call.base,
            &format!(
                "/api/v4/projects/{}/repository/commits/{sha}/merge_requests",
                p.id
            ),
            &q,
            items,
        )
    })
}
