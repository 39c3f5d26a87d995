//! The deployment ledger: which commit runs in which environment, since when, and how it got
//! there.
//!
//! Every tool reads the same ledger: `shipline-status` writes it (start, finish, deactivate) and
//! shows it, `shipline-promote` asks it whether the upstream environment succeeded at the same SHA
//! and for how long, `shipline-risk` takes the last successful production deployment as the base
//! of its range, and the metrics (deploy frequency, lead time, change failure rate, time to
//! restore) are computed from its records.
//!
//! Two backends, one API ([`Ledger`]):
//! - **git notes** ([`notes`], the default): an append-only log of JSON lines in
//!   `refs/notes/shipline`, one note per deployed commit. Needs no server and no token; shared
//!   through the remote (fetched, union-merged and pushed around every write).
//! - **forge** ([`forge`]): GitHub Deployments or GitLab deployments, so deployments show up in
//!   the forge's UI and in its environment pages.
//!
//! # Rules every backend enforces
//! - Environment names ([`validate_environment`]): ASCII letters, digits, `.`, `_` and `-`,
//!   starting with a letter or digit, at most 64 characters. That is the intersection of what
//!   GitHub and GitLab accept that is also safe unescaped in ids, file names, URLs, dotenv keys
//!   and shell commands. GitHub compares names case-insensitively, so lookups here do too.
//! - State order ([`check_transition`]): `queued → in_progress | error | inactive`,
//!   `in_progress → success | failure | error | inactive`, a final state only to `inactive`.
//!   Repeating the current state is allowed: a non-final one records a refresh (a re-run job
//!   updating its log URL), a final one changes nothing (finishing twice is harmless).

pub mod forge;
pub mod notes;
pub mod record;
mod rules;
mod store;

use chrono::{DateTime, Utc};

use crate::forge::{DeploymentState, Forge, ForgeError};
use crate::git::{Git, GitError};

pub use record::{DeploymentRecord, Folded, SkippedLine, Transition};
pub use rules::{TransitionEffect, check_transition, same_environment, validate_environment};
pub(crate) use rules::{check_new, new_id};

/// The notes ref holding the git ledger.
pub const NOTES_REF: &str = "refs/notes/shipline";
/// Where the remote's notes are fetched to before they are merged.
pub const REMOTE_NOTES_REF: &str = "refs/notes/shipline-remote";
/// Longest accepted environment name.
pub const MAX_ENVIRONMENT_LEN: usize = 64;

/// What went wrong reading or writing the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// An environment name outside the accepted set.
    #[error(
        "invalid environment name `{name}`: {reason}; use ASCII letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most {MAX_ENVIRONMENT_LEN} characters (e.g. `production`, `staging-eu`, `review_42`)"
    )]
    InvalidEnvironment {
        /// The name as given (control characters escaped).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A state change that does not follow the deployment lifecycle.
    #[error("deployment `{id}` ({environment}) is {from}; it cannot move to {to}: {hint}")]
    InvalidTransition {
        /// Deployment id.
        id: String,
        /// Its environment.
        environment: String,
        /// Its current state.
        from: DeploymentState,
        /// The state asked for.
        to: DeploymentState,
        /// What to do instead.
        hint: String,
    },
    /// A request that cannot be carried out as given.
    #[error("{0}")]
    InvalidRequest(String),
    /// No deployment with this id.
    #[error("no deployment `{id}` in the {backend} ledger: {hint}")]
    NotFound {
        /// The id looked for.
        id: String,
        /// Which backend was asked.
        backend: &'static str,
        /// Where to look instead.
        hint: String,
    },
    /// A git command failed.
    #[error("git ledger ({NOTES_REF}): {0}")]
    Git(#[from] GitError),
    /// The remote could not be fetched from or pushed to.
    #[error("git ledger: {operation} `{remote}` failed: {message}; {hint}")]
    Remote {
        /// `fetch from` or `push to`.
        operation: &'static str,
        /// Remote name.
        remote: String,
        /// git's message.
        message: String,
        /// What to do.
        hint: String,
    },
    /// Other writers kept winning the race for the ref.
    #[error(
        "git ledger: {target} kept changing under this write ({attempts} attempts); another job is writing the ledger at the same time: re-run this job"
    )]
    Contended {
        /// The ref (or remote) contended for.
        target: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A forge call failed.
    #[error("forge ledger: {0}")]
    Forge(#[from] ForgeError),
    /// GitHub accepted the deployment request without creating a deployment (202).
    #[error(
        "GitHub did not create the deployment of {sha} to `{environment}` (202 Accepted: {message}). GitHub answers this when it first wants to merge the default branch into the ref (`auto_merge`) or to wait for required status contexts. Deploy an exact commit SHA with `auto_merge: false` and `required_contexts: []` (shipline asks for both); if it persists, a ruleset or an app requires deployment contexts: remove that requirement or use `--backend git`"
    )]
    NotCreated {
        /// Environment.
        environment: String,
        /// The commit.
        sha: String,
        /// GitHub's message.
        message: String,
    },
    /// The blocking part of an operation could not run to completion.
    #[error("ledger task failed: {0}")]
    Task(String),
}

