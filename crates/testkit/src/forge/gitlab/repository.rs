//! The rest of a project: commits (from the backing git repository), commit statuses,
//! pipelines, tags, releases, issues and members.
//!
//! Commit statuses belong to pipelines, as on GitLab: the list for a SHA holds the statuses of
//! every pipeline that ran for it (a failed job of an older pipeline stays listed after a
//! passing re-run in a new one), each with its `pipeline_id`, and `pipeline_id=` narrows it.

use std::collections::HashMap;
use std::path::Path as FsPath;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use http::StatusCode;
use serde_json::{Value, json};

use super::route::{Need, bad_request, error, paginate, time};
use super::{GitLabState, Issue, Project, Release, Tag, access};
use crate::forge::{Call, Shared};

type Q = Query<HashMap<String, String>>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/api/v4/projects/{project}/repository/commits/{sha}",
            get(commit),
        )
        .route(
            "/api/v4/projects/{project}/repository/commits/{sha}/statuses",
            get(statuses),
        )
        .route("/api/v4/projects/{project}/repository/tags", get(tags))
        .route("/api/v4/projects/{project}/pipelines", get(pipelines))
        .route(
            "/api/v4/projects/{project}/members/all/{user_id}",
            get(member),
        )
        .route(
            "/api/v4/projects/{project}/issues",
            get(list_issues).post(create_issue),
        )
        .route("/api/v4/projects/{project}/releases", post(create_release))
        .route("/api/v4/projects/{project}/releases/{tag}", get(release))
}

pub(super) fn git(repo: &FsPath, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Tags of a project: from its git repository when it has one, else from state.
fn project_tags(p: &Project) -> Vec<Tag> {
    let Some(repo) = &p.repo else {
        return p.tags.clone();
    };
    let listing = git(
        repo,
        &[
            "for-each-ref",
            "--sort=-creatordate",
            "--format=%(refname:short)\t%(objectname)\t%(*objectname)",
            "refs/tags",
        ],
    )
    .unwrap_or_default();
    listing
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let name = parts.next()?.to_string();
            let object = parts.next()?.to_string();
            let peeled = parts.next().filter(|s| !s.is_empty());
            Some(Tag {
                name,
                sha: peeled.map_or(object, str::to_string),
            })
        })
        .collect()
}

/// Resolves a ref (SHA, branch, tag) to a commit SHA.
pub(super) fn resolve(p: &Project, reference: &str) -> Option<String> {
    if let Some(repo) = &p.repo {
        return git(
            repo,
            &["rev-parse", "--verify", &format!("{reference}^{{commit}}")],
        );
    }
    if let Some(tag) = p.tags.iter().find(|t| t.name == reference) {
        return Some(tag.sha.clone());
    }
    p.merge_requests
        .iter()
        .rev()
        .find(|m| m.source_branch == reference || m.commits.iter().any(|c| c == reference))
        .map(|m| {
            if m.source_branch == reference {
                m.sha.clone()
            } else {
                reference.to_string()
            }
        })
}

fn commit_json(sha: &str) -> Value {
    json!({
        "id": sha,
        "short_id": &sha[..sha.len().min(8)],
        "title": "",
        "message": "",
        "parent_ids": [],
        "author_name": "",
        "author_email": "",
        "created_at": time(Utc::now()),
    })
}

async fn commit(Path((project, sha)): Path<(String, String)>, call: Call) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        match resolve(&gl.projects[index], &sha) {
            Some(found) => axum::Json(commit_json(&found)).into_response(),
            None => error(StatusCode::NOT_FOUND, "404 Commit Not Found"),
        }
    })
}

async fn statuses(
    Path((project, sha)): Path<(String, String)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        let items = p
            .statuses
            .iter()
            .filter(|s| s.sha == sha)
            .filter(|s| {
                q.get("pipeline_id")
                    .is_none_or(|id| s.pipeline_id.is_some_and(|p| p.to_string() == *id))
            })
            .map(|s| {
                json!({
                    "id": s.id,
                    "pipeline_id": s.pipeline_id,
                    "sha": s.sha,
                    "ref": p.default_branch,
                    "status": s.status,
                    "name": s.name,
                    "target_url": s.target_url,
                    "description": null,
                    "created_at": time(Utc::now()),
                    "started_at": null,
                    "finished_at": null,
                    "allow_failure": s.allow_failure,
                    "coverage": null,
                    "author": gl.user(0),
                })
            })
            .collect();
        paginate(
            &call.base,
            &format!(
                "/api/v4/projects/{}/repository/commits/{sha}/statuses",
                p.id
            ),
            &q,
            items,
        )
    })
}

