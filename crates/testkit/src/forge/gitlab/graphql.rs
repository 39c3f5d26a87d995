//! The GraphQL subset shipline sends to GitLab: merge requests by IID with their author, who
//! merged them, who approved them and their head pipeline (`project(fullPath:) {
//! mergeRequests(iids:) }`), answered from the fake's merge requests, approvals and pipelines.
//!
//! GitLab serves GraphQL at `/api/graphql` next to `/api/v4`; the fake serves GitHub's GraphQL at
//! that path already, so GitLab's lives at `/gitlab/api/graphql` (tests set `CI_API_GRAPHQL_URL`
//! to it, as GitLab CI sets it for jobs). Authentication is GitLab's: a `PRIVATE-TOKEN` header or
//! `Authorization: Bearer` with an access token; no token reads public projects only, and a
//! project the caller cannot see is `null`, not an error. Queries are recognised by shape and only
//! the fields a query names are answered, so a client that stops asking for a field stops getting it.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::route::time;
use super::{GitLabState, MergeRequest, Project};
use crate::forge::Shared;

/// Where the fake serves GitLab's GraphQL API.
pub const PATH: &str = "/gitlab/api/graphql";

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route(PATH, post(graphql))
}

fn errors(message: &str) -> Response {
    axum::Json(json!({ "errors": [{ "message": message }] })).into_response()
}

/// Whether the query selects `field` (as a whole word).
fn selects(query: &str, field: &str) -> bool {
    query.match_indices(field).any(|(at, _)| {
        let before = query[..at].chars().next_back();
        let after = query[at + field.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

async fn graphql(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let base = shared.base_url();
    let state = shared.state();
    let gl = &state.gitlab;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let token = header("private-token").map(str::to_string).or_else(|| {
        header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string)
    });
    let caller = match token {
        Some(token) => match gl.tokens.get(&token) {
            Some(user) => Some(*user),
            None => {
                return (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({ "errors": [{ "message": "Invalid token" }] })),
                )
                    .into_response();
            }
        },
        None => None,
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "errors": [{ "message": "Unexpected end of document" }] })),
        )
            .into_response();
    };
    let query = request["query"].as_str().unwrap_or_default();
    let variables = &request["variables"];
    if !(selects(query, "project") && query.contains("mergeRequests(iids:")) {
        return errors("the fake GitLab answers only project(fullPath:) { mergeRequests(iids:) }");
    }
    let Some(full_path) = variables["fullPath"].as_str() else {
        return errors("Variable $fullPath of type ID! was provided invalid value");
    };
    let iids: Option<Vec<u64>> = match &variables["iids"] {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().and_then(|s| s.parse().ok()))
            .collect(),
        _ => None,
    };
    let Some(iids) = iids else {
        return errors("Variable $iids of type [String!] was provided invalid value");
    };
    let first = variables["first"].as_u64().unwrap_or(100);
    if first > 100 {
        return errors(
            "Argument 'first' on Field 'mergeRequests' has an invalid value: at most 100",
        );
    }
    let project = gl.projects.iter().find(|p| {
        p.path_with_namespace == full_path
            && (p.public || caller.is_some_and(|u| p.members.contains_key(&u)))
    });
    let Some(project) = project else {
        return axum::Json(json!({ "data": { "project": null } })).into_response();
    };
    let nodes: Vec<Value> = project
        .merge_requests
        .iter()
        .filter(|m| iids.contains(&m.iid))
        .take(first as usize)
        .map(|m| mr_node(gl, project, m, query, &base))
        .collect();
    axum::Json(json!({
        "data": { "project": { "mergeRequests": { "nodes": nodes } } }
    }))
    .into_response()
}

fn mr_node(
    gl: &GitLabState,
    project: &Project,
    mr: &MergeRequest,
    query: &str,
    base: &str,
) -> Value {
    let user = |id: u64| {
        let username = gl
            .users
            .iter()
            .find(|u| u.id == id)
            .map_or("ghost", |u| u.username.as_str());
        json!({ "username": username })
    };
    // The head pipeline: the newest pipeline for the merge request's source head.
    let head_pipeline = project
        .pipelines
        .iter()
        .filter(|p| p.sha == mr.sha)
        .max_by_key(|p| p.id)
        .map(|p| json!({ "status": p.status.to_ascii_uppercase() }));
    let approvers: Vec<Value> = project
        .approvals
        .get(&mr.iid)
        .into_iter()
        .flatten()
        .map(|u| user(*u))
        .collect();
    let fields = [
        ("iid", json!(mr.iid.to_string())),
        ("title", json!(mr.title)),
        ("state", json!(mr.state)),
        (
            "draft",
            json!(mr.title.starts_with("Draft:") || mr.title.starts_with("[Draft]")),
        ),
        // GitLab's GraphQL API has `squash` but no squash commit.
        ("squash", json!(mr.squash || mr.squash_commit_sha.is_some())),
        ("sourceBranch", json!(mr.source_branch)),
        ("targetBranch", json!(mr.target_branch)),
        ("diffHeadSha", json!(mr.sha)),
        ("mergeCommitSha", json!(mr.merge_commit_sha)),
        ("mergedAt", json!(mr.merged_at.map(time))),
        (
            "webUrl",
            json!(format!(
                "{base}/{}/-/merge_requests/{}",
                project.path_with_namespace, mr.iid
            )),
        ),
        ("author", user(mr.author_id)),
        ("mergeUser", mr.merged_by.map_or(Value::Null, user)),
        ("approvedBy", json!({ "nodes": approvers })),
        ("headPipeline", head_pipeline.unwrap_or(Value::Null)),
    ];
    let mut node = serde_json::Map::new();
    for (name, value) in fields {
        if selects(query, name) {
            node.insert(name.to_string(), value);
        }
    }
    Value::Object(node)
}

#[cfg(test)]
mod tests {
    use super::selects;

    #[test]
    fn fields_are_matched_as_words() {
        let q = "nodes { iid mergeUser { username } approvedBy { nodes { username } } }";
        assert!(selects(q, "iid"));
        assert!(selects(q, "mergeUser"));
        assert!(selects(q, "approvedBy"));
        assert!(!selects(q, "merge"));
        assert!(!selects(q, "headPipeline"));
    }
}
