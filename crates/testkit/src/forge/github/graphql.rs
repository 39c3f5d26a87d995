//! The GraphQL subset shipline sends: commits' associated pull requests (aliased `object(oid:)`
//! lookups, many per query), deployments' latest statuses (`nodes(ids:)`), and a pull request
//! with the pull requests from a head branch (`pullRequest(number:)` + `pullRequests(headRefName:)`),
//! and a pull request with the pull requests that cross-reference it (`timelineItems`). Queries are
//! recognised by shape, not parsed; anything else gets a GraphQL error.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use http::HeaderMap;
use serde_json::{Value, json};

use super::render::{Urls, node_id, parse_node_id};
use super::respond::{error, json_response};
use super::{Pull, Repo, guard};
use crate::forge::Shared;

pub fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/api/graphql", post(graphql))
}

fn graphql_error(kind: &str, message: &str) -> Response {
    json_response(
        200,
        json!({ "data": null, "errors": [{ "type": kind, "message": message }] }),
    )
}

async fn graphql(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    // GitHub's GraphQL API has no anonymous access.
    if !headers.contains_key(http::header::AUTHORIZATION) {
        return error(401, "This endpoint requires you to be authenticated.");
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(400, "Problems parsing JSON");
    };
    let query = request["query"].as_str().unwrap_or_default();
    let variables = &request["variables"];
    let urls = Urls::new(&base);
    if query.contains("enablePullRequestAutoMerge") {
        if let Err(response) = guard(&st.github, &headers, "pull_requests=write") {
            return forbidden_as_graphql(*response);
        }
        return enable_auto_merge(&mut st.github, variables["id"].as_str().unwrap_or_default());
    }
    let gh = &st.github;
    if query.contains("associatedPullRequests") {
        if let Err(response) = guard(gh, &headers, "pull_requests=read") {
            return forbidden_as_graphql(*response);
        }
        let owner = variables["owner"].as_str().unwrap_or_default();
        let name = variables["name"].as_str().unwrap_or_default();
        let Some(repo) = gh.repos.get(&format!("{owner}/{name}")) else {
            return graphql_error(
                "NOT_FOUND",
                &format!("Could not resolve to a Repository with the name '{owner}/{name}'."),
            );
        };
        let mut fields = serde_json::Map::new();
        for (alias, oid) in object_lookups(query) {
            fields.insert(alias, commit_node(repo, &oid, &urls));
        }
        return json_response(200, json!({ "data": { "repository": fields } }));
    }
    if query.contains("timelineItems(itemTypes: [CROSS_REFERENCED_EVENT]") {
        if let Err(response) = guard(gh, &headers, "pull_requests=read") {
            return forbidden_as_graphql(*response);
        }
        let owner = variables["owner"].as_str().unwrap_or_default();
        let name = variables["name"].as_str().unwrap_or_default();
        let Some(repo) = gh.repos.get(&format!("{owner}/{name}")) else {
            return graphql_error(
                "NOT_FOUND",
                &format!("Could not resolve to a Repository with the name '{owner}/{name}'."),
            );
        };
        let number = variables["number"].as_u64().unwrap_or(0);
        let Some(pull) = repo.pulls.get(&number) else {
            return graphql_error(
                "NOT_FOUND",
                &format!("Could not resolve to a PullRequest with the number of {number}."),
            );
        };
        // GitHub cross-references a PR from every PR whose description mentions it; the
        // timeline lists them oldest first.
        let events: Vec<Value> = repo
            .pulls
            .values()
            .filter(|p| p.number != number && !p.cross_reference_pending)
            .filter(|p| mentions(&p.body, number))
            .map(|p| json!({ "isCrossRepository": false, "source": pull_node(repo, p, &urls) }))
            .collect();
        let mut node = pull_node(repo, pull, &urls);
        node["timelineItems"] = json!({ "nodes": events });
        return json_response(
            200,
            json!({ "data": { "repository": { "pullRequest": node } } }),
        );
    }
    if query.contains("pullRequests(headRefName:") {
        if let Err(response) = guard(gh, &headers, "pull_requests=read") {
            return forbidden_as_graphql(*response);
        }
        let owner = variables["owner"].as_str().unwrap_or_default();
        let name = variables["name"].as_str().unwrap_or_default();
        let Some(repo) = gh.repos.get(&format!("{owner}/{name}")) else {
            return graphql_error(
                "NOT_FOUND",
                &format!("Could not resolve to a Repository with the name '{owner}/{name}'."),
            );
        };
        let head = variables["head"].as_str().unwrap_or_default();
        let mut fields = serde_json::Map::new();
        if query.contains("pullRequest(number:") && variables["withPr"].as_bool() != Some(false) {
            let number = variables["number"].as_u64().unwrap_or(0);
            match repo.pulls.get(&number) {
                Some(p) => {
                    fields.insert("pullRequest".into(), pull_node(repo, p, &urls));
                }
                None => {
                    return graphql_error(
                        "NOT_FOUND",
                        &format!("Could not resolve to a PullRequest with the number of {number}."),
                    );
                }
            }
        }
        let nodes: Vec<Value> = repo
            .pulls
            .values()
            .rev()
            .filter(|p| p.head_ref == head)
            .map(|p| pull_node(repo, p, &urls))
            .collect();
        fields.insert("pullRequests".into(), json!({ "nodes": nodes }));
        return json_response(200, json!({ "data": { "repository": fields } }));
    }
    if query.contains("nodes(ids:") {
        if let Err(response) = guard(gh, &headers, "deployments=read") {
            return forbidden_as_graphql(*response);
        }
        let nodes: Vec<Value> = variables["ids"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|id| deployment_node(gh, id.as_str().unwrap_or_default()))
            .collect();
        return json_response(200, json!({ "data": { "nodes": nodes } }));
    }
    graphql_error(
        "UNSUPPORTED",
        "the fake GitHub does not answer this query; it knows associatedPullRequests, nodes(ids:), pullRequests(headRefName:) and timelineItems(itemTypes: [CROSS_REFERENCED_EVENT])",
    )
}

