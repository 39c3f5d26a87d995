//! The HTTP layer under every GitLab call: authentication, timeouts, retries, pagination and the
//! mapping of GitLab's answers to [`ForgeError`].
//!
//! Retrying is split by what a failure means. A request GitLab never processed (429, a refused
//! connection) is simply sent again. A read or an idempotent write (`GET`, `PUT`) is sent again
//! after a 5xx or a broken connection too. A `POST` whose outcome is unknown (5xx, dropped
//! connection, truncated answer) is never re-sent blindly: [`Client::create`] first asks a
//! reconciliation read whether the record already exists, and only sends again when it does not.

use std::future::Future;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::forge::config::ForgeConfig;
use crate::forge::error::ForgeError;
use crate::forge::retry::{RetryPolicy, requested_wait};
use crate::forge::types::ForgeKind;

const FORGE: ForgeKind = ForgeKind::GitLab;
/// GitLab's maximum page size.
pub(crate) const PER_PAGE: u32 = 100;
/// The route errors name for GraphQL calls.
pub(crate) const GRAPHQL_ROUTE: &str = "/graphql";

/// Which kind of credential the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A project, group or personal access token (`PRIVATE-TOKEN`).
    Access,
    /// The CI/CD job token (`JOB-TOKEN`): a short list of endpoints only.
    Job,
    /// No token: public projects can still be read.
    Anonymous,
}

/// The endpoints GitLab lets `CI_JOB_TOKEN` call, as far as shipline uses them.
///
/// GitLab's "CI/CD job token" documentation lists the deployments API (list, get, create,
/// update, approve, delete), the environments API, the releases API (including release links),
/// job artifacts, packages, the container registry, secure files, Terraform state and
/// `GET /job`. Merge requests, notes, issues, users, members, commit statuses, pipelines and the
/// repository API are not on it: those need an access token. This function is the one place that
/// knowledge lives.
pub fn job_token_allows(route: &str) -> bool {
    let path = route.split_once(' ').map_or(route, |(_, p)| p);
    let rest = match path.strip_prefix("/projects/:id") {
        Some(rest) => rest,
        None => return path == "/job",
    };
    ["/deployments", "/environments", "/releases"]
        .iter()
        .any(|prefix| rest == *prefix || rest.starts_with(&format!("{prefix}/")))
}

/// What to do instead of using `CI_JOB_TOKEN` where GitLab refuses it.
pub const JOB_TOKEN_HINT: &str = "CI_JOB_TOKEN cannot call this endpoint (GitLab allows it only for deployments, environments and releases); create a project access token with the `api` scope and at least the Developer role (Settings > Access tokens), and store it as a masked CI/CD variable named GITLAB_TOKEN (Settings > CI/CD > Variables)";

/// Why GitLab refuses `CI_JOB_TOKEN` on an endpoint it lets the job token call: not the kind
/// of token, but the job's user or project. The token acts with the role of the user who started
/// the pipeline, and reaches another project only through that project's allowlist.
fn job_token_refusal(route: &str) -> String {
    let path = route.split_once(' ').map_or(route, |(_, p)| p);
    let cause = if path.contains("/releases") {
        "the user who started the pipeline may not create this release: a protected tag (Settings > Repository > Protected tags) allows only the roles it names"
    } else {
        "the user who started the pipeline may not deploy here: a protected environment (Settings > CI/CD > Protected environments) allows only the roles and users it names, and approvals may be required"
    };
    format!(
        "GitLab lets CI_JOB_TOKEN call this endpoint, so the refusal is about the job, not the token: {cause}; for a project other than the job's own, also add the job's project to that project's job token allowlist (Settings > CI/CD > Job token permissions)"
    )
}

/// One request: the route template is what errors name, the path is what is sent.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub method: Method,
    /// `METHOD /projects/:id/...`, never with values that could be secret.
    pub route: String,
    /// Path under the API base, starting with `/`; or a full URL (a `Link: rel="next"`).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
    /// Role or scope GitLab wants for this call, named in a 403.
    pub needs: &'static str,
    /// A `POST` that only reads (a GraphQL query): safe to send again like a `GET`.
    pub read_only: bool,
}

