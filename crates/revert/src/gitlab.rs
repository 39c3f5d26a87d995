//! Revert merge requests on GitLab, made on the server: GitLab's commit revert API checks each
//! revert with `dry_run` first and then commits it onto a new branch, so the job needs no push
//! access to the repository, only a project access token (`GITLAB_TOKEN`).

use shipline_core::forge::ForgeError;
use shipline_core::forge::gitlab::{CommitRevert, GitLab};
use shipline_core::sha::{UNIQUE, prefix};

use crate::apply::{self, Applied};
use crate::culprit::Culprit;
use crate::error::RevertError;
use crate::repo::Repo;
use crate::report::Report;

/// What the server-side revert ended with.
pub(crate) enum ServerRevert {
    /// The branch holds every revert commit.
    Ready,
    /// The branch appeared between this run's check and its creation: a run that started at the
    /// same time made it, and its revert commits are that run's to make.
    MadeByAnother,
    /// A revert would conflict (or change nothing): the commit and GitLab's message.
    Refused {
        /// The commit.
        sha: String,
        /// GitLab's message.
        message: String,
    },
}

/// Checks the newest revert against the default branch (where the token may push there),
/// creates `branch` at the default branch's tip, then dry-runs and commits each revert onto it,
/// newest first. A refusal deletes the branch again.
pub(crate) async fn revert_on_server(
    repo: &Repo<'_>,
    gl: &GitLab,
    culprit: &Culprit,
    branch: &str,
) -> Result<ServerRevert, RevertError> {
    let tip = repo.git.resolve(&repo.base_rev)?;
    // The check on the default branch spares a branch (and the pipeline its creation starts)
    // for a revert that would not apply. GitLab wants push access to the branch even for a dry
    // run, which a Developer lacks on a protected default branch: then the dry runs on the new
    // branch below are the check.
    if let Some(first) = culprit.commits.first() {
        match gl.revert_commit(&first.sha, &repo.base, true).await {
            Ok(CommitRevert::Refused(message)) => {
                return Ok(ServerRevert::Refused {
                    sha: first.sha.clone(),
                    message,
                });
            }
            Ok(_) | Err(ForgeError::Forbidden { .. }) => {}
            Err(err) => return Err(err.into()),
        }
    }
    match gl.create_branch(branch, &tip).await {
        Ok(()) => {}
        Err(ForgeError::Invalid {
            status: 400,
            message,
            ..
        }) if message.contains("already exists") => return Ok(ServerRevert::MadeByAnother),
        Err(err) => return Err(err.into()),
    }
    for commit in &culprit.commits {
        for dry_run in [true, false] {
            match gl.revert_commit(&commit.sha, branch, dry_run).await {
                Ok(CommitRevert::Refused(message)) => {
                    gl.delete_branch(branch).await?;
                    return Ok(ServerRevert::Refused {
                        sha: commit.sha.clone(),
                        message,
                    });
                }
                Ok(_) => {}
                Err(err) => {
                    // Leave nothing half-made behind; the next run starts over.
                    let _ = gl.delete_branch(branch).await;
                    return Err(err.into());
                }
            }
        }
    }
    Ok(ServerRevert::Ready)
}

/// The conflicting files of a revert GitLab refused, found by trying it in a local throw-away
/// work tree (nothing is pushed; a clean local result is not kept).
pub(crate) fn conflict_files(
    repo: &Repo<'_>,
    culprit: &Culprit,
    branch: &str,
) -> Result<Option<(String, Vec<String>)>, RevertError> {
    match apply::revert_onto(&repo.git, culprit, &repo.base_rev, branch)? {
        Applied::Conflict { sha, files } => Ok(Some((sha, files))),
        Applied::Created { .. } => {
            repo.git.run(["branch", "-D", branch])?;
            Ok(None)
        }
        Applied::Empty => Ok(None),
    }
}

/// The report for a revert GitLab refused that has no local conflict to show: it changes nothing.
pub(crate) fn refused_without_conflict(mut report: Report, sha: &str, message: &str) -> Report {
    report.skipped = Some(format!(
        "GitLab cannot revert {} onto `{}`: {message}",
        prefix(sha, UNIQUE),
        report.branch.clone().unwrap_or_default()
    ));
    report
}
