//! Deployments and environments: GitLab's own deployment ledger.
//!
//! GitLab differs from GitHub in three ways that shape this file:
//! - A job with the `environment:` keyword makes GitLab create the deployment itself, with the
//!   job as its `deployable`, and GitLab alone moves it through its states from the job's result
//!   (the API refuses to update it). Inside such a job ([`CiJob`] with `CI_JOB_ID` and
//!   `CI_ENVIRONMENT_NAME`), creating a deployment for that environment finds the job's own
//!   deployment instead of making a second one, and status updates leave it to GitLab.
//! - A deployment has one status, no history of transitions: [`GitLab::deployment_statuses`]
//!   returns the current one only.
//! - `POST /deployments` has no idempotency key, so a create whose outcome is unknown is
//!   reconciled by listing the environment's newest deployments for the same SHA and ref, made
//!   by the API (no job) in the last minutes.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::json;

use super::client::{Req, encode_segment};
use super::job::CiJob;
use super::project::GitLab;
use super::types::{GlCommit, GlDeployment, gitlab_status};
use crate::forge::error::ForgeError;
use crate::forge::types::{
    Deployment, DeploymentCreated, DeploymentFilter, DeploymentStatus, NewDeployment,
    NewDeploymentStatus,
};

const DEPLOYMENTS_ROUTE: &str = "/projects/:id/deployments";
const DEPLOYMENT_ROUTE: &str = "/projects/:id/deployments/:deployment_id";
const DEPLOY_NEEDS: &str = "the Developer role (Maintainer for protected environments)";
/// How far back a deployment for the same SHA, ref and environment counts as the one an
/// unanswered `POST` made.
const RECONCILE_WINDOW: chrono::Duration = chrono::Duration::minutes(10);
/// Pages of an environment's newest deployments searched for a job's deployment.
const JOB_SEARCH_PAGES: usize = 2;

impl GitLab {
    fn deployments_req(&self) -> Req {
        Req::get(DEPLOYMENTS_ROUTE, format!("{}/deployments", self.project()))
            .query("order_by", "id")
            .query("sort", "desc")
    }

    async fn gl_deployment(&self, id: u64) -> Result<GlDeployment, ForgeError> {
        let req = Req::get(
            DEPLOYMENT_ROUTE,
            format!("{}/deployments/{id}", self.project()),
        );
        self.client.json(&req).await
    }

    /// The deployment GitLab created for CI job `job_id` in `environment` (a job with the
    /// `environment:` keyword), searched among the environment's newest deployments. Inside the
    /// job the identifiers are `CI_JOB_ID` and `CI_ENVIRONMENT_NAME`.
    pub async fn deployment_for_job(
        &self,
        environment: &str,
        job_id: u64,
    ) -> Result<Option<Deployment>, ForgeError> {
        let req = self.deployments_req().query("environment", environment);
        let list: Vec<GlDeployment> = self.client.pages(req, JOB_SEARCH_PAGES).await?;
        Ok(list
            .into_iter()
            .find(|d| d.deployable.as_ref().is_some_and(|j| j.id == job_id))
            .map(GlDeployment::into_deployment))
    }

    /// Resolves the SHA, ref name and tag flag GitLab wants for a deployment of `git_ref`,
    /// from the job's variables where they match, else from the repository API.
    async fn resolve_ref(&self, git_ref: &str) -> Result<(String, String, bool), ForgeError> {
        let job = self.job.clone().unwrap_or_default();
        let name = git_ref
            .strip_prefix("refs/heads/")
            .or_else(|| git_ref.strip_prefix("refs/tags/"))
            .unwrap_or(git_ref);
        let tagged = git_ref.starts_with("refs/tags/") || job.tag.as_deref() == Some(name);
        let is_sha = name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if is_sha {
            // A bare SHA: name the job's ref when it is the job's commit.
            let from_job = job.commit_sha.as_deref() == Some(name);
            let ref_name = match (&job.ref_name, from_job) {
                (Some(r), true) => r.clone(),
                _ => name.to_string(),
            };
            let tag = from_job && job.tag.is_some();
            return Ok((name.to_string(), ref_name, tag));
        }
        if let (Some(sha), Some(ref_name)) = (&job.commit_sha, &job.ref_name)
            && ref_name == name
        {
            return Ok((sha.clone(), name.to_string(), tagged));
        }
        let req = Req::get(
            "/projects/:id/repository/commits/:sha",
            format!(
                "{}/repository/commits/{}",
                self.project(),
                encode_segment(name)
            ),
        );
        let commit: GlCommit = self.client.json(&req).await?;
        Ok((commit.id, name.to_string(), tagged))
    }

