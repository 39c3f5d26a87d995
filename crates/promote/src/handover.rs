//! The hand-over from a failed rollout to shipline-revert (`--revert-on-failure`).
//!
//! The rollback takes the bad version off the servers; the revert takes it off the default
//! branch, so the next promotion does not ship it again. What to revert is read from this tool's
//! own ledger (the environment's last good deployment before this one), which works the same on
//! every backend, and handed to the revert library in process as a range (or the one commit when
//! nothing good was deployed before). The revert library makes its branch name from the newest
//! reverted commit, so promoting the same failing commit again finds the first run's branch or PR
//! instead of opening another.
//!
//! The interface is typed both ways: a [`Target`] and [`Options`] go in, the revert's [`Status`]
//! comes back and is kept as a [`RevertOutcome`] (the same words in the report), so a status the
//! revert tool adds later fails to compile here instead of being misread.
//!
//! A revert that fails or is skipped never changes the promotion's outcome: the rollout failed
//! either way; the revert problem is a warning and a line in the summary.

use serde::Serialize;
use shipline_core::app::App;
use shipline_core::exit::one_line;
use shipline_core::forge::DeploymentState;
use shipline_core::ledger::{Ledger, ListQuery};
use shipline_core::sha::{UNIQUE, prefix};
use shipline_revert::{Options, Status, Target};

use crate::error::PromoteError;

/// How the hand-over ended: the revert tool's [`Status`], or [`RevertOutcome::Error`] when it
/// failed. Serialized as the revert tool's own words (`opened`, `local`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevertOutcome {
    /// A revert PR/MR was opened.
    Opened,
    /// The revert branch was created in the local repository (no forge token).
    Local,
    /// Nothing new was done (a revert exists already, the daily cap, ...).
    Skipped,
    /// The revert tool refused the request.
    Refused,
    /// Decided only (never asked for by the hand-over).
    DryRun,
    /// The revert conflicts; an issue (or, locally, the report) lists the files.
    Conflict,
    /// The revert was not attempted or failed.
    Error,
}

impl From<Status> for RevertOutcome {
    fn from(status: Status) -> Self {
        match status {
            Status::Opened => RevertOutcome::Opened,
            Status::Local => RevertOutcome::Local,
            Status::Skipped => RevertOutcome::Skipped,
            Status::Refused => RevertOutcome::Refused,
            Status::DryRun => RevertOutcome::DryRun,
            Status::Conflict => RevertOutcome::Conflict,
        }
    }
}

impl RevertOutcome {
    /// The word in the JSON report and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            RevertOutcome::Opened => "opened",
            RevertOutcome::Local => "local",
            RevertOutcome::Skipped => "skipped",
            RevertOutcome::Refused => "refused",
            RevertOutcome::DryRun => "dry_run",
            RevertOutcome::Conflict => "conflict",
            RevertOutcome::Error => "error",
        }
    }
}

impl std::fmt::Display for RevertOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the hand-over did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevertHandover {
    /// The revert tool's outcome, or `error` when it failed.
    pub status: RevertOutcome,
    /// The last good commit of the environment (the range's excluded end), when there was one.
    pub from: Option<String>,
    /// The newest commit reverted (the failed deployment's commit).
    pub to: String,
    /// The revert branch.
    pub branch: Option<String>,
    /// The revert PR/MR number (also one opened by an earlier run).
    pub pr_number: Option<u64>,
    /// Its URL.
    pub pr_url: Option<String>,
    /// Why no (new) revert was made, or why it failed.
    pub skipped: Option<String>,
    /// The reason written into the revert's description.
    pub reason: String,
}

/// The failed rollout, as the revert's description tells it.
#[derive(Debug, Clone)]
pub struct Failure<'a> {
    /// Environment.
    pub environment: &'a str,
    /// The commit that failed.
    pub sha: &'a str,
    /// The ledger id of the failed deployment.
    pub deployment_id: &'a str,
    /// The failed step (1-based) and its weight.
    pub step: usize,
    /// The weight of that step, in percent.
    pub weight: u8,
    /// What failed (the check and its evidence, or the command).
    pub reason: &'a str,
    /// Whether the rollback command succeeded.
    pub rolled_back: bool,
}

/// The revert description's reason line.
pub fn reason(failure: &Failure<'_>) -> String {
    format!(
        "shipline-promote: the rollout of {} to `{}` (deployment {}) failed at step {} ({}%): {}; {}",
        prefix(failure.sha, UNIQUE),
        failure.environment,
        failure.deployment_id,
        failure.step,
        failure.weight,
        failure.reason,
        if failure.rolled_back {
            "the rollback ran"
        } else {
            "the rollback did not succeed"
        }
    )
}

