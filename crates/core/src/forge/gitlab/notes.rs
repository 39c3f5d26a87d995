//! Merge request notes: the comments shipline keeps one sticky copy of, and single notes read
//! back by id (a `/revert` note whose webhook payload cannot be trusted).
//!
//! GitLab has no lookup of a note by content, so reconciling a create whose outcome is unknown
//! means listing the notes again and looking for the same body, written recently. System notes
//! ("added 1 commit", label changes) are not comments and are left out.

use chrono::Utc;
use serde_json::json;

use super::client::Req;
use super::project::GitLab;
use super::types::Note;
use crate::forge::error::ForgeError;
use crate::forge::types::Comment;

/// How far back a note with the same body counts as "ours" when reconciling (covers clock skew
/// between runner and server, and the retries themselves).
const RECONCILE_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

const NOTES_ROUTE: &str = "/projects/:id/merge_requests/:iid/notes";
const NOTE_ROUTE: &str = "/projects/:id/merge_requests/:iid/notes/:note_id";

/// One merge request note as GitLab holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRequestNote {
    /// The note as a comment (id, body, author's username, link).
    pub comment: Comment,
    /// The author's user id (for [`GitLab::permission_of_user`]).
    pub author_id: u64,
}

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

    /// One note of merge request `iid`, read from GitLab: `GET .../notes/:note_id`. `None` when
    /// the merge request has no such note, or it is a system note (GitLab wrote it, nobody
    /// asked for anything).
    pub async fn merge_request_note(
        &self,
        iid: u64,
        note_id: u64,
    ) -> Result<Option<MergeRequestNote>, ForgeError> {
        let req = Req::get(
            NOTE_ROUTE,
            format!("{}/merge_requests/{iid}/notes/{note_id}", self.project()),
        );
        let note: Note = match self.client.json(&req).await {
            Ok(note) => note,
            Err(ForgeError::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(err),
        };
        if note.system {
            return Ok(None);
        }
        let author_id = note.author.id;
        Ok(Some(MergeRequestNote {
            comment: note.into_comment(&self.mr_web_url(iid)),
            author_id,
        }))
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