    /// Creates a deployment (`POST /deployments` with status `running`), or, inside the CI job
    /// that GitLab already made a deployment for in this environment, returns that one.
    pub async fn create_deployment(
        &self,
        new: &NewDeployment,
    ) -> Result<DeploymentCreated, ForgeError> {
        if let Some(CiJob {
            job_id: Some(job_id),
            environment: Some(env),
            ..
        }) = &self.job
            && *env == new.environment
            && let Some(found) = self.deployment_for_job(env, *job_id).await?
        {
            return Ok(DeploymentCreated::Created(found));
        }
        let (sha, git_ref, tag) = match &new.sha {
            Some(sha) if !new.git_ref.trim().is_empty() => {
                let name = new
                    .git_ref
                    .strip_prefix("refs/heads/")
                    .or_else(|| new.git_ref.strip_prefix("refs/tags/"))
                    .unwrap_or(&new.git_ref);
                let job = self.job.clone().unwrap_or_default();
                let tag = new.git_ref.starts_with("refs/tags/") || job.tag.as_deref() == Some(name);
                (sha.clone(), name.to_string(), tag)
            }
            _ => self.resolve_ref(&new.git_ref).await?,
        };
        let req = Req::post(
            DEPLOYMENTS_ROUTE,
            format!("{}/deployments", self.project()),
            json!({
                "environment": new.environment,
                "sha": sha,
                "ref": git_ref,
                "tag": tag,
                "status": "running",
            }),
        )
        .needs(DEPLOY_NEEDS);
        let since = Utc::now() - RECONCILE_WINDOW;
        let (sha, git_ref) = (&sha, &git_ref);
        let created: GlDeployment = self
            .client
            .create(&req, || async move {
                let list_req = self
                    .deployments_req()
                    .query("environment", &new.environment)
                    .query("per_page", 100);
                let recent: Vec<GlDeployment> = self.client.json(&list_req).await?;
                Ok(recent.into_iter().find(|d| {
                    d.sha == *sha
                        && d.git_ref == *git_ref
                        && d.deployable.is_none()
                        && d.created_at >= since
                }))
            })
            .await?;
        Ok(DeploymentCreated::Created(created.into_deployment()))
    }

    /// Moves a deployment to a new state (`PUT /deployments/:id`) and, when given, sets the
    /// environment's external URL. A deployment already in the target state is left alone; a
    /// rejected or unanswered update is checked by reading the deployment back. Deployments of a
    /// CI job are updated by GitLab from the job's result, so they are only read.
    pub async fn create_deployment_status(
        &self,
        id: u64,
        status: &NewDeploymentStatus,
    ) -> Result<DeploymentStatus, ForgeError> {
        let target = gitlab_status(status.state);
        let in_environment_job = self
            .job
            .as_ref()
            .is_some_and(|job| job.job_id.is_some() && job.environment.is_some());
        if in_environment_job {
            // Inside a job with `environment:` the deployment is likely the job's own, which
            // GitLab updates from the job's result: look before writing.
            let current = self.gl_deployment(id).await?;
            if current.deployable.is_some() || current.status == target {
                return self.finish_status(current, status).await;
            }
        }
        // Optimistic: one PUT in the common case. GitLab refuses the PUT (400/403) for a
        // deployment a CI job owns (GitLab sets its status from the job) and for a status it
        // already has; those, and answers that were lost, are settled by reading it back.
        let req = Req::put(
            DEPLOYMENT_ROUTE,
            format!("{}/deployments/{id}", self.project()),
            json!({ "status": target }),
        )
        .needs(DEPLOY_NEEDS);
        let result = match self.client.json::<GlDeployment>(&req).await {
            Ok(updated) => updated,
            Err(err) if err.outcome_unknown() || matches!(err.status(), Some(400 | 403 | 409)) => {
                let now = self.gl_deployment(id).await?;
                if now.status != target && now.deployable.is_none() {
                    return Err(err);
                }
                now
            }
            Err(err) => return Err(err),
        };
        self.finish_status(result, status).await
    }

