//! GitHub Actions detection: `GITHUB_*` variables plus the event payload at `GITHUB_EVENT_PATH`.
//!
//! The variables say where and which event; the payload says what happened. For pull requests
//! the range comes from the payload (`pull_request.base.sha`..`head.sha`) because `GITHUB_SHA` is
//! the test merge commit GitHub made, which is in neither branch.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ci_context::CiContext;
use super::error::ContextError;
use super::event::{self, *};
use super::runtime::Runtime;
use super::vars::{Vars, is_sha, non_zero_sha, split_ref};
use crate::forge::{ForgeKind, RepoId};
use crate::variable::InvalidVar;

const RT: Runtime = Runtime::GitHubActions;

pub(super) fn detect(vars: &Vars<'_>, cwd: &Path) -> Result<CiContext, ContextError> {
    let full_name = vars.require(
        "GITHUB_REPOSITORY",
        RT,
        "run shipline in a workflow step, or set GITHUB_REPOSITORY=owner/repo",
    )?;
    let repo = vars.repo("GITHUB_REPOSITORY", full_name, false)?;
    let head_sha = vars.sha("GITHUB_SHA")?;
    let workspace = vars.workspace("GITHUB_WORKSPACE", cwd)?;
    let event_name = vars.require(
        "GITHUB_EVENT_NAME",
        RT,
        "run shipline in a workflow step, where the runner sets it",
    )?;
    let event_path = PathBuf::from(vars.require(
        "GITHUB_EVENT_PATH",
        RT,
        "run shipline in a workflow step, where the runner writes the event payload",
    )?);
    let payload = Payload::read(event_name, &event_path)?;

    let server_url = vars
        .get("GITHUB_SERVER_URL")
        .unwrap_or("https://github.com")
        .trim_end_matches('/')
        .to_string();
    let api_url = vars
        .get("GITHUB_API_URL")
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| default_api_url(&server_url));
    let graphql_url = vars
        .owned("GITHUB_GRAPHQL_URL")
        .unwrap_or_else(|| default_graphql_url(&api_url));
    let run_url = run_url(vars, &server_url, &repo)?;
    let git_ref = vars.owned("GITHUB_REF");
    let (mut branch, tag) = git_ref.as_deref().map(split_ref).unwrap_or_default();
    if let Some(head_ref) = vars.owned("GITHUB_HEAD_REF") {
        branch = Some(head_ref);
    }

    let event = EventKind::from_github(event_name);
    let mut ctx = CiContext {
        runtime: RT,
        forge: Some(ForgeKind::GitHub),
        repo: Some(repo),
        server_url: Some(server_url),
        api_url: Some(api_url),
        graphql_url: Some(graphql_url),
        event: event.clone(),
        base_sha: None,
        head_sha,
        number: None,
        actor: vars
            .owned("GITHUB_ACTOR")
            .or_else(|| payload.opt_str("sender.login")),
        default_branch: payload.opt_str("repository.default_branch"),
        git_ref,
        branch,
        tag,
        run_url,
        workspace,
        details: EventDetails::None,
    };

    match event {
        EventKind::PullRequest | EventKind::PullRequestTarget => {
            let pr = pull_request(&payload, &ctx)?;
            ctx.base_sha = pr.base_sha.clone();
            ctx.head_sha = Some(pr.head_sha.clone());
            ctx.number = Some(pr.number);
            ctx.branch = Some(pr.head_ref.clone());
            ctx.details = EventDetails::PullRequest(pr);
        }
        EventKind::Push => {
            let push = push(&payload, &ctx)?;
            ctx.base_sha = push.before.clone();
            if push.after.is_some() {
                ctx.head_sha = push.after.clone();
            }
            let (branch, tag) = split_ref(&push.git_ref);
            ctx.branch = branch.or(ctx.branch);
            ctx.tag = tag.or(ctx.tag);
            ctx.git_ref = Some(push.git_ref.clone());
            ctx.details = EventDetails::Push(push);
        }
        EventKind::IssueComment => {
            let comment = issue_comment(&payload)?;
            ctx.number = Some(comment.issue_number);
            ctx.details = EventDetails::IssueComment(comment);
        }
        EventKind::DeploymentStatus => {
            let status = deployment_status(&payload)?;
            ctx.head_sha = Some(status.sha.clone());
            ctx.details = EventDetails::DeploymentStatus(status);
        }
        EventKind::WorkflowRun => {
            let run = workflow_run(&payload)?;
            ctx.head_sha = Some(run.head_sha.clone());
            ctx.details = EventDetails::WorkflowRun(run);
        }
        _ => {}
    }
    Ok(ctx)
}

