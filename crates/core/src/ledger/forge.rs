//! The forge ledger: GitHub Deployments or GitLab deployments as the record.
//!
//! Teams that watch deployments in the forge's UI (environment pages, the deployment box on a
//! pull request) get them there. What the forge has no field for (version, CI run id, the ref
//! name, the actor) travels in the deployment's `payload` under a `shipline` key; the deployment's
//! `ref` is the exact SHA on GitHub, so GitHub records the commit that was deployed, not whatever
//! the branch points at later.
//!
//! Requests: `start` is one create plus one status; `transition` reads the deployment (to refuse
//! out-of-order moves) and posts one status; `transition_known`, for a caller that knows the
//! environment and commit, reads only the newest status on GitHub (it carries the state for the
//! order check and the environment for the mismatch check; a 404 is an unknown id or another
//! repository's) and posts one; reads list deployments and fetch status histories
//! where the list does not carry them (GitHub). Success statuses set `auto_inactive`, so GitHub
//! itself retires the previous live deployment; other states never do, because after a failed
//! deployment the previous one is still what runs.

use chrono::{TimeDelta, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Value, json};

use crate::forge::gitlab::CiJob;
use crate::forge::{
    Deployment, DeploymentCreated, DeploymentFilter, DeploymentState, DeploymentStatus, Forge,
    ForgeKind, NewDeployment, NewDeploymentStatus,
};

use super::error::LedgerError;
use super::record::{self, DeploymentRecord, RISK_LEVELS, Risk, Transition};
use super::request::{KnownDeployment, ListQuery, NewDeploymentRecord, TransitionRequest};
use super::rules::{TransitionEffect, check_known, check_new, check_transition, same_environment};

/// The payload key under which shipline keeps its fields.
pub const PAYLOAD_KEY: &str = "shipline";
/// GitHub keeps at most this many characters of a status description.
pub const MAX_DESCRIPTION: usize = 140;
/// Status histories fetched at once when listing.
const CONCURRENT_READS: usize = 4;

/// The forge backend.
#[derive(Debug, Clone)]
pub struct ForgeLedger {
    forge: Forge,
}

impl ForgeLedger {
    /// Uses `forge`'s deployments.
    pub fn new(forge: Forge) -> Self {
        Self { forge }
    }

