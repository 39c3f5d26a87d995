//! Reading what to revert from the CI event when no target was given.
//!
//! Three events can ask for a revert: a `/revert [reason]` comment on a pull request (on GitLab a
//! note on a merge request, delivered through a pipeline trigger), a failed deployment, and a
//! failed workflow run on the default branch. Everything else, and anything that only looks like
//! one of those (an edited comment, a bot's comment, a green run, a run on another branch), is
//! ignored with a reason, so a workflow can run the tool on every such event.

use shipline_core::config::{RevertConfig, RevertTrigger};
use shipline_core::context::{CiContext, CommentAction, EventDetails, NoteEvent};
use shipline_core::forge::gitlab::is_bot_username;

use crate::body::Why;
use crate::target::Target;

/// What the event asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromEvent {
    /// Revert `target`, because of `why`.
    Revert {
        /// What to revert.
        target: Target,
        /// Why.
        why: Why,
        /// Free text given with the request.
        reason: Option<String>,
        /// The PR a `/revert` comment was written on (replies go there).
        comment_on: Option<u64>,
        /// A GitLab note to read back from the API before believing the payload.
        note: Option<NoteCheck>,
    },
    /// Refused before anything was asked of the forge, and why.
    Refuse(String),
    /// Nothing to do, and why.
    Ignore(String),
}

/// A `/revert` note as a trigger payload described it. Anyone with the pipeline trigger token
/// can send such a payload, so the note is read back by id and only GitLab's copy counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteCheck {
    /// The note's id.
    pub note_id: u64,
    /// The body the payload claimed.
    pub body: String,
}

/// Reads the event in `ctx`.
pub fn from_event(ctx: &CiContext, config: &RevertConfig, default_branch: &str) -> FromEvent {
    match &ctx.details {
        EventDetails::IssueComment(c) => {
            let Some(reason) = revert_command(&c.body) else {
                return FromEvent::Ignore("the comment is not a `/revert` command".into());
            };
            if c.action != CommentAction::Created {
                return FromEvent::Ignore(
                    "only new comments count; edited or deleted `/revert` comments are ignored"
                        .into(),
                );
            }
            if c.author_is_bot {
                return FromEvent::Ignore(format!(
                    "`/revert` from the bot {} is ignored",
                    c.author
                ));
            }
            if !c.is_pull_request {
                return FromEvent::Ignore(format!(
                    "#{} is an issue, not a pull request: `/revert` works on merged pull requests",
                    c.issue_number
                ));
            }
            if !config.triggers_on(RevertTrigger::Comment) {
                return FromEvent::Ignore(
                    "`revert.on` in .shipline.yml does not include `comment`".into(),
                );
            }
            FromEvent::Revert {
                target: Target::Pr(c.issue_number),
                why: Why::Comment {
                    author: c.author.clone(),
                    url: c.html_url.clone(),
                },
                reason,
                comment_on: Some(c.issue_number),
                note: None,
            }
        }
        EventDetails::Note(n) => from_note(ctx, config, n),
        EventDetails::DeploymentStatus(d) => {
            if !d.is_failure() {
                return FromEvent::Ignore(format!(
                    "deployment {} is `{}`, not failed",
                    d.deployment_id, d.state
                ));
            }
            if !config.triggers_on(RevertTrigger::DeploymentFailure) {
                return FromEvent::Ignore(
                    "`revert.on` in .shipline.yml does not include `deployment_failure`".into(),
                );
            }
            FromEvent::Revert {
                target: Target::Deployment(d.deployment_id.to_string()),
                why: Why::Deployment {
                    environment: d.environment.clone(),
                    id: d.deployment_id.to_string(),
                    state: d.state.clone(),
                    url: d.log_url.clone().or_else(|| d.target_url.clone()),
                },
                reason: d.description.clone().filter(|s| !s.trim().is_empty()),
                comment_on: None,
                note: None,
            }
        }
        EventDetails::WorkflowRun(run) => {
            if !run.is_failure() {
                return FromEvent::Ignore(format!(
                    "workflow run {} concluded `{}`, not failed",
                    run.run_id,
                    run.conclusion.as_deref().unwrap_or("unfinished")
                ));
            }
            if run.head_branch.as_deref() != Some(default_branch) {
                return FromEvent::Ignore(format!(
                    "workflow run {} failed on `{}`, not on the default branch `{default_branch}`",
                    run.run_id,
                    run.head_branch.as_deref().unwrap_or("?")
                ));
            }
            if !config.triggers_on(RevertTrigger::WorkflowFailure) {
                return FromEvent::Ignore(
                    "`revert.on` in .shipline.yml does not include `workflow_failure`".into(),
                );
            }
            FromEvent::Revert {
                target: Target::Sha(run.head_sha.clone()),
                why: Why::Workflow {
                    name: run.workflow_name.clone(),
                    url: run.html_url.clone(),
                    sha: run.head_sha.clone(),
                },
                reason: None,
                comment_on: None,
                note: None,
            }
        }
        _ => FromEvent::Ignore(format!(
            "no target given (--sha, --pr, --range or --deployment) and the `{}` event does not ask for a revert",
            ctx.event.as_str()
        )),
    }
}

