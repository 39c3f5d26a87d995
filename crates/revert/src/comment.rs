//! Who may ask for a revert by comment.
//!
//! A `/revert` comment is obeyed only when its author may write to the repository. On GitHub the
//! comment comes from GitHub Actions' own event payload, and the author's collaborator permission
//! is checked (write, maintain or admin). On GitLab the note arrives through a pipeline trigger,
//! whose payload anyone with the trigger token can write: the note is read back by id (it must be
//! on that merge request, not a system note, still say `/revert`), and its author as GitLab names
//! it must hold the Developer role or higher on the project (inherited memberships count).
//! Developer is GitLab's role for pushing and opening merge requests, the equivalent of GitHub's
//! write; Reporter, Planner and Guest are refused.

use shipline_core::forge::{Forge, ForgeError, ForgeKind, Permission};

use crate::body::Why;
use crate::error::RevertError;
use crate::publish::reply;
use crate::repo::Repo;
use crate::report::Report;
use crate::trigger::{NoteCheck, revert_command};

/// What the comment check decided.
pub(crate) enum Gate {
    /// Go on, with the author and reason as the forge has them.
    Pass {
        /// Why (for a GitLab note: its author and link as GitLab has them).
        why: Why,
        /// The reason given after `/revert`.
        reason: Option<String>,
    },
    /// Stop with this report (the reply, if one is due, has been sent).
    Stop(Box<Report>),
}

impl Gate {
    fn stop(report: Report) -> Gate {
        Gate::Stop(Box::new(report))
    }
}

/// Checks a `/revert` comment's author (and, for a GitLab note, the note itself) before anything
/// is reverted. Other triggers pass untouched.
pub(crate) async fn check(
    repo: &Repo<'_>,
    why: Why,
    reason: Option<String>,
    comment_on: Option<u64>,
    note: Option<&NoteCheck>,
    dry_run: bool,
) -> Result<Gate, RevertError> {
    let Why::Comment { author, url } = &why else {
        return Ok(Gate::Pass { why, reason });
    };
    let Some(forge) = &repo.forge else {
        return Ok(Gate::stop(Report::refused(
            "a `/revert` comment needs a forge token to check the commenter's permission: set GITHUB_TOKEN (GitLab: GITLAB_TOKEN)",
        )));
    };
    let (author, url, reason, permission) = match (forge, note, comment_on) {
        (Forge::GitLab(gl), Some(note), Some(iid)) => {
            let Some(read) = gl.merge_request_note(iid, note.note_id).await? else {
                return Ok(Gate::stop(Report::refused(format!(
                    "the trigger payload names note {} on !{iid}, but GitLab has no such comment there: the payload does not come from GitLab's comment webhook, nothing is done",
                    note.note_id
                ))));
            };
            let body = read.comment.body;
            let Some(reason) = revert_command(&body).filter(|_| body.trim() == note.body.trim())
            else {
                return Ok(Gate::stop(Report::skipped(format!(
                    "note {} on !{iid} no longer reads as the payload says (edited since): edited `/revert` notes are ignored",
                    note.note_id
                ))));
            };
            let author = read.comment.author;
            if shipline_core::forge::gitlab::is_bot_username(&author) {
                return Ok(Gate::stop(Report::skipped(format!(
                    "`/revert` from the bot {author} is ignored"
                ))));
            }
            let permission = gl.permission_of_user(read.author_id).await?;
            (author, read.comment.url.or(url.clone()), reason, permission)
        }
        (Forge::GitLab(_), _, _) | (_, Some(_), _) => {
            return Ok(Gate::stop(Report::refused(
                "a `/revert` note from a GitLab trigger payload needs GitLab itself to read it back: run it in the GitLab project the note is on, with GITLAB_TOKEN",
            )));
        }
        (Forge::GitHub(_), None, _) => {
            // GitHub answers 404 for a login that is no collaborator at all: no access either way.
            let permission = match forge.permission(author).await {
                Err(ForgeError::NotFound { .. }) => Permission::None,
                other => other?,
            };
            (author.clone(), url.clone(), reason, permission)
        }
    };
    if !permission.can_write() {
        let report = Report::refused(format!(
            "@{author} has {}; `/revert` needs {}",
            access_name(forge.kind(), permission),
            match forge.kind() {
                ForgeKind::GitHub => "write, maintain or admin permission",
                ForgeKind::GitLab => "the Developer, Maintainer or Owner role on the project",
            }
        ));
        reply(repo, comment_on, &report, dry_run).await;
        return Ok(Gate::Stop(Box::new(report)));
    }
    Ok(Gate::Pass {
        why: Why::Comment { author, url },
        reason,
    })
}

/// A permission in the forge's own words.
fn access_name(kind: ForgeKind, permission: Permission) -> String {
    let gitlab_role = |role: &str| format!("the {role} role");
    match (kind, permission) {
        (ForgeKind::GitLab, Permission::None) => "no role on the project".into(),
        (ForgeKind::GitLab, Permission::Read) => gitlab_role("Guest (or Planner)"),
        (ForgeKind::GitLab, Permission::Triage) => gitlab_role("Reporter"),
        (ForgeKind::GitLab, Permission::Write) => gitlab_role("Developer"),
        (ForgeKind::GitLab, Permission::Maintain) => gitlab_role("Maintainer"),
        (ForgeKind::GitLab, Permission::Admin) => gitlab_role("Owner"),
        (ForgeKind::GitHub, p) => format!("{} access", format!("{p:?}").to_ascii_lowercase()),
    }
}
