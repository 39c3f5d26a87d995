//! How to reach a forge: base URLs, the token and the retry policy, with the defaults each
//! forge's CI system provides through its variables.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::forge::github::endpoint as github;
use crate::forge::gitlab::endpoint as gitlab;
use crate::forge::retry::RetryPolicy;
use crate::forge::types::{ForgeKind, RepoId};
use crate::secret::Secret;

/// How to reach a forge.
#[derive(Debug, Clone)]
pub struct ForgeConfig {
    /// Which forge.
    pub kind: ForgeKind,
    /// The repository (project) everything happens in.
    pub repo: RepoId,
    /// REST base, e.g. `https://api.github.com`, `https://ghe.example/api/v3`,
    /// `https://gitlab.example/api/v4`.
    pub api_url: String,
    /// GraphQL endpoint, e.g. `https://api.github.com/graphql`, `https://ghe.example/api/graphql`.
    pub graphql_url: String,
    /// Token, if any. Reads work on public repositories without one; writes need one.
    pub token: Option<Secret>,
    /// Where the token came from (`GITHUB_TOKEN`, `CI_JOB_TOKEN`, ...), for messages.
    pub token_source: Option<&'static str>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retry policy for transient failures.
    pub retry: RetryPolicy,
}

impl ForgeConfig {
    /// GitHub defaults from the process environment; see [`ForgeConfig::github_from_vars`].
    pub fn github_from_env(repo: RepoId) -> Self {
        Self::github_from_vars(repo, &std::env::vars().collect())
    }

    /// GitHub defaults: base URLs from `GITHUB_API_URL` / `GITHUB_GRAPHQL_URL`, else github.com;
    /// token from `GITHUB_TOKEN`, else `GH_TOKEN`.
    pub fn github_from_vars(repo: RepoId, vars: &BTreeMap<String, String>) -> Self {
        let api_url = var_or(vars, "GITHUB_API_URL", "https://api.github.com");
        let graphql_url = var(vars, "GITHUB_GRAPHQL_URL")
            .map(str::to_string)
            .unwrap_or_else(|| github::graphql_url_for(&api_url));
        Self::with_token(
            ForgeKind::GitHub,
            repo,
            api_url,
            graphql_url,
            vars,
            &["GITHUB_TOKEN", "GH_TOKEN"],
        )
    }

    /// GitLab defaults from the process environment; see [`ForgeConfig::gitlab_from_vars`].
    pub fn gitlab_from_env(repo: RepoId) -> Self {
        Self::gitlab_from_vars(repo, &std::env::vars().collect())
    }

    /// GitLab defaults: base URL from `CI_API_V4_URL`, else gitlab.com; token from
    /// `GITLAB_TOKEN`, else `CI_JOB_TOKEN`.
    pub fn gitlab_from_vars(repo: RepoId, vars: &BTreeMap<String, String>) -> Self {
        let api_url = var_or(vars, "CI_API_V4_URL", "https://gitlab.com/api/v4");
        let graphql_url = var(vars, "CI_API_GRAPHQL_URL")
            .map(str::to_string)
            .unwrap_or_else(|| gitlab::graphql_url_for(&api_url));
        Self::with_token(
            ForgeKind::GitLab,
            repo,
            api_url,
            graphql_url,
            vars,
            &["GITLAB_TOKEN", "CI_JOB_TOKEN"],
        )
    }

    fn with_token(
        kind: ForgeKind,
        repo: RepoId,
        api_url: String,
        graphql_url: String,
        vars: &BTreeMap<String, String>,
        token_vars: &[&'static str],
    ) -> Self {
        let found = token_vars
            .iter()
            .find_map(|name| Some((Secret::new(var(vars, name)?)?, *name)));
        Self {
            kind,
            repo,
            api_url,
            graphql_url,
            token: found.as_ref().map(|(secret, _)| secret.clone()),
            token_source: found.map(|(_, name)| name),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

fn var<'a>(vars: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn var_or(vars: &BTreeMap<String, String>, name: &str, default: &str) -> String {
    var(vars, name)
        .map(|v| v.trim_end_matches('/').to_string())
        .unwrap_or_else(|| default.to_string())
}