impl Req {
    pub fn new(method: Method, route: &str, path: String) -> Self {
        Self {
            route: format!("{method} {route}"),
            method,
            path,
            query: Vec::new(),
            body: None,
            needs: "the Reporter role",
            read_only: false,
        }
    }

    pub fn get(route: &str, path: String) -> Self {
        Self::new(Method::GET, route, path)
    }

    pub fn post(route: &str, path: String, body: serde_json::Value) -> Self {
        Self::new(Method::POST, route, path).body(body)
    }

    pub fn put(route: &str, path: String, body: serde_json::Value) -> Self {
        Self::new(Method::PUT, route, path).body(body)
    }

    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn needs(mut self, needs: &'static str) -> Self {
        self.needs = needs;
        self
    }

    /// Whether sending it twice has the same effect as once.
    fn idempotent(&self) -> bool {
        self.method != Method::POST || self.read_only
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

/// The low-level GitLab client.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    /// The GraphQL endpoint (`CI_API_GRAPHQL_URL`).
    graphql_url: String,
    /// `group%2Fsub%2Fproject` or a numeric id, ready for a path.
    project: String,
    auth: Option<(&'static str, HeaderValue)>,
    kind: TokenKind,
    token_source: Option<&'static str>,
    retry: RetryPolicy,
}

impl Client {
    pub fn new(config: &ForgeConfig, project_id: Option<u64>) -> Result<Self, ForgeError> {
        crate::tls::init();
        let base = config.api_url.trim().trim_end_matches('/').to_string();
        url::Url::parse(&base).map_err(|e| {
            ForgeError::Config(format!(
                "GitLab API URL `{base}` (CI_API_V4_URL) is not a URL: {e}; set it like https://gitlab.example.com/api/v4"
            ))
        })?;
        let kind = match (&config.token, config.token_source) {
            (None, _) => TokenKind::Anonymous,
            (Some(_), Some("CI_JOB_TOKEN")) => TokenKind::Job,
            (Some(_), _) => TokenKind::Access,
        };
        let auth = match &config.token {
            None => None,
            Some(token) => {
                let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
                    ForgeError::Config(format!(
                        "the token in {} contains characters that cannot be sent in an HTTP header; copy it again without line breaks",
                        config.token_source.unwrap_or("the token variable")
                    ))
                })?;
                value.set_sensitive(true);
                let name = if kind == TokenKind::Job {
                    "JOB-TOKEN"
                } else {
                    "PRIVATE-TOKEN"
                };
                Some((name, value))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("shipline/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ForgeError::Config(format!("cannot build the GitLab HTTP client: {e}")))?;
        let project = match project_id {
            Some(id) => id.to_string(),
            None => encode_segment(&config.repo.full_name()),
        };
        Ok(Self {
            http,
            base,
            graphql_url: config.graphql_url.trim().to_string(),
            project,
            auth,
            kind,
            token_source: config.token_source,
            retry: config.retry,
        })
    }

    /// `/projects/<id or encoded path>`.
    pub fn project_path(&self) -> String {
        format!("/projects/{}", self.project)
    }

    /// The web root (`https://gitlab.example.com`), for links GitLab does not return.
    pub fn web_root(&self) -> &str {
        self.base.strip_suffix("/api/v4").unwrap_or(&self.base)
    }

    /// Sends a request, retrying what is safe to retry, and returns the body of a 2xx answer.
    pub async fn send(&self, req: &Req) -> Result<Answer, ForgeError> {
        self.check_token(req)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.max_attempts;
            match self.send_once(req).await {
                Ok(Outcome::Done(answer)) => return Ok(answer),
                Ok(Outcome::Failed(err)) => return Err(err),
                Ok(Outcome::RateLimited(requested)) => {
                    let wait = requested.unwrap_or_else(|| self.retry.backoff(attempt));
                    if last || wait > self.retry.max_delay {
                        return Err(ForgeError::RateLimited {
                            forge: FORGE,
                            route: req.route.clone(),
                            reset_after: requested,
                        });
                    }
                    tokio::time::sleep(wait).await;
                }
                Ok(Outcome::Unknown(wait, mut err)) => {
                    if last || !req.idempotent() {
                        if let ForgeError::Server { attempts, .. } = &mut err {
                            *attempts = attempt;
                        }
                        return Err(err);
                    }
                    let wait = wait
                        .filter(|w| *w <= self.retry.max_delay)
                        .unwrap_or_else(|| self.retry.backoff(attempt));
                    tokio::time::sleep(wait).await;
                }
                Ok(Outcome::NotSent(err)) => {
                    if last {
                        return Err(err);
                    }
                    tokio::time::sleep(self.retry.backoff(attempt)).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Sends a GraphQL query (retried like a read) and returns the raw answer, which carries
    /// GitLab's `errors` next to `data` with status 200.
    pub async fn graphql(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<bytes::Bytes, ForgeError> {
        let mut req = Req::post(
            GRAPHQL_ROUTE,
            self.graphql_url.clone(),
            serde_json::json!({ "query": query, "variables": variables }),
        );
        req.read_only = true;
        Ok(self.send(&req).await?.body)
    }

    /// Sends and decodes a JSON answer.
    pub async fn json<T: DeserializeOwned>(&self, req: &Req) -> Result<T, ForgeError> {
        let answer = self.send(req).await?;
        decode(&req.route, &answer.body)
    }

    /// Every item of a paginated list: `per_page=100`, following `Link: rel="next"` (which also
    /// covers keyset pagination) or `x-next-page`.
    pub async fn all<T: DeserializeOwned>(&self, req: Req) -> Result<Vec<T>, ForgeError> {
        self.pages(req, usize::MAX).await
    }

    /// Like [`Client::all`], stopping after `max_pages` pages.
    pub async fn pages<T: DeserializeOwned>(
        &self,
        req: Req,
        max_pages: usize,
    ) -> Result<Vec<T>, ForgeError> {
        let mut req = req.query("per_page", PER_PAGE);
        let mut items = Vec::new();
        for _ in 0..max_pages {
            let answer = self.send(&req).await?;
            let page: Vec<T> = decode(&req.route, &answer.body)?;
            let empty = page.is_empty();
            items.extend(page);
            match next_page(&answer.headers) {
                Some(_) if empty => break,
                Some(Next::Url(url)) => {
                    req.path = url;
                    req.query.clear();
                }
                Some(Next::Page(page)) => {
                    req.query.retain(|(k, _)| k != "page");
                    req.query.push(("page".into(), page));
                }
                None => break,
            }
        }
        Ok(items)
    }

    /// Creates a record with a `POST` whose retries cannot duplicate it: when the outcome of an
    /// attempt is unknown, `reconcile` reads back whether the record exists, and only when it
    /// does not is the `POST` sent again.
    pub async fn create<T, F, Fut>(&self, req: &Req, reconcile: F) -> Result<T, ForgeError>
    where
        T: DeserializeOwned,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<T>, ForgeError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let err = match self.json::<T>(req).await {
                Ok(created) => return Ok(created),
                Err(err) if err.outcome_unknown() => err,
                Err(err) => return Err(err),
            };
            tokio::time::sleep(self.retry.backoff(attempt)).await;
            if let Some(found) = reconcile().await? {
                return Ok(found);
            }
            if attempt >= self.retry.max_attempts {
                return Err(err);
            }
        }
    }

    /// Fails before sending when the job token cannot call this endpoint.
    fn check_token(&self, req: &Req) -> Result<(), ForgeError> {
        if self.kind == TokenKind::Job && !job_token_allows(&req.route) {
            return Err(ForgeError::MissingToken {
                forge: FORGE,
                operation: req.route.clone(),
                hint: JOB_TOKEN_HINT.to_string(),
            });
        }
        Ok(())
    }

    async fn send_once(&self, req: &Req) -> Result<Outcome, ForgeError> {
        let url = if req.path.starts_with("http://") || req.path.starts_with("https://") {
            req.path.clone()
        } else {
            format!("{}{}", self.base, req.path)
        };
        let mut builder = self.http.request(req.method.clone(), &url);
        if !req.query.is_empty() {
            builder = builder.query(&req.query);
        }
        if let Some((name, value)) = &self.auth {
            builder = builder.header(*name, value.clone());
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(err) => {
                let transport = self.transport(req, &err);
                // A refused connection never reached GitLab: safe to send again, even a POST.
                return Ok(if err.is_connect() {
                    Outcome::NotSent(transport)
                } else {
                    Outcome::Unknown(None, transport)
                });
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(err) => return Ok(Outcome::Unknown(None, self.transport(req, &err))),
        };
        if status.is_success() {
            return Ok(Outcome::Done(Answer { headers, body }));
        }
        let wait = requested_wait(&headers);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Ok(Outcome::RateLimited(wait));
        }
        if status.is_server_error() {
            return Ok(Outcome::Unknown(
                wait,
                ForgeError::Server {
                    forge: FORGE,
                    route: req.route.clone(),
                    status: status.as_u16(),
                    attempts: 1,
                },
            ));
        }
        Ok(Outcome::Failed(self.client_error(req, status, &body)))
    }

    fn transport(&self, req: &Req, err: &reqwest::Error) -> ForgeError {
        let what = if err.is_timeout() {
            "timed out".to_string()
        } else if err.is_connect() {
            "connection failed".to_string()
        } else if err.is_body() || err.is_decode() {
            "the answer was cut off".to_string()
        } else {
            "the connection broke".to_string()
        };
        let mut message = what;
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            source = inner.source();
        }
        ForgeError::Transport {
            forge: FORGE,
            route: req.route.clone(),
            base_url: self.base.clone(),
            message,
        }
    }

    fn client_error(&self, req: &Req, status: StatusCode, body: &[u8]) -> ForgeError {
        let message = gitlab_message(body).unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        });
        let route = req.route.clone();
        match status.as_u16() {
            401 => ForgeError::Unauthorized {
                route,
                hint: self.unauthorized_hint(req),
            },
            403 => {
                let mut message = format!("{message}; this call needs {}", req.needs);
                if self.kind == TokenKind::Job {
                    message.push_str("; ");
                    if job_token_allows(&req.route) {
                        message.push_str(&job_token_refusal(&req.route));
                    } else {
                        message.push_str(JOB_TOKEN_HINT);
                    }
                } else {
                    message.push_str(&format!(
                        " on the project and a token with the `api` scope in {}",
                        self.token_source.unwrap_or("GITLAB_TOKEN")
                    ));
                }
                ForgeError::Forbidden {
                    route,
                    message,
                    permission: None,
                }
            }
            404 if self.kind == TokenKind::Job => ForgeError::NotFound {
                route,
                message: format!(
                    "{message} (check the project path; GitLab hides a project from CI_JOB_TOKEN of another project unless that project's job token allowlist, Settings > CI/CD > Job token permissions, names the job's project)"
                ),
            },
            404 => ForgeError::NotFound {
                route,
                message: format!(
                    "{message} (check the project path and that the token can see the project)"
                ),
            },
            409 => ForgeError::Conflict { route, message },
            code => ForgeError::Invalid {
                route,
                status: code,
                message,
            },
        }
    }

    fn unauthorized_hint(&self, req: &Req) -> String {
        match (self.kind, self.token_source) {
            (TokenKind::Anonymous, _) => format!(
                "no token was sent; set GITLAB_TOKEN to a project access token with the `api` scope ({} needs one)",
                req.route
            ),
            (TokenKind::Job, _) if job_token_allows(&req.route) => "CI_JOB_TOKEN is valid only while its job runs: call shipline from the job's own script, not from a later job or outside GitLab CI".to_string(),
            (TokenKind::Job, _) => JOB_TOKEN_HINT.to_string(),
            (TokenKind::Access, source) => format!(
                "replace the token in {} with a valid project access token with the `api` scope",
                source.unwrap_or("GITLAB_TOKEN")
            ),
        }
    }

    /// Which credential is in use.
    pub fn token_kind(&self) -> TokenKind {
        self.kind
    }
}

enum Outcome {
    Done(Answer),
    /// A final error (4xx).
    Failed(ForgeError),
    /// 429: not processed; wait (as long as GitLab asked, when it did) and send again.
    RateLimited(Option<Duration>),
    /// Processed or not, nobody knows (5xx, broken connection after sending).
    Unknown(Option<Duration>, ForgeError),
    /// The request never left (connection refused).
    NotSent(ForgeError),
}

enum Next {
    Url(String),
    Page(String),
}

fn next_page(headers: &HeaderMap) -> Option<Next> {
    if let Some(link) = headers.get("link").and_then(|v| v.to_str().ok()) {
        for part in link.split(',') {
            let (target, params) = part.split_once(';').unwrap_or((part, ""));
            if params
                .split(';')
                .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            {
                let url = target.trim().trim_start_matches('<').trim_end_matches('>');
                return Some(Next::Url(url.to_string()));
            }
        }
    }
    headers
        .get("x-next-page")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| Next::Page(v.to_string()))
}

/// GitLab puts its reason in `message` (a string, a list, or a map of field errors) or `error`.
fn gitlab_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let field = value.get("message").or_else(|| value.get("error"))?;
    Some(match field {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join("; "),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                format!("{k} {v}")
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    })
}