async fn pipelines(Path(project): Path<String>, Query(q): Q, call: Call) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        let mut list: Vec<_> = p
            .pipelines
            .iter()
            .filter(|pl| q.get("sha").is_none_or(|s| pl.sha == *s))
            .filter(|pl| q.get("ref").is_none_or(|r| pl.git_ref == *r))
            .collect();
        list.sort_by_key(|pl| pl.id);
        if q.get("sort").map(String::as_str) != Some("asc") {
            list.reverse();
        }
        let items = list
            .iter()
            .map(|pl| {
                json!({
                    "id": pl.id,
                    "iid": pl.id,
                    "project_id": p.id,
                    "sha": pl.sha,
                    "ref": pl.git_ref,
                    "status": pl.status,
                    "source": "push",
                    "created_at": time(Utc::now()),
                    "updated_at": time(Utc::now()),
                    "web_url": format!("{}/{}/-/pipelines/{}", call.base, p.path_with_namespace, pl.id),
                })
            })
            .collect();
        paginate(
            &call.base,
            &format!("/api/v4/projects/{}/pipelines", p.id),
            &q,
            items,
        )
    })
}

async fn tags(Path(project): Path<String>, Query(q): Q, call: Call) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        let items = project_tags(p)
            .into_iter()
            .map(|t| {
                let release = p
                    .releases
                    .iter()
                    .find(|r| r.tag == t.name)
                    .map(|r| json!({ "tag_name": r.tag, "description": r.description }));
                json!({
                    "name": t.name,
                    "message": "",
                    "target": t.sha,
                    "commit": commit_json(&t.sha),
                    "release": release,
                    "protected": false,
                    "created_at": null,
                })
            })
            .collect();
        paginate(
            &call.base,
            &format!("/api/v4/projects/{}/repository/tags", p.id),
            &q,
            items,
        )
    })
}

async fn member(Path((project, user_id)): Path<(String, u64)>, call: Call) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        match gl.projects[index].members.get(&user_id) {
            Some(level) => {
                let mut user = gl.user(user_id);
                user["access_level"] = json!(level);
                user["created_at"] = json!(time(Utc::now()));
                user["expires_at"] = Value::Null;
                axum::Json(user).into_response()
            }
            None => error(StatusCode::NOT_FOUND, "404 Not found"),
        }
    })
}

fn issue_json(state: &GitLabState, p: &Project, issue: &Issue, base: &str) -> Value {
    json!({
        "id": issue.id,
        "iid": issue.iid,
        "project_id": p.id,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "created_at": time(issue.created_at),
        "updated_at": time(issue.created_at),
        "closed_at": null,
        "labels": issue.labels,
        "author": state.user(issue.author_id),
        "assignees": [],
        "type": "ISSUE",
        "web_url": format!("{base}/{}/-/issues/{}", p.path_with_namespace, issue.iid),
    })
}

async fn list_issues(Path(project): Path<String>, Query(q): Q, call: Call) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        // GitLab searches title and description unless `in` narrows it; `state` defaults to all.
        let scope = q
            .get("in")
            .map(String::as_str)
            .unwrap_or("title,description");
        let created_after = match q
            .get("created_after")
            .map(|t| chrono::DateTime::parse_from_rfc3339(t))
        {
            Some(Ok(t)) => Some(t),
            Some(Err(_)) => return error(StatusCode::BAD_REQUEST, "created_after is invalid"),
            None => None,
        };
        let mut list: Vec<&Issue> = p
            .issues
            .iter()
            .filter(|i| {
                q.get("search").is_none_or(|s| {
                    (scope.contains("title") && i.title.contains(s.as_str()))
                        || (scope.contains("description") && i.description.contains(s.as_str()))
                })
            })
            .filter(|i| match q.get("state").map(String::as_str) {
                None | Some("all") => true,
                Some(state) => i.state == state,
            })
            .filter(|i| created_after.is_none_or(|t| i.created_at >= t))
            .collect();
        list.reverse();
        let items = list
            .iter()
            .map(|i| issue_json(gl, p, i, &call.base))
            .collect();
        paginate(
            &call.base,
            &format!("/api/v4/projects/{}/issues", p.id),
            &q,
            items,
        )
    })
}

