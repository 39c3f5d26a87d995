//! Transport for the GitHub backend: octocrab as the HTTP stack, our own retry loop, error
//! mapping and pagination.
//!
//! Why our own retry loop instead of octocrab's `RetryConfig::HandleRateLimits`: that policy
//! retries 5xx answers and transport errors of every method at once, POSTs included, so a 502
//! sent after GitHub created a comment (or a connection dropped after the write) produces a
//! second comment; it sleeps for whatever `Retry-After` says, without an upper bound; and it
//! waits with no backoff between 5xx retries. octocrab therefore runs with `RetryConfig::None`
//! and every call goes through [`GitHub::call`], which
//! - retries rate limits (429, and 403 with `retry-after`, `x-ratelimit-remaining: 0` or the
//!   secondary-rate-limit message) for every method, since GitHub refused those requests before
//!   acting on them, waiting what GitHub asks for and failing as [`ForgeError::RateLimited`] when
//!   that is longer than the policy's `max_delay`;
//! - retries 5xx answers and transport errors (connection reset, timeout, truncated body) only
//!   for idempotent operations (reads, PATCHes, label and reviewer additions, GraphQL queries);
//!   for other writes the error is returned at once and the caller reconciles by reading back;
//! - bounds every attempt, body included, by `ForgeConfig::timeout`.
//!
//! Requests are built here with GitHub's recommended headers and an `Authorization` header
//! marked sensitive, and sent with absolute URLs, so the REST base (`/api/v3` on GitHub
//! Enterprise Server) and the GraphQL endpoint (`/api/graphql`) can differ. octocrab's default
//! service stack always appends a second `User-Agent: octocrab` line after ours; removing it
//! means building octocrab over a custom hyper service (`OctocrabBuilder::new_empty`).

use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;

use super::GitHub;
use super::types::ErrorBody;
use crate::forge::error::ForgeError;
use crate::forge::retry::requested_wait;
use crate::forge::types::ForgeKind;

/// One kind of GitHub call: what it is named in messages and how it may be retried.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    /// HTTP method.
    pub method: Method,
    /// GitHub's path template, e.g. `/repos/{owner}/{repo}/deployments`.
    pub route: &'static str,
    /// The token permission this operation needs, for 403s that do not say.
    pub permission: &'static str,
    /// Safe to send twice (reads, PATCH, set-like additions, GraphQL queries).
    pub idempotent: bool,
}

impl Op {
    pub const fn get(route: &'static str, permission: &'static str) -> Self {
        Self {
            method: Method::GET,
            route,
            permission,
            idempotent: true,
        }
    }

    pub const fn write(method: Method, route: &'static str, permission: &'static str) -> Self {
        Self {
            method,
            route,
            permission,
            idempotent: false,
        }
    }

    pub const fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// `POST /repos/{owner}/{repo}/deployments`.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.route)
    }
}

