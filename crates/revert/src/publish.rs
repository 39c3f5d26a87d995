//! Publishing a revert: the pull request with its labels and reviewers, the local branch and
//! compare link without a token, the issue for a conflict, and the reply to a `/revert` comment.

use shipline_core::app::App;
use shipline_core::forge::{
    AutoMerge, Forge, ForgeKind, NewIssue, NewPullRequest, PrState, PullRequest,
};
use shipline_core::sha::{UNIQUE, prefix};

use crate::apply;
use crate::body::{self, Why};
use crate::culprit::Culprit;
use crate::error::RevertError;
use crate::repo::Repo;
use crate::report::{Report, Status};

/// Label added to a revert of a revert.
const RELAND_LABEL: &str = "re-land";

pub(crate) async fn open_pr(
    repo: &Repo<'_>,
    forge: &Forge,
    mut report: Report,
    culprit: &Culprit,
    branch: &str,
    pushed_now: bool,
) -> Result<Report, RevertError> {
    let new = NewPullRequest {
        title: report.title.clone().unwrap_or_default(),
        body: report.body.clone().unwrap_or_default(),
        head: branch.to_string(),
        base: repo.base.clone(),
        draft: false,
    };
    let pr = match forge.create_pull_request(&new).await {
        Ok(pr) => pr,
        Err(err) => {
            // One open PR per head branch (GitHub 422, GitLab 409): a run that started at the same
            // time opened it after this run's dedup read, or the forge's cross-references had not
            // caught up yet. The branch is that PR's head now: it stays, and the run is a skip.
            if matches!(err.status(), Some(409 | 422))
                && let Some(existing) = open_pr_from(forge, branch, &repo.base).await?
            {
                report.pr_number = Some(existing.number);
                report.pr_url = Some(existing.url.clone());
                report.skipped = Some(format!(
                    "revert PR #{} from `{branch}` already exists (open; opened while this run was checking)",
                    existing.number
                ));
                return Ok(report);
            }
            // An unknown outcome was reconciled by the forge layer already; this is a definite
            // failure, so the branch must not stay behind without a PR.
            let branch_note = if pushed_now {
                let deleted = match forge {
                    Forge::GitLab(gl) => gl.delete_branch(branch).await.map_err(RevertError::from),
                    Forge::GitHub(_) => apply::delete_remote_branch(&repo.git, branch),
                };
                match deleted {
                    Ok(()) => format!("the branch `{branch}` was deleted again; re-run to retry"),
                    Err(e) => format!(
                        "the branch `{branch}` could not be deleted ({e}); the next run reuses it"
                    ),
                }
            } else {
                format!("the branch `{branch}` from an earlier run stays and is reused next time")
            };
            return Err(RevertError::PullRequest {
                error: err,
                branch_note,
            });
        }
    };
    report.status = Status::Opened;
    report.pr_number = Some(pr.number);
    report.pr_url = Some(pr.url.clone());

    let config = &repo.app.config.revert;
    let mut labels = config.labels.clone();
    if culprit.reland {
        labels.push(RELAND_LABEL.to_string());
    }
    if !labels.is_empty() {
        match forge.add_labels(pr.number, &labels).await {
            Ok(()) => report.labels = labels,
            Err(e) => report.warnings.push(format!("labels not added: {e}")),
        }
    }
    let mut reviewers: Vec<String> = culprit
        .author
        .iter()
        .filter(|a| !a.ends_with("[bot]"))
        .cloned()
        .chain(config.reviewers.iter().cloned())
        .collect();
    reviewers.dedup();
    if !reviewers.is_empty() {
        match forge.request_reviewers(pr.number, &reviewers).await {
            Ok(kept) => {
                let dropped: Vec<&String> =
                    reviewers.iter().filter(|r| !kept.contains(r)).collect();
                if !dropped.is_empty() {
                    report
                        .warnings
                        .push(dropped_reviewers(forge.kind(), &dropped));
                }
                report.reviewers = kept;
            }
            Err(e) => report
                .warnings
                .push(format!("reviewers not requested: {e}")),
        }
    }
    // Auto-merge is a convenience on top of an opened revert: when the repository does not
    // allow it (or the token may not), the PR still stands and waits for a person.
    if config.auto_merge {
        match forge.enable_auto_merge(&pr).await {
            Ok(AutoMerge::Enabled) => report.auto_merge = true,
            Ok(AutoMerge::Merged) => report.merged = true,
            Ok(AutoMerge::Blocked(why)) => report.warnings.push(format!(
                "auto-merge not enabled (`revert.auto_merge: true`): {why}"
            )),
            Err(e) => report.warnings.push(format!(
                "auto-merge not enabled (`revert.auto_merge: true`): {e}; merge the PR by hand or allow auto-merge in the repository settings"
            )),
        }
    }
    Ok(report)
}

