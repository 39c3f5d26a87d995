//! Deployments and their statuses: GitHub's side of the deployment ledger.
//!
//! A deployment status is a POST that GitHub does not deduplicate. When its outcome is unknown
//! (a 5xx, a dropped connection, a cut-off answer) the statuses are read back and the write is
//! repeated only when the newest status is not already the one we sent.

use http::{Method, StatusCode};
use serde_json::json;

use super::GitHub;
use super::client::{Op, encode};
use super::types::{self, Message};
use crate::forge::error::ForgeError;
use crate::forge::types::{
    Deployment, DeploymentCreated, DeploymentFilter, DeploymentStatus, NewDeployment,
    NewDeploymentStatus,
};

const LIST: Op = Op::get("/repos/{owner}/{repo}/deployments", "deployments: read");
const GET: Op = Op::get(
    "/repos/{owner}/{repo}/deployments/{deployment_id}",
    "deployments: read",
);
const CREATE: Op = Op::write(
    Method::POST,
    "/repos/{owner}/{repo}/deployments",
    "deployments: write",
);
const STATUSES: Op = Op::get(
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    "deployments: read",
);
const CREATE_STATUS: Op = Op::write(
    Method::POST,
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    "deployments: write",
);

/// GitHub keeps at most this many characters of a status description.
const DESCRIPTION_MAX: usize = 140;

impl GitHub {
    /// Creates a deployment. `auto_merge` is off: shipline deploys exactly the ref it was given,
    /// never a merge GitHub made on the side. A 202 (GitHub merged or is waiting) comes back as
    /// [`DeploymentCreated::Accepted`].
    pub async fn create_deployment(
        &self,
        new: &NewDeployment,
    ) -> Result<DeploymentCreated, ForgeError> {
        let url = self.rest_url(&format!("{}/deployments", self.repo_path()));
        let body = json!({
            "ref": new.git_ref,
            "environment": new.environment,
            "description": new.description,
            "payload": new.payload,
            "transient_environment": new.transient_environment,
            "production_environment": new.production_environment,
            "required_contexts": new.required_contexts,
            "auto_merge": false,
        });
        let reply = self.call(&CREATE, &url, Some(&body)).await?;
        match reply.status {
            StatusCode::CREATED => {
                let deployment: types::Deployment = reply.decode(&CREATE)?;
                Ok(DeploymentCreated::Created(deployment.into_domain(None)))
            }
            StatusCode::ACCEPTED => {
                let message: Message = reply.decode(&CREATE)?;
                Ok(DeploymentCreated::Accepted(message.message))
            }
            status if status.is_success() => Err(self.transport_error(
                &CREATE,
                format!("unexpected HTTP {status} to a deployment request"),
            )),
            _ => Err(self.error_for(&CREATE, &reply)),
        }
    }