/// What to record when a deployment starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeploymentRecord {
    /// Environment name (validated).
    pub environment: String,
    /// Commit deployed: a full SHA, or on the git backend any revision (resolved locally).
    pub sha: String,
    /// Ref deployed from; empty means the SHA itself.
    pub git_ref: String,
    /// Version deployed, if the pipeline has one.
    pub version: Option<String>,
    /// Who starts it (CI actor).
    pub creator: String,
    /// The CI run's URL.
    pub log_url: Option<String>,
    /// Where the deployed thing will be reachable.
    pub environment_url: Option<String>,
    /// Free text.
    pub description: String,
    /// CI run id (`GITHUB_RUN_ID`, `CI_PIPELINE_ID`, ...), for [`Ledger::find_by_run`].
    pub run_id: Option<String>,
    /// The environment serves end users.
    pub production: bool,
    /// The environment goes away (review apps).
    pub transient: bool,
    /// First state: `in_progress` (the default) or `queued` (waiting for an approval, say).
    pub state: DeploymentState,
}

impl Default for NewDeploymentRecord {
    fn default() -> Self {
        Self {
            environment: String::new(),
            sha: String::new(),
            git_ref: String::new(),
            version: None,
            creator: String::new(),
            log_url: None,
            environment_url: None,
            description: String::new(),
            run_id: None,
            production: false,
            transient: false,
            state: DeploymentState::InProgress,
        }
    }
}

/// A state change to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRequest {
    /// State to move to.
    pub state: DeploymentState,
    /// Free text (why it failed, say).
    pub description: String,
    /// Where the deployed thing is reachable, if it changed or is known now.
    pub environment_url: Option<String>,
    /// The CI run that made the change.
    pub log_url: Option<String>,
    /// Who made the change (git backend; forges record the token's user).
    pub by: Option<String>,
}

impl TransitionRequest {
    /// A change to `state` with nothing else.
    pub fn new(state: DeploymentState) -> Self {
        Self {
            state,
            description: String::new(),
            environment_url: None,
            log_url: None,
            by: None,
        }
    }
}

/// What the caller already knows about a deployment it moves on (see
/// [`Ledger::transition_known`]): the environment it is for and the commit it deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The environment the caller means; a deployment of another one is refused.
    pub environment: String,
    /// The commit deployed, when the caller knows it. Taken on trust where the forge's answer
    /// does not carry it (GitHub's statuses); otherwise the ledger's own value wins. `None`
    /// makes GitHub read the deployment as [`Ledger::transition`] does.
    pub sha: Option<String>,
}

/// Which records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Only this environment (compared case-insensitively).
    pub environment: Option<String>,
    /// Only deployments started at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// At most this many (the newest).
    pub limit: Option<usize>,
}

/// The ledger, over one of its backends.
#[derive(Debug, Clone)]
pub enum Ledger {
    /// Git notes in `refs/notes/shipline`.
    Git(notes::NotesLedger),
    /// GitHub Deployments or GitLab deployments.
    Forge(Box<forge::ForgeLedger>),
}

/// Runs a blocking git-ledger operation off the async executor.
macro_rules! blocking {
    ($ledger:expr, |$l:ident| $body:expr) => {{
        let $l = $ledger.clone();
        tokio::task::spawn_blocking(move || $body)
            .await
            .map_err(|e| LedgerError::Task(e.to_string()))?
    }};
}

impl Ledger {
    /// The git notes ledger of `git`'s repository, shared through `remote` when given (`None`:
    /// this clone only). See [`Ledger::git_default`] for the usual choice.
    pub fn git(git: Git, remote: Option<String>) -> Self {
        Ledger::Git(notes::NotesLedger::new(git, remote))
    }

    /// The git notes ledger shared through `origin` when that remote exists, else local only.
    pub fn git_default(git: Git) -> Result<Self, LedgerError> {
        let remote = git.remote_url("origin")?.map(|_| "origin".to_string());
        Ok(Self::git(git, remote))
    }

    /// The forge's deployments as the ledger.
    pub fn forge(forge: Forge) -> Self {
        Ledger::Forge(Box::new(forge::ForgeLedger::new(forge)))
    }

