//! Making the revert commits, in a throw-away work tree.
//!
//! The revert is built in a temporary `git worktree` on the default branch's tip, so the user's
//! checkout (and whatever is uncommitted in it) is never touched. Each commit is reverted with
//! `git revert` (`-m 1` for merge commits), newest first, so every message carries git's own
//! `This reverts commit <sha>` line that later runs look for. The branch only comes into existence
//! when every commit reverted cleanly; a conflict aborts and reports the files instead.

use std::path::PathBuf;

use shipline_core::git::{Git, GitError};
use shipline_core::sha::{UNIQUE, prefix};

use crate::culprit::Culprit;
use crate::error::RevertError;

/// What `git revert` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Every commit reverted; the branch points at the last revert commit.
    Created {
        /// The branch's tip.
        tip: String,
    },
    /// A commit could not be reverted cleanly.
    Conflict {
        /// The commit that conflicted.
        sha: String,
        /// Files with conflicts.
        files: Vec<String>,
    },
    /// The reverts changed nothing: the default branch no longer has these changes.
    Empty,
}

/// Identity used for revert commits when the checkout has none (CI runners usually do not).
const FALLBACK_NAME: &str = "shipline";
const FALLBACK_EMAIL: &str = "shipline@users.noreply.github.com";

/// Reverts the culprit's commits on top of `base_rev` and creates `branch` at the result.
pub fn revert_onto(
    git: &Git,
    culprit: &Culprit,
    base_rev: &str,
    branch: &str,
) -> Result<Applied, RevertError> {
    let tmp = tempdir_in_git(git)?;
    let tree = tmp.join("tree");
    let tree_str = tree.to_string_lossy().to_string();
    git.run([
        "worktree", "add", "--quiet", "--detach", &tree_str, base_rev,
    ])?;
    let result = revert_in(git, &Git::new(&tree), culprit, branch);
    let _ = git.run(["worktree", "remove", "--force", &tree_str]);
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = git.run(["worktree", "prune"]);
    result
}

fn revert_in(
    repo: &Git,
    tree: &Git,
    culprit: &Culprit,
    branch: &str,
) -> Result<Applied, RevertError> {
    let identity = identity_args(repo)?;
    let start = tree.resolve("HEAD")?;
    for commit in &culprit.commits {
        let mut args: Vec<String> = identity.clone();
        args.extend(["revert".into(), "--no-edit".into()]);
        if commit.merge {
            args.extend(["-m".into(), "1".into()]);
        }
        args.push(commit.sha.clone());
        match tree.output(&args) {
            Ok(_) => {}
            Err(GitError::Command { stderr, .. }) => {
                let files: Vec<String> = tree
                    .run(["diff", "--name-only", "--diff-filter=U"])
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_string)
                    .collect();
                if files.is_empty() && nothing_to_commit(tree, &stderr) {
                    // This commit's changes are gone already; the others may still apply.
                    let _ = tree.run(["revert", "--skip"]);
                    continue;
                }
                let _ = tree.run(["revert", "--abort"]);
                if files.is_empty() {
                    return Err(RevertError::Git(GitError::Command {
                        args: format!("revert {}", prefix(&commit.sha, UNIQUE)),
                        dir: tree.dir().display().to_string(),
                        stderr,
                        code: None,
                    }));
                }
                return Ok(Applied::Conflict {
                    sha: commit.sha.clone(),
                    files,
                });
            }
            Err(other) => return Err(other.into()),
        }
    }
    let tip = tree.resolve("HEAD")?;
    if tip == start {
        return Ok(Applied::Empty);
    }
    repo.run(["branch", "--force", branch, &tip])?;
    Ok(Applied::Created { tip })
}

fn nothing_to_commit(tree: &Git, stderr: &str) -> bool {
    stderr.contains("nothing to commit")
        || stderr.contains("nothing added to commit")
        || tree
            .run(["status", "--porcelain", "--untracked-files=no"])
            .is_ok_and(|s| s.trim().is_empty())
}

fn identity_args(git: &Git) -> Result<Vec<String>, RevertError> {
    let mut args = Vec::new();
    let has = |key: &str| {
        git.run(["config", "--get", key])
            .is_ok_and(|v| !v.trim().is_empty())
    };
    if !has("user.name") {
        args.extend(["-c".to_string(), format!("user.name={FALLBACK_NAME}")]);
    }
    if !has("user.email") {
        args.extend(["-c".to_string(), format!("user.email={FALLBACK_EMAIL}")]);
    }
    Ok(args)
}

/// A fresh directory inside `.git` (same file system, never part of the work tree).
fn tempdir_in_git(git: &Git) -> Result<PathBuf, RevertError> {
    let common = git.run(["rev-parse", "--path-format=absolute", "--git-common-dir"])?;
    let dir = PathBuf::from(common.trim()).join("shipline-revert");
    let unique = dir.join(format!("run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&unique);
    std::fs::create_dir_all(&unique).map_err(|source| RevertError::WorkDir { dir, source })?;
    Ok(unique)
}

/// Whether `branch` exists on `origin`, and where it points.
pub fn remote_branch(git: &Git, branch: &str) -> Result<Option<String>, RevertError> {
    if git.remote_url("origin")?.is_none() {
        return Ok(None);
    }
    let out = git.run([
        "ls-remote",
        "--heads",
        "origin",
        &format!("refs/heads/{branch}"),
    ])?;
    Ok(out
        .lines()
        .find_map(|l| l.split_whitespace().next())
        .map(str::to_string))
}

/// Pushes `branch` to `origin` under the same name: never forced, never the default branch.
pub fn push_branch(git: &Git, branch: &str, base: &str) -> Result<(), RevertError> {
    if branch == base || !branch.starts_with("shipline/revert-") {
        return Err(RevertError::Refused(format!(
            "refusing to push `{branch}`: shipline only pushes its own revert branches, never `{base}`"
        )));
    }
    git.run([
        "push",
        "--quiet",
        "origin",
        &format!("refs/heads/{branch}:refs/heads/{branch}"),
    ])?;
    Ok(())
}

/// How pushing a new revert branch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// This run pushed it.
    Now,
    /// The push was refused because the branch appeared on `origin` meanwhile: a run that started
    /// at the same time pushed its own revert first. Its branch is kept and used.
    ByAnother,
}

/// Pushes the new revert `branch` (never forced). A refused push is checked against `origin`:
/// when the branch is there now, another run made it (the push lost a race, which is fine);
/// otherwise the push failed for want of access, the local branch is removed again so nothing is
/// left half-made, and the error says which permission to grant.
pub fn push_new_branch(git: &Git, branch: &str, base: &str) -> Result<Pushed, RevertError> {
    let err = match push_branch(git, branch, base) {
        Ok(()) => return Ok(Pushed::Now),
        Err(err) => err,
    };
    let _ = git.run(["branch", "-D", branch]);
    if remote_branch(git, branch)?.is_some() {
        return Ok(Pushed::ByAnother);
    }
    match err {
        RevertError::Git(GitError::Command { stderr, .. }) => Err(RevertError::Push {
            branch: branch.to_string(),
            message: stderr,
        }),
        other => Err(other),
    }
}

/// Deletes the revert branch from `origin` (after the PR could not be opened).
pub fn delete_remote_branch(git: &Git, branch: &str) -> Result<(), RevertError> {
    git.run([
        "push",
        "--quiet",
        "origin",
        "--delete",
        &format!("refs/heads/{branch}"),
    ])?;
    Ok(())
}
