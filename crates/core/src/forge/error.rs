//! What a forge call can fail with, classified so callers can branch (a 404 is not a 403).
//!
//! Both backends map their answers into [`ForgeError`]; its messages name the route, the
//! missing permission and the fix, never the token.

use std::time::Duration;

use crate::forge::types::ForgeKind;

/// A forge call that failed, classified so callers can branch (a 404 is not a 403).
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// No token was found for an operation that needs one.
    #[error("{forge} needs a token for {operation}: {hint}")]
    MissingToken {
        /// Which forge.
        forge: ForgeKind,
        /// What was attempted.
        operation: String,
        /// Where to put the token.
        hint: String,
    },
    /// 401: the token is missing, expired or wrong.
    #[error(
        "{route}: 401 Unauthorized: the token was rejected (expired, revoked or for another host); {hint}"
    )]
    Unauthorized {
        /// Method and route, e.g. `POST /repos/{owner}/{repo}/deployments`.
        route: String,
        /// What to do.
        hint: String,
    },
    /// 403: authenticated but not allowed.
    #[error("{route}: 403 Forbidden: {message}{}", permission_hint(.permission))]
    Forbidden {
        /// Method and route.
        route: String,
        /// The forge's message.
        message: String,
        /// The permission or scope to add, when known (e.g. `deployments: write`).
        permission: Option<String>,
    },
    /// 404: no such thing, or no access to it (GitHub hides private resources behind 404).
    #[error("{route}: 404 Not Found: {message}")]
    NotFound {
        /// Method and route.
        route: String,
        /// What was looked for / the forge's message.
        message: String,
    },
    /// 409: the request conflicts with the current state.
    #[error("{route}: 409 Conflict: {message}")]
    Conflict {
        /// Method and route.
        route: String,
        /// The forge's message.
        message: String,
    },
    /// 422 (GitHub) / 400 (GitLab): the request was understood and refused.
    #[error("{route}: {status} {message}")]
    Invalid {
        /// Method and route.
        route: String,
        /// HTTP status.
        status: u16,
        /// The forge's message, with field errors.
        message: String,
    },
    /// Still rate limited after waiting and retrying.
    #[error("{route}: rate limited by {forge}{}; try again later or use a token with a higher limit", reset_hint(.reset_after))]
    RateLimited {
        /// Which forge.
        forge: ForgeKind,
        /// Method and route.
        route: String,
        /// How long until the limit resets, when the forge said.
        reset_after: Option<Duration>,
    },
    /// 5xx after all retries.
    #[error(
        "{route}: {forge} answered {status} after {attempts} attempts; the service may be degraded, re-run the job later"
    )]
    Server {
        /// Which forge.
        forge: ForgeKind,
        /// Method and route.
        route: String,
        /// The last status.
        status: u16,
        /// How many attempts were made.
        attempts: u32,
    },
    /// No usable HTTP response (connection refused/reset, timeout, truncated body).
    #[error("{route}: could not reach {forge} at {base_url}: {message}")]
    Transport {
        /// Which forge.
        forge: ForgeKind,
        /// Method and route.
        route: String,
        /// The base URL used (never contains credentials).
        base_url: String,
        /// What went wrong.
        message: String,
    },
    /// A response body that does not have the expected shape.
    #[error("{route}: unexpected response from {forge}: {message}")]
    Decode {
        /// Which forge.
        forge: ForgeKind,
        /// Method and route.
        route: String,
        /// The parse error.
        message: String,
    },
    /// The operation does not exist on this forge.
    #[error("{operation} is not supported on {forge}")]
    Unsupported {
        /// Which forge.
        forge: ForgeKind,
        /// The operation.
        operation: String,
    },
    /// Bad configuration of the client itself (an unparsable base URL, say).
    #[error("{0}")]
    Config(String),
}

fn permission_hint(permission: &Option<String>) -> String {
    match permission {
        Some(p) => format!(
            "; the token lacks `{p}`: add it (GitHub Actions: `permissions: {p}` on the job)"
        ),
        None => String::new(),
    }
}

fn reset_hint(reset: &Option<Duration>) -> String {
    match reset {
        Some(d) => format!(" (resets in {}s)", d.as_secs()),
        None => String::new(),
    }
}

impl ForgeError {
    /// HTTP status behind the error, where there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ForgeError::Unauthorized { .. } => Some(401),
            ForgeError::Forbidden { .. } => Some(403),
            ForgeError::NotFound { .. } => Some(404),
            ForgeError::Conflict { .. } => Some(409),
            ForgeError::Invalid { status, .. } | ForgeError::Server { status, .. } => Some(*status),
            ForgeError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Whether the outcome of a write is unknown (it may have happened): reconcile before retrying.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            ForgeError::Server { .. } | ForgeError::Transport { .. } | ForgeError::Decode { .. }
        )
    }
}
