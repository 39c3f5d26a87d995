//! The fake's GitHub REST routes, under `/api/v3`.

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
            get(list_comments).post(create_comment),
        )
        .route(
            &format!("{r}/issues/comments/{{id}}"),
            patch(update_comment),
        )
        .route(&format!("{r}/issues"), post(create_issue))
        .route(&format!("{r}/issues/{{number}}/labels"), post(add_labels))
        .route(&format!("{r}/pulls"), get(list_pulls).post(create_pull))
        .route(&format!("{r}/pulls/{{number}}"), get(get_pull))
        .route(
            &format!("{r}/pulls/{{number}}/requested_reviewers"),
            post(request_reviewers),
        )
        .route(
            &format!("{r}/deployments"),
            get(list_deployments).post(create_deployment),
        )
        .route(&format!("{r}/deployments/{{id}}"), get(get_deployment))
        .route(
            &format!("{r}/deployments/{{id}}/statuses"),
            get(list_statuses).post(create_status),
        )
        .route(
            &format!("{r}/commits/{{git_ref}}/status"),
            get(combined_status),
        )
        .route(
            &format!("{r}/commits/{{git_ref}}/check-runs"),
            get(check_runs),
        )
        .route(
            &format!("{r}/collaborators/{{user}}/permission"),
            get(permission),
        )
        .route(&format!("{r}/tags"), get(tags))
        .route(&format!("{r}/releases/tags/{{tag}}"), get(release_by_tag))
        .route(&format!("{r}/releases"), post(create_release))
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

fn parse_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|_| error(400, "Problems parsing JSON"))
}

fn str_field<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field).and_then(Value::as_str)
}

macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(response) => return response,
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

async fn list_comments(
    State(shared): S,
    Path((owner, name, number)): Path<(String, String, u64)>,
    Query(q): Q,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "pull_requests=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    if !repo.pulls.contains_key(&number) && !repo.issues.contains_key(&number) {
        return not_found();
    }
    let urls = Urls::new(&base);
    let items = repo
        .comments
        .iter()
        .filter(|c| c.issue == number)
        .map(|c| render::comment(repo, c, &urls))
        .collect();
    list(&uri, &base, &q, items)
}

async fn create_comment(
    State(shared): S,
    Path((owner, name, number)): Path<(String, String, u64)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "pull_requests=write"));
    let body = try_response!(parse_body(&body));
    let id = st.github.next_id();
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
    if !repo.pulls.contains_key(&number) && !repo.issues.contains_key(&number) {
        return not_found();
    }
    let Some(text) = str_field(&body, "body").filter(|b| !b.is_empty()) else {
        return validation("IssueComment", "body", "missing_field", None);
    };
    let now = respond::now();
    let comment = Comment {
        id,
        issue: number,
        body: text.to_string(),
        user: BOT.into(),
        created_at: now.clone(),
        updated_at: now,
    };
    let rendered = render::comment(repo, &comment, &Urls::new(&base));
    repo.comments.push(comment);
    json_response(201, rendered)
}

async fn update_comment(
    State(shared): S,
    Path((owner, name, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "pull_requests=write"));
    let body = try_response!(parse_body(&body));
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
    let Some(text) = str_field(&body, "body") else {
        return validation("IssueComment", "body", "missing_field", None);
    };
    let Some(index) = repo.comments.iter().position(|c| c.id == id) else {
        return not_found();
    };
    repo.comments[index].body = text.to_string();
    repo.comments[index].updated_at = respond::now();
    let rendered = render::comment(repo, &repo.comments[index], &Urls::new(&base));
    json_response(200, rendered)
}