    /// `git`, `github` or `gitlab`, for messages and outputs.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Ledger::Git(_) => "git",
            Ledger::Forge(f) => f.backend_name(),
        }
    }

    /// Records the start of a deployment and returns it (with its new id).
    pub async fn start(&self, new: &NewDeploymentRecord) -> Result<DeploymentRecord, LedgerError> {
        match self {
            Ledger::Git(l) => {
                let new = new.clone();
                blocking!(l, |l| l.start(&new))
            }
            Ledger::Forge(f) => f.start(new).await,
        }
    }

    /// Moves deployment `id` to a new state, refusing moves out of order
    /// (see [`check_transition`]).
    pub async fn transition(
        &self,
        id: &str,
        request: &TransitionRequest,
    ) -> Result<DeploymentRecord, LedgerError> {
        match self {
            Ledger::Git(l) => {
                let (id, request) = (id.to_string(), request.clone());
                blocking!(l, |l| l.transition(&id, &request))
            }
            Ledger::Forge(f) => f.transition(id, request).await,
        }
    }

    /// Like [`Ledger::transition`] for a caller that knows the deployment's environment and
    /// commit: a deployment of another environment is refused before anything is written, and
    /// on GitHub the deployment itself is not read (its newest status gives the current state
    /// and the environment), so the move costs two requests instead of three. The record
    /// returned then has the fields of `known` and the statuses, not the deployment's payload
    /// (version, run id). Backends that read the deployment anyway check it against `known`.
    pub async fn transition_known(
        &self,
        id: &str,
        known: &Known,
        request: &TransitionRequest,
    ) -> Result<DeploymentRecord, LedgerError> {
        validate_environment(&known.environment)?;
        match self {
            Ledger::Git(l) => {
                let (id, known, request) = (id.to_string(), known.clone(), request.clone());
                blocking!(l, |l| {
                    let record = l.get(&id)?;
                    check_known(&id, &record.environment, &known)?;
                    l.transition(&id, &request)
                })
            }
            Ledger::Forge(f) => f.transition_known(id, known, request).await,
        }
    }

    /// One deployment, with its whole history; [`LedgerError::NotFound`] when there is none.
    pub async fn get(&self, id: &str) -> Result<DeploymentRecord, LedgerError> {
        match self {
            Ledger::Git(l) => {
                let id = id.to_string();
                blocking!(l, |l| l.get(&id))
            }
            Ledger::Forge(f) => f.get(id).await,
        }
    }

    /// Deployments matching `query`, newest first.
    pub async fn list(&self, query: &ListQuery) -> Result<Vec<DeploymentRecord>, LedgerError> {
        if let Some(env) = &query.environment {
            validate_environment(env)?;
        }
        match self {
            Ledger::Git(l) => {
                let query = query.clone();
                blocking!(l, |l| l.list(&query))
            }
            Ledger::Forge(f) => f.list(query).await,
        }
    }

    /// The newest deployment to `environment`, whatever its state.
    pub async fn latest(&self, environment: &str) -> Result<Option<DeploymentRecord>, LedgerError> {
        let query = ListQuery {
            environment: Some(environment.to_string()),
            since: None,
            limit: Some(1),
        };
        Ok(self.list(&query).await?.into_iter().next())
    }

    /// The newest deployment to `environment` that reached `success` (it may have been
    /// superseded since: then it is still the last one that worked).
    pub async fn last_successful(
        &self,
        environment: &str,
    ) -> Result<Option<DeploymentRecord>, LedgerError> {
        validate_environment(environment)?;
        match self {
            Ledger::Git(l) => {
                let env = environment.to_string();
                blocking!(l, |l| l.last_successful(&env))
            }
            Ledger::Forge(f) => f.last_successful(environment).await,
        }
    }

    /// The deployment a CI run made of `sha` to `environment`, so that a re-run job finishes
    /// (or refreshes) it instead of starting a second one.
    pub async fn find_by_run(
        &self,
        environment: &str,
        sha: &str,
        run_id: &str,
    ) -> Result<Option<DeploymentRecord>, LedgerError> {
        validate_environment(environment)?;
        match self {
            Ledger::Git(l) => {
                let (env, sha, run) =
                    (environment.to_string(), sha.to_string(), run_id.to_string());
                blocking!(l, |l| l.find_by_run(&env, &sha, &run))
            }
            Ledger::Forge(f) => f.find_by_run(environment, sha, run_id).await,
        }
    }

    /// Marks every live (`success`) deployment of `environment` other than `keep_id` inactive;
    /// returns the deployments changed. `keep_id: None` deactivates them all (the environment
    /// was torn down).
    pub async fn deactivate_previous(
        &self,
        environment: &str,
        keep_id: Option<&str>,
    ) -> Result<Vec<DeploymentRecord>, LedgerError> {
        validate_environment(environment)?;
        match self {
            Ledger::Git(l) => {
                let (env, keep) = (environment.to_string(), keep_id.map(str::to_string));
                blocking!(l, |l| l.deactivate_previous(&env, keep.as_deref()))
            }
            Ledger::Forge(f) => f.deactivate_previous(environment, keep_id).await,
        }
    }
}

/// Refuses deployment `id` of `environment` when that is not the environment the caller means.
pub(crate) fn check_known(id: &str, environment: &str, known: &Known) -> Result<(), LedgerError> {
    if same_environment(environment, &known.environment) {
        return Ok(());
    }
    Err(LedgerError::InvalidRequest(format!(
        "deployment `{id}` belongs to `{environment}`, not `{}`: check the environment and the deployment id (`shipline-status show --env {environment}`)",
        known.environment
    )))
}
