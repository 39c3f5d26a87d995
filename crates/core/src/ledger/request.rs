//! What callers hand the ledger: a deployment to start, a state change, what they already know
//! about the deployment they move on, and which records to list.

use chrono::{DateTime, Utc};

use crate::forge::DeploymentState;
use crate::ledger::record::Risk;

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
    /// CI run id (`GITHUB_RUN_ID`, `CI_PIPELINE_ID`, ...), for [`Ledger::find_by_run`](crate::ledger::Ledger::find_by_run).
    pub run_id: Option<String>,
    /// The environment serves end users.
    pub production: bool,
    /// The environment goes away (review apps).
    pub transient: bool,
    /// First state: `in_progress` (the default) or `queued` (waiting for an approval, say).
    pub state: DeploymentState,
    /// The release's risk, when the pipeline rated it.
    pub risk: Option<Risk>,
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
            risk: None,
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
/// [`Ledger::transition_known`](crate::ledger::Ledger::transition_known)): the environment it is for and the commit it deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDeployment {
    /// The environment the caller means; a deployment of another one is refused.
    pub environment: String,
    /// The commit deployed, when the caller knows it. Taken on trust where the forge's answer
    /// does not carry it (GitHub's statuses); otherwise the ledger's own value wins. `None`
    /// makes GitHub read the deployment as [`Ledger::transition`](crate::ledger::Ledger::transition) does.
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
