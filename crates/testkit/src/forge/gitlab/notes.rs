//! Single merge request notes, read by id (`GET /projects/:id/merge_requests/:iid/notes/:note_id`),
//! as GitLab's Notes API documents it: 404 when the merge request has no note with that id.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;

use super::merge_requests::note_json;
use super::route::{Need, error};
use crate::forge::{Call, Shared};

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route(
        "/api/v4/projects/{project}/merge_requests/{iid}/notes/{note_id}",
        get(get_note),
    )
}

async fn get_note(Path((project, iid, note_id)): Path<(String, u64, u64)>, call: Call) -> Response {
    call.project(&project, Need::READ, |gl, index| {
        let p = &gl.projects[index];
        if p.merge_request(iid).is_none() {
            return error(StatusCode::NOT_FOUND, "404 Not found");
        }
        match p.notes.iter().find(|n| n.id == note_id && n.mr_iid == iid) {
            Some(note) => axum::Json(note_json(gl, p.id, note)).into_response(),
            None => error(StatusCode::NOT_FOUND, "404 Note Not Found"),
        }
    })
}