    /// `github` or `gitlab`.
    pub fn backend_name(&self) -> &'static str {
        match self.forge.kind() {
            ForgeKind::GitHub => "github",
            ForgeKind::GitLab => "gitlab",
        }
    }

    /// See [`super::Ledger::start`]: two requests.
    pub async fn start(&self, new: &NewDeploymentRecord) -> Result<DeploymentRecord, LedgerError> {
        check_new(new)?;
        let created = self
            .forge
            .create_deployment(&new_deployment(self.forge.kind(), new))
            .await?;
        let deployment = created_or_error(created, new)?;
        // GitLab creates deployments already `running`: a second write would change nothing.
        if let Some(latest) = &deployment.latest
            && latest.state == new.state
            && new.environment_url.is_none()
        {
            let latest = latest.clone();
            return Ok(record_from(&deployment, &[latest]));
        }
        let status = self
            .forge
            .create_deployment_status(
                deployment.id,
                &new_status(
                    new.state,
                    &new.description,
                    new.environment_url.clone(),
                    new.log_url.clone(),
                ),
            )
            .await?;
        Ok(record_from(&deployment, &[status]))
    }

    /// See [`super::Ledger::transition`]: three requests on GitHub (the deployment, its newest
    /// status, the new status).
    pub async fn transition(
        &self,
        id: &str,
        request: &TransitionRequest,
    ) -> Result<DeploymentRecord, LedgerError> {
        let forge_id = parse_id(id)?;
        let (deployment, known) = self.current(id, forge_id).await?;
        self.move_on(forge_id, deployment, known, request).await
    }

    /// See [`super::Ledger::transition_known`]: two requests on GitHub (the newest status, the
    /// new status) when the caller knows the commit and the deployment has a status that names
    /// its environment; otherwise the full read of [`ForgeLedger::transition`], checked against
    /// `known`.
    pub async fn transition_known(
        &self,
        id: &str,
        known: &KnownDeployment,
        request: &TransitionRequest,
    ) -> Result<DeploymentRecord, LedgerError> {
        let forge_id = parse_id(id)?;
        if let (Forge::GitHub(github), Some(sha)) = (&self.forge, &known.sha) {
            let newest = github
                .newest_deployment_status(forge_id)
                .await
                .map_err(|err| self.not_found(id, err))?;
            // A deployment with no status yet, or a status without its environment, says too
            // little: read the deployment.
            if let Some((latest, Some(environment))) = newest {
                check_known(id, &environment, known)?;
                let deployment = Deployment {
                    id: forge_id,
                    sha: sha.to_ascii_lowercase(),
                    git_ref: sha.to_ascii_lowercase(),
                    environment,
                    creator: String::new(),
                    description: String::new(),
                    payload: Value::Null,
                    transient: false,
                    // The earliest time known without reading the deployment.
                    created_at: latest.created_at,
                    latest: Some(latest.clone()),
                };
                return self
                    .move_on(forge_id, deployment, vec![latest], request)
                    .await;
            }
        }
        let (deployment, statuses) = self.current(id, forge_id).await?;
        check_known(id, &deployment.environment, known)?;
        self.move_on(forge_id, deployment, statuses, request).await
    }

    /// The deployment and what is known of its statuses (at least the newest, newest first).
    async fn current(
        &self,
        id: &str,
        forge_id: u64,
    ) -> Result<(Deployment, Vec<DeploymentStatus>), LedgerError> {
        let deployment = self.deployment(id, forge_id).await?;
        let known = match &deployment.latest {
            Some(latest) => vec![latest.clone()],
            // Without the current state the order cannot be checked: read it.
            None => self.forge.deployment_statuses(forge_id).await?,
        };
        Ok((deployment, known))
    }

    /// Checks the order against the current state and posts the new status, unless the
    /// deployment is already where the request wants it.
    async fn move_on(
        &self,
        forge_id: u64,
        deployment: Deployment,
        known: Vec<DeploymentStatus>,
        request: &TransitionRequest,
    ) -> Result<DeploymentRecord, LedgerError> {
        let current = record_from(&deployment, &known);
        if check_transition(&current, request.state)? == TransitionEffect::Unchanged {
            return Ok(current);
        }
        let status = self
            .forge
            .create_deployment_status(
                forge_id,
                &new_status(
                    request.state,
                    &request.description,
                    request.environment_url.clone(),
                    request.log_url.clone(),
                ),
            )
            .await?;
        let mut statuses = vec![status];
        statuses.extend(known);
        Ok(record_from(&deployment, &statuses))
    }

    /// See [`super::Ledger::get`]: two requests.
    pub async fn get(&self, id: &str) -> Result<DeploymentRecord, LedgerError> {
        let forge_id = parse_id(id)?;
        let deployment = self.deployment(id, forge_id).await?;
        self.full(deployment).await
    }

    /// See [`super::Ledger::list`]: one listing plus one status history per deployment
    /// returned (GitHub; GitLab lists carry the state).
    pub async fn list(&self, query: &ListQuery) -> Result<Vec<DeploymentRecord>, LedgerError> {
        let filter = DeploymentFilter {
            environment: query.environment.clone(),
            ..DeploymentFilter::default()
        };
        let deployments: Vec<Deployment> = self
            .forge
            .list_deployments(&filter)
            .await?
            .into_iter()
            .filter(|d| {
                query
                    .environment
                    .as_deref()
                    .is_none_or(|env| same_environment(&d.environment, env))
            })
            .filter(|d| query.since.is_none_or(|since| d.created_at >= since))
            .take(query.limit.unwrap_or(usize::MAX))
            .collect();
        let mut records: Vec<DeploymentRecord> = stream::iter(deployments)
            .map(|d| self.full(d))
            .buffered(CONCURRENT_READS)
            .try_collect()
            .await?;
        record::sort_newest_first(&mut records);
        Ok(records)
    }

    /// See [`super::Ledger::last_successful`]: the listing, then status histories newest first
    /// until one shows a success.
    pub async fn last_successful(
        &self,
        environment: &str,
    ) -> Result<Option<DeploymentRecord>, LedgerError> {
        let filter = DeploymentFilter {
            environment: Some(environment.to_string()),
            ..DeploymentFilter::default()
        };
        for deployment in self.forge.list_deployments(&filter).await? {
            let record = self.full(deployment).await?;
            if record.succeeded_at().is_some() {
                return Ok(Some(record));
            }
        }
        Ok(None)
    }

    /// See [`super::Ledger::find_by_run`]: the listing for the commit, then one status history.
    /// Inside a GitLab CI job with `environment:` for this environment, the deployment GitLab
    /// made for the job (GitLab deployments carry no payload, so the run id cannot be matched).
    pub async fn find_by_run(
        &self,
        environment: &str,
        sha: &str,
        run_id: &str,
    ) -> Result<Option<DeploymentRecord>, LedgerError> {
        if let Forge::GitLab(gitlab) = &self.forge
            && let Some(CiJob {
                job_id: Some(job_id),
                environment: Some(job_environment),
                ..
            }) = gitlab.ci_job()
            && same_environment(job_environment, environment)
        {
            let found = gitlab
                .deployment_for_job(job_environment, *job_id)
                .await?
                .filter(|d| d.sha.starts_with(&sha.to_ascii_lowercase()));
            return match found {
                Some(deployment) => Ok(Some(self.full(deployment).await?)),
                None => Ok(None),
            };
        }
        let filter = DeploymentFilter {
            environment: Some(environment.to_string()),
            sha: Some(sha.to_string()),
            ..DeploymentFilter::default()
        };
        let found = self
            .forge
            .list_deployments(&filter)
            .await?
            .into_iter()
            .find(|d| payload_str(&d.payload, "run_id").as_deref() == Some(run_id));
        match found {
            Some(deployment) => Ok(Some(self.full(deployment).await?)),
            None => Ok(None),
        }
    }

    /// See [`super::Ledger::deactivate_previous`]: the listing (all pages; it carries each
    /// deployment's latest state) and one status per deployment deactivated, so retiring the
    /// one live deployment among hundreds costs the listing plus one write.
    pub async fn deactivate_previous(
        &self,
        environment: &str,
        keep_id: Option<&str>,
    ) -> Result<Vec<DeploymentRecord>, LedgerError> {
        let filter = DeploymentFilter {
            environment: Some(environment.to_string()),
            ..DeploymentFilter::default()
        };
        let description = match keep_id {
            Some(keep) => format!("superseded by {keep}"),
            None => "environment deactivated".to_string(),
        };
        self.close_listed(&filter, environment, keep_id, |live| {
            live.is_live()
                .then(|| (DeploymentState::Inactive, description.clone()))
        })
        .await
    }

    /// See [`super::Ledger::start_closing_stale`]: the start, then the environment's listing
    /// (it carries each deployment's newest status) and one `error` status per deployment left
    /// open for longer than `stale_after`, so a start costs one listing more than
    /// [`ForgeLedger::start`] and one write per deployment closed.
    pub async fn start_closing_stale(
        &self,
        new: &NewDeploymentRecord,
        stale_after: TimeDelta,
    ) -> Result<(DeploymentRecord, Vec<DeploymentRecord>), LedgerError> {
        let started = self.start(new).await?;
        // Each start looks at the newest page, so a deployment leaves it only after later
        // starts have looked at it; one that was not stale yet then is left open.
        let filter = DeploymentFilter {
            environment: Some(new.environment.clone()),
            newest_page: true,
            ..DeploymentFilter::default()
        };
        let now = Utc::now();
        let closed = self
            .close_listed(&filter, &new.environment, Some(&started.id), |open| {
                open.is_stale(now, stale_after).then(|| {
                    let why = record::superseded_description(open, stale_after, &started.id);
                    (DeploymentState::Error, why)
                })
            })
            .await?;
        Ok((started, closed))
    }

    /// Posts one status to each listed deployment of `environment` other than `skip` that
    /// `pick` chooses, with the state and description `pick` gives; returns them as changed.
    /// The listing carries each deployment's newest status; one without a status never started
    /// and is left alone.
    async fn close_listed(
        &self,
        filter: &DeploymentFilter,
        environment: &str,
        skip: Option<&str>,
        pick: impl Fn(&DeploymentRecord) -> Option<(DeploymentState, String)>,
    ) -> Result<Vec<DeploymentRecord>, LedgerError> {
        let mut changed = Vec::new();
        for deployment in self.forge.list_deployments(filter).await? {
            if !same_environment(&deployment.environment, environment)
                || Some(deployment.id.to_string().as_str()) == skip
            {
                continue;
            }
            let Some(latest) = deployment.latest.clone() else {
                continue;
            };
            let listed = record_from(&deployment, &[latest]);
            let Some((state, description)) = pick(&listed) else {
                continue;
            };
            let status = self
                .forge
                .create_deployment_status(
                    deployment.id,
                    &new_status(state, &description, None, None),
                )
                .await?;
            let mut record = listed;
            record.state = status.state;
            record.updated_at = status.created_at;
            record.history.push(transition_of(&status));
            changed.push(record);
        }
        Ok(changed)
    }

    /// One deployment; a 404 is the ledger's "no such deployment".
    async fn deployment(&self, id: &str, forge_id: u64) -> Result<Deployment, LedgerError> {
        self.forge
            .deployment(forge_id)
            .await
            .map_err(|err| self.not_found(id, err))
    }

    /// A 404 reading deployment `id` as the ledger's "no such deployment"; other errors as
    /// they are.
    fn not_found(&self, id: &str, err: crate::forge::ForgeError) -> LedgerError {
        if err.status() == Some(404) {
            LedgerError::NotFound {
                id: id.to_string(),
                backend: self.backend_name(),
                hint: format!("{err}; check the id (`shipline-status show`)"),
            }
        } else {
            LedgerError::Forge(err)
        }
    }

    /// A deployment with its whole status history.
    async fn full(&self, deployment: Deployment) -> Result<DeploymentRecord, LedgerError> {
        let statuses = match (&deployment.latest, self.forge.kind()) {
            // GitLab deployments have one state, not a history: the list already has it.
            (Some(latest), ForgeKind::GitLab) => vec![latest.clone()],
            _ => self.forge.deployment_statuses(deployment.id).await?,
        };
        Ok(record_from(&deployment, &statuses))
    }
}