    /// Applies the environment URL (when it changed) and builds the status to return.
    async fn finish_status(
        &self,
        mut result: GlDeployment,
        status: &NewDeploymentStatus,
    ) -> Result<DeploymentStatus, ForgeError> {
        if let Some(url) = &status.environment_url
            && result.environment.external_url.as_deref() != Some(url.as_str())
        {
            let req = Req::put(
                "/projects/:id/environments/:environment_id",
                format!("{}/environments/{}", self.project(), result.environment.id),
                json!({ "external_url": url }),
            )
            .needs(DEPLOY_NEEDS);
            self.client.send(&req).await?;
            result.environment.external_url = Some(url.clone());
        }
        let mut out = result.current_status();
        out.description = status.description.clone();
        if out.log_url.is_none() {
            out.log_url = status.log_url.clone();
        }
        Ok(out)
    }

    /// One deployment with its current status.
    pub async fn deployment(&self, id: u64) -> Result<Deployment, ForgeError> {
        Ok(self.gl_deployment(id).await?.into_deployment())
    }

    /// Deployments matching `filter`, newest first, all pages. GitLab filters by environment;
    /// SHA and ref are filtered here (the API has no such parameters).
    pub async fn list_deployments(
        &self,
        filter: &DeploymentFilter,
    ) -> Result<Vec<Deployment>, ForgeError> {
        let mut req = self.deployments_req();
        if let Some(env) = &filter.environment {
            req = req.query("environment", env);
        }
        let pages = if filter.newest_page { 1 } else { usize::MAX };
        let list: Vec<GlDeployment> = self.client.pages(req, pages).await?;
        Ok(list
            .into_iter()
            .filter(|d| filter.sha.as_ref().is_none_or(|s| d.sha == *s))
            .filter(|d| filter.git_ref.as_ref().is_none_or(|r| d.git_ref == *r))
            .map(GlDeployment::into_deployment)
            .collect())
    }

    /// The newest deployment of each environment (one request for the environments, one per
    /// environment), keyed by environment name.
    pub async fn latest_deployments(&self) -> Result<BTreeMap<String, Deployment>, ForgeError> {
        #[derive(serde::Deserialize)]
        struct Environment {
            name: String,
        }
        let req = Req::get(
            "/projects/:id/environments",
            format!("{}/environments", self.project()),
        );
        let environments: Vec<Environment> = self.client.all(req).await?;
        let mut latest = BTreeMap::new();
        for env in environments {
            let req = self
                .deployments_req()
                .query("environment", &env.name)
                .query("per_page", 1);
            let newest: Vec<GlDeployment> = self.client.json(&req).await?;
            if let Some(d) = newest.into_iter().next() {
                latest.insert(env.name, d.into_deployment());
            }
        }
        Ok(latest)
    }

    /// The deployment's status. GitLab keeps no history of transitions, only the current state,
    /// so this is a list of one.
    pub async fn deployment_statuses(&self, id: u64) -> Result<Vec<DeploymentStatus>, ForgeError> {
        Ok(vec![self.gl_deployment(id).await?.current_status()])
    }
}
