//! Issues, their comments (also on pull requests) and labels.

use super::*;

pub(super) async fn list_comments(
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

pub(super) async fn create_comment(
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

pub(super) async fn update_comment(
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

/// Issues (not pull requests: the fake keeps them apart), newest first, filtered by `state`
/// (`open` by default, `closed`, `all`) and `since` (issues changed at or after it; the fake
/// knows creation times only).
pub(super) async fn list_issues(
    State(shared): S,
    Path((owner, name)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let base = shared.base_url();
    let st = shared.state();
    try_response!(guard(&st.github, &headers, "issues=read"));
    let repo = repo_or_404!(find(&st.github, &owner, &name, &headers));
    let want = q.get("state").map(String::as_str).unwrap_or("open");
    let since = match q
        .get("since")
        .map(|s| chrono::DateTime::parse_from_rfc3339(s))
    {
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => return validation("Issue", "since", "invalid", None),
        None => None,
    };
    let urls = Urls::new(&base);
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
    list(&uri, &base, &q, items)
}

pub(super) async fn create_issue(
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
        state: "open".into(),
    };
    let rendered = render::issue(repo, &issue, &Urls::new(&base));
    repo.issues.insert(issue.number, issue);
    json_response(201, rendered)
}

/// `DELETE .../issues/{number}/labels/{name}`: the labels left, or 404 when it was not there.
pub(super) async fn remove_label(
    State(shared): S,
    Path((owner, name, number, label)): Path<(String, String, u64, String)>,
    headers: HeaderMap,
) -> Response {
    let base = shared.base_url();
    let mut st = shared.state();
    try_response!(guard(&st.github, &headers, "issues=write"));
    let repo = repo_or_404!(find_mut(&mut st.github, &owner, &name, &headers));
    let target = if let Some(pull) = repo.pulls.get_mut(&number) {
        &mut pull.labels
    } else if let Some(issue) = repo.issues.get_mut(&number) {
        &mut issue.labels
    } else {
        return not_found();
    };
    let Some(pos) = target.iter().position(|l| *l == label) else {
        return not_found();
    };
    target.remove(pos);
    let all = target.clone();
    json_response(200, json!(render::labels(repo, &all, &Urls::new(&base))))
}

pub(super) async fn add_labels(
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
