//! What every GitHub REST handler starts from: the steps before its own work (on [`Call`]), the
//! bot that acts for the token, and reading fields of a JSON body.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::Response;
use http::HeaderMap;
use serde_json::Value;

use crate::forge::Call;
use crate::forge::github::render::Urls;
use crate::forge::github::respond::{error, list, not_found};
use crate::forge::github::{GitHubState, Repo, guard};

/// A handler's query parameters.
pub(super) type Q = Query<HashMap<String, String>>;

/// Who the token acts as: what the fake records as the author of what a route creates.
pub(super) const BOT: &str = "github-actions[bot]";

/// The steps every REST route takes before its own work, in GitHub's order: the token checked
/// for the route's `permission` (401, 403), the body parsed when the route takes one (400), the
/// repository found (404, also for a private one asked without a token).
impl Call {
    /// A route that reads `owner/name`.
    pub(super) fn repo(
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
    pub(super) fn repo_mut(
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
    pub(super) fn repo_json(
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
    pub(super) fn repo_create(
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
    pub(super) fn urls(&self) -> Urls {
        Urls::new(&self.base)
    }

    /// A `200` list answer: the page `q` asks for, with GitHub's `Link` header.
    pub(super) fn page(&self, q: &HashMap<String, String>, items: Vec<Value>) -> Response {
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

pub(super) fn str_field<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field).and_then(Value::as_str)
}

pub(super) fn string_list(body: &Value, field: &str) -> Vec<String> {
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