/// Reverts what the failed deployment added since the environment's last good deployment.
/// Never fails: a problem is reported in the result (`status: error`).
pub async fn revert(app: &App, ledger: &Ledger, failure: &Failure<'_>) -> RevertHandover {
    let reason = reason(failure);
    let mut result = RevertHandover {
        status: RevertOutcome::Error,
        from: None,
        to: failure.sha.to_string(),
        branch: None,
        pr_number: None,
        pr_url: None,
        skipped: None,
        reason: reason.clone(),
    };
    let target = match last_good(app, ledger, failure).await {
        Ok(LastGood::Ancestor(from)) => {
            result.from = Some(from.clone());
            Target::Range {
                from,
                to: failure.sha.to_string(),
            }
        }
        Ok(LastGood::None) => Target::Sha(failure.sha.to_string()),
        Ok(LastGood::SameCommit { sha, deployment }) => {
            result.status = RevertOutcome::Skipped;
            result.skipped = Some(format!(
                "{} was deployed to `{}` successfully before (deployment {deployment}): the failure is not in what this deployment added, nothing to revert",
                prefix(&sha, UNIQUE),
                failure.environment,
            ));
            return result;
        }
        Err(err) => {
            result.skipped = Some(format!(
                "the revert was not attempted: reading the ledger for the last good deployment of `{}` failed: {}",
                failure.environment,
                one_line(&err)
            ));
            return result;
        }
    };
    // A component's deployment (`production/api`) takes back only what changed the component:
    // the range also holds the other components' commits, which their own deployments carry.
    let component = app
        .config
        .deployment_target(failure.environment)
        .and_then(|(_, component)| component)
        .map(|component| component.name().to_string());
    let options = Options {
        target: Some(target),
        reason: Some(reason),
        component,
        ..Options::default()
    };
    match shipline_revert::run(app, &options).await {
        Ok(report) => {
            result.status = report.status.into();
            result.branch = report.branch;
            result.pr_number = report.pr_number;
            result.pr_url = report.pr_url;
            result.skipped = match report.status {
                // A branch this run made must not be reported as the reason nothing was done.
                Status::Opened | Status::Local => None,
                Status::Conflict => report.skipped.map(|skipped| match &report.issue_url {
                    Some(url) => format!("{skipped} (issue: {url})"),
                    None => skipped,
                }),
                Status::Skipped | Status::Refused | Status::DryRun => report.skipped,
            };
        }
        Err(err) => {
            result.skipped = Some(format!("the revert failed: {err}"));
        }
    }
    result
}

/// What the ledger says about the environment before the failed deployment.
enum LastGood {
    /// The newest successful deployment's commit that is an ancestor of the failed one: revert
    /// what came after it.
    Ancestor(String),
    /// No such deployment: revert the failed commit alone.
    None,
    /// The failed commit itself succeeded there before: nothing to revert.
    SameCommit {
        /// The commit.
        sha: String,
        /// The deployment that succeeded with it.
        deployment: String,
    },
}

/// The newest successful deployment of the environment before this one, as far as it decides
/// what to revert.
async fn last_good(
    app: &App,
    ledger: &Ledger,
    failure: &Failure<'_>,
) -> Result<LastGood, PromoteError> {
    let git = app.git()?;
    let deployments = ledger
        .list(&ListQuery {
            environment: Some(failure.environment.to_string()),
            ..ListQuery::default()
        })
        .await?;
    let sha = git.resolve(failure.sha)?;
    for d in deployments
        .iter()
        .filter(|d| d.id != failure.deployment_id && d.state == DeploymentState::Success)
    {
        let Ok(good) = git.resolve(&d.sha) else {
            continue;
        };
        if good == sha {
            return Ok(LastGood::SameCommit {
                sha,
                deployment: d.id.clone(),
            });
        }
        if git.check(["merge-base", "--is-ancestor", &good, &sha])? {
            return Ok(LastGood::Ancestor(good));
        }
    }
    Ok(LastGood::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_as_the_revert_tool_words_them() {
        for status in [
            Status::Opened,
            Status::Local,
            Status::Skipped,
            Status::Refused,
            Status::DryRun,
            Status::Conflict,
        ] {
            let outcome = RevertOutcome::from(status);
            assert_eq!(
                serde_json::to_value(outcome).unwrap(),
                serde_json::to_value(status).unwrap()
            );
            assert_eq!(serde_json::to_value(outcome).unwrap(), outcome.as_str());
        }
        assert_eq!(
            serde_json::to_value(RevertOutcome::Error).unwrap(),
            RevertOutcome::Error.to_string()
        );
    }

    #[test]
    fn reason_names_the_step_and_the_check() {
        let failure = Failure {
            environment: "production",
            sha: "0123456789abcdef0123456789abcdef01234567",
            deployment_id: "7",
            step: 2,
            weight: 50,
            reason: "healthz: status 500, expected 200",
            rolled_back: true,
        };
        assert_eq!(
            reason(&failure),
            "shipline-promote: the rollout of 0123456789ab to `production` (deployment 7) failed at step 2 (50%): healthz: status 500, expected 200; the rollback ran"
        );
    }
}