async fn create_issue(
    State(shared): S,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "issues=write"));
    let body = try_response!(parse_body(&body));
    let id = st.github.next_id();
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
    let Some(title) = str_field(&body, "title").filter(|t| !t.is_empty()) else {
        return validation("Issue", "title", "missing_field", None);
    };
    repo.next_number += 1;
    let issue = Issue {
        number: repo.next_number,
        id,
        title: title.into(),
        body: str_field(&body, "body").unwrap_or_default().into(),
        labels: string_list(&body, "labels"),
        user: BOT.into(),
        created_at: respond::now(),
    };
    let rendered = render::issue(repo, &issue, &Urls::new(&base));
    repo.issues.insert(issue.number, issue);
    json_response(201, rendered)
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

async fn add_labels(
    State(shared): S,
    Path((owner, name, number)): Path<(String, String, u64)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "issues=write"));
    let body = try_response!(parse_body(&body));
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
    let new = string_list(&body, "labels");
    let target = if let Some(pull) = repo.pulls.get_mut(&number) {
        &mut pull.labels
    } else if let Some(issue) = repo.issues.get_mut(&number) {
        &mut issue.labels
    } else {
        return not_found();
    };
    for label in new {
        if !target.contains(&label) {
            target.push(label);
        }
    }
    let all = target.clone();
    json_response(200, json!(render::labels(repo, &all, &Urls::new(&base))))
}

async fn list_pulls(
    State(shared): S,
    Path((owner, name)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "pull_requests=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    let state = q.get("state").map(String::as_str).unwrap_or("open");
    let head = q.get("head").map(|h| match h.split_once(':') {
        Some((head_owner, branch)) => (head_owner.to_string(), branch.to_string()),
        None => (repo.owner.clone(), h.clone()),
    });
    let urls = Urls::new(&base);
    let items = repo
        .pulls
        .values()
        .rev()
        .filter(|p| state == "all" || p.state == state)
        .filter(|p| match &head {
            Some((o, b)) => *o == repo.owner && *b == p.head_ref,
            None => true,
        })
        .filter(|p| q.get("base").is_none_or(|b| *b == p.base_ref))
        .map(|p| render::pull_simple(repo, p, &urls))
        .collect();
    list(&uri, &base, &q, items)
}

async fn create_pull(
    State(shared): S,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "pull_requests=write"));
    let body = try_response!(parse_body(&body));
    let id = st.github.next_id();
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
    for field in ["title", "head", "base"] {
        if str_field(&body, field).is_none_or(str::is_empty) {
            return validation("PullRequest", field, "missing_field", None);
        }
    }
    let head_raw = str_field(&body, "head").unwrap_or_default();
    let head = head_raw
        .split_once(':')
        .map_or(head_raw, |(_, b)| b)
        .to_string();
    let base_ref = str_field(&body, "base").unwrap_or_default().to_string();
    let Some(head_sha) = repo.resolve(&head) else {
        return validation("PullRequest", "head", "invalid", None);
    };
    if repo.resolve(&base_ref).is_none() {
        return validation("PullRequest", "base", "invalid", None);
    }
    if repo
        .pulls
        .values()
        .any(|p| p.state == "open" && p.head_ref == head && p.base_ref == base_ref)
    {
        let message = format!("A pull request already exists for {}:{head}.", repo.owner);
        return validation("PullRequest", "", "custom", Some(&message));
    }
    repo.next_number += 1;
    let pull = Pull {
        number: repo.next_number,
        id,
        title: str_field(&body, "title").unwrap_or_default().into(),
        body: str_field(&body, "body").unwrap_or_default().into(),
        state: "open".into(),
        draft: body.get("draft").and_then(Value::as_bool).unwrap_or(false),
        user: BOT.into(),
        head_ref: head,
        head_sha,
        base_ref,
        created_at: respond::now(),
        ..Pull::default()
    };
    let rendered = render::pull(repo, &pull, &Urls::new(&base));
    repo.pulls.insert(pull.number, pull);
    json_response(201, rendered)
}