/// What to ask the forge to create for `new`.
pub fn new_deployment(kind: ForgeKind, new: &NewDeploymentRecord) -> NewDeployment {
    let git_ref = match kind {
        // The exact commit: GitHub resolves the ref when the deployment is created.
        ForgeKind::GitHub => new.sha.clone(),
        // GitLab wants the branch or tag the commit came from (and resolves the SHA).
        ForgeKind::GitLab if !new.git_ref.trim().is_empty() => new.git_ref.clone(),
        ForgeKind::GitLab => new.sha.clone(),
    };
    NewDeployment {
        git_ref,
        sha: Some(new.sha.clone()).filter(|sha| !sha.trim().is_empty()),
        environment: new.environment.clone(),
        description: truncate(&new.description),
        payload: payload(new),
        transient_environment: new.transient,
        production_environment: new.production,
        required_contexts: Vec::new(),
    }
}

/// The payload stored with a deployment: shipline's own fields under [`PAYLOAD_KEY`].
pub fn payload(new: &NewDeploymentRecord) -> Value {
    let mut fields = serde_json::Map::new();
    fields.insert("v".into(), json!(record::EVENT_VERSION));
    let git_ref = if new.git_ref.trim().is_empty() {
        &new.sha
    } else {
        &new.git_ref
    };
    fields.insert("ref".into(), json!(git_ref));
    for (key, value) in [
        ("version", new.version.as_deref()),
        ("run_id", new.run_id.as_deref()),
        ("log_url", new.log_url.as_deref()),
        ("by", Some(new.creator.as_str()).filter(|c| !c.is_empty())),
    ] {
        if let Some(value) = value {
            fields.insert(key.into(), json!(value));
        }
    }
    if let Some(risk) = &new.risk {
        fields.insert(
            "risk".into(),
            json!({"score": risk.score, "level": risk.level}),
        );
    }
    json!({ PAYLOAD_KEY: fields })
}

