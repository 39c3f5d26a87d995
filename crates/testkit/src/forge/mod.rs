//! A fake GitHub + GitLab, served in-process on loopback.
//!
//! One server answers both forges the way a self-hosted instance lays them out: GitHub REST under
//! `/api/v3`, GitHub GraphQL at `/api/graphql`, GitLab REST under `/api/v4`. Tests start it, point
//! the binaries at its URLs through the usual environment variables, and afterwards read its state
//! and its request log (to count calls and to check them against GitHub's OpenAPI description).
//!
//! Faults are injected per route: a status, a `Retry-After`, GitHub's secondary rate limit, a
//! delay, a dropped connection or a truncated body, either before the handler runs (nothing
//! happened) or after it (the change happened but the client never heard).

mod call;
mod fault;
pub mod github;
pub mod gitlab;
mod shared;

pub use fault::{Fault, FaultKind, Phase, path_matches};
pub use shared::{RecordedRequest, Shared, State};

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxumState};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{HeaderValue, StatusCode};
use http_body_util::BodyExt;
use tokio::sync::Notify;

use crate::background::Background;
pub(crate) use call::Call;

/// Tells the connection task to close the socket without answering.
#[derive(Clone)]
struct ConnectionKill(Arc<Notify>);

/// A running fake forge. Dropping it stops the server.
pub struct FakeForge {
    server: Background,
    shared: Arc<Shared>,
}

impl FakeForge {
    /// Starts the server on an ephemeral loopback port, on its own thread and runtime, so plain
    /// `#[test]` functions can use it while the binary under test talks to it over HTTP.
    pub fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let server_shared = shared.clone();
        let server = Background::start("fake-forge", 2, move |listener, stop| {
            serve(server_shared, listener, stop)
        });
        shared.set_base_url(format!("http://{}", server.addr()));
        Self { server, shared }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// GitHub REST base (`GITHUB_API_URL`), laid out like GitHub Enterprise Server.
    pub fn github_api_url(&self) -> String {
        format!("{}/api/v3", self.url())
    }

    /// GitHub GraphQL endpoint (`GITHUB_GRAPHQL_URL`).
    pub fn github_graphql_url(&self) -> String {
        format!("{}/api/graphql", self.url())
    }

    /// GitLab REST base (`CI_API_V4_URL`).
    pub fn gitlab_api_url(&self) -> String {
        format!("{}/api/v4", self.url())
    }

    /// GitLab GraphQL endpoint (`CI_API_GRAPHQL_URL`); see [`gitlab::graphql`].
    pub fn gitlab_graphql_url(&self) -> String {
        format!("{}{}", self.url(), gitlab::graphql::PATH)
    }

    /// The shared state, for handlers' helpers and assertions.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Locks the forge state to set it up or inspect it.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// Arms a fault.
    pub fn inject(&self, fault: Fault) {
        self.shared.arm(fault);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log()
    }

    /// Requests matching `METHOD` and a path pattern (see [`path_matches`]).
    pub fn requests_to(&self, method: &str, pattern: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && path_matches(pattern, &r.path))
            .collect()
    }

    /// Forgets the requests received so far (to count the next operation's alone).
    pub fn clear_requests(&self) {
        self.shared.clear_log();
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(github::routes())
        .merge(gitlab::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            record_and_fault,
        ))
        .with_state(shared)
}

async fn not_found(request: Request) -> Response {
    let message = format!(
        "the fake forge has no route for {} {}",
        request.method(),
        request.uri().path()
    );
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "message": message })),
    )
        .into_response()
}

async fn serve(
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let app = router(shared);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(_) => continue,
            },
            _ = &mut shutdown => return,
        };
        let kill = ConnectionKill(Arc::new(Notify::new()));
        let app = app.clone();
        let conn_kill = kill.clone();
        tokio::spawn(async move {
            let service = tower::ServiceExt::map_request(
                app,
                move |mut req: Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(conn_kill.clone());
                    req
                },
            );
            let service = hyper_util::service::TowerToHyperService::new(service);
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = kill.0.notified() => {}
            }
        });
    }
}

async fn record_and_fault(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let mut record = RecordedRequest {
        method: method.clone(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
        status: 0,
        response_headers: Vec::new(),
        response_body: Bytes::new(),
        faulted: false,
    };
    let kill = parts.extensions.get::<ConnectionKill>().cloned();

    if let Some(kind) = shared.take_fault(&method, &path, Phase::Before) {
        record.faulted = true;
        if let FaultKind::Delay(d) = kind {
            tokio::time::sleep(d).await;
        } else {
            let response = fault_response(&kind, Bytes::from_static(b"{}"), kill);
            record.status = response.status().as_u16();
            if kind == FaultKind::Drop {
                record.status = 0;
                shared.record(record);
                // Never answer: the connection task closes the socket.
                return std::future::pending().await;
            }
            shared.record(record);
            return response;
        }
    }

    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (resp_parts, resp_body) = response.into_parts();
    let resp_bytes = resp_body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    record.status = resp_parts.status.as_u16();
    record.response_headers = resp_parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    record.response_body = resp_bytes.clone();

    if let Some(kind) = shared.take_fault(&method, &path, Phase::After) {
        record.faulted = true;
        if let FaultKind::Delay(d) = kind {
            tokio::time::sleep(d).await;
        } else {
            shared.record(record);
            let dropped = kind == FaultKind::Drop;
            let response = fault_response(&kind, resp_bytes, kill);
            if dropped {
                return std::future::pending().await;
            }
            return response;
        }
    }
    shared.record(record);
    Response::from_parts(resp_parts, Body::from(resp_bytes))
}

fn fault_response(kind: &FaultKind, body: Bytes, kill: Option<ConnectionKill>) -> Response {
    let error_body = |status: u16, message: &str| {
        let mut response = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            axum::Json(serde_json::json!({ "message": message })),
        )
            .into_response();
        response
            .headers_mut()
            .insert("x-fake-forge-fault", HeaderValue::from_static("1"));
        response
    };
    match kind {
        FaultKind::Status(status) => error_body(*status, "injected fault"),
        FaultKind::RetryAfter { status, secs } => {
            let mut response = error_body(*status, "injected fault: retry later");
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(*secs));
            response
        }
        FaultKind::SecondaryRateLimit { secs } => {
            let mut response = (
                StatusCode::FORBIDDEN,
                axum::Json(serde_json::json!({
                    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
                })),
            )
                .into_response();
            let headers = response.headers_mut();
            headers.insert("retry-after", HeaderValue::from(*secs));
            headers.insert("x-ratelimit-remaining", HeaderValue::from_static("4999"));
            response
        }
        FaultKind::Drop => {
            if let Some(kill) = kill {
                kill.0.notify_one();
            }
            // Never sent: the caller stalls and the connection task closes the socket.
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        FaultKind::TruncatedBody => {
            let half = body.slice(..body.len() / 2);
            let full_len = body.len().max(2);
            // The first half goes out (and is flushed) before the body fails, which makes hyper
            // close the connection short of the announced length.
            let stream = futures::stream::iter([Ok::<Bytes, std::io::Error>(half)]).chain(
                futures::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "truncated",
                    ))
                }),
            );
            let mut response = Response::new(Body::from_stream(stream));
            response.headers_mut().insert(
                http::header::CONTENT_LENGTH,
                HeaderValue::from(full_len as u64),
            );
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        FaultKind::Delay(_) => unreachable!("delays are applied in place"),
    }
}
