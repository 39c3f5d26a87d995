//! `start`, `finish` and `deactivate`: the deploy job's brackets around its own script.
//!
//! Every check that can refuse the request (environment name, environment known to
//! `.shipline.yml`, the commit, the deployment to finish) runs before the first write, so bad
//! input leaves the ledger as it was. A re-run job must not leave a second deployment behind:
//! `start` looks for the deployment the same CI run already made (only where one can exist, so a
//! first attempt on GitHub costs exactly the create and its status) and `finish` finds the
//! deployment from the environment, the commit and the run id when `--deployment` is not given.

use shipline_core::app::App;
use shipline_core::context::Runtime;
use shipline_core::forge::DeploymentState;
use shipline_core::git::GitError;
use shipline_core::ledger::{
    DeploymentRecord, KnownDeployment, Ledger, LedgerError, ListQuery, NewDeploymentRecord, Risk,
    TransitionRequest, validate_environment,
};
use shipline_core::sha;

use crate::error::StatusError;

/// The outcome `finish` records, as the deploy script knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Outcome {
    /// The deployment worked: it is what runs now.
    Success,
    /// The deployment failed (the new version is broken).
    Failure,
    /// The deployment could not be carried out (the tooling broke, not the version).
    Error,
    /// The job was cancelled: recorded as `inactive`, so it counts neither as a success nor as
    /// a failed change, and the previous deployment stays the live one.
    Cancelled,
}

impl Outcome {
    /// The ledger state this outcome is recorded as.
    pub fn state(self) -> DeploymentState {
        match self {
            Outcome::Success => DeploymentState::Success,
            Outcome::Failure => DeploymentState::Failure,
            Outcome::Error => DeploymentState::Error,
            Outcome::Cancelled => DeploymentState::Inactive,
        }
    }
}

/// What `start` was asked for.
#[derive(Debug, Clone, Default)]
pub struct StartRequest {
    /// Environment.
    pub environment: String,
    /// Revision to deploy (default: the commit of the CI run, or `HEAD`).
    pub git_ref: Option<String>,
    /// Environment URL (default: `url` of the environment in `.shipline.yml`).
    pub url: Option<String>,
    /// Version being deployed.
    pub version: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The release's risk, from the risk step's outputs.
    pub risk: Option<Risk>,
}