/// `auto_inactive` for a status: only a success retires the previous live deployment.
pub fn auto_inactive_for(state: DeploymentState) -> bool {
    state == DeploymentState::Success
}

fn new_status(
    state: DeploymentState,
    description: &str,
    environment_url: Option<String>,
    log_url: Option<String>,
) -> NewDeploymentStatus {
    NewDeploymentStatus {
        state,
        description: truncate(description),
        environment_url,
        log_url,
        auto_inactive: auto_inactive_for(state),
    }
}

/// The created deployment, or the explanation of GitHub's 202.
pub fn created_or_error(
    created: DeploymentCreated,
    new: &NewDeploymentRecord,
) -> Result<Deployment, LedgerError> {
    match created {
        DeploymentCreated::Created(deployment) => Ok(deployment),
        DeploymentCreated::Accepted(message) => Err(LedgerError::NotCreated {
            environment: new.environment.clone(),
            sha: new.sha.clone(),
            message,
        }),
    }
}

/// A record from a deployment and the statuses known for it (newest first, as the forge
/// lists them). No status yet means queued.
pub fn record_from(deployment: &Deployment, statuses: &[DeploymentStatus]) -> DeploymentRecord {
    let newest = statuses.first();
    let history: Vec<Transition> = statuses.iter().rev().map(transition_of).collect();
    DeploymentRecord {
        id: deployment.id.to_string(),
        environment: deployment.environment.clone(),
        sha: deployment.sha.clone(),
        git_ref: payload_str(&deployment.payload, "ref")
            .unwrap_or_else(|| deployment.git_ref.clone()),
        version: payload_str(&deployment.payload, "version"),
        state: newest.map_or(DeploymentState::Queued, |s| s.state),
        created_at: deployment.created_at,
        updated_at: newest.map_or(deployment.created_at, |s| s.created_at),
        creator: payload_str(&deployment.payload, "by")
            .unwrap_or_else(|| deployment.creator.clone()),
        environment_url: statuses.iter().find_map(|s| s.environment_url.clone()),
        log_url: statuses.iter().find_map(|s| s.log_url.clone()),
        description: deployment.description.clone(),
        history,
        forge_id: Some(deployment.id),
        run_id: payload_str(&deployment.payload, "run_id"),
        production: false,
        transient: deployment.transient,
        risk: payload_risk(&deployment.payload),
    }
}

