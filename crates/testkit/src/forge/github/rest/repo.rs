//! Commit statuses, check runs, collaborator permissions, tags and releases.

use axum::extract::{Path, Query};
use axum::response::Response;
use serde_json::{Value, json};

use super::route::{Q, str_field};
use crate::forge::Call;
use crate::forge::github::render;
use crate::forge::github::respond::{self, error, json_response, not_found, validation};
use crate::forge::github::{CommitStatus, Release};

pub(super) async fn combined_status(
    Path((owner, name, git_ref)): Path<(String, String, String)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "statuses=read", |repo| {
        let Some(sha) = repo.resolve(&git_ref) else {
            return error(404, &format!("No commit found for SHA: {git_ref}"));
        };
        let mut latest: Vec<&CommitStatus> = Vec::new();
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
        let (page, link) = respond::paginate(&call.uri, &call.base, &q, items);
        v["state"] = json!(overall);
        v["sha"] = json!(sha);
        v["total_count"] = json!(total);
        v["statuses"] = json!(page);
        let urls = call.urls();
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
    })
}

pub(super) async fn check_runs(
    Path((owner, name, git_ref)): Path<(String, String, String)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "checks=read", |repo| {
        let Some(sha) = repo.resolve(&git_ref) else {
            return error(404, &format!("No commit found for SHA: {git_ref}"));
        };
        let urls = call.urls();
        let items: Vec<Value> = repo
            .check_runs
            .iter()
            .filter(|r| r.sha == sha)
            .map(|r| render::check_run(repo, r, &urls))
            .collect();
        let total = items.len();
        let (page, link) = respond::paginate(&call.uri, &call.base, &q, items);
        let mut response = json_response(200, json!({ "total_count": total, "check_runs": page }));
        if let Some(link) = link {
            response.headers_mut().insert(http::header::LINK, link);
        }
        response
    })
}

pub(super) async fn permission(
    Path((owner, name, user)): Path<(String, String, String)>,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "metadata=read", |repo| {
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
        v["user"] = render::user(&template, &user, &call.urls());
        // `nullable-collaborator` requires it; the description's example omits it.
        v["user"]["role_name"] = json!(role);
        json_response(200, v)
    })
}

pub(super) async fn tags(
    Path((owner, name)): Path<(String, String)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "contents=read", |repo| {
        let urls = call.urls();
        let items = repo
            .all_tags()
            .iter()
            .map(|(n, sha)| render::tag(repo, n, sha, &urls))
            .collect();
        call.page(&q, items)
    })
}

pub(super) async fn release_by_tag(
    Path((owner, name, tag)): Path<(String, String, String)>,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "contents=read", |repo| {
        match repo.releases.iter().find(|r| r.tag == tag) {
            Some(r) => json_response(200, render::release(repo, r, &call.urls())),
            None => not_found(),
        }
    })
}

pub(super) async fn create_release(
    Path((owner, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.repo_create(&owner, &name, "contents=write", |repo, body, id| {
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
        let rendered = render::release(repo, &release, &call.urls());
        repo.releases.push(release);
        json_response(201, rendered)
    })
}