async fn get_pull(
    State(shared): S,
    Path((owner, name, number)): Path<(String, String, u64)>,
    headers: HeaderMap,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "pull_requests=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    match repo.pulls.get(&number) {
        Some(p) => json_response(200, render::pull(repo, p, &Urls::new(&base))),
        None => not_found(),
    }
}

async fn request_reviewers(
    State(shared): S,
    Path((owner, name, number)): Path<(String, String, u64)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "pull_requests=write"));
    let body = try_response!(parse_body(&body));
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
    let reviewers = string_list(&body, "reviewers");
    if let Some(unknown) = reviewers
        .iter()
        .find(|r| !repo.collaborators.contains_key(*r))
    {
        let message = format!(
            "Reviews may only be requested from collaborators. {unknown} is not a collaborator."
        );
        return validation("PullRequest", "reviewers", "custom", Some(&message));
    }
    let Some(pull) = repo.pulls.get_mut(&number) else {
        return not_found();
    };
    for r in reviewers {
        if !pull.requested_reviewers.contains(&r) {
            pull.requested_reviewers.push(r);
        }
    }
    let pull = pull.clone();
    json_response(201, render::pull_simple(repo, &pull, &Urls::new(&base)))
}

async fn list_deployments(
    State(shared): S,
    Path((owner, name)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "deployments=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    let urls = Urls::new(&base);
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
    list(&uri, &base, &q, items)
}

async fn create_deployment(
    State(shared): S,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "deployments=write"));
    let body = try_response!(parse_body(&body));
    let id = st.github.next_id();
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
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
    let rendered = render::deployment(repo, &deployment, &Urls::new(&base));
    repo.deployments.push(deployment);
    json_response(201, rendered)
}

async fn get_deployment(
    State(shared): S,
    Path((owner, name, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "deployments=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    match repo.deployments.iter().find(|d| d.id == id) {
        Some(d) => json_response(200, render::deployment(repo, d, &Urls::new(&base))),
        None => not_found(),
    }
}

async fn list_statuses(
    State(shared): S,
    Path((owner, name, id)): Path<(String, String, u64)>,
    Query(q): Q,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "deployments=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    let Some(d) = repo.deployments.iter().find(|d| d.id == id) else {
        return not_found();
    };
    let urls = Urls::new(&base);
    let items = d
        .statuses
        .iter()
        .rev()
        .map(|s| render::deployment_status(repo, d, s, &urls))
        .collect();
    list(&uri, &base, &q, items)
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

async fn create_status(
    State(shared): S,
    Path((owner, name, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "deployments=write"));
    let body = try_response!(parse_body(&body));
    let status_id = st.github.next_id();
    let first_inactive_id = status_id * 1000;
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
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
        render::deployment_status(repo, d, &status, &Urls::new(&base)),
    )
}

async fn combined_status(
    State(shared): S,
    Path((owner, name, git_ref)): Path<(String, String, String)>,
    Query(q): Q,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "statuses=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    let Some(sha) = repo.resolve(&git_ref) else {
        return error(404, &format!("No commit found for SHA: {git_ref}"));
    };
    let mut latest: Vec<&super::CommitStatus> = Vec::new();
    for s in repo.commit_statuses.iter().filter(|s| s.sha == sha).rev() {
        if !latest.iter().any(|l| l.context == s.context) {
            latest.push(s);
        }
    }
    let overall = if latest
        .iter()
        .any(|s| s.state == "failure" || s.state == "error")
    {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    };
    let mut v = respond::example("GET", "/repos/{owner}/{repo}/commits/{ref}/status", 200);
    let template = v["statuses"][0].clone();
    let items: Vec<Value> = latest
        .iter()
        .map(|s| render::commit_status(&template, s))
        .collect();
    let total = items.len();
    let (page, link) = respond::paginate(&uri, &base, &q, items);
    v["state"] = json!(overall);
    v["sha"] = json!(sha);
    v["total_count"] = json!(total);
    v["statuses"] = json!(page);
    let urls = Urls::new(&base);
    v["commit_url"] = json!(format!(
        "{}/repos/{}/commits/{sha}",
        urls.api,
        repo.full_name()
    ));
    v["url"] = json!(format!(
        "{}/repos/{}/commits/{sha}/status",
        urls.api,
        repo.full_name()
    ));
    let mut response = json_response(200, v);
    if let Some(link) = link {
        response.headers_mut().insert(http::header::LINK, link);
    }
    response
}