/// `enablePullRequestAutoMerge`: refused, as GitHub does, unless the repository allows
/// auto-merge and the PR is open.
fn enable_auto_merge(gh: &mut super::GitHubState, node: &str) -> Response {
    let Some(("PullRequest", id)) = parse_node_id(node)
        .as_ref()
        .map(|(k, id)| (k.as_str(), *id))
    else {
        return graphql_error(
            "NOT_FOUND",
            &format!("Could not resolve to a node with the global id of '{node}'"),
        );
    };
    for repo in gh.repos.values_mut() {
        let allowed = repo.allow_auto_merge;
        let Some(pull) = repo.pulls.values_mut().find(|p| p.id == id) else {
            continue;
        };
        if !allowed {
            return graphql_error(
                "UNPROCESSABLE",
                "Pull request Auto merge is not allowed for this repository",
            );
        }
        if pull.state != "open" {
            return graphql_error(
                "UNPROCESSABLE",
                "Pull request is not in the correct state to enable auto-merge",
            );
        }
        pull.auto_merge = true;
        return json_response(
            200,
            json!({ "data": { "enablePullRequestAutoMerge": { "pullRequest": { "number": pull.number } } } }),
        );
    }
    graphql_error(
        "NOT_FOUND",
        &format!("Could not resolve to a node with the global id of '{node}'"),
    )
}

/// Whether `text` mentions PR `number` the way GitHub links it: `#N` or `.../pull/N`, not
/// followed by another digit.
fn mentions(text: &str, number: u64) -> bool {
    [format!("#{number}"), format!("/pull/{number}")]
        .iter()
        .any(|needle| {
            text.match_indices(needle.as_str())
                .any(|(at, _)| !text[at + needle.len()..].starts_with(|c: char| c.is_ascii_digit()))
        })
}

fn forbidden_as_graphql(response: Response) -> Response {
    if response.status() == http::StatusCode::FORBIDDEN {
        graphql_error("FORBIDDEN", "Resource not accessible by integration")
    } else {
        response
    }
}

/// `alias: object(oid: "sha")` pairs in query order.
fn object_lookups(query: &str) -> Vec<(String, String)> {
    let marker = ": object(oid: \"";
    let mut out = Vec::new();
    let mut rest = query;
    while let Some(at) = rest.find(marker) {
        let alias: String = rest[..at]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after = &rest[at + marker.len()..];
        let oid: String = after.chars().take_while(|c| *c != '"').collect();
        rest = &after[oid.len()..];
        out.push((alias, oid));
    }
    out
}

fn commit_known(repo: &Repo, oid: &str) -> bool {
    match &repo.git_dir {
        Some(dir) => std::process::Command::new("git")
            .arg("--git-dir")
            .arg(dir)
            .args(["cat-file", "-e"])
            .arg(format!("{oid}^{{commit}}"))
            .status()
            .map(|s| s.success())
            .unwrap_or(false),
        None => true,
    }
}

