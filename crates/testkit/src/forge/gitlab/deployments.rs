//! Deployments and environments, with GitLab's deployment state machine: `run` only from
//! `created`, `succeed`/`drop`/`cancel` from any other state, and deployments owned by a CI job
//! refused to the API (GitLab moves them from the job's result).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use chrono::Utc;
use http::StatusCode;
use serde_json::{Value, json};

use super::route::Caller;
use super::route::{Need, bad_request, error, paginate, role_of, time};
use super::{Deployment, GitLabState, access};
use crate::forge::{Call, Shared};

type Q = Query<HashMap<String, String>>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/api/v4/projects/{project}/deployments",
            get(list).post(create),
        )
        .route(
            "/api/v4/projects/{project}/deployments/{id}",
            get(show).put(update),
        )
        .route(
            "/api/v4/projects/{project}/environments",
            get(list_environments),
        )
        .route(
            "/api/v4/projects/{project}/environments/{id}",
            put(update_environment),
        )
}

fn environment_json(state: &GitLabState, index: usize, env_id: u64) -> Value {
    let project = &state.projects[index];
    let env = project.environments.iter().find(|e| e.id == env_id);
    match env {
        Some(env) => json!({
            "id": env.id,
            "name": env.name,
            "slug": env.name.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
            "external_url": env.external_url,
            "state": "available",
            "tier": if env.name.contains("prod") { "production" } else { "other" },
            "created_at": time(env.created_at),
            "updated_at": time(env.created_at),
        }),
        None => Value::Null,
    }
}

fn deployment_json(state: &GitLabState, index: usize, d: &Deployment, base: &str) -> Value {
    let project = &state.projects[index];
    let deployable = d.job_id.map(|job| {
        json!({
            "id": job,
            "status": match d.status.as_str() {
                "running" => "running",
                "success" => "success",
                "failed" => "failed",
                "canceled" => "canceled",
                _ => "created",
            },
            "stage": "deploy",
            "name": "deploy",
            "ref": d.git_ref,
            "tag": d.tag,
            "coverage": null,
            "created_at": time(d.created_at),
            "started_at": time(d.created_at),
            "finished_at": d.finished_at.map(time),
            "duration": null,
            "user": state.user(d.user_id),
            "commit": { "id": d.sha, "short_id": &d.sha[..d.sha.len().min(8)] },
            "pipeline": { "id": job, "sha": d.sha, "ref": d.git_ref, "status": "running" },
            "web_url": format!("{base}/{}/-/jobs/{job}", project.path_with_namespace),
            "artifacts": [],
            "runner": null,
            "artifacts_expire_at": null,
        })
    });
    json!({
        "id": d.id,
        "iid": d.iid,
        "ref": d.git_ref,
        "sha": d.sha,
        "created_at": time(d.created_at),
        "updated_at": time(d.updated_at),
        "finished_at": d.finished_at.map(time),
        "status": d.status,
        "user": state.user(d.user_id),
        "environment": environment_json(state, index, d.environment_id),
        "deployable": deployable,
    })
}

/// GitLab's deployment state machine: whether `from` may move to `to`.
/// Whether the caller may deploy to `environment`: a protected environment admits only the
/// roles it names (whatever the token, a job token acting as its user included).
fn may_deploy(gl: &GitLabState, index: usize, caller: Caller, environment: &str) -> bool {
    gl.projects[index]
        .protected_environments
        .get(environment)
        .is_none_or(|least| role_of(gl, index, caller) >= *least)
}

fn transition_allowed(from: &str, to: &str) -> bool {
    match to {
        "running" => from == "created",
        "success" | "failed" | "canceled" => from != to,
        _ => false,
    }
}

async fn list(Path(project): Path<String>, Query(q): Q, call: Call) -> Response {
    call.project(&project, Need::JOB_READ, |gl, index| {
        let p = &gl.projects[index];
        let env_id = match q.get("environment") {
            Some(name) => match p.environment(name) {
                Some(env) => Some(env.id),
                None => return paginate(&call.base, "/api/v4/deployments", &q, Vec::new()),
            },
            None => None,
        };
        let mut list: Vec<&Deployment> = p
            .deployments
            .iter()
            .filter(|d| env_id.is_none_or(|id| d.environment_id == id))
            .filter(|d| q.get("status").is_none_or(|s| d.status == *s))
            .collect();
        match q.get("order_by").map(String::as_str).unwrap_or("id") {
            "id" | "iid" => list.sort_by_key(|d| d.id),
            "created_at" => list.sort_by_key(|d| (d.created_at, d.id)),
            "updated_at" => list.sort_by_key(|d| (d.updated_at, d.id)),
            "ref" => list.sort_by(|a, b| a.git_ref.cmp(&b.git_ref)),
            other => return bad_request(&format!("order_by does not have a valid value: {other}")),
        }
        if q.get("sort").map(String::as_str) == Some("desc") {
            list.reverse();
        }
        let items = list
            .iter()
            .map(|d| deployment_json(gl, index, d, &call.base))
            .collect();
        paginate(
            &call.base,
            &format!("/api/v4/projects/{}/deployments", p.id),
            &q,
            items,
        )
    })
}

