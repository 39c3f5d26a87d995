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

use super::repository::{git, resolve};
use super::route::{Need, bad_request, error, paginate, role_of, time};
use super::{GitLabState, MergeRequest, Note, Project, access};
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

/// The head of an open merge request's source branch: GitLab follows pushes to it.
fn current_sha(project: &Project, mr: &MergeRequest) -> String {
    if mr.state != "opened" || project.repo.is_none() {
        return mr.sha.clone();
    }
    resolve(project, &format!("refs/heads/{}", mr.source_branch)).unwrap_or_else(|| mr.sha.clone())
}

pub(super) fn mr_json(state: &GitLabState, index: usize, mr: &MergeRequest, base: &str) -> Value {
    let project = &state.projects[index];
    let sha = current_sha(project, mr);
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
        "sha": sha,
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
    value["squash"] = json!(mr.squash || mr.squash_commit_sha.is_some());
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
            let sha = resolve(p, &format!("refs/heads/{source}")).unwrap_or_default();
            let mr = MergeRequest {
                id,
                iid,
                title,
                description: field("description").unwrap_or_default(),
                state: "opened".into(),
                author_id: author,
                source_branch: source,
                target_branch: target,
                sha,
                commits: Vec::new(),
                merge_commit_sha: None,
                squash_commit_sha: None,
                squash: false,
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

/// `PUT .../merge`, as GitLab's API decides it: a caller who may not merge into the target
/// branch gets 401; a `sha` other than the source head 409. Asked to merge automatically
/// (`auto_merge`, or the older `merge_when_pipeline_succeeds`), a merge request whose head
/// pipeline is still running is set to merge later; one whose pipeline passed is merged at
/// once, unless approvals are missing (422 `Branch cannot be merged`); without a pipeline, or
/// with a failed one, there is nothing to wait for and nothing to merge (405).
async fn merge_mr(Path((project, iid)): Path<(String, u64)>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::role(access::DEVELOPER),
        |gl, index, caller, body| {
            let role = role_of(gl, index, caller);
            let p = &gl.projects[index];
            let Some(mr) = p.merge_request(iid) else {
                return error(StatusCode::NOT_FOUND, "404 Not found");
            };
            if mr.state != "opened" {
                return error(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed");
            }
            if !p.can_merge(&mr.target_branch, role) {
                return error(StatusCode::UNAUTHORIZED, "401 Unauthorized");
            }
            let head = current_sha(p, mr);
            if let Some(sha) = body.get("sha").and_then(Value::as_str)
                && !head.is_empty()
                && sha != head
            {
                return error(
                    StatusCode::CONFLICT,
                    "SHA does not match HEAD of source branch",
                );
            }
            let flag = |key: &str| body.get(key).and_then(Value::as_bool) == Some(true);
            let automatic = flag("auto_merge") || flag("merge_when_pipeline_succeeds");
            let pipeline = p.newest_pipeline(&head).map(|pl| pl.status.as_str());
            let active = matches!(
                pipeline,
                Some("created" | "waiting_for_resource" | "preparing" | "pending" | "running")
            );
            let passed = pipeline == Some("success");
            let approved = p.approvals.get(&iid).map_or(0, Vec::len) >= p.approvals_required;
            let (target, source) = (mr.target_branch.clone(), mr.source_branch.clone());
            let title = mr.title.clone();
            if automatic && active {
                let mr = gl.projects[index]
                    .merge_request_mut(iid)
                    .expect("found above");
                mr.auto_merge = true;
                mr.sha = head;
                mr.updated_at = Utc::now();
                let mr = mr.clone();
                return axum::Json(mr_json(gl, index, &mr, &call.base)).into_response();
            }
            // Merged now: asked to wait for a pipeline that has passed, or asked to merge now
            // with no pipeline or a passed one.
            let mergeable_now = if automatic {
                passed
            } else {
                pipeline.is_none_or(|s| s == "success")
            };
            if !mergeable_now {
                return error(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed");
            }
            if !approved {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "Branch cannot be merged");
            }
            let merge_commit = match merge_in_repo(p, &target, &source, &title) {
                Ok(sha) => sha,
                Err(message) => return error(StatusCode::NOT_ACCEPTABLE, &message),
            };
            let now = Utc::now();
            let mr = gl.projects[index]
                .merge_request_mut(iid)
                .expect("found above");
            mr.state = "merged".into();
            mr.sha = head;
            mr.merge_commit_sha = merge_commit;
            mr.merged_by = caller.user_id();
            mr.merged_at = Some(now);
            mr.updated_at = now;
            let mr = mr.clone();
            axum::Json(mr_json(gl, index, &mr, &call.base)).into_response()
        },
    )
}

/// Merges `source` into `target` with a merge commit in the backing repository, as GitLab's
/// default merge method does; `None` for a project without one.
fn merge_in_repo(
    p: &Project,
    target: &str,
    source: &str,
    title: &str,
) -> Result<Option<String>, String> {
    let Some(repo) = &p.repo else {
        return Ok(None);
    };
    let conflict = || "Branch cannot be merged".to_string();
    let tip = git(repo, &["rev-parse", &format!("refs/heads/{target}")]).ok_or_else(conflict)?;
    let head = git(repo, &["rev-parse", &format!("refs/heads/{source}")]).ok_or_else(conflict)?;
    let tree = git(repo, &["merge-tree", "--write-tree", &tip, &head]).ok_or_else(conflict)?;
    let message = format!("Merge branch '{source}' into '{target}'\n\n{title}");
    let commit = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args([
            "commit-tree",
            &tree,
            "-p",
            &tip,
            "-p",
            &head,
            "-m",
            &message,
        ])
        .env("GIT_AUTHOR_NAME", "GitLab")
        .env("GIT_AUTHOR_EMAIL", "gitlab@example.com")
        .env("GIT_COMMITTER_NAME", "GitLab")
        .env("GIT_COMMITTER_EMAIL", "gitlab@example.com")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .ok_or_else(conflict)?;
    git(
        repo,
        &["update-ref", &format!("refs/heads/{target}"), &commit, &tip],
    )
    .ok_or_else(conflict)?;
    Ok(Some(commit))
}

async fn update_mr(Path((project, iid)): Path<(String, u64)>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::role(access::DEVELOPER),
        |gl, index, _, body| {
            let p = &mut gl.projects[index];
            let (free_tier, public) = (p.free_tier, p.public);
            let members: Vec<u64> = p.members.keys().copied().collect();
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
                    // GitLab keeps one reviewer on the Free tier and silently drops users who
                    // cannot see the merge request; the answer is 200 either way.
                    let limit = if free_tier { 1 } else { usize::MAX };
                    mr.reviewers = ids
                        .iter()
                        .filter_map(Value::as_u64)
                        .take(limit)
                        .filter(|id| public || members.contains(id))
                        .collect();
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