    /// Adds a status; an unknown outcome is reconciled by reading the statuses back, so a
    /// flaky network never leaves two identical statuses.
    pub async fn create_deployment_status(
        &self,
        deployment_id: u64,
        status: &NewDeploymentStatus,
    ) -> Result<DeploymentStatus, ForgeError> {
        let url = self.rest_url(&format!(
            "{}/deployments/{deployment_id}/statuses",
            self.repo_path()
        ));
        let description: String = status.description.chars().take(DESCRIPTION_MAX).collect();
        let mut body = json!({
            "state": status.state.as_str(),
            "description": description,
            "auto_inactive": status.auto_inactive,
        });
        if let Some(u) = &status.environment_url {
            body["environment_url"] = json!(u);
        }
        if let Some(u) = &status.log_url {
            body["log_url"] = json!(u);
        }
        let attempts = self.config.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let err = match self
                .json::<types::DeploymentStatus>(&CREATE_STATUS, &url, Some(&body))
                .await
            {
                Ok(created) => return self.status_into_domain(&CREATE_STATUS, created),
                Err(err) if err.outcome_unknown() && attempt < attempts => err,
                Err(err) => return Err(err),
            };
            let newest = self.deployment_statuses_page(deployment_id, 1).await?;
            if let Some(found) = newest.into_iter().next() {
                let same = found.state == status.state
                    && found.description == description
                    && found.environment_url == status.environment_url
                    && found.log_url == status.log_url;
                if same {
                    return Ok(found);
                }
            }
            tracing::debug!("deployment status write not applied ({err}); sending it again");
            tokio::time::sleep(self.config.retry.backoff(attempt)).await;
        }
    }

    /// One deployment with its latest status (two requests).
    pub async fn deployment(&self, id: u64) -> Result<Deployment, ForgeError> {
        let url = self.rest_url(&format!("{}/deployments/{id}", self.repo_path()));
        let deployment: types::Deployment = self.json(&GET, &url, None).await?;
        let latest = self
            .deployment_statuses_page(id, 1)
            .await?
            .into_iter()
            .next();
        Ok(deployment.into_domain(latest))
    }

    /// The newest status of a deployment with the name of the environment it is for (one
    /// request; `None` for a deployment without statuses). A 404 means no such deployment in
    /// this repository. Together with what the caller knows of the deployment (its commit), this
    /// is enough to move it on without reading the deployment itself.
    pub async fn newest_deployment_status(
        &self,
        deployment_id: u64,
    ) -> Result<Option<(DeploymentStatus, Option<String>)>, ForgeError> {
        /// `deployment-status` with its `environment` (optional in GitHub's description).
        #[derive(serde::Deserialize)]
        struct WithEnvironment {
            #[serde(flatten)]
            status: types::DeploymentStatus,
            #[serde(default)]
            environment: Option<String>,
        }
        let url = self.rest_url(&format!(
            "{}/deployments/{deployment_id}/statuses?per_page=1",
            self.repo_path()
        ));
        let statuses: Vec<WithEnvironment> = self.json(&STATUSES, &url, None).await?;
        match statuses.into_iter().next() {
            Some(newest) => {
                let environment = newest.environment.filter(|e| !e.is_empty());
                Ok(Some((
                    self.status_into_domain(&STATUSES, newest.status)?,
                    environment,
                )))
            }
            None => Ok(None),
        }
    }

    /// Deployments matching `filter`, newest first, all pages, each with its latest status
    /// (see the module docs of `forge::github` for the request count).
    pub async fn list_deployments(
        &self,
        filter: &DeploymentFilter,
    ) -> Result<Vec<Deployment>, ForgeError> {
        let mut query = Vec::new();
        if let Some(env) = &filter.environment {
            query.push(format!("environment={}", encode(env)));
        }
        if let Some(sha) = &filter.sha {
            query.push(format!("sha={}", encode(sha)));
        }
        if let Some(r) = &filter.git_ref {
            query.push(format!("ref={}", encode(r)));
        }
        let mut path = format!("{}/deployments", self.repo_path());
        if !query.is_empty() {
            path.push('?');
            path.push_str(&query.join("&"));
        }
        let listed: Vec<types::Deployment> = if filter.newest_page {
            self.first_page(&LIST, &path).await?
        } else {
            self.paginate(&LIST, &path).await?
        };
        let node_ids: Vec<(u64, String)> = listed
            .iter()
            .filter_map(|d| d.node_id.clone().map(|n| (d.id, n)))
            .collect();
        let mut latest = if self.config.token.is_some() && node_ids.len() == listed.len() {
            self.latest_statuses(&node_ids).await?
        } else {
            let mut by_id = std::collections::BTreeMap::new();
            for d in &listed {
                if let Some(s) = self
                    .deployment_statuses_page(d.id, 1)
                    .await?
                    .into_iter()
                    .next()
                {
                    by_id.insert(d.id, s);
                }
            }
            by_id
        };
        Ok(listed
            .into_iter()
            .map(|d| {
                let status = latest.remove(&d.id);
                d.into_domain(status)
            })
            .collect())
    }

    /// Status history of a deployment, newest first, all pages.
    pub async fn deployment_statuses(
        &self,
        deployment_id: u64,
    ) -> Result<Vec<DeploymentStatus>, ForgeError> {
        let path = format!("{}/deployments/{deployment_id}/statuses", self.repo_path());
        let statuses: Vec<types::DeploymentStatus> = self.paginate(&STATUSES, &path).await?;
        statuses
            .into_iter()
            .map(|s| self.status_into_domain(&STATUSES, s))
            .collect()
    }

    /// The newest `per_page` statuses (one request).
    async fn deployment_statuses_page(
        &self,
        deployment_id: u64,
        per_page: u32,
    ) -> Result<Vec<DeploymentStatus>, ForgeError> {
        let url = self.rest_url(&format!(
            "{}/deployments/{deployment_id}/statuses?per_page={per_page}",
            self.repo_path()
        ));
        let statuses: Vec<types::DeploymentStatus> = self.json(&STATUSES, &url, None).await?;
        statuses
            .into_iter()
            .map(|s| self.status_into_domain(&STATUSES, s))
            .collect()
    }

    fn status_into_domain(
        &self,
        op: &Op,
        status: types::DeploymentStatus,
    ) -> Result<DeploymentStatus, ForgeError> {
        let state = status.state.clone();
        status.into_domain().ok_or_else(|| ForgeError::Decode {
            forge: crate::forge::ForgeKind::GitHub,
            route: op.name(),
            message: format!("unknown deployment state `{state}`"),
        })
    }
}
