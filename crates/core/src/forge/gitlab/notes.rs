//! Merge request notes: the comments shipline keeps one sticky copy of.
//!
//! GitLab has no lookup of a note by content, so reconciling a create whose outcome is unknown
//! means listing the notes again and looking for the same body, written recently. System notes
//! ("added 1 commit", label changes) are not comments and are left out.

use chrono::Utc;
use serde_json::json;

use super::GitLab;
use super::client::Req;
use super::types::Note;
use crate::forge::{Comment, ForgeError};

/// How far back a note with the same body counts as "ours" when reconciling (covers clock skew
/// between runner and server, and the retries themselves).
const RECONCILE_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

const NOTES_ROUTE: &str = "/projects/:id/merge_requests/:iid/notes";
const NOTE_ROUTE: &str = "/projects/:id/merge_requests/:iid/notes/:note_id";

impl GitLab {
    fn mr_web_url(&self, iid: u64) -> String {
        format!(
            "{}/{}/-/merge_requests/{iid}",
            self.client.web_root(),
            self.full_path
        )
    }

    async fn notes(&self, iid: u64) -> Result<Vec<Note>, ForgeError> {
        let req = Req::get(
            NOTES_ROUTE,
            format!("{}/merge_requests/{iid}/notes", self.project()),
        )
        .query("sort", "asc")
        .query("order_by", "created_at");
        let notes: Vec<Note> = self.client.all(req).await?;
        Ok(notes.into_iter().filter(|n| !n.system).collect())
    }

    /// Comments (non-system notes) on a merge request, oldest first, all pages.
    pub async fn list_comments(&self, pr: u64) -> Result<Vec<Comment>, ForgeError> {
        let url = self.mr_web_url(pr);
        Ok(self
            .notes(pr)
            .await?
            .into_iter()
            .map(|n| n.into_comment(&url))
            .collect())
    }

    /// Adds a note. When the outcome of the `POST` is unknown, a note with the same body created
    /// in the last minutes is taken as the one sent, so the note exists exactly once.
    pub async fn create_comment(&self, pr: u64, body: &str) -> Result<Comment, ForgeError> {
        let req = Req::post(
            NOTES_ROUTE,
            format!("{}/merge_requests/{pr}/notes", self.project()),
            json!({ "body": body }),
        )
        .needs("the Reporter role (Developer on protected projects)");
        let since = Utc::now() - RECONCILE_WINDOW;
        let note: Note = self
            .client
            .create(&req, || async move {
                Ok(self
                    .notes(pr)
                    .await?
                    .into_iter()
                    .rev()
                    .find(|n| n.body == body && n.created_at >= since))
            })
            .await?;
        Ok(note.into_comment(&self.mr_web_url(pr)))
    }

    /// Replaces a note's body (`PUT` is idempotent: retried as is).
    pub async fn update_comment(
        &self,
        pr: u64,
        id: u64,
        body: &str,
    ) -> Result<Comment, ForgeError> {
        let req = Req::put(
            NOTE_ROUTE,
            format!("{}/merge_requests/{pr}/notes/{id}", self.project()),
            json!({ "body": body }),
        )
        .needs("to be the note's author (the token's user wrote it)");
        let note: Note = self.client.json(&req).await?;
        Ok(note.into_comment(&self.mr_web_url(pr)))
    }
}