/// GitHub.com serves its API on `api.github.com`; GitHub Enterprise Server under `/api/v3`.
fn default_api_url(server_url: &str) -> String {
    if server_url == "https://github.com" {
        "https://api.github.com".to_string()
    } else {
        format!("{server_url}/api/v3")
    }
}

/// GitHub.com: `https://api.github.com/graphql`; GitHub Enterprise Server serves GraphQL at
/// `/api/graphql`, next to (not under) `/api/v3`.
pub(super) fn default_graphql_url(api_url: &str) -> String {
    let api_url = api_url.trim_end_matches('/');
    match api_url.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => format!("{api_url}/graphql"),
    }
}

fn run_url(
    vars: &Vars<'_>,
    server_url: &str,
    repo: &RepoId,
) -> Result<Option<String>, ContextError> {
    let Some(id) = vars.get("GITHUB_RUN_ID") else {
        return Ok(None);
    };
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ContextError::InvalidVar(InvalidVar {
            var: "GITHUB_RUN_ID",
            value: id.to_string(),
            expected: "a number",
        }));
    }
    let base = format!("{server_url}/{}/actions/runs/{id}", repo.full_name());
    Ok(Some(match vars.get("GITHUB_RUN_ATTEMPT") {
        Some(attempt) if attempt != "1" && attempt.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{base}/attempts/{attempt}")
        }
        _ => base,
    }))
}

/// The parsed payload plus what error messages need to name it.
struct Payload {
    event: String,
    path: PathBuf,
    json: Value,
}

impl Payload {
    fn read(event: &str, path: &Path) -> Result<Self, ContextError> {
        let text = std::fs::read_to_string(path).map_err(|source| ContextError::PayloadRead {
            path: path.to_path_buf(),
            source,
        })?;
        let json = serde_json::from_str(&text).map_err(|err| ContextError::PayloadParse {
            path: path.to_path_buf(),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        })?;
        Ok(Self {
            event: event.to_string(),
            path: path.to_path_buf(),
            json,
        })
    }

    fn at(&self, field: &str) -> Option<&Value> {
        let pointer = format!("/{}", field.replace('.', "/"));
        self.json.pointer(&pointer).filter(|v| !v.is_null())
    }

    fn missing(&self, field: &str) -> ContextError {
        ContextError::PayloadField {
            event: self.event.clone(),
            path: self.path.clone(),
            field: field.to_string(),
        }
    }

