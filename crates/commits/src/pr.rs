//! The PR/MR a commit came from, as its message names it: the shared types of the readers in
//! [`crate::merge`] (subjects written by merge tools) and [`crate::trailers`] (body lines).

use serde::Serialize;

/// How a PR/MR number was found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrSource {
    /// GitHub merge commit: `Merge pull request #123 from owner/branch` (Bitbucket Server writes
    /// `Merge pull request #123 in PROJ/repo from branch to main`).
    GithubMerge,
    /// GitHub squash merge: `Title (#123)`, the last `(#N)` at the end of the subject.
    GithubSquash,
    /// GitLab merge commit: `See merge request group/project!42` in the body.
    GitlabMerge,
    /// A merge bot's commit: homu/bors `Auto merge of #123 - owner:branch, r=reviewer` (and its
    /// `Rollup merge of #123`), bors-ng `Merge #123`.
    BotMerge,
    /// Bitbucket Cloud merge commit: `Merged in branch (pull request #123)`.
    BitbucketMerge,
    /// Azure DevOps merge commit: `Merged PR 123: title`.
    AzureMerge,
    /// Gitea or Forgejo merge commit: `Merge pull request 'title' (#123) from branch into main`.
    GiteaMerge,
    /// A trailer a tool writes with the PR's address: `PR-URL:` (Node.js), `Pull Request
    /// resolved:` (ghstack), `Reviewed-on: …/pulls/N` (Gitea, Forgejo), `GitHub-Pull-Request:
    /// owner/repo#N` (Go's gerritbot).
    Trailer,
    /// A maintainer's `PR #123` on a line of references (`Closes #12, PR #123`), or `(PR #123)`
    /// ending the subject.
    PrLine,
}

/// The PR/MR a commit came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrRef {
    /// The PR/MR number (GitLab's IID).
    pub number: u64,
    /// Which convention it was read from.
    pub source: PrSource,
    /// The project path the reference names (`group/sub/project`), when it names one.
    pub project: Option<String>,
    /// The merged branch as written in the message: `owner/branch` on GitHub, `branch` on GitLab.
    pub head: Option<String>,
}

impl PrRef {
    /// A reference without project or branch.
    pub(crate) fn bare(number: u64, source: PrSource) -> PrRef {
        PrRef {
            number,
            source,
            project: None,
            head: None,
        }
    }
}

/// A PR/MR number: ASCII digits only, not zero (no forge numbers from 0), within `u64`.
pub(crate) fn parse_number(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// The leading ASCII digits of `text` as a number, and what follows them.
pub(crate) fn leading_number(text: &str) -> Option<(u64, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    Some((parse_number(&text[..end])?, &text[end..]))
}
