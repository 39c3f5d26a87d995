//! Deployments and deployment statuses (GitHub semantics: auto-merge 202, required contexts 409, `auto_inactive`).

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::response::Response;
use serde_json::{Value, json};

use super::route::{BOT, Q, str_field, string_list};
use crate::forge::Call;
use crate::forge::github::render;
use crate::forge::github::respond::{self, json_response, not_found, validation};
use crate::forge::github::{Deployment, DeploymentStatus};

pub(super) async fn list_deployments(
    Path((owner, name)): Path<(String, String)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "deployments=read", |repo| {
        let urls = call.urls();
        let matches = |d: &&Deployment| {
            q.get("sha").is_none_or(|v| *v == d.sha)
                && q.get("ref").is_none_or(|v| *v == d.git_ref)
                && q.get("environment").is_none_or(|v| *v == d.environment)
                && q.get("task").is_none_or(|v| *v == d.task)
        };
        let items = repo
            .deployments
            .iter()
            .rev()
            .filter(matches)
            .map(|d| render::deployment(repo, d, &urls))
            .collect();
        call.page(&q, items)
    })
}

pub(super) async fn create_deployment(
    Path((owner, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.repo_create(&owner, &name, "deployments=write", |repo, body, id| {
        let Some(git_ref) = str_field(&body, "ref").filter(|r| !r.is_empty()) else {
            return validation("Deployment", "ref", "missing_field", None);
        };
        let Some(sha) = repo.resolve(git_ref) else {
            let message = format!("No ref found for: {git_ref}");
            return validation("Deployment", "ref", "invalid", Some(&message));
        };
        let auto_merge = body
            .get("auto_merge")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if auto_merge && repo.auto_merge_refs.contains(git_ref) {
            let message = format!(
                "Auto-merged {} into {git_ref} on deployment.",
                repo.default_branch
            );
            return json_response(202, json!({ "message": message }));
        }
        // GitHub verifies the listed contexts (all contexts when the field is absent).
        let latest_by_context = {
            let mut latest: HashMap<&str, &str> = HashMap::new();
            for s in repo.commit_statuses.iter().filter(|s| s.sha == sha) {
                latest.insert(&s.context, &s.state);
            }
            latest
        };
        let required: Vec<String> = match body.get("required_contexts") {
            Some(Value::Array(_)) => string_list(&body, "required_contexts"),
            _ => latest_by_context.keys().map(|k| k.to_string()).collect(),
        };
        let failing: Vec<&String> = required
            .iter()
            .filter(|c| latest_by_context.get(c.as_str()) != Some(&"success"))
            .collect();
        if !failing.is_empty() {
            let message = format!("Conflict: Commit status checks failed for {git_ref}.");
            return json_response(
                409,
                json!({ "message": message, "documentation_url": "https://docs.github.com/rest" }),
            );
        }
        let payload = match body.get("payload") {
            Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
            Some(v @ Value::Object(_)) => v.clone(),
            _ => json!({}),
        };
        let environment = str_field(&body, "environment").unwrap_or("production");
        let deployment = Deployment {
            id,
            sha,
            git_ref: git_ref.into(),
            task: str_field(&body, "task").unwrap_or("deploy").into(),
            environment: environment.into(),
            description: str_field(&body, "description").unwrap_or_default().into(),
            payload,
            creator: BOT.into(),
            transient_environment: body
                .get("transient_environment")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            production_environment: body
                .get("production_environment")
                .and_then(Value::as_bool)
                .unwrap_or(environment == "production"),
            created_at: respond::now(),
            statuses: Vec::new(),
        };
        let rendered = render::deployment(repo, &deployment, &call.urls());
        repo.deployments.push(deployment);
        json_response(201, rendered)
    })
}

pub(super) async fn get_deployment(
    Path((owner, name, id)): Path<(String, String, u64)>,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "deployments=read", |repo| {
        match repo.deployments.iter().find(|d| d.id == id) {
            Some(d) => json_response(200, render::deployment(repo, d, &call.urls())),
            None => not_found(),
        }
    })
}

pub(super) async fn list_statuses(
    Path((owner, name, id)): Path<(String, String, u64)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "deployments=read", |repo| {
        let Some(d) = repo.deployments.iter().find(|d| d.id == id) else {
            return not_found();
        };
        let urls = call.urls();
        let items = d
            .statuses
            .iter()
            .rev()
            .map(|s| render::deployment_status(repo, d, s, &urls))
            .collect();
        call.page(&q, items)
    })
}

const STATES: &[&str] = &[
    "error",
    "failure",
    "inactive",
    "in_progress",
    "queued",
    "pending",
    "success",
];

pub(super) async fn create_status(
    Path((owner, name, id)): Path<(String, String, u64)>,
    call: Call,
) -> Response {
    call.repo_create(
        &owner,
        &name,
        "deployments=write",
        |repo, body, status_id| {
            let first_inactive_id = status_id * 1000;
            let Some(index) = repo.deployments.iter().position(|d| d.id == id) else {
                return not_found();
            };
            let state = str_field(&body, "state").unwrap_or_default();
            if !STATES.contains(&state) {
                return validation("DeploymentStatus", "state", "invalid", None);
            }
            let description = str_field(&body, "description").unwrap_or_default();
            if description.chars().count() > 140 {
                return validation("DeploymentStatus", "description", "invalid", None);
            }
            let now = respond::now();
            let status = DeploymentStatus {
                id: status_id,
                state: state.into(),
                description: description.into(),
                environment_url: str_field(&body, "environment_url")
                    .unwrap_or_default()
                    .into(),
                log_url: str_field(&body, "log_url")
                    .or_else(|| str_field(&body, "target_url"))
                    .unwrap_or_default()
                    .into(),
                creator: BOT.into(),
                created_at: now.clone(),
            };
            let auto_inactive = body
                .get("auto_inactive")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            if auto_inactive && state == "success" {
                // GitHub: prior non-transient, non-production deployments of the same environment whose
                // latest state is success get an `inactive` status.
                let environment = repo.deployments[index].environment.clone();
                let mut next = first_inactive_id;
                for other in repo.deployments[..index].iter_mut() {
                    if other.environment == environment
                        && !other.transient_environment
                        && !other.production_environment
                        && other.latest_state() == Some("success")
                    {
                        next += 1;
                        other.statuses.push(DeploymentStatus {
                            id: next,
                            state: "inactive".into(),
                            creator: BOT.into(),
                            created_at: now.clone(),
                            ..DeploymentStatus::default()
                        });
                    }
                }
            }
            repo.deployments[index].statuses.push(status.clone());
            let d = &repo.deployments[index];
            json_response(
                201,
                render::deployment_status(repo, d, &status, &call.urls()),
            )
        },
    )
}