/// What `finish` was asked for.
#[derive(Debug, Clone)]
pub struct FinishRequest {
    /// Environment.
    pub environment: String,
    /// Deployment id (`deployment-id` output of `start`); found from the run when absent.
    pub deployment: Option<String>,
    /// Revision that was deployed, to find the deployment (default: the run's commit).
    pub git_ref: Option<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Environment URL.
    pub url: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

/// Checks the environment name before anything else: the ledger's naming rules, then, when
/// `.shipline.yml` lists environments, that it is one of them.
pub(crate) fn check_environment(app: &App, name: &str) -> Result<(), StatusError> {
    validate_environment(name)?;
    if !app.config.environments.is_empty() {
        app.config.environment(name)?;
    }
    Ok(())
}

/// The CI run id a re-run keeps (`GITHUB_RUN_ID`, `CI_PIPELINE_ID`), if any.
fn run_id(app: &App) -> Option<String> {
    match app.ctx.runtime {
        Runtime::GitHubActions => app.var("GITHUB_RUN_ID"),
        Runtime::GitLabCi => app.var("CI_PIPELINE_ID"),
        Runtime::Local => app.var("SHIPLINE_RUN_ID"),
    }
    .map(str::to_string)
}

/// The commit to record (full SHA) and the ref name it came from (empty: the SHA itself).
fn commit(app: &App, git_ref: Option<&str>) -> Result<(String, String), StatusError> {
    let is_sha = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match git_ref.map(str::trim).filter(|r| !r.is_empty()) {
        Some(rev) => {
            let name = if is_sha(rev) { "" } else { rev };
            if let Ok(git) = app.git() {
                match git.resolve(rev) {
                    Ok(sha) => return Ok((sha, name.to_string())),
                    Err(err @ GitError::NoCommits { .. }) => return Err(err.into()),
                    Err(_) => {}
                }
            }
            if is_sha(rev) {
                return Ok((rev.to_ascii_lowercase(), String::new()));
            }
            Err(StatusError::UnknownRef {
                rev: rev.to_string(),
                checkout: app.ctx.workspace.clone(),
            })
        }
        None => {
            let Some(sha) = app.ctx.head_sha.clone() else {
                // A checkout without commits is a checkout: say what it lacks.
                if let Ok(git) = app.git()
                    && !git.has_commits()?
                {
                    return Err(GitError::NoCommits {
                        dir: git.dir().display().to_string(),
                    }
                    .into());
                }
                return Err(StatusError::NoCommit);
            };
            let name = app
                .ctx
                .tag
                .clone()
                .or_else(|| app.ctx.branch.clone())
                .unwrap_or_default();
            Ok((sha, name))
        }
    }
}

/// Whether `environment` serves end users: `.shipline.yml` says so, or, without an entry, its
/// name is `production` or `prod`.
pub(crate) fn is_production(app: &App, environment: &str) -> bool {
    match app
        .config
        .deployment_target(environment)
        .map(|(env, _)| env)
    {
        Some(configured) => configured.is_production(),
        None => matches!(
            environment.to_ascii_lowercase().as_str(),
            "production" | "prod"
        ),
    }
}

/// Whether a deployment of this run can already exist, so that looking for it pays: always on
/// the git ledger (a local read), on GitHub only for a re-run attempt (`GITHUB_RUN_ATTEMPT` >
/// 1), on GitLab inside a job with `environment:` for this environment (GitLab made it).
fn may_exist(app: &App, ledger: &Ledger, environment: &str) -> bool {
    match ledger.backend_name() {
        "git" => true,
        "github" => app
            .var("GITHUB_RUN_ATTEMPT")
            .and_then(|a| a.parse::<u32>().ok())
            .is_some_and(|a| a > 1),
        _ => app.var("CI_JOB_ID").is_some() && app.var("CI_ENVIRONMENT_NAME") == Some(environment),
    }
}

/// Records the start of a deployment, or returns the one this CI run already started.
pub async fn start(
    app: &App,
    ledger: &Ledger,
    request: &StartRequest,
) -> Result<DeploymentRecord, StatusError> {
    check_environment(app, &request.environment)?;
    let (sha, git_ref) = commit(app, request.git_ref.as_deref())?;
    let run = run_id(app);
    if may_exist(app, ledger, &request.environment) {
        let found = match &run {
            Some(run) => ledger.find_by_run(&request.environment, &sha, run).await?,
            None => None,
        };
        if let Some(existing) = found.filter(|r| !r.state.is_final()) {
            app.outputs.log().info(&format!(
                "deployment {} to {} was already started by this run: reusing it",
                existing.id, existing.environment
            ));
            return resume(app, ledger, existing).await;
        }
    }
    let configured = app
        .config
        .deployment_target(&request.environment)
        .map(|(env, _)| env);
    let new = NewDeploymentRecord {
        environment: request.environment.clone(),
        sha,
        git_ref,
        version: request.version.clone(),
        creator: app.recorder().unwrap_or_default(),
        log_url: app.ctx.run_url.clone(),
        environment_url: request
            .url
            .clone()
            .or_else(|| configured.and_then(|e| e.url.as_ref().map(|u| u.to_string()))),
        description: request.description.clone().unwrap_or_default(),
        run_id: run,
        production: is_production(app, &request.environment),
        transient: configured.is_some_and(|e| e.transient),
        state: DeploymentState::InProgress,
        risk: request.risk.clone(),
    };
    if request.risk.is_some() && ledger.backend_name() == "gitlab" {
        // GitLab deployments carry no payload and no other field that could hold it.
        app.outputs.log().info(
            "GitLab deployments have no place for the risk score: it is not recorded (the dashboard shows it as unknown)",
        );
    }
    let stale_after = app.config.stale_after().as_chrono();
    let started = match ledger.start_closing_stale(&new, stale_after).await {
        Ok((record, closed)) => {
            for stale in closed {
                app.outputs.log().info(&format!(
                    "deployment {} ({}) had stayed open past stale_after: closed as error",
                    stale.id,
                    sha::short(&stale.sha),
                ));
            }
            Ok(record)
        }
        // The create may have happened with its answer lost: the forge does not deduplicate
        // creates, so look for it (by this run's id) before reporting a failure.
        Err(LedgerError::Forge(err)) if err.outcome_unknown() && new.run_id.is_some() => {
            let run = new.run_id.as_deref().unwrap_or_default();
            match ledger.find_by_run(&new.environment, &new.sha, run).await? {
                Some(made) if !made.state.is_final() => resume(app, ledger, made).await,
                _ => Err(LedgerError::Forge(err).into()),
            }
        }
        Err(err) => Err(err.into()),
    }?;
    Ok(started)
}

/// A deployment this run already made: one that never got its first status (the run stopped
/// between the create and the status) gets it now, so every transition has exactly one status.
async fn resume(
    app: &App,
    ledger: &Ledger,
    record: DeploymentRecord,
) -> Result<DeploymentRecord, StatusError> {
    if record.state != DeploymentState::Queued {
        return Ok(record);
    }
    let request = TransitionRequest {
        log_url: app.ctx.run_url.clone(),
        by: app.recorder(),
        ..TransitionRequest::new(DeploymentState::InProgress)
    };
    Ok(ledger.transition(&record.id, &request).await?)
}

/// Finds the deployment `finish` is about, before anything is written: its id, and the record
/// when finding it took a read.
async fn deployment_to_finish(
    app: &App,
    ledger: &Ledger,
    request: &FinishRequest,
) -> Result<(String, Option<DeploymentRecord>), StatusError> {
    if let Some(id) = request.deployment.as_deref().map(str::trim) {
        if id.is_empty() {
            return Err(StatusError::EmptyFlag {
                flag: "--deployment",
                fix: "pass the `deployment-id` output of `start`, or leave the flag out to find the deployment from the environment, commit and run",
            });
        }
        // The environment is checked by the transition itself (`Ledger::transition_known`).
        return Ok((id.to_string(), None));
    }
    let (sha, _) = commit(app, request.git_ref.as_deref())?;
    let run = run_id(app);
    let found = match &run {
        Some(run) => ledger.find_by_run(&request.environment, &sha, run).await?,
        None => {
            let query = ListQuery {
                environment: Some(request.environment.clone()),
                ..ListQuery::default()
            };
            ledger
                .list(&query)
                .await?
                .into_iter()
                .find(|r| r.sha == sha && !r.state.is_final())
        }
    };
    match found {
        Some(record) => Ok((record.id.clone(), Some(record))),
        None => Err(StatusError::NothingToFinish {
            environment: request.environment.clone(),
            sha,
            run,
        }),
    }
}

/// Records how a deployment ended. On the git ledger a success also retires the environment's
/// earlier live deployments; GitHub does that itself (`auto_inactive` on the success status)
/// except for production environments, which are retired here (all pages of the listing), and
/// GitLab keeps only the newest successful deployment as the environment's current one.
pub async fn finish(
    app: &App,
    ledger: &Ledger,
    request: &FinishRequest,
) -> Result<(DeploymentRecord, Vec<DeploymentRecord>), StatusError> {
    check_environment(app, &request.environment)?;
    let (id, found) = deployment_to_finish(app, ledger, request).await?;
    let state = request.outcome.state();
    let mut description = request.description.clone().unwrap_or_default();
    if request.outcome == Outcome::Cancelled && description.is_empty() {
        description = "cancelled".into();
    }
    let transition = TransitionRequest {
        state,
        description,
        environment_url: request.url.clone().or_else(|| {
            app.config
                .deployment_target(&request.environment)
                .and_then(|(e, _)| e.url.as_ref().map(|u| u.to_string()))
        }),
        log_url: app.ctx.run_url.clone(),
        by: app.recorder(),
    };
    // What is known of the deployment spares the forge a read of it (GitHub: the newest
    // status and the write, two requests); the environment is checked either way.
    let known = KnownDeployment {
        environment: request.environment.clone(),
        sha: match &found {
            Some(record) => Some(record.sha.clone()),
            None => commit(app, request.git_ref.as_deref())
                .ok()
                .map(|(sha, _)| sha),
        },
    };
    // GitHub's `auto_inactive` skips production environments, so those are retired here.
    let retire = match ledger.backend_name() {
        "git" => true,
        "github" => is_production(app, &request.environment),
        _ => false,
    };
    let (mut record, retired) = ledger.finish(&id, &known, &transition, retire).await?;
    if let Some(found) = found {
        // The payload's fields (version, run, actor) came with the lookup.
        record.version = record.version.or(found.version);
        record.run_id = record.run_id.or(found.run_id);
        if record.git_ref == record.sha {
            record.git_ref = found.git_ref;
        }
        if record.creator.is_empty() {
            record.creator = found.creator;
        }
        if record.description.is_empty() {
            record.description = found.description;
        }
        record.created_at = record.created_at.min(found.created_at);
    }
    Ok((record, retired))
}

/// Marks every live deployment of the environment inactive (it was torn down).
pub async fn deactivate(
    app: &App,
    ledger: &Ledger,
    environment: &str,
) -> Result<Vec<DeploymentRecord>, StatusError> {
    check_environment(app, environment)?;
    Ok(ledger.deactivate_previous(environment, None).await?)
}
