//! Local detection: a git checkout, its `origin` remote and `HEAD`.
//!
//! On a developer machine (or a CI shipline does not know) there is no event, only a
//! repository. The forge and repository come from the `origin` URL; API URLs default to the
//! forge's public layout and can be pointed elsewhere with the same variables CI uses.

use std::path::Path;

use super::ci_context::CiContext;
use super::error::ContextError;
use super::event::{EventDetails, EventKind};
use super::remote::parse_remote_url;
use super::runtime::Runtime;
use super::vars::{Vars, parse_forge_override};
use crate::forge::ForgeKind;
use crate::git::Git;

pub(super) fn detect(vars: &Vars<'_>, cwd: &Path) -> Result<CiContext, ContextError> {
    // Five independent questions, asked at once from `cwd` (git finds the repository from any
    // directory inside it): one git start-up's wait instead of five.
    let here = Git::new(cwd);
    let ask = |args: &'static [&'static str]| {
        let here = &here;
        move || {
            here.run(args)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        }
    };
    let (git, origin, head_sha, branch, origin_head) = std::thread::scope(|scope| {
        let git = scope.spawn(|| Git::discover(cwd));
        let origin = scope.spawn(|| here.remote_url("origin"));
        // An unborn branch (no commit yet) has no HEAD commit; that is a state, not an error.
        let head = scope.spawn(ask(&["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]));
        let branch = scope.spawn(ask(&["symbolic-ref", "--quiet", "--short", "HEAD"]));
        let origin_head = ask(&["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"])();
        let join = |h: std::thread::ScopedJoinHandle<'_, Option<String>>| h.join().ok().flatten();
        (
            git.join(),
            origin.join().unwrap_or(Ok(None)),
            join(head),
            join(branch),
            origin_head,
        )
    });
    let git = match git {
        Ok(found) => found?,
        Err(_) => Git::discover(cwd)?,
    };
    let remote = origin?.as_deref().and_then(parse_remote_url);
    let forge = parse_forge_override(vars)?.or_else(|| remote.as_ref()?.forge());
    let server_url = remote.as_ref().map(|r| r.web_url());
    let (api_url, graphql_url) = match (forge, &server_url) {
        (Some(ForgeKind::GitHub), server) => {
            let api = vars.owned("GITHUB_API_URL").or_else(|| {
                server.as_ref().map(|s| {
                    if s == "https://github.com" {
                        "https://api.github.com".to_string()
                    } else {
                        format!("{s}/api/v3")
                    }
                })
            });
            let graphql = vars
                .owned("GITHUB_GRAPHQL_URL")
                .or_else(|| api.as_deref().map(super::github::default_graphql_url));
            (api, graphql)
        }
        (Some(ForgeKind::GitLab), server) => (
            vars.owned("CI_API_V4_URL")
                .or_else(|| server.as_ref().map(|s| format!("{s}/api/v4"))),
            vars.owned("CI_API_GRAPHQL_URL")
                .or_else(|| server.as_ref().map(|s| format!("{s}/api/graphql"))),
        ),
        (None, _) => (None, None),
    };

    let default_branch =
        origin_head.and_then(|s| s.strip_prefix("refs/remotes/origin/").map(str::to_string));

    Ok(CiContext {
        runtime: Runtime::Local,
        forge,
        repo: remote.as_ref().and_then(|r| r.repo()),
        server_url,
        api_url,
        graphql_url,
        event: EventKind::Other("local".into()),
        base_sha: None,
        head_sha,
        number: None,
        actor: None,
        default_branch,
        git_ref: branch.as_ref().map(|b| format!("refs/heads/{b}")),
        branch,
        tag: None,
        run_url: None,
        workspace: git.dir().to_path_buf(),
        details: EventDetails::None,
    })
}