async fn check_runs(
    State(shared): S,
    Path((owner, name, git_ref)): Path<(String, String, String)>,
    Query(q): Q,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "checks=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    let Some(sha) = repo.resolve(&git_ref) else {
        return error(404, &format!("No commit found for SHA: {git_ref}"));
    };
    let urls = Urls::new(&base);
    let items: Vec<Value> = repo
        .check_runs
        .iter()
        .filter(|r| r.sha == sha)
        .map(|r| render::check_run(repo, r, &urls))
        .collect();
    let total = items.len();
    let (page, link) = respond::paginate(&uri, &base, &q, items);
    let mut response = json_response(200, json!({ "total_count": total, "check_runs": page }));
    if let Some(link) = link {
        response.headers_mut().insert(http::header::LINK, link);
    }
    response
}

async fn permission(
    State(shared): S,
    Path((owner, name, user)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "metadata=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    let role = repo
        .collaborators
        .get(&user)
        .cloned()
        .unwrap_or_else(|| "none".to_string());
    let permission = match role.as_str() {
        "admin" => "admin",
        "maintain" | "write" => "write",
        "triage" | "read" => "read",
        _ => "none",
    };
    let mut v = respond::example(
        "GET",
        "/repos/{owner}/{repo}/collaborators/{username}/permission",
        200,
    );
    v["permission"] = json!(permission);
    v["role_name"] = json!(role);
    let template = v["user"].clone();
    v["user"] = render::user(&template, &user, &Urls::new(&base));
    // `nullable-collaborator` requires it; the description's example omits it.
    v["user"]["role_name"] = json!(role);
    json_response(200, v)
}

async fn tags(
    State(shared): S,
    Path((owner, name)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "contents=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    let urls = Urls::new(&base);
    let items = repo
        .all_tags()
        .iter()
        .map(|(n, sha)| render::tag(repo, n, sha, &urls))
        .collect();
    list(&uri, &base, &q, items)
}

async fn release_by_tag(
    State(shared): S,
    Path((owner, name, tag)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "contents=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    match repo.releases.iter().find(|r| r.tag == tag) {
        Some(r) => json_response(200, render::release(repo, r, &Urls::new(&base))),
        None => not_found(),
    }
}

async fn create_release(
    State(shared): S,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "contents=write"));
    let body = try_response!(parse_body(&body));
    let id = st.github.next_id();
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
    let Some(tag) = str_field(&body, "tag_name").filter(|t| !t.is_empty()) else {
        return validation("Release", "tag_name", "missing_field", None);
    };
    if repo.releases.iter().any(|r| r.tag == tag) {
        return validation("Release", "tag_name", "already_exists", None);
    }
    let target = str_field(&body, "target_commitish")
        .unwrap_or(&repo.default_branch)
        .to_string();
    if !repo.all_tags().iter().any(|(n, _)| n == tag) {
        let Some(sha) = repo.resolve(&target) else {
            return validation("Release", "target_commitish", "invalid", None);
        };
        repo.tags.push((tag.to_string(), sha));
    }
    let release = Release {
        id,
        tag: tag.into(),
        target,
        name: str_field(&body, "name").unwrap_or(tag).into(),
        body: str_field(&body, "body").unwrap_or_default().into(),
        prerelease: body
            .get("prerelease")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        created_at: respond::now(),
    };
    let rendered = render::release(repo, &release, &Urls::new(&base));
    repo.releases.push(release);
    json_response(201, rendered)
}
