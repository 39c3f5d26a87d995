//! Pull requests.

use axum::extract::{Path, Query};
use axum::response::Response;
use serde_json::Value;

use super::route::{BOT, Q, str_field, string_list};
use crate::forge::Call;
use crate::forge::github::Pull;
use crate::forge::github::render;
use crate::forge::github::respond::{self, json_response, not_found, validation};

pub(super) async fn list_pulls(
    Path((owner, name)): Path<(String, String)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "pull_requests=read", |repo| {
        let state = q.get("state").map(String::as_str).unwrap_or("open");
        let head = q.get("head").map(|h| match h.split_once(':') {
            Some((head_owner, branch)) => (head_owner.to_string(), branch.to_string()),
            None => (repo.owner.clone(), h.clone()),
        });
        let urls = call.urls();
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
        call.page(&q, items)
    })
}

pub(super) async fn create_pull(
    Path((owner, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.repo_create(&owner, &name, "pull_requests=write", |repo, body, id| {
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
            cross_reference_pending: repo.cross_references_lag,
            ..Pull::default()
        };
        let rendered = render::pull(repo, &pull, &call.urls());
        repo.pulls.insert(pull.number, pull);
        json_response(201, rendered)
    })
}

pub(super) async fn get_pull(
    Path((owner, name, number)): Path<(String, String, u64)>,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "pull_requests=read", |repo| {
        match repo.pulls.get(&number) {
            Some(p) => json_response(200, render::pull(repo, p, &call.urls())),
            None => not_found(),
        }
    })
}

pub(super) async fn request_reviewers(
    Path((owner, name, number)): Path<(String, String, u64)>,
    call: Call,
) -> Response {
    call.repo_json(&owner, &name, "pull_requests=write", |repo, body| {
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
        json_response(201, render::pull_simple(repo, &pull, &call.urls()))
    })
}
