//! Which CI system runs shipline.

use serde::Serialize;

/// Which CI system (if any) runs shipline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// GitHub Actions (`GITHUB_ACTIONS=true`).
    GitHubActions,
    /// GitLab CI (`GITLAB_CI=true`).
    GitLabCi,
    /// Anything else: a developer's machine or another CI.
    Local,
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Runtime::GitHubActions => "GitHub Actions",
            Runtime::GitLabCi => "GitLab CI",
            Runtime::Local => "local",
        })
    }
}