    fn str(&self, field: &str) -> Result<String, ContextError> {
        self.at(field)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| self.missing(field))
    }

    /// A full commit id (40 or 64 hex digits), lower-cased; anything else is refused, so a
    /// forged or broken payload cannot pass git an option or a range as a commit.
    fn sha(&self, field: &str) -> Result<String, ContextError> {
        let value = self.str(field)?;
        self.checked_sha(field, value)
    }

    /// [`Payload::sha`] for a field that may be absent or empty; all zeros count as absent.
    fn opt_sha(&self, field: &str) -> Result<Option<String>, ContextError> {
        match self.opt_str(field).as_deref().and_then(non_zero_sha) {
            None => Ok(None),
            Some(value) => self.checked_sha(field, value).map(Some),
        }
    }

    fn checked_sha(&self, field: &str, value: String) -> Result<String, ContextError> {
        if is_sha(&value) {
            return Ok(value.to_ascii_lowercase());
        }
        Err(ContextError::PayloadValue {
            event: self.event.clone(),
            path: self.path.clone(),
            field: field.to_string(),
            value: value.chars().filter(|c| !c.is_control()).take(80).collect(),
            expected: "a full commit SHA (40 or 64 hex digits)",
        })
    }

    fn u64(&self, field: &str) -> Result<u64, ContextError> {
        self.at(field)
            .and_then(Value::as_u64)
            .ok_or_else(|| self.missing(field))
    }

    /// An optional string; empty strings count as absent (GitHub sends `""` for unset URLs).
    fn opt_str(&self, field: &str) -> Option<String> {
        self.at(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    fn bool(&self, field: &str) -> bool {
        self.at(field).and_then(Value::as_bool).unwrap_or(false)
    }
}

fn pull_request(payload: &Payload, ctx: &CiContext) -> Result<PullRequestEvent, ContextError> {
    let head_repo = payload.opt_str("pull_request.head.repo.full_name");
    let base_repo = payload
        .opt_str("pull_request.base.repo.full_name")
        .or_else(|| ctx.repo.as_ref().map(RepoId::full_name));
    Ok(PullRequestEvent {
        action: payload.opt_str("action"),
        number: payload.u64("pull_request.number")?,
        title: payload.str("pull_request.title")?,
        author: payload.opt_str("pull_request.user.login"),
        base_ref: payload.str("pull_request.base.ref")?,
        base_sha: Some(payload.sha("pull_request.base.sha")?),
        head_ref: payload.str("pull_request.head.ref")?,
        head_sha: payload.sha("pull_request.head.sha")?,
        // A deleted fork shows as `head.repo: null`; treat it as a fork, the cautious reading.
        from_fork: match (&head_repo, &base_repo) {
            (Some(head), Some(base)) => !head.eq_ignore_ascii_case(base),
            _ => true,
        },
        merged: payload.bool("pull_request.merged"),
        draft: payload.bool("pull_request.draft"),
    })
}

fn push(payload: &Payload, ctx: &CiContext) -> Result<PushEvent, ContextError> {
    let git_ref = payload
        .opt_str("ref")
        .or_else(|| ctx.git_ref.clone())
        .ok_or_else(|| payload.missing("ref"))?;
    Ok(PushEvent {
        git_ref,
        before: payload.opt_sha("before")?,
        after: payload.opt_sha("after")?,
        created: payload.bool("created"),
        deleted: payload.bool("deleted"),
        forced: payload.bool("forced"),
    })
}

fn issue_comment(payload: &Payload) -> Result<IssueCommentEvent, ContextError> {
    let author = payload.str("comment.user.login")?;
    let author_is_bot =
        payload.opt_str("comment.user.type").as_deref() == Some("Bot") || author.ends_with("[bot]");
    Ok(IssueCommentEvent {
        action: event::comment_action(&payload.str("action")?),
        comment_id: payload.u64("comment.id")?,
        body: payload.opt_str("comment.body").unwrap_or_default(),
        author,
        author_is_bot,
        author_association: payload.opt_str("comment.author_association"),
        issue_number: payload.u64("issue.number")?,
        is_pull_request: payload.at("issue.pull_request").is_some(),
        html_url: payload.opt_str("comment.html_url"),
    })
}

fn deployment_status(payload: &Payload) -> Result<DeploymentStatusEvent, ContextError> {
    Ok(DeploymentStatusEvent {
        state: payload.str("deployment_status.state")?,
        environment: payload
            .opt_str("deployment_status.environment")
            .map_or_else(|| payload.str("deployment.environment"), Ok)?,
        deployment_id: payload.u64("deployment.id")?,
        sha: payload.sha("deployment.sha")?,
        git_ref: payload.opt_str("deployment.ref"),
        target_url: payload.opt_str("deployment_status.target_url"),
        log_url: payload.opt_str("deployment_status.log_url"),
        environment_url: payload.opt_str("deployment_status.environment_url"),
        description: payload.opt_str("deployment_status.description"),
    })
}

fn workflow_run(payload: &Payload) -> Result<WorkflowRunEvent, ContextError> {
    // `workflow_run.name` is the run's display name; older payloads leave it empty and carry
    // the workflow's name under `workflow.name`.
    let workflow_name = payload
        .opt_str("workflow_run.name")
        .or_else(|| payload.opt_str("workflow.name"))
        .ok_or_else(|| payload.missing("workflow_run.name"))?;
    Ok(WorkflowRunEvent {
        action: payload.str("action")?,
        run_id: payload.u64("workflow_run.id")?,
        conclusion: payload.opt_str("workflow_run.conclusion"),
        head_branch: payload.opt_str("workflow_run.head_branch"),
        head_sha: payload.sha("workflow_run.head_sha")?,
        event: payload.str("workflow_run.event")?,
        html_url: payload.str("workflow_run.html_url")?,
        workflow_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_api_defaults_to_api_v3() {
        assert_eq!(
            default_api_url("https://github.com"),
            "https://api.github.com"
        );
        assert_eq!(
            default_api_url("https://ghe.acme.corp"),
            "https://ghe.acme.corp/api/v3"
        );
        assert_eq!(
            default_graphql_url("https://ghe.acme.corp/api/v3/"),
            "https://ghe.acme.corp/api/graphql"
        );
        assert_eq!(
            default_graphql_url("https://api.github.com"),
            "https://api.github.com/graphql"
        );
    }
}