async fn create_issue(Path(project): Path<String>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::role(access::GUEST),
        |gl, index, caller, body| {
            let Some(title) = body
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                return bad_request("title is missing");
            };
            let id = gl.next();
            let p = &mut gl.projects[index];
            let issue = Issue {
                id,
                iid: p.issues.len() as u64 + 1,
                title,
                description: body
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                labels: body
                    .get("labels")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                author_id: caller.user_id().unwrap_or(0),
                created_at: Utc::now(),
                state: "opened".into(),
            };
            p.issues.push(issue.clone());
            let p = &gl.projects[index];
            (
                StatusCode::CREATED,
                axum::Json(issue_json(gl, p, &issue, &call.base)),
            )
                .into_response()
        },
    )
}

fn release_json(state: &GitLabState, p: &Project, r: &Release, base: &str) -> Value {
    let web = format!("{base}/{}/-/releases/{}", p.path_with_namespace, r.tag);
    json!({
        "tag_name": r.tag,
        "name": r.name,
        "description": r.description,
        "created_at": time(r.created_at),
        "released_at": time(r.created_at),
        "upcoming_release": false,
        "author": state.user(r.author_id),
        "commit": commit_json(&r.sha),
        "commit_path": format!("/{}/-/commit/{}", p.path_with_namespace, r.sha),
        "tag_path": format!("/{}/-/tags/{}", p.path_with_namespace, r.tag),
        "assets": { "count": 0, "sources": [], "links": [] },
        "evidences": [],
        "_links": {
            "self": web,
            "edit_url": format!("{web}/edit"),
        },
    })
}

async fn release(Path((project, tag)): Path<(String, String)>, call: Call) -> Response {
    call.project(&project, Need::JOB_READ, |gl, index| {
        let p = &gl.projects[index];
        match p.releases.iter().find(|r| r.tag == tag) {
            Some(r) => axum::Json(release_json(gl, p, r, &call.base)).into_response(),
            None => error(StatusCode::NOT_FOUND, "404 Not Found"),
        }
    })
}

async fn create_release(Path(project): Path<String>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::job_role(access::DEVELOPER),
        |gl, index, caller, body| {
            let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_string);
            let Some(tag) = field("tag_name") else {
                return bad_request("tag_name is missing");
            };
            let p = &mut gl.projects[index];
            if p.releases.iter().any(|r| r.tag == tag) {
                return error(StatusCode::CONFLICT, "Release already exists");
            }
            let sha = match project_tags(p).into_iter().find(|t| t.name == tag) {
                Some(existing) => existing.sha,
                None => {
                    let Some(target) = field("ref") else {
                        return bad_request("Ref is not specified");
                    };
                    let Some(sha) = resolve(p, &target).or_else(|| {
                        (target.len() == 40 && p.repo.is_none()).then(|| target.clone())
                    }) else {
                        return bad_request("Ref is not specified or not found");
                    };
                    match &p.repo {
                        Some(repo) => {
                            if git(repo, &["tag", &tag, &sha]).is_none() {
                                return bad_request("Tag could not be created");
                            }
                        }
                        None => p.tags.push(Tag {
                            name: tag.clone(),
                            sha: sha.clone(),
                        }),
                    }
                    sha
                }
            };
            let release = Release {
                name: field("name").unwrap_or_else(|| tag.clone()),
                tag,
                description: field("description").unwrap_or_default(),
                sha,
                author_id: caller.user_id().unwrap_or(0),
                created_at: Utc::now(),
            };
            p.releases.push(release.clone());
            let p = &gl.projects[index];
            (
                StatusCode::CREATED,
                axum::Json(release_json(gl, p, &release, &call.base)),
            )
                .into_response()
        },
    )
}