async fn show(Path((project, id)): Path<(String, u64)>, call: Call) -> Response {
    call.project(&project, Need::JOB_READ, |gl, index| {
        match gl.projects[index].deployments.iter().find(|d| d.id == id) {
            Some(d) => axum::Json(deployment_json(gl, index, d, &call.base)).into_response(),
            None => error(StatusCode::NOT_FOUND, "404 Not found"),
        }
    })
}

async fn create(Path(project): Path<String>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::job_role(access::DEVELOPER),
        |gl, index, caller, body| {
            let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_string);
            let (Some(environment), Some(sha), Some(git_ref), Some(status)) = (
                field("environment"),
                field("sha"),
                field("ref"),
                field("status"),
            ) else {
                return bad_request("environment, sha, ref, status are missing");
            };
            let Some(tag) = body.get("tag").and_then(Value::as_bool) else {
                return bad_request("tag is missing");
            };
            if !["running", "success", "failed", "canceled"].contains(&status.as_str()) {
                return bad_request("status does not have a valid value");
            }
            if !may_deploy(gl, index, caller, &environment) {
                return error(StatusCode::FORBIDDEN, "403 Forbidden");
            }
            let id = gl.next();
            let mut next_id = gl.next_id;
            let p = &mut gl.projects[index];
            let environment_id = p.environment_id(&environment, &mut next_id);
            let now = Utc::now();
            let deployment = Deployment {
                id,
                iid: p.deployments.len() as u64 + 1,
                environment_id,
                sha,
                git_ref,
                tag,
                finished_at: (status != "running").then_some(now),
                status,
                user_id: caller.user_id().unwrap_or(0),
                job_id: None,
                created_at: now,
                updated_at: now,
            };
            p.deployments.push(deployment.clone());
            gl.next_id = next_id;
            (
                StatusCode::CREATED,
                axum::Json(deployment_json(gl, index, &deployment, &call.base)),
            )
                .into_response()
        },
    )
}

async fn update(Path((project, id)): Path<(String, u64)>, call: Call) -> Response {
    call.project_json(&project, Need::job_role(access::DEVELOPER), |gl, index, caller, body| {
        let Some(status) = body.get("status").and_then(Value::as_str) else {
            return bad_request("status is missing");
        };
        if !["running", "success", "failed", "canceled"].contains(&status) {
            return bad_request("status does not have a valid value");
        }
        let environment = gl.projects[index]
            .deployments
            .iter()
            .find(|d| d.id == id)
            .and_then(|d| {
                let p = &gl.projects[index];
                p.environments.iter().find(|e| e.id == d.environment_id)
            })
            .map(|e| e.name.clone());
        if let Some(environment) = environment
            && !may_deploy(gl, index, caller, &environment)
        {
            return error(StatusCode::FORBIDDEN, "403 Forbidden");
        }
        let Some(d) = gl.projects[index]
            .deployments
            .iter_mut()
            .find(|d| d.id == id)
        else {
            return error(StatusCode::NOT_FOUND, "404 Not found");
        };
        if d.job_id.is_some() {
            return error(
                StatusCode::FORBIDDEN,
                "403 Forbidden - Deployments created using GitLab CI can not be updated using the API",
            );
        }
        if !transition_allowed(&d.status, status) {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({ "message": { "status": [format!("cannot transition via \"{status}\"")] } }),
                ),
            )
                .into_response();
        }
        let now = Utc::now();
        d.status = status.to_string();
        d.updated_at = now;
        if status != "running" {
            d.finished_at = Some(now);
        }
        let d = d.clone();
        axum::Json(deployment_json(gl, index, &d, &call.base)).into_response()
    })
}

async fn list_environments(Path(project): Path<String>, Query(q): Q, call: Call) -> Response {
    call.project(&project, Need::JOB_READ, |gl, index| {
        let p = &gl.projects[index];
        let items = p
            .environments
            .iter()
            .map(|e| environment_json(gl, index, e.id))
            .collect();
        paginate(
            &call.base,
            &format!("/api/v4/projects/{}/environments", p.id),
            &q,
            items,
        )
    })
}

async fn update_environment(Path((project, id)): Path<(String, u64)>, call: Call) -> Response {
    call.project_json(
        &project,
        Need::job_role(access::DEVELOPER),
        |gl, index, _, body| {
            let Some(env) = gl.projects[index]
                .environments
                .iter_mut()
                .find(|e| e.id == id)
            else {
                return error(StatusCode::NOT_FOUND, "404 Environment Not Found");
            };
            if let Some(url) = body.get("external_url").and_then(Value::as_str) {
                env.external_url = Some(url.to_string());
            }
            axum::Json(environment_json(gl, index, id)).into_response()
        },
    )
}
