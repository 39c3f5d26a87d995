//! GitLab CI detection from the predefined `CI_*` variables.
//!
//! GitLab has no event payload file: everything comes from variables, except for a pipeline
//! started by a comment through a pipeline trigger, which carries the comment in
//! `TRIGGER_PAYLOAD` ([`super::gitlab_note`]). The traps are the all-zeros `CI_COMMIT_BEFORE_SHA`
//! (new branches, tags, MR pipelines, manual and scheduled runs: no base), and merged-results
//! pipelines, where `CI_COMMIT_SHA` is a merge commit and the source branch head is in
//! `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`.

use std::path::Path;

use super::ci_context::CiContext;
use super::error::ContextError;
use super::event::*;
use super::runtime::Runtime;
use super::vars::Vars;
use crate::forge::ForgeKind;
use crate::variable::InvalidVar;

const RT: Runtime = Runtime::GitLabCi;

pub(super) fn detect(vars: &Vars<'_>, cwd: &Path) -> Result<CiContext, ContextError> {
    let path = vars.require(
        "CI_PROJECT_PATH",
        RT,
        "run shipline in a job script, where the runner sets the predefined variables",
    )?;
    let repo = vars.repo("CI_PROJECT_PATH", path, true)?;
    let workspace = vars
        .get("CI_PROJECT_DIR")
        .map_or_else(|| cwd.to_path_buf(), std::path::PathBuf::from);
    let before = vars.sha("CI_COMMIT_BEFORE_SHA")?;
    let server_url = vars
        .owned("CI_SERVER_URL")
        .map(|u| u.trim_end_matches('/').to_string());
    let api_url = vars
        .owned("CI_API_V4_URL")
        .map(|u| u.trim_end_matches('/').to_string())
        .or_else(|| server_url.as_ref().map(|s| format!("{s}/api/v4")));
    let graphql_url = vars
        .owned("CI_API_GRAPHQL_URL")
        .or_else(|| server_url.as_ref().map(|s| format!("{s}/api/graphql")));
    let head = vars.sha("CI_COMMIT_SHA")?;
    let tag = vars.owned("CI_COMMIT_TAG");
    let event = vars.get("CI_PIPELINE_SOURCE").map_or_else(
        || EventKind::Other("unknown".into()),
        EventKind::from_gitlab,
    );
    let git_ref = match (&tag, vars.get("CI_COMMIT_BRANCH")) {
        (Some(tag), _) => Some(format!("refs/tags/{tag}")),
        (None, Some(branch)) => Some(format!("refs/heads/{branch}")),
        (None, None) => vars.owned("CI_MERGE_REQUEST_REF_PATH"),
    };

    let mut ctx = CiContext {
        runtime: RT,
        forge: Some(ForgeKind::GitLab),
        repo: Some(repo),
        server_url,
        api_url,
        graphql_url,
        event,
        base_sha: before,
        head_sha: head.clone(),
        number: None,
        actor: vars.owned("GITLAB_USER_LOGIN"),
        default_branch: vars.owned("CI_DEFAULT_BRANCH"),
        git_ref,
        branch: vars.owned("CI_COMMIT_BRANCH"),
        tag,
        run_url: vars
            .owned("CI_PIPELINE_URL")
            .or_else(|| vars.owned("CI_JOB_URL")),
        workspace,
        details: EventDetails::None,
    };

    if let Some(iid) = vars.get("CI_MERGE_REQUEST_IID") {
        let number = iid.parse::<u64>().map_err(|_| {
            ContextError::InvalidVar(InvalidVar {
                var: "CI_MERGE_REQUEST_IID",
                value: iid.to_string(),
                expected: "a number",
            })
        })?;
        let head_sha = vars
            .sha("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")?
            .or(head)
            .ok_or(ContextError::MissingVar {
                var: "CI_COMMIT_SHA",
                runtime: RT,
                hint: "run shipline in a job script, where the runner sets it",
            })?;
        let base_sha = vars.sha("CI_MERGE_REQUEST_DIFF_BASE_SHA")?;
        let head_ref = vars
            .owned("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
            .or_else(|| vars.owned("CI_COMMIT_REF_NAME"))
            .unwrap_or_default();
        let from_fork = match (
            vars.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID"),
            vars.get("CI_MERGE_REQUEST_PROJECT_ID"),
        ) {
            (Some(source), Some(target)) => source != target,
            _ => false,
        };
        let pr = PullRequestEvent {
            action: None,
            number,
            title: vars.owned("CI_MERGE_REQUEST_TITLE").unwrap_or_default(),
            author: None,
            base_ref: vars
                .owned("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
                .unwrap_or_default(),
            base_sha: base_sha.clone(),
            head_ref: head_ref.clone(),
            head_sha: head_sha.clone(),
            from_fork,
            merged: false,
            // GitLab before 17.10 has no CI_MERGE_REQUEST_DRAFT: the title tells then.
            draft: match vars.get("CI_MERGE_REQUEST_DRAFT") {
                Some(_) => vars.flag("CI_MERGE_REQUEST_DRAFT"),
                None => crate::forge::gitlab::is_draft_title(
                    vars.get("CI_MERGE_REQUEST_TITLE").unwrap_or_default(),
                ),
            },
        };
        // Branch pipelines with an open MR also carry CI_MERGE_REQUEST_IID on some setups; only
        // an MR pipeline takes its range from the MR.
        if ctx.event == EventKind::MergeRequest {
            ctx.number = Some(number);
            ctx.base_sha = base_sha;
            ctx.head_sha = Some(head_sha);
            ctx.branch = Some(head_ref);
            ctx.details = EventDetails::PullRequest(pr);
            return Ok(ctx);
        }
    }

    if let Some(note) = super::gitlab_note::from_trigger(vars)? {
        ctx.event = EventKind::Note;
        ctx.number = note.number;
        ctx.details = EventDetails::Note(note);
        return Ok(ctx);
    }

    if ctx.event == EventKind::Push {
        ctx.details = EventDetails::Push(PushEvent {
            git_ref: ctx.git_ref.clone().unwrap_or_default(),
            before: ctx.base_sha.clone(),
            after: ctx.head_sha.clone(),
            created: ctx.base_sha.is_none(),
            deleted: false,
            forced: false,
        });
    }
    Ok(ctx)
}
