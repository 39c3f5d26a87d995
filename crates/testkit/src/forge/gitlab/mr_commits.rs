//! A merge request's commits (`GET /projects/:id/merge_requests/:iid/commits`), newest first,
//! with the commit fields GitLab's Merge requests API documents for that list. Projects backed by
//! a bare repository answer from git.

use std::collections::HashMap;
use std::path::Path as FsPath;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::get;
use http::StatusCode;
use serde_json::{Value, json};

use super::route::{Need, error, paginate};
use crate::forge::{Call, Shared};

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route(
        "/api/v4/projects/{project}/merge_requests/{iid}/commits",
        get(list_commits),
    )
}

fn commit_json(repo: Option<&FsPath>, sha: &str, web: &str) -> Value {
    let fields = repo.and_then(|dir| {
        let out = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(dir)
            .args([
                "log",
                "-1",
                "--format=%s%x00%B%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%P",
                sha,
            ])
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let text = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
        Some(text.split('\0').map(str::to_string).collect::<Vec<_>>())
    });
    let field = |i: usize| {
        fields
            .as_ref()
            .and_then(|f| f.get(i).cloned())
            .unwrap_or_default()
    };
    json!({
        "id": sha,
        "short_id": &sha[..sha.len().min(8)],
        "title": field(0),
        "message": field(1),
        "author_name": field(2),
        "author_email": field(3),
        "authored_date": field(4),
        "committer_name": field(5),
        "committer_email": field(6),
        "committed_date": field(7),
        "created_at": field(7),
        "parent_ids": field(8).split_whitespace().collect::<Vec<_>>(),
        "trailers": {},
        "extended_trailers": {},
        "web_url": format!("{web}/-/commit/{sha}"),
    })
}

async fn list_commits(
    Path((project, iid)): Path<(String, u64)>,
    Query(q): Query<HashMap<String, String>>,
    call: Call,
) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        let Some(mr) = p.merge_request(iid) else {
            return error(StatusCode::NOT_FOUND, "404 Not found");
        };
        let web = format!("{}/{}", call.base, p.path_with_namespace);
        let items = mr
            .commits
            .iter()
            .rev()
            .map(|sha| commit_json(p.repo.as_deref(), sha, &web))
            .collect();
        paginate(
            &call.base,
            &format!("/api/v4/projects/{}/merge_requests/{iid}/commits", p.id),
            &q,
            items,
        )
    })
}