/// A GitLab note from a trigger payload: the same rules as a GitHub comment, judged on what the
/// payload says (nothing is asked of GitLab for a note that is ignored anyway); the note is read
/// back later ([`NoteCheck`]).
fn from_note(ctx: &CiContext, config: &RevertConfig, n: &NoteEvent) -> FromEvent {
    let Some(reason) = revert_command(&n.body) else {
        return FromEvent::Ignore("the note is not a `/revert` command".into());
    };
    if n.action != CommentAction::Created {
        return FromEvent::Ignore(
            "only new notes count; edited `/revert` notes are ignored".into(),
        );
    }
    if n.system {
        return FromEvent::Ignore("GitLab's own system notes are ignored".into());
    }
    if is_bot_username(&n.author) {
        return FromEvent::Ignore(format!("`/revert` from the bot {} is ignored", n.author));
    }
    let Some(iid) = n.number.filter(|_| n.is_merge_request()) else {
        return FromEvent::Ignore(format!(
            "the note is on a {}, not a merge request: `/revert` works on merged merge requests",
            if n.noteable_type.is_empty() {
                "thing GitLab did not name"
            } else {
                n.noteable_type.as_str()
            }
        ));
    };
    let here = ctx.repo.as_ref().map(|r| r.full_name());
    if let (Some(there), Some(here)) = (&n.project_path, &here)
        && !there.eq_ignore_ascii_case(here)
    {
        return FromEvent::Refuse(format!(
            "the `/revert` note is on !{iid} of `{there}`, but this pipeline runs for `{here}`: a fork's or another project's merge request cannot be reverted here; point the comment webhook of `{here}` itself at its pipeline trigger"
        ));
    }
    if !config.triggers_on(RevertTrigger::Comment) {
        return FromEvent::Ignore("`revert.on` in .shipline.yml does not include `comment`".into());
    }
    FromEvent::Revert {
        target: Target::Pr(iid),
        why: Why::Comment {
            author: n.author.clone(),
            url: n.url.clone(),
        },
        reason,
        comment_on: Some(iid),
        note: Some(NoteCheck {
            note_id: n.note_id,
            body: n.body.clone(),
        }),
    }
}

/// `Some(reason)` when the comment's first line is `/revert [reason]`.
pub fn revert_command(body: &str) -> Option<Option<String>> {
    let first = body.trim_start().lines().next()?.trim();
    let rest = first.strip_prefix("/revert")?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let rest = rest.trim();
    Some((!rest.is_empty()).then(|| rest.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revert_command_takes_the_first_line_only() {
        assert_eq!(revert_command("/revert"), Some(None));
        assert_eq!(
            revert_command("  /revert breaks login\nmore text"),
            Some(Some("breaks login".into()))
        );
        assert_eq!(revert_command("/reverted it"), None);
        assert_eq!(revert_command("please /revert"), None);
    }
}