fn commit_node(repo: &Repo, oid: &str, urls: &Urls) -> Value {
    if !commit_known(repo, oid) {
        return Value::Null;
    }
    let extra = repo.commit_pulls.get(oid);
    let nodes: Vec<Value> = repo
        .pulls
        .values()
        .filter(|p| {
            p.head_sha == oid
                || p.merge_commit_sha.as_deref() == Some(oid)
                || extra.is_some_and(|e| e.contains(&p.number))
        })
        .take(5)
        .map(|p| pull_node(repo, p, urls))
        .collect();
    json!({ "associatedPullRequests": { "nodes": nodes } })
}

fn pull_node(repo: &Repo, p: &Pull, urls: &Urls) -> Value {
    let state = if p.merged_at.is_some() {
        "MERGED"
    } else if p.state == "open" {
        "OPEN"
    } else {
        "CLOSED"
    };
    json!({
        "id": node_id("PullRequest", p.id),
        "number": p.number,
        "title": p.title,
        "body": p.body,
        "state": state,
        "isDraft": p.draft,
        "author": { "login": p.user },
        "headRefName": p.head_ref,
        "headRefOid": p.head_sha,
        "baseRefName": p.base_ref,
        "mergeCommit": p.merge_commit_sha.as_ref().map(|oid| json!({
            "oid": oid,
            "statusCheckRollup": rollup(repo, oid),
        })),
        "mergedBy": p.merged_by.as_ref().map(|login| json!({ "login": login })),
        "mergedAt": p.merged_at,
        "url": format!("{}/{}/pull/{}", urls.web, repo.full_name(), p.number),
        "labels": { "nodes": p.labels.iter().map(|l| json!({ "name": l })).collect::<Vec<_>>() },
        "reviewDecision": p.review_decision,
        "reviews": { "totalCount": p.approvals },
        "commits": { "nodes": [{ "commit": { "statusCheckRollup": rollup(repo, &p.head_sha) } }] },
    })
}

/// A commit's `statusCheckRollup` from the repository's commit statuses and check runs, as
/// GitHub combines them: red if any failed, else pending if any is unfinished, else green
/// (skipped and neutral runs count as passing); `null` when nothing ran on the commit.
fn rollup(repo: &Repo, sha: &str) -> Value {
    let statuses: Vec<&str> = repo
        .commit_statuses
        .iter()
        .filter(|s| s.sha == sha)
        .map(|s| s.state.as_str())
        .collect();
    let runs: Vec<String> = repo
        .check_runs
        .iter()
        .filter(|r| r.sha == sha)
        .map(|r| match (r.status.as_str(), r.conclusion.as_deref()) {
            ("completed", Some(c)) => c.to_ascii_uppercase(),
            ("queued", _) => "QUEUED".to_string(),
            _ => "IN_PROGRESS".to_string(),
        })
        .collect();
    if statuses.is_empty() && runs.is_empty() {
        return Value::Null;
    }
    let red_run = |s: &str| {
        matches!(
            s,
            "FAILURE" | "CANCELLED" | "TIMED_OUT" | "ACTION_REQUIRED" | "STARTUP_FAILURE" | "STALE"
        )
    };
    let state = if statuses.iter().any(|s| *s == "failure" || *s == "error")
        || runs.iter().any(|r| red_run(r))
    {
        "FAILURE"
    } else if statuses.contains(&"pending")
        || runs.iter().any(|r| r == "QUEUED" || r == "IN_PROGRESS")
    {
        "PENDING"
    } else {
        "SUCCESS"
    };
    let mut counts: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for r in &runs {
        *counts.entry(r.as_str()).or_default() += 1;
    }
    json!({
        "state": state,
        "contexts": {
            "statusContextCount": statuses.len(),
            "checkRunCountsByState": counts
                .into_iter()
                .map(|(state, count)| json!({ "state": state, "count": count }))
                .collect::<Vec<_>>(),
        },
    })
}

fn deployment_node(gh: &super::GitHubState, node: &str) -> Value {
    let Some(("Deployment", id)) = parse_node_id(node)
        .as_ref()
        .map(|(k, id)| (k.as_str(), *id))
    else {
        return Value::Null;
    };
    let Some(d) = gh
        .repos
        .values()
        .flat_map(|r| r.deployments.iter())
        .find(|d| d.id == id)
    else {
        return Value::Null;
    };
    let latest = d.statuses.last().map(|s| {
        json!({
            "state": s.state.to_ascii_uppercase(),
            "description": s.description,
            "environmentUrl": (!s.environment_url.is_empty()).then_some(&s.environment_url),
            "logUrl": (!s.log_url.is_empty()).then_some(&s.log_url),
            "createdAt": s.created_at,
        })
    });
    json!({ "databaseId": d.id, "latestStatus": latest })
}