/// The risk kept in shipline's payload; anything malformed (another tool's payload, a hand
/// edit) reads as no risk rather than failing the whole listing.
fn payload_risk(payload: &Value) -> Option<Risk> {
    let risk = payload.get(PAYLOAD_KEY)?.get("risk")?;
    let score = risk.get("score")?.as_u64().filter(|s| *s <= 100)?;
    let level = risk.get("level")?.as_str()?;
    RISK_LEVELS.contains(&level).then(|| Risk {
        score: score as u8,
        level: level.to_string(),
    })
}

fn transition_of(status: &DeploymentStatus) -> Transition {
    Transition {
        state: status.state,
        at: status.created_at,
        description: status.description.clone(),
        by: None,
    }
}

/// A string field of shipline's payload. Payloads written by other tools (a string, another
/// shape) simply have none.
fn payload_str(payload: &Value, key: &str) -> Option<String> {
    payload
        .get(PAYLOAD_KEY)?
        .get(key)?
        .as_str()
        .map(str::to_string)
}

fn parse_id(id: &str) -> Result<u64, LedgerError> {
    id.trim().parse().map_err(|_| {
        LedgerError::InvalidRequest(format!(
            "deployment id `{id}` is not a forge deployment id (a number); ids like `production-abc1234-…` belong to the git ledger: pass `--backend git`"
        ))
    })
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_DESCRIPTION) {
        Some((cut, _)) => {
            let keep = text[..cut].char_indices().nth(MAX_DESCRIPTION - 1);
            let end = keep.map_or(cut, |(i, _)| i);
            format!("{}…", &text[..end])
        }
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn new_record() -> NewDeploymentRecord {
        NewDeploymentRecord {
            environment: "production".into(),
            sha: "0123456789abcdef0123456789abcdef01234567".into(),
            git_ref: "main".into(),
            version: Some("1.4.0".into()),
            creator: "ada".into(),
            run_id: Some("9001".into()),
            production: true,
            description: "deploy 1.4.0".into(),
            ..NewDeploymentRecord::default()
        }
    }

    fn status(id: u64, state: DeploymentState, when: &str, url: Option<&str>) -> DeploymentStatus {
        DeploymentStatus {
            id,
            state,
            description: format!("{state}"),
            environment_url: url.map(str::to_string),
            log_url: Some(format!("https://ci/{id}")),
            created_at: at(when),
        }
    }

    #[test]
    fn deployments_pin_the_sha_on_github_and_keep_shipline_fields_in_the_payload() {
        let new = new_record();
        let github = new_deployment(ForgeKind::GitHub, &new);
        assert_eq!(github.git_ref, new.sha);
        assert!(github.production_environment);
        assert!(!github.transient_environment);
        assert!(github.required_contexts.is_empty());
        assert_eq!(
            github.payload,
            json!({"shipline": {"v": 1, "ref": "main", "version": "1.4.0", "run_id": "9001", "by": "ada"}})
        );
        let gitlab = new_deployment(ForgeKind::GitLab, &new);
        assert_eq!(gitlab.git_ref, "main");
        let bare = NewDeploymentRecord {
            git_ref: String::new(),
            version: None,
            run_id: None,
            creator: String::new(),
            ..new_record()
        };
        assert_eq!(new_deployment(ForgeKind::GitLab, &bare).git_ref, bare.sha);
        assert_eq!(
            payload(&bare),
            json!({"shipline": {"v": 1, "ref": bare.sha}})
        );
    }

    #[test]
    fn only_success_retires_the_previous_deployment() {
        use DeploymentState::*;
        assert!(auto_inactive_for(Success));
        for state in [Queued, InProgress, Failure, Error, Inactive] {
            assert!(!auto_inactive_for(state), "{state}");
        }
        assert!(new_status(Success, "", None, None).auto_inactive);
        assert!(!new_status(Failure, "", None, None).auto_inactive);
    }

    #[test]
    fn records_read_the_payload_and_order_the_history_oldest_first() {
        let new = new_record();
        let deployment = Deployment {
            id: 77,
            sha: new.sha.clone(),
            git_ref: new.sha.clone(),
            environment: "production".into(),
            creator: "github-actions[bot]".into(),
            description: "deploy 1.4.0".into(),
            payload: payload(&new),
            transient: false,
            created_at: at("2024-05-01T10:00:00Z"),
            latest: None,
        };
        let statuses = [
            status(3, DeploymentState::Success, "2024-05-01T10:05:00Z", None),
            status(
                2,
                DeploymentState::InProgress,
                "2024-05-01T10:01:00Z",
                Some("https://prod"),
            ),
        ];
        let record = record_from(&deployment, &statuses);
        assert_eq!(record.id, "77");
        assert_eq!(record.forge_id, Some(77));
        assert_eq!(record.git_ref, "main");
        assert_eq!(record.version.as_deref(), Some("1.4.0"));
        assert_eq!(record.run_id.as_deref(), Some("9001"));
        assert_eq!(record.creator, "ada");
        assert_eq!(record.state, DeploymentState::Success);
        assert_eq!(record.updated_at, at("2024-05-01T10:05:00Z"));
        assert_eq!(record.environment_url.as_deref(), Some("https://prod"));
        assert_eq!(record.log_url.as_deref(), Some("https://ci/3"));
        assert_eq!(record.history[0].state, DeploymentState::InProgress);
        assert_eq!(record.succeeded_at(), Some(at("2024-05-01T10:05:00Z")));

        // A deployment made by another tool: a string payload, no statuses yet.
        let foreign = Deployment {
            payload: json!("deploy please"),
            ..deployment
        };
        let record = record_from(&foreign, &[]);
        assert_eq!(record.state, DeploymentState::Queued);
        assert_eq!(record.git_ref, new.sha);
        assert_eq!(record.creator, "github-actions[bot]");
        assert_eq!(record.version, None);
        assert!(record.history.is_empty());
    }

    #[test]
    fn accepted_deployments_explain_the_202() {
        let err = created_or_error(
            DeploymentCreated::Accepted("Auto-merged main into topic on deployment.".into()),
            &new_record(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("202 Accepted: Auto-merged main"), "{err}");
        assert!(err.contains("auto_merge: false"), "{err}");
        assert!(err.contains("required_contexts: []"), "{err}");
        assert!(err.contains("`production`"), "{err}");
    }

    #[test]
    fn ids_and_descriptions_fit_the_forge() {
        assert_eq!(parse_id("42").unwrap(), 42);
        let err = parse_id("production-abc1234-1-beef")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--backend git"), "{err}");
        let long = "é".repeat(300);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), MAX_DESCRIPTION);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short"), "short");
    }
}
