//! Issues, their comments (also on pull requests) and labels.

use axum::extract::{Path, Query};
use axum::response::Response;
use serde_json::json;

use super::route::{BOT, Q, str_field, string_list};
use crate::forge::Call;
use crate::forge::github::render;
use crate::forge::github::respond::{self, json_response, not_found, validation};
use crate::forge::github::{Comment, Issue, Repo};

pub(super) async fn list_comments(
    Path((owner, name, number)): Path<(String, String, u64)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "pull_requests=read", |repo| {
        if !repo.pulls.contains_key(&number) && !repo.issues.contains_key(&number) {
            return not_found();
        }
        let urls = call.urls();
        let items = repo
            .comments
            .iter()
            .filter(|c| c.issue == number)
            .map(|c| render::comment(repo, c, &urls))
            .collect();
        call.page(&q, items)
    })
}

pub(super) async fn create_comment(
    Path((owner, name, number)): Path<(String, String, u64)>,
    call: Call,
) -> Response {
    call.repo_create(&owner, &name, "pull_requests=write", |repo, body, id| {
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
        let rendered = render::comment(repo, &comment, &call.urls());
        repo.comments.push(comment);
        json_response(201, rendered)
    })
}

pub(super) async fn update_comment(
    Path((owner, name, id)): Path<(String, String, u64)>,
    call: Call,
) -> Response {
    call.repo_json(&owner, &name, "pull_requests=write", |repo, body| {
        let Some(text) = str_field(&body, "body") else {
            return validation("IssueComment", "body", "missing_field", None);
        };
        let Some(index) = repo.comments.iter().position(|c| c.id == id) else {
            return not_found();
        };
        repo.comments[index].body = text.to_string();
        repo.comments[index].updated_at = respond::now();
        let rendered = render::comment(repo, &repo.comments[index], &call.urls());
        json_response(200, rendered)
    })
}

/// Issues (not pull requests: the fake keeps them apart), newest first, filtered by `state`
/// (`open` by default, `closed`, `all`) and `since` (issues changed at or after it; the fake
/// knows creation times only).
pub(super) async fn list_issues(
    Path((owner, name)): Path<(String, String)>,
    Query(q): Q,
    call: Call,
) -> Response {
    call.repo(&owner, &name, "issues=read", |repo| {
        let want = q.get("state").map(String::as_str).unwrap_or("open");
        let since = match q
            .get("since")
            .map(|s| chrono::DateTime::parse_from_rfc3339(s))
        {
            Some(Ok(t)) => Some(t),
            Some(Err(_)) => return validation("Issue", "since", "invalid", None),
            None => None,
        };
        let urls = call.urls();
        let mut found: Vec<&Issue> = repo
            .issues
            .values()
            .filter(|i| {
                let state = if i.state.is_empty() {
                    "open"
                } else {
                    i.state.as_str()
                };
                want == "all" || want == state
            })
            .filter(|i| {
                since.is_none_or(|since| {
                    chrono::DateTime::parse_from_rfc3339(&i.created_at).is_ok_and(|t| t >= since)
                })
            })
            .collect();
        if q.get("direction").map(String::as_str) != Some("asc") {
            found.reverse();
        }
        let items = found
            .iter()
            .map(|i| render::issue(repo, i, &urls))
            .collect();
        call.page(&q, items)
    })
}

pub(super) async fn create_issue(
    Path((owner, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.repo_create(&owner, &name, "issues=write", |repo, body, id| {
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
            state: "open".into(),
        };
        let rendered = render::issue(repo, &issue, &call.urls());
        repo.issues.insert(issue.number, issue);
        json_response(201, rendered)
    })
}

/// `DELETE .../issues/{number}/labels/{name}`: the labels left, or 404 when it was not there.
pub(super) async fn remove_label(
    Path((owner, name, number, label)): Path<(String, String, u64, String)>,
    call: Call,
) -> Response {
    call.repo_mut(&owner, &name, "issues=write", |repo| {
        let Some(target) = labels_mut(repo, number) else {
            return not_found();
        };
        let Some(pos) = target.iter().position(|l| *l == label) else {
            return not_found();
        };
        target.remove(pos);
        let all = target.clone();
        json_response(200, json!(render::labels(repo, &all, &call.urls())))
    })
}

pub(super) async fn add_labels(
    Path((owner, name, number)): Path<(String, String, u64)>,
    call: Call,
) -> Response {
    call.repo_json(&owner, &name, "issues=write", |repo, body| {
        let new = string_list(&body, "labels");
        let Some(target) = labels_mut(repo, number) else {
            return not_found();
        };
        for label in new {
            if !target.contains(&label) {
                target.push(label);
            }
        }
        let all = target.clone();
        json_response(200, json!(render::labels(repo, &all, &call.urls())))
    })
}

/// The labels of pull request or issue `number` (they share numbers).
fn labels_mut(repo: &mut Repo, number: u64) -> Option<&mut Vec<String>> {
    if let Some(pull) = repo.pulls.get_mut(&number) {
        Some(&mut pull.labels)
    } else {
        repo.issues.get_mut(&number).map(|issue| &mut issue.labels)
    }
}