pub(crate) fn decode<T: DeserializeOwned>(route: &str, body: &[u8]) -> Result<T, ForgeError> {
    serde_json::from_slice(body).map_err(|e| ForgeError::Decode {
        forge: FORGE,
        route: route.to_string(),
        message: e.to_string(),
    })
}

/// Percent-encodes one path segment (a project path, a tag name, a branch).
pub fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_token_routes() {
        assert!(job_token_allows("POST /projects/:id/deployments"));
        assert!(job_token_allows(
            "PUT /projects/:id/deployments/:deployment_id"
        ));
        assert!(job_token_allows("GET /projects/:id/releases/:tag_name"));
        assert!(!job_token_allows(
            "POST /projects/:id/merge_requests/:iid/notes"
        ));
        assert!(!job_token_allows("POST /projects/:id/merge_requests"));
        assert!(!job_token_allows("GET /users"));
        assert!(!job_token_allows("GET /projects/:id/deploymentsx"));
    }

    #[test]
    fn encodes_nested_paths() {
        assert_eq!(encode_segment("group/sub/proj"), "group%2Fsub%2Fproj");
        assert_eq!(encode_segment("v1.2.0"), "v1.2.0");
        assert_eq!(encode_segment("a b+c"), "a%20b%2Bc");
    }

    #[test]
    fn messages_in_every_shape() {
        assert_eq!(
            gitlab_message(br#"{"message":"404 Not found"}"#).as_deref(),
            Some("404 Not found")
        );
        assert_eq!(
            gitlab_message(br#"{"message":{"title":["can't be blank"]}}"#).as_deref(),
            Some("title can't be blank")
        );
        assert_eq!(
            gitlab_message(br#"{"error":"status does not have a valid value"}"#).as_deref(),
            Some("status does not have a valid value")
        );
    }

    #[test]
    fn next_page_from_link_or_header() {
        let mut headers = HeaderMap::new();
        headers.insert("x-next-page", "3".parse().unwrap());
        assert!(matches!(next_page(&headers), Some(Next::Page(p)) if p == "3"));
        headers.insert(
            "link",
            "<https://g/api/v4/x?page=1>; rel=\"first\", <https://g/api/v4/x?id_after=9>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert!(matches!(next_page(&headers), Some(Next::Url(u)) if u.ends_with("id_after=9")));
        let mut last = HeaderMap::new();
        last.insert("x-next-page", "".parse().unwrap());
        assert!(next_page(&last).is_none());
    }
}
