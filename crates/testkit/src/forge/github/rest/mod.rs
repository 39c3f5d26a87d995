//! The fake's GitHub REST routes, under `/api/v3`, one file per concept; shared helpers here.

mod deployments;
mod issues;
mod pulls;
mod repo;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::{get, patch, post};
use http::HeaderMap;
use serde_json::{Value, json};

use super::render::{self, Urls};
use super::respond::{self, error, json_response, list, not_found, validation};
use super::{
    Comment, Deployment, DeploymentStatus, GitHubState, Issue, Pull, Release, Repo, guard,
};
use crate::forge::{Call, Shared};
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

/// The steps every REST route takes before its own work, in GitHub's order: the token checked
/// for the route's `permission` (401, 403), the body parsed when the route takes one (400), the
/// repository found (404, also for a private one asked without a token).
impl Call {
    /// A route that reads `owner/name`.
    fn repo(
        &self,
        owner: &str,
        name: &str,
        permission: &str,
        answer: impl FnOnce(&Repo) -> Response,
    ) -> Response {
        self.repo_with(owner, name, permission, Takes::Nothing, |repo, _, _| {
            answer(repo)
        })
    }

    /// A route that changes `owner/name` and takes no body.
    fn repo_mut(
        &self,
        owner: &str,
        name: &str,
        permission: &str,
        answer: impl FnOnce(&mut Repo) -> Response,
    ) -> Response {
        self.repo_with(owner, name, permission, Takes::Nothing, |repo, _, _| {
            answer(repo)
        })
    }

    /// A route that changes `owner/name` as its JSON body says.
    fn repo_json(
        &self,
        owner: &str,
        name: &str,
        permission: &str,
        answer: impl FnOnce(&mut Repo, Value) -> Response,
    ) -> Response {
        self.repo_with(owner, name, permission, Takes::Body, |repo, body, _| {
            answer(repo, body)
        })
    }

    /// A route that creates something in `owner/name` from its JSON body: `answer` also gets the
    /// new object's id, taken before the repository is looked up.
    fn repo_create(
        &self,
        owner: &str,
        name: &str,
        permission: &str,
        answer: impl FnOnce(&mut Repo, Value, u64) -> Response,
    ) -> Response {
        self.repo_with(
            owner,
            name,
            permission,
            Takes::BodyAndId,
            |repo, body, id| answer(repo, body, id.unwrap_or_default()),
        )
    }

    fn repo_with(
        &self,
        owner: &str,
        name: &str,
        permission: &str,
        takes: Takes,
        answer: impl FnOnce(&mut Repo, Value, Option<u64>) -> Response,
    ) -> Response {
        let mut st = self.state();
        if let Err(response) = guard(&st.github, &self.headers, permission) {
            return *response;
        }
        let body = if takes != Takes::Nothing {
            match serde_json::from_slice(&self.body) {
                Ok(body) => body,
                Err(_) => return error(400, "Problems parsing JSON"),
            }
        } else {
            Value::Null
        };
        let id = (takes == Takes::BodyAndId).then(|| st.github.next_id());
        match find_mut(&mut st.github, owner, name, &self.headers) {
            Some(repo) => answer(repo, body, id),
            None => not_found(),
        }
    }

    /// The URLs answers carry.
    fn urls(&self) -> Urls {
        Urls::new(&self.base)
    }

    /// A `200` list answer: the page `q` asks for, with GitHub's `Link` header.
    fn page(&self, q: &HashMap<String, String>, items: Vec<Value>) -> Response {
        list(&self.uri, &self.base, q, items)
    }
}

/// What a route takes besides the repository.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Takes {
    Nothing,
    /// A JSON body.
    Body,
    /// A JSON body and an id for what it creates.
    BodyAndId,
}

/// The repository, unless it is unknown or private and the request has no token (404 both).
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
