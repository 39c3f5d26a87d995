//! Branches and the commit revert API, done for real in the project's backing bare repository:
//! `POST /repository/branches`, `GET`/`DELETE /repository/branches/:branch`, and
//! `POST /repository/commits/:sha/revert` with `dry_run` (GitLab answers `{"dry_run":"success"}`
//! without committing) and the `400` with `error_code` GitLab sends when a revert conflicts or
//! changes nothing.
//!
//! Writes to a branch need push access to it (GitLab's `authorize_push_to_branch!`, which the
//! revert API runs before looking at `dry_run`): a protected branch refuses roles below its push
//! level with 403. A push made here starts a pipeline when the project has CI configured
//! ([`super::Project::ci_on_push`]).

use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use serde_json::{Value, json};

use super::access;
use super::route::{JobTokenAccess, Need, authorize, body_json, error, or_respond, role_of};
use crate::forge::{Call, Shared};

type Q = Query<HashMap<String, String>>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/api/v4/projects/{project}/repository/branches",
            post(create_branch),
        )
        .route(
            "/api/v4/projects/{project}/repository/branches/{*branch}",
            get(get_branch).delete(delete_branch),
        )
        .route(
            "/api/v4/projects/{project}/repository/commits/{sha}/revert",
            post(revert),
        )
}

fn git(repo: &FsPath, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "GitLab")
        .env("GIT_AUTHOR_EMAIL", "gitlab@example.com")
        .env("GIT_COMMITTER_NAME", "GitLab")
        .env("GIT_COMMITTER_EMAIL", "gitlab@example.com")
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn branch_json(name: &str, sha: &str, default: bool) -> Value {
    json!({
        "name": name,
        "merged": false,
        "protected": default,
        "default": default,
        "developers_can_push": false,
        "developers_can_merge": false,
        "can_push": true,
        "web_url": format!("https://gitlab.example/-/tree/{name}"),
        "commit": { "id": sha, "short_id": &sha[..sha.len().min(8)] },
    })
}

/// The backing repository and default branch of the project, after the write check.
fn project_repo(
    call: &Call,
    project: &str,
    min_role: Option<u32>,
) -> Result<(PathBuf, String), Response> {
    project_repo_pushing(call, project, min_role, None)
}

/// Like [`project_repo`], and refuses (403) a caller who may not push to `branch`.
fn project_repo_pushing(
    call: &Call,
    project: &str,
    min_role: Option<u32>,
    branch: Option<&str>,
) -> Result<(PathBuf, String), Response> {
    let state = call.state();
    let gl = &state.gitlab;
    let (index, caller) = authorize(
        gl,
        &call.headers,
        project,
        Need {
            job: JobTokenAccess::Refused,
            role: min_role,
        },
    )?;
    let p = &gl.projects[index];
    if let Some(branch) = branch
        && !p.can_push(branch, role_of(gl, index, caller))
    {
        return Err(error(
            StatusCode::FORBIDDEN,
            "403 Forbidden - You are not allowed to push into this branch",
        ));
    }
    let repo = p.repo.clone().ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "404 the fake project has no backing repository",
        )
    })?;
    Ok((repo, p.default_branch.clone()))
}

/// Starts the pipeline GitLab runs for a push of `sha` to `branch`, when the project has CI.
fn pipeline_for_push(call: &Call, project: &str, branch: &str, sha: &str) {
    let mut state = call.state();
    let gl = &mut state.gitlab;
    let Some(status) = gl.project(project).and_then(|p| p.ci_on_push.clone()) else {
        return;
    };
    let key = gl
        .project(project)
        .map(|p| p.id.to_string())
        .unwrap_or_default();
    gl.add_pipeline(&key, sha, branch, &status);
}

async fn create_branch(Path(project): Path<String>, Query(q): Q, call: Call) -> Response {
    or_respond!(project_repo(&call, &project, Some(access::DEVELOPER)));
    let body: Value = body_json(&call.body).unwrap_or(Value::Null);
    let field = |k: &str| {
        q.get(k)
            .cloned()
            .or_else(|| body.get(k).and_then(Value::as_str).map(str::to_string))
    };
    let (Some(branch), Some(from)) = (field("branch"), field("ref")) else {
        return error(
            StatusCode::BAD_REQUEST,
            "400 (Bad request) \"branch\" not given",
        );
    };
    let (repo, _) = or_respond!(project_repo_pushing(
        &call,
        &project,
        Some(access::DEVELOPER),
        Some(&branch)
    ));
    if git(
        &repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
    )
    .is_ok()
    {
        return error(StatusCode::BAD_REQUEST, "Branch already exists");
    }
    let Ok(sha) = git(
        &repo,
        &["rev-parse", "--verify", &format!("{from}^{{commit}}")],
    ) else {
        return error(StatusCode::BAD_REQUEST, "Invalid reference name");
    };
    if let Err(e) = git(
        &repo,
        &["update-ref", &format!("refs/heads/{branch}"), &sha],
    ) {
        return error(StatusCode::BAD_REQUEST, &e);
    }
    pipeline_for_push(&call, &project, &branch, &sha);
    (
        StatusCode::CREATED,
        axum::Json(branch_json(&branch, &sha, false)),
    )
        .into_response()
}