/// An HTTP answer, body read in full.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn decode<T: DeserializeOwned>(&self, op: &Op) -> Result<T, ForgeError> {
        serde_json::from_str(&self.body).map_err(|e| ForgeError::Decode {
            forge: ForgeKind::GitHub,
            route: op.name(),
            message: format!("{e} (HTTP {})", self.status.as_u16()),
        })
    }

    /// The `rel="next"` target of the `Link` header.
    pub fn next_link(&self) -> Option<String> {
        let link = self.headers.get(http::header::LINK)?.to_str().ok()?;
        link.split(',').find_map(|part| {
            let (target, params) = part.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
            is_next.then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
    }
}

const USER_AGENT: &str = concat!("shipline/", env!("CARGO_PKG_VERSION"));

impl GitHub {
    /// Absolute URL of a REST path (`/repos/...`).
    pub(crate) fn rest_url(&self, path: &str) -> String {
        format!("{}{}", self.config.api_url.trim_end_matches('/'), path)
    }

    /// `/repos/{owner}/{repo}` with both parts encoded.
    pub(crate) fn repo_path(&self) -> String {
        format!(
            "/repos/{}/{}",
            encode(&self.config.repo.owner),
            encode(&self.config.repo.name)
        )
    }

    /// Sends one operation, retrying as the module docs describe; any status comes back.
    pub(crate) async fn call(
        &self,
        op: &Op,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, ForgeError> {
        let policy = self.config.retry;
        let max_attempts = policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = tokio::time::timeout(self.config.timeout, self.send_once(op, url, body))
                .await
                .unwrap_or_else(|_| {
                    Err(format!(
                        "no complete answer within {}s (ForgeConfig timeout)",
                        self.config.timeout.as_secs_f32()
                    ))
                });
            let reply = match outcome {
                Ok(reply) => reply,
                Err(message) => {
                    if op.idempotent && attempt < max_attempts {
                        tokio::time::sleep(policy.backoff(attempt)).await;
                        continue;
                    }
                    return Err(ForgeError::Transport {
                        forge: ForgeKind::GitHub,
                        route: op.name(),
                        base_url: self.config.api_url.clone(),
                        message: format!("{message} (after {attempt} attempts)"),
                    });
                }
            };
            if is_rate_limited(&reply) {
                let wait = requested_wait(&reply.headers).unwrap_or_else(|| {
                    if reply.status == StatusCode::TOO_MANY_REQUESTS {
                        policy.backoff(attempt)
                    } else {
                        // GitHub: without a header, wait at least a minute for a secondary limit.
                        Duration::from_secs(60)
                    }
                });
                if wait > policy.max_delay || attempt >= max_attempts {
                    return Err(ForgeError::RateLimited {
                        forge: ForgeKind::GitHub,
                        route: op.name(),
                        reset_after: Some(wait),
                    });
                }
                tokio::time::sleep(wait.max(policy.backoff(attempt))).await;
                continue;
            }
            if reply.status.is_server_error() {
                if op.idempotent && attempt < max_attempts {
                    tokio::time::sleep(policy.backoff(attempt)).await;
                    continue;
                }
                return Err(ForgeError::Server {
                    forge: ForgeKind::GitHub,
                    route: op.name(),
                    status: reply.status.as_u16(),
                    attempts: attempt,
                });
            }
            return Ok(reply);
        }
    }

    /// Sends an operation and decodes a 2xx answer; any other status is an error.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        op: &Op,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, ForgeError> {
        let reply = self.call(op, url, body).await?;
        if !reply.status.is_success() {
            return Err(self.error_for(op, &reply));
        }
        reply.decode(op)
    }

    /// Every page of a list, following `Link: rel="next"` (`per_page=100` is added).
    pub(crate) async fn paginate<T: DeserializeOwned>(
        &self,
        op: &Op,
        path_and_query: &str,
    ) -> Result<Vec<T>, ForgeError> {
        let mut items = Vec::new();
        self.paginate_with(op, path_and_query, |reply| {
            items.extend(reply.decode::<Vec<T>>(op)?);
            Ok(())
        })
        .await?;
        Ok(items)
    }

    /// The first page of a list (`per_page=100` is added).
    pub(crate) async fn first_page<T: DeserializeOwned>(
        &self,
        op: &Op,
        path_and_query: &str,
    ) -> Result<Vec<T>, ForgeError> {
        let separator = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = self.rest_url(&format!("{path_and_query}{separator}per_page=100"));
        let reply = self.call(op, &url, None).await?;
        if !reply.status.is_success() {
            return Err(self.error_for(op, &reply));
        }
        reply.decode::<Vec<T>>(op)
    }

    /// Walks the pages of a list, handing each answer to `page`.
    pub(crate) async fn paginate_with(
        &self,
        op: &Op,
        path_and_query: &str,
        mut page: impl FnMut(&Reply) -> Result<(), ForgeError>,
    ) -> Result<(), ForgeError> {
        let separator = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let mut url = self.rest_url(&format!("{path_and_query}{separator}per_page=100"));
        loop {
            let reply = self.call(op, &url, None).await?;
            if !reply.status.is_success() {
                return Err(self.error_for(op, &reply));
            }
            page(&reply)?;
            match reply.next_link() {
                // Never follow a link (and send the token) to another host.
                Some(next) if same_origin(&next, &self.config.api_url) => url = next,
                _ => return Ok(()),
            }
        }
    }

    async fn send_once(
        &self,
        op: &Op,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, String> {
        let octo = self.octocrab()?;
        let mut request = http::Request::builder()
            .method(op.method.clone())
            .uri(url)
            .header(http::header::ACCEPT, "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header(http::header::USER_AGENT, USER_AGENT);
        if let Some(token) = &self.config.token {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| "the token contains characters not allowed in a header".to_string())?;
            value.set_sensitive(true);
            request = request.header(http::header::AUTHORIZATION, value);
        }
        let request = match body {
            Some(body) => request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(octocrab::OctoBody::from(body.to_string())),
            None => request.body(octocrab::OctoBody::empty()),
        }
        .map_err(|e| format!("could not build the request: {e}"))?;
        let response = octo
            .execute(request)
            .await
            .map_err(|e| describe_transport(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = octo
            .body_to_string(response)
            .await
            .map_err(|e| format!("the answer's body was cut off: {}", describe_transport(&e)))?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Maps a non-2xx answer to a [`ForgeError`] naming the route and, for 403, the permission.
    pub(crate) fn error_for(&self, op: &Op, reply: &Reply) -> ForgeError {
        let parsed: ErrorBody = serde_json::from_str(&reply.body).unwrap_or_default();
        let route = op.name();
        let message = parsed.describe();
        match reply.status.as_u16() {
            401 => ForgeError::Unauthorized {
                route,
                hint: format!(
                    "check {} (GitHub said: {})",
                    self.config
                        .token_source
                        .unwrap_or("GITHUB_TOKEN or GH_TOKEN"),
                    message
                ),
            },
            403 => ForgeError::Forbidden {
                route,
                message,
                permission: Some(
                    accepted_permission(&reply.headers)
                        .unwrap_or_else(|| op.permission.to_string()),
                ),
            },
            404 => ForgeError::NotFound {
                route,
                message: format!(
                    "{message} (repository {}; GitHub also answers 404 when the token cannot see it)",
                    self.config.repo
                ),
            },
            409 => ForgeError::Conflict { route, message },
            status => ForgeError::Invalid {
                route,
                status,
                message,
            },
        }
    }

    pub(crate) fn transport_error(&self, op: &Op, message: String) -> ForgeError {
        ForgeError::Transport {
            forge: ForgeKind::GitHub,
            route: op.name(),
            base_url: self.config.api_url.clone(),
            message,
        }
    }
}

fn describe_transport(error: &octocrab::Error) -> String {
    // The chain of sources says "connection closed before message completed" and the like.
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = inner.source();
    }
    message
}

/// GitHub's rate limits: 429, or 403 with a wait header, an exhausted quota or the
/// secondary-rate-limit message.
fn is_rate_limited(reply: &Reply) -> bool {
    match reply.status {
        StatusCode::TOO_MANY_REQUESTS => true,
        StatusCode::FORBIDDEN => {
            reply.headers.contains_key(http::header::RETRY_AFTER)
                || reply
                    .headers
                    .get("x-ratelimit-remaining")
                    .is_some_and(|v| v.as_bytes() == b"0")
                || reply.body.to_ascii_lowercase().contains("rate limit")
        }
        _ => false,
    }
}

/// `x-accepted-github-permissions: deployments=write; contents=read` → `deployments: write`
/// (the first alternative, in the form a workflow's `permissions:` block takes).
pub(crate) fn accepted_permission(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get("x-accepted-github-permissions")?
        .to_str()
        .ok()?;
    let first = value.split(';').next()?.trim();
    if first.is_empty() {
        return None;
    }
    let parts: Vec<String> = first
        .split(',')
        .filter_map(|p| {
            let (name, level) = p.trim().split_once('=')?;
            Some(format!(
                "{}: {}",
                name.trim().replace('_', "-"),
                level.trim()
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn same_origin(url: &str, base: &str) -> bool {
    match (url::Url::parse(url), url::Url::parse(base)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters pass).
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_permissions_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-accepted-github-permissions",
            "pull_requests=write; issues=write".parse().unwrap(),
        );
        assert_eq!(
            accepted_permission(&headers).as_deref(),
            Some("pull-requests: write")
        );
        headers.insert("x-accepted-github-permissions", "".parse().unwrap());
        assert_eq!(accepted_permission(&headers), None);
    }

    #[test]
    fn next_link() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LINK,
            "<https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        let reply = Reply {
            status: StatusCode::OK,
            headers,
            body: String::new(),
        };
        assert_eq!(
            reply.next_link().as_deref(),
            Some("https://api.github.com/x?page=3")
        );
    }

    #[test]
    fn encoding() {
        assert_eq!(encode("feat/a b"), "feat%2Fa%20b");
        assert_eq!(encode("v1.2.3"), "v1.2.3");
    }
}