/// Why reviewers asked for are not on the PR/MR: GitLab answers 200 and keeps fewer.
fn dropped_reviewers(forge: ForgeKind, dropped: &[&String]) -> String {
    let names = dropped
        .iter()
        .map(|d| format!("`{d}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match forge {
        ForgeKind::GitLab => format!(
            "GitLab did not keep {names} as reviewer(s): the Free tier keeps one reviewer per merge request, and users who cannot see the project are dropped; add them by hand or give them access to the project"
        ),
        ForgeKind::GitHub => format!("{names} not kept as reviewer(s)"),
    }
}

/// The open PR from `branch` into `base`, read through the forge's list of PRs by head branch
/// (GitHub REST, not the search index the dedup query uses).
async fn open_pr_from(
    forge: &Forge,
    branch: &str,
    base: &str,
) -> Result<Option<PullRequest>, RevertError> {
    Ok(forge
        .pull_requests_by_head(branch)
        .await?
        .into_iter()
        .find(|pr| pr.state == PrState::Open && pr.base_ref == base))
}

pub(crate) fn local(
    repo: &Repo<'_>,
    mut report: Report,
    branch: &str,
    push: bool,
) -> Result<Report, RevertError> {
    report.status = Status::Local;
    if push {
        apply::push_branch(&repo.git, branch, &repo.base)?;
    }
    report.compare_url = compare_url(repo.app, &repo.base, branch);
    Ok(report)
}

fn compare_url(app: &App, base: &str, branch: &str) -> Option<String> {
    web_compare_url(
        app.ctx.forge?,
        app.ctx.server_url.as_deref()?,
        &app.ctx.repo.as_ref()?.full_name(),
        base,
        branch,
    )
}

/// Where a person opens the revert PR/MR by hand.
pub fn web_compare_url(
    forge: ForgeKind,
    server: &str,
    repo: &str,
    base: &str,
    branch: &str,
) -> Option<String> {
    let server = server.trim_end_matches('/');
    Some(match forge {
        ForgeKind::GitHub => format!("{server}/{repo}/compare/{base}...{branch}?expand=1"),
        ForgeKind::GitLab => format!(
            "{server}/{repo}/-/merge_requests/new?merge_request%5Bsource_branch%5D={branch}&merge_request%5Btarget_branch%5D={base}"
        ),
    })
}

pub(crate) async fn conflict(
    repo: &Repo<'_>,
    mut report: Report,
    culprit: &Culprit,
    why: &Why,
    sha: &str,
    files: Vec<String>,
) -> Result<Report, RevertError> {
    report.status = Status::Conflict;
    report.skipped = Some(format!(
        "reverting {} conflicts in {} file(s); finish by hand",
        prefix(sha, UNIQUE),
        files.len()
    ));
    let text = body::conflict_issue(culprit, why, sha, &files, &repo.base);
    report.body = Some(text.clone());
    report.conflicts = files;
    if let Some(forge) = &repo.forge {
        // An issue opened by an earlier run (open, or closed by the person who finished it) is
        // not opened again. Nothing about this culprit can predate its commit; a day of margin
        // covers clock skew.
        let since = commit_time(&repo.git, &culprit.key)? - chrono::Duration::days(1);
        if let Some(existing) = forge.find_issue(&body::marker(&culprit.key), since).await? {
            report.skipped = Some(format!(
                "reverting {} conflicts in {} file(s); issue #{} ({}) already lists them, not opened again",
                prefix(sha, UNIQUE),
                report.conflicts.len(),
                existing.number,
                existing.url
            ));
            report.issue_url = Some(existing.url);
            return Ok(report);
        }
        let issue = forge
            .create_issue(&NewIssue {
                title: format!("{} conflicts: finish by hand", body::title(culprit)),
                body: text,
                labels: repo.app.config.revert.labels.clone(),
            })
            .await?;
        report.issue_url = Some(issue.url);
    }
    Ok(report)
}

/// When a commit was committed.
fn commit_time(
    git: &shipline_core::git::Git,
    sha: &str,
) -> Result<chrono::DateTime<chrono::Utc>, RevertError> {
    let out = git.run(["log", "-1", "--format=%ct", sha])?;
    let printed = out.trim();
    printed
        .parse()
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .ok_or_else(|| RevertError::CommitTime {
            sha: sha.to_string(),
            printed: printed.to_string(),
        })
}

/// Answers a `/revert` comment with what happened. A failed reply does not change the outcome.
pub(crate) async fn reply(repo: &Repo<'_>, on: Option<u64>, report: &Report, dry_run: bool) {
    let (Some(number), Some(forge), false) = (on, &repo.forge, dry_run) else {
        return;
    };
    let opened = match forge.kind() {
        ForgeKind::GitHub => format!("PR #{}", report.pr_number.unwrap_or_default()),
        ForgeKind::GitLab => format!("merge request !{}", report.pr_number.unwrap_or_default()),
    };
    let text = match report.status {
        Status::Opened => format!(
            "Opened revert {opened} ({}).",
            report.pr_url.as_deref().unwrap_or_default()
        ),
        Status::Conflict => format!(
            "The revert conflicts: {}{}",
            report.skipped.as_deref().unwrap_or_default(),
            report
                .issue_url
                .as_ref()
                .map(|u| format!(" (see {u})"))
                .unwrap_or_default()
        ),
        Status::Refused => format!(
            "Not reverted: {}",
            report.skipped.as_deref().unwrap_or_default()
        ),
        _ => format!(
            "Nothing new to do: {}",
            report.skipped.as_deref().unwrap_or_default()
        ),
    };
    if let Err(e) = forge
        .create_comment(number, &format!("shipline-revert: {text}"))
        .await
    {
        repo.app
            .outputs
            .warning(&format!("could not reply to the `/revert` comment: {e}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_urls_for_both_forges() {
        assert_eq!(
            web_compare_url(
                ForgeKind::GitHub,
                "https://github.com/",
                "acme/widgets",
                "main",
                "shipline/revert-0123456789ab"
            )
            .unwrap(),
            "https://github.com/acme/widgets/compare/main...shipline/revert-0123456789ab?expand=1"
        );
        assert_eq!(
            web_compare_url(
                ForgeKind::GitLab,
                "https://gitlab.example",
                "g/s/p",
                "main",
                "shipline/revert-0123456789ab"
            )
            .unwrap(),
            "https://gitlab.example/g/s/p/-/merge_requests/new?merge_request%5Bsource_branch%5D=shipline/revert-0123456789ab&merge_request%5Btarget_branch%5D=main"
        );
    }
}
