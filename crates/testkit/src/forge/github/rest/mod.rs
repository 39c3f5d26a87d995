//! The fake's GitHub REST routes, under `/api/v3`, one file per concept; shared helpers here.

macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(response) => return *response,
        }
    };
}

macro_rules! repo_or_404 {
    ($e:expr) => {
        match $e {
            Some(v) => v,
            None => return not_found(),
        }
    };
}

mod deployments;
mod issues;
mod pulls;
mod repo;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, patch, post};
use http::{HeaderMap, Uri};
use serde_json::{Value, json};

use super::render::{self, Urls};
use super::respond::{self, error, json_response, list, not_found, validation};
use super::{
    Comment, Deployment, DeploymentStatus, GitHubState, Issue, Pull, Release, Repo, guard,
};
use crate::forge::Shared;
type S = State<Arc<Shared>>;
type Q = Query<HashMap<String, String>>;

const BOT: &str = "github-actions[bot]";

pub fn routes() -> Router<Arc<Shared>> {
    let r = "/api/v3/repos/{owner}/{repo}";
    Router::new()
        .route(
            &format!("{r}/issues/{{number}}/comments"),
            get(issues::list_comments).post(issues::create_comment),
        )
        .route(
            &format!("{r}/issues/comments/{{id}}"),
            patch(issues::update_comment),
        )
        .route(
            &format!("{r}/issues"),
            get(issues::list_issues).post(issues::create_issue),
        )
        .route(
            &format!("{r}/issues/{{number}}/labels"),
            post(issues::add_labels),
        )
        .route(
            &format!("{r}/issues/{{number}}/labels/{{label}}"),
            axum::routing::delete(issues::remove_label),
        )
        .route(
            &format!("{r}/pulls"),
            get(pulls::list_pulls).post(pulls::create_pull),
        )
        .route(&format!("{r}/pulls/{{number}}"), get(pulls::get_pull))
        .route(
            &format!("{r}/pulls/{{number}}/requested_reviewers"),
            post(pulls::request_reviewers),
        )
        .route(
            &format!("{r}/deployments"),
            get(deployments::list_deployments).post(deployments::create_deployment),
        )
        .route(
            &format!("{r}/deployments/{{id}}"),
            get(deployments::get_deployment),
        )
        .route(
            &format!("{r}/deployments/{{id}}/statuses"),
            get(deployments::list_statuses).post(deployments::create_status),
        )
        .route(
            &format!("{r}/commits/{{git_ref}}/status"),
            get(repo::combined_status),
        )
        .route(
            &format!("{r}/commits/{{git_ref}}/check-runs"),
            get(repo::check_runs),
        )
        .route(
            &format!("{r}/collaborators/{{user}}/permission"),
            get(repo::permission),
        )
        .route(&format!("{r}/tags"), get(repo::tags))
        .route(
            &format!("{r}/releases/tags/{{tag}}"),
            get(repo::release_by_tag),
        )
        .route(&format!("{r}/releases"), post(repo::create_release))
}

/// The repository, unless it is unknown or private and the request has no token (404 both).
fn find<'a>(gh: &'a GitHubState, owner: &str, name: &str, headers: &HeaderMap) -> Option<&'a Repo> {
    let repo = gh.repos.get(&format!("{owner}/{name}"))?;
    if repo.private && !headers.contains_key(http::header::AUTHORIZATION) {
        return None;
    }
    Some(repo)
}

fn find_mut<'a>(
    gh: &'a mut GitHubState,
    owner: &str,
    name: &str,
    headers: &HeaderMap,
) -> Option<&'a mut Repo> {
    let repo = gh.repos.get_mut(&format!("{owner}/{name}"))?;
    if repo.private && !headers.contains_key(http::header::AUTHORIZATION) {
        return None;
    }
    Some(repo)
}

fn parse_body(body: &Bytes) -> Result<Value, Box<Response>> {
    serde_json::from_slice(body).map_err(|_| Box::new(error(400, "Problems parsing JSON")))
}

fn str_field<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field).and_then(Value::as_str)
}

fn string_list(body: &Value, field: &str) -> Vec<String> {
    body.get(field)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().or_else(|| v.get("name")?.as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