async fn get_branch(Path((project, branch)): Path<(String, String)>, call: Call) -> Response {
    let (repo, default) = or_respond!(project_repo(&call, &project, None));
    match git(
        &repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
    ) {
        Ok(sha) => axum::Json(branch_json(&branch, &sha, branch == default)).into_response(),
        Err(_) => error(StatusCode::NOT_FOUND, "404 Branch Not Found"),
    }
}

async fn delete_branch(Path((project, branch)): Path<(String, String)>, call: Call) -> Response {
    let (repo, default) = or_respond!(project_repo(&call, &project, Some(access::DEVELOPER)));
    if branch == default {
        return error(
            StatusCode::BAD_REQUEST,
            "The default branch of a project cannot be deleted.",
        );
    }
    match git(
        &repo,
        &["update-ref", "-d", &format!("refs/heads/{branch}")],
    ) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => error(StatusCode::NOT_FOUND, "404 Branch Not Found"),
    }
}

async fn revert(Path((project, sha)): Path<(String, String)>, call: Call) -> Response {
    or_respond!(project_repo(&call, &project, Some(access::DEVELOPER)));
    let body: Value = or_respond!(body_json(&call.body));
    let Some(branch) = body.get("branch").and_then(Value::as_str) else {
        return error(
            StatusCode::BAD_REQUEST,
            "400 (Bad request) \"branch\" not given",
        );
    };
    let (repo, _) = or_respond!(project_repo_pushing(
        &call,
        &project,
        Some(access::DEVELOPER),
        Some(branch)
    ));
    let dry_run = body
        .get("dry_run")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Ok(commit) = git(
        &repo,
        &["rev-parse", "--verify", &format!("{sha}^{{commit}}")],
    ) else {
        return error(StatusCode::NOT_FOUND, "404 Commit Not Found");
    };
    let Ok(tip) = git(
        &repo,
        &["rev-parse", "--verify", &format!("refs/heads/{branch}")],
    ) else {
        return error(StatusCode::NOT_FOUND, "404 Branch Not Found");
    };
    let parents = git(&repo, &["log", "-1", "--format=%P", &commit]).unwrap_or_default();
    let merge = parents.split_whitespace().count() > 1;
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let tree = tmp.path().join("tree");
    let tree_str = tree.to_string_lossy().to_string();
    if let Err(e) = git(&repo, &["worktree", "add", "--detach", &tree_str, &tip]) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, &e);
    }
    let mut args = vec!["revert", "--no-edit"];
    if merge {
        args.extend(["-m", "1"]);
    }
    args.push(&commit);
    let outcome = std::process::Command::new("git")
        .arg("-C")
        .arg(&tree)
        .args(&args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "GitLab")
        .env("GIT_AUTHOR_EMAIL", "gitlab@example.com")
        .env("GIT_COMMITTER_NAME", "GitLab")
        .env("GIT_COMMITTER_EMAIL", "gitlab@example.com")
        .output();
    let new_head = std::process::Command::new("git")
        .arg("-C")
        .arg(&tree)
        .args(["rev-parse", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let _ = git(&repo, &["worktree", "remove", "--force", &tree_str]);
    let _ = git(&repo, &["worktree", "prune"]);
    let ok = outcome.as_ref().is_ok_and(|o| o.status.success());
    if !ok || new_head == tip {
        let empty = new_head == tip
            && outcome.as_ref().is_ok_and(|o| {
                let text = String::from_utf8_lossy(&o.stdout) + String::from_utf8_lossy(&o.stderr);
                text.contains("nothing to commit")
            });
        let (code, message) = if empty {
            (
                "empty",
                "Sorry, we cannot revert this commit automatically. This commit may already have been reverted, or a more recent commit may have updated some of its content.",
            )
        } else {
            (
                "conflict",
                "Sorry, we cannot revert this commit automatically. This commit may already have been reverted, or a more recent commit may have updated some of its content.",
            )
        };
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "message": message, "error_code": code })),
        )
            .into_response();
    }
    if dry_run {
        return axum::Json(json!({ "dry_run": "success" })).into_response();
    }
    if let Err(e) = git(
        &repo,
        &[
            "update-ref",
            &format!("refs/heads/{branch}"),
            &new_head,
            &tip,
        ],
    ) {
        return error(StatusCode::CONFLICT, &e);
    }
    pipeline_for_push(&call, &project, branch, &new_head);
    let message = git(&repo, &["log", "-1", "--format=%B", &new_head]).unwrap_or_default();
    let title = message.lines().next().unwrap_or_default().to_string();
    (
        StatusCode::CREATED,
        axum::Json(json!({
            "id": new_head,
            "short_id": &new_head[..new_head.len().min(8)],
            "title": title,
            "message": message,
            "parent_ids": [tip],
            "author_name": "GitLab",
            "author_email": "gitlab@example.com",
        })),
    )
        .into_response()
}
