//! What every GitLab route does besides its own work: who is calling and whether the route lets
//! them (the steps on [`Call`]), GitLab's error bodies, its time format, the JSON body and
//! pagination headers.

use std::collections::HashMap;

use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Value, json};

use super::GitLabState;
use crate::forge::Call;

/// Who is calling.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Caller {
    /// An access token's user.
    User(u64),
    /// A job token of a job in project `project_id`.
    Job { user_id: u64, project_id: u64 },
    /// No token.
    Anonymous,
}

impl Caller {
    pub(super) fn user_id(self) -> Option<u64> {
        match self {
            Caller::User(id) | Caller::Job { user_id: id, .. } => Some(id),
            Caller::Anonymous => None,
        }
    }
}

/// What an endpoint lets a job token do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobTokenAccess {
    Allowed,
    Refused,
}

/// What a route asks of its caller: whether a job token may call it, and the least role.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Need {
    pub(crate) job: JobTokenAccess,
    pub(crate) role: Option<u32>,
}

impl Need {
    /// A read a job token may not make.
    pub(crate) const READ: Need = Need {
        job: JobTokenAccess::Refused,
        role: None,
    };
    /// A read a job token may make too.
    pub(crate) const JOB_READ: Need = Need {
        job: JobTokenAccess::Allowed,
        role: None,
    };

    /// A call that needs `role` on the project and is refused to job tokens.
    pub(crate) const fn role(role: u32) -> Need {
        Need {
            job: JobTokenAccess::Refused,
            role: Some(role),
        }
    }

    /// A call that needs `role` on the project, a job token's included.
    pub(crate) const fn job_role(role: u32) -> Need {
        Need {
            job: JobTokenAccess::Allowed,
            role: Some(role),
        }
    }
}

/// Unwraps one step of a handler, or answers with the step's error response: every route
/// authorises and parses the same way, and handlers answer a `Response` either way.
macro_rules! or_respond {
    ($step:expr) => {
        match $step {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}
pub(crate) use or_respond;

/// Authenticates the request and finds the project; checks what the route needs.
pub(crate) fn authorize(
    state: &GitLabState,
    headers: &HeaderMap,
    project_key: &str,
    need: Need,
) -> Result<(usize, Caller), Response> {
    let Need {
        job,
        role: min_role,
    } = need;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let caller = if let Some(token) = header("private-token") {
        match state.tokens.get(token) {
            Some(user) => Caller::User(*user),
            None => return Err(error(StatusCode::UNAUTHORIZED, "401 Unauthorized")),
        }
    } else if let Some(token) = header("job-token") {
        match state.job_tokens.get(token) {
            Some(job) => Caller::Job {
                user_id: job.user_id,
                project_id: job.project_id,
            },
            None => return Err(error(StatusCode::UNAUTHORIZED, "401 Unauthorized")),
        }
    } else {
        Caller::Anonymous
    };
    let index = state
        .projects
        .iter()
        .position(|p| p.path_with_namespace == project_key || p.id.to_string() == project_key)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "404 Project Not Found"))?;
    let project = &state.projects[index];
    if let Caller::Job { project_id, .. } = caller
        && project_id != project.id
        && !project.job_token_allowlist.contains(&project_id)
    {
        // Not on the allowlist: GitLab hides the project from the job token.
        return Err(error(StatusCode::NOT_FOUND, "404 Project Not Found"));
    }
    if matches!(caller, Caller::Job { .. }) && job == JobTokenAccess::Refused {
        return Err(error(StatusCode::FORBIDDEN, "403 Forbidden"));
    }
    let role = caller
        .user_id()
        .and_then(|u| project.members.get(&u).copied());
    match (caller, role) {
        (Caller::Anonymous, _) if min_role.is_some() => {
            return Err(error(StatusCode::UNAUTHORIZED, "401 Unauthorized"));
        }
        (Caller::Anonymous, _) if !project.public => {
            return Err(error(StatusCode::NOT_FOUND, "404 Project Not Found"));
        }
        (Caller::Anonymous, _) => {}
        (_, None) if !project.public => {
            return Err(error(StatusCode::NOT_FOUND, "404 Project Not Found"));
        }
        (_, role) => {
            if min_role.is_some_and(|min| role.unwrap_or(0) < min) {
                return Err(error(StatusCode::FORBIDDEN, "403 Forbidden"));
            }
        }
    }
    Ok((index, caller))
}

/// The caller's role on project `index` (0: none).
pub(crate) fn role_of(state: &GitLabState, index: usize, caller: Caller) -> u32 {
    caller
        .user_id()
        .and_then(|u| state.projects[index].members.get(&u).copied())
        .unwrap_or(0)
}

/// The steps every project route takes before its own work, in GitLab's order: the token
/// authenticated, the project found and the caller checked for what the route needs
/// ([`authorize`]: 401, 403, 404), then the body parsed when the route takes one (400).
impl Call {
    /// A route that reads a project: `answer` gets the state and the project's index in it.
    pub(super) fn project(
        &self,
        project: &str,
        need: Need,
        answer: impl FnOnce(&GitLabState, usize) -> Response,
    ) -> Response {
        let state = self.state();
        let (index, _) = or_respond!(authorize(&state.gitlab, &self.headers, project, need));
        answer(&state.gitlab, index)
    }

    /// A route that changes a project as its JSON body says: `answer` gets the state, the
    /// project's index in it, the caller and the body.
    pub(super) fn project_json(
        &self,
        project: &str,
        need: Need,
        answer: impl FnOnce(&mut GitLabState, usize, Caller, Value) -> Response,
    ) -> Response {
        let mut state = self.state();
        let gl = &mut state.gitlab;
        let (index, caller) = or_respond!(authorize(gl, &self.headers, project, need));
        let body = or_respond!(body_json(&self.body));
        answer(gl, index, caller, body)
    }
}

/// GitLab's error body: `{"message": "..."}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "message": message }))).into_response()
}

/// GitLab's validation error body: `{"error": "..."}` with 400.
pub(crate) fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": message })),
    )
        .into_response()
}

/// GitLab's timestamp format: ISO 8601 with milliseconds and `Z`.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A JSON body: GitLab accepts JSON or form parameters; the fake takes JSON.
pub(crate) fn body_json(body: &[u8]) -> Result<Value, Response> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| bad_request(&format!("invalid JSON body: {e}")))
}

/// One page of `items` with GitLab's pagination headers (offset pagination).
pub(crate) fn paginate(
    base_url: &str,
    path: &str,
    query: &HashMap<String, String>,
    items: Vec<Value>,
) -> Response {
    let per_page = query
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let page = query
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let link_for = |p: usize| {
        let mut params: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| k.as_str() != "page")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        params.push(("page".into(), p.to_string()));
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        format!("{base_url}{path}?{encoded}")
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", link_for(page - 1)));
    }
    if page < total_pages {
        links.push(format!("<{}>; rel=\"next\"", link_for(page + 1)));
    }
    links.push(format!("<{}>; rel=\"first\"", link_for(1)));
    links.push(format!("<{}>; rel=\"last\"", link_for(total_pages)));
    let mut response = axum::Json(Value::Array(slice)).into_response();
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("x-page", page.to_string());
    set("x-per-page", per_page.to_string());
    set(
        "x-next-page",
        if page < total_pages {
            (page + 1).to_string()
        } else {
            String::new()
        },
    );
    set(
        "x-prev-page",
        if page > 1 {
            (page - 1).to_string()
        } else {
            String::new()
        },
    );
    set("x-total", total.to_string());
    set("x-total-pages", total_pages.to_string());
    set("link", links.join(", "));
    response
}
