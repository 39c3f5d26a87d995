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
//! - Environment names ([`validate_environment`], one rule with the configuration:
//!   [`check_environment_name`]): ASCII letters, digits, `.`, `_`, `-` and `/`, each part between
//!   slashes starting with a letter or digit, at most 64 characters, no `..`. That is what GitHub
//!   and GitLab both accept (GitLab files `review/app` in a folder) that is also safe unescaped
//!   in URLs, dotenv values and shell commands; in git-ledger ids a slash is written `+`.
//!   GitHub compares names case-insensitively, so lookups here do too.
//! - State order ([`check_transition`]): `queued → in_progress | error | inactive`,
//!   `in_progress → success | failure | error | inactive`, a final state only to `inactive`.
//!   Repeating the current state is allowed: a non-final one records a refresh (a re-run job
//!   updating its log URL), a final one changes nothing (finishing twice is harmless).

mod error;
pub mod forge;
mod names;
pub mod notes;
pub mod record;
mod request;
mod rules;
mod store;

use crate::forge::Forge;
use crate::git::Git;

pub use error::LedgerError;
pub use names::{
    ENVIRONMENT_NAME_RULE, MAX_ENVIRONMENT_LEN, NOTES_REF, REMOTE_NOTES_REF, check_environment_name,
};
pub use record::{DeploymentRecord, FoldedRecords, RISK_LEVELS, Risk, SkippedLine, Transition};
pub use request::{KnownDeployment, ListQuery, NewDeploymentRecord, TransitionRequest};
pub use rules::{TransitionEffect, check_transition, same_environment, validate_environment};

use crate::forge::DeploymentState;

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
        known: &KnownDeployment,
        request: &TransitionRequest,
    ) -> Result<DeploymentRecord, LedgerError> {
        validate_environment(&known.environment)?;
        match self {
            Ledger::Git(l) => {
                let (id, known, request) = (id.to_string(), known.clone(), request.clone());
                blocking!(l, |l| l.finish(&id, Some(&known), &request, false))
                    .map(|(record, _)| record)
            }
            Ledger::Forge(f) => f.transition_known(id, known, request).await,
        }
    }

    /// [`Ledger::transition_known`], and when the deployment succeeded, the live deployments of
    /// its environment it supersedes marked inactive ([`Ledger::deactivate_previous`]), unless
    /// `retire` is false. On the git ledger all of it is one write, so parallel jobs finishing
    /// at once cannot retire each other's newer deployments. Returns the record and the
    /// deployments retired.
    pub async fn finish(
        &self,
        id: &str,
        known: &KnownDeployment,
        request: &TransitionRequest,
        retire: bool,
    ) -> Result<(DeploymentRecord, Vec<DeploymentRecord>), LedgerError> {
        validate_environment(&known.environment)?;
        match self {
            Ledger::Git(l) => {
                let (id, known, request) = (id.to_string(), known.clone(), request.clone());
                blocking!(l, |l| l.finish(&id, Some(&known), &request, retire))
            }
            Ledger::Forge(_) => {
                let record = self.transition_known(id, known, request).await?;
                let retired = if retire && record.state == DeploymentState::Success {
                    self.deactivate_previous(&record.environment, Some(&record.id))
                        .await?
                } else {
                    Vec::new()
                };
                Ok((record, retired))
            }
        }
    }

    /// [`Ledger::start`], and on the git ledger, in the same write, the deployments of the
    /// environment left open (queued or in progress) for longer than `stale_after` closed as
    /// `error`, the reason in their history ([`record::superseded_description`]); forge
    /// ledgers close them with an `error` status after the start. Returns the new record and the deployments closed.
    pub async fn start_closing_stale(
        &self,
        new: &NewDeploymentRecord,
        stale_after: chrono::TimeDelta,
    ) -> Result<(DeploymentRecord, Vec<DeploymentRecord>), LedgerError> {
        match self {
            Ledger::Git(l) => {
                let new = new.clone();
                blocking!(l, |l| l.start_closing_stale(&new, Some(stale_after)))
            }
            Ledger::Forge(f) => f.start_closing_stale(new, stale_after).await,
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
    /// returns the deployments changed. On the git ledger only those that succeeded before
    /// `keep_id` did: of parallel jobs finishing in any order, the last success stays live. `keep_id: None` deactivates them all (the environment
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
