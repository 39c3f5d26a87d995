//! The GitHub backend: GitHub.com and GitHub Enterprise Server over REST, with GraphQL where one
//! query replaces many REST calls.
//!
//! Layout: `client` holds the transport (octocrab, retries, errors, pagination), `types` the
//! wire structs, and one file per concept holds the operations: comments, pull requests,
//! deployments, checks, repository metadata (permissions, issues, tags, releases), GraphQL.
//!
//! Requests go through octocrab's generic HTTP layer with our own small wire structs rather
//! than octocrab's typed models: those models require fields that GitHub Enterprise versions or
//! the API's nullable fields do not always provide, and we only read a handful of fields.
//!
//! Request counts (asserted by tests): a list costs one request per 100 items; PRs for commits
//! cost one GraphQL query per 100 commits; `list_deployments` costs one REST request per 100
//! deployments plus, with a token, one GraphQL query per 100 deployments for their latest
//! statuses (without a token GitHub refuses GraphQL, so it reads the newest status of each
//! deployment over REST: one more request per deployment).

pub(crate) mod client;
mod types;

mod checks;
mod comments;
mod deployments;
pub(super) mod endpoint;
mod graphql;
mod pulls;
mod repo;

use std::sync::{Arc, OnceLock};

use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;

pub use endpoint::graphql_url_for;

use crate::forge::config::ForgeConfig;
use crate::forge::error::ForgeError;

/// GitHub client.
#[derive(Clone)]
pub struct GitHub {
    config: ForgeConfig,
    /// Built on first use: octocrab's service stack spawns a worker on the current Tokio
    /// runtime, so it cannot be made before one is running.
    octo: Arc<OnceLock<Octocrab>>,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("repo", &self.config.repo)
            .field("api_url", &self.config.api_url)
            .field("graphql_url", &self.config.graphql_url)
            .finish_non_exhaustive()
    }
}

impl GitHub {
    /// Builds the client; checks that both base URLs are absolute `http(s)` URLs.
    pub fn new(mut config: ForgeConfig) -> Result<Self, ForgeError> {
        config.api_url = config.api_url.trim().trim_end_matches('/').to_string();
        config.graphql_url = config.graphql_url.trim().to_string();
        for (name, value) in [
            ("GITHUB_API_URL", &config.api_url),
            ("GITHUB_GRAPHQL_URL", &config.graphql_url),
        ] {
            let ok = url::Url::parse(value)
                .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .unwrap_or(false);
            if !ok {
                return Err(ForgeError::Config(format!(
                    "{name} is `{value}`, not an http(s) URL; set it to e.g. \
                     https://api.github.com (GitHub Enterprise: https://HOST/api/v3 and \
                     https://HOST/api/graphql)"
                )));
            }
        }
        Ok(Self {
            config,
            octo: Arc::new(OnceLock::new()),
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ForgeConfig {
        &self.config
    }

    fn octocrab(&self) -> Result<&Octocrab, String> {
        if let Some(octo) = self.octo.get() {
            return Ok(octo);
        }
        // Every request carries an absolute URL; the base only has to be the API's origin.
        let base = url::Url::parse(&self.config.api_url)
            .map(|u| u.origin().ascii_serialization())
            .map_err(|e| format!("bad API URL: {e}"))?;
        crate::tls::init();
        let timeout = Some(self.config.timeout);
        let built = Octocrab::builder()
            .base_uri(base)
            .map_err(|e| format!("bad API URL: {e}"))?
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(timeout)
            .set_read_timeout(timeout)
            .set_write_timeout(timeout)
            .build()
            .map_err(|e| format!("could not set up the HTTP client: {e}"))?;
        let _ = self.octo.set(built);
        self.octo
            .get()
            .ok_or_else(|| "HTTP client missing".to_string())
    }
}
