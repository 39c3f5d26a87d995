//! What the fake's handlers and the test share: the state of both forges, the log of the
//! requests received and the faults armed for the next ones.

use std::sync::{Mutex, MutexGuard};

use axum::body::Bytes;

use super::fault::{Fault, FaultKind, Phase};
use super::github::GitHubState;
use super::gitlab::GitLabState;

/// Everything the fake knows, per forge.
#[derive(Debug, Default)]
pub struct State {
    /// GitHub's side.
    pub github: GitHubState,
    /// GitLab's side.
    pub gitlab: GitLabState,
}

/// One request the fake received, with the answer it gave.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// Request body.
    pub body: Bytes,
    /// Status sent back (0 when the connection was dropped).
    pub status: u16,
    /// Response headers as the handler produced them.
    pub response_headers: Vec<(String, String)>,
    /// Response body as the handler produced it (before any fault mangled it).
    pub response_body: Bytes,
    /// Whether a fault was applied to this request.
    pub faulted: bool,
}

impl RecordedRequest {
    /// The request body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The response body as JSON, if it is JSON.
    pub fn response_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.response_body).ok()
    }

    /// A request header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// State shared by the server's handlers and the test.
#[derive(Debug, Default)]
pub struct Shared {
    state: Mutex<State>,
    log: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<Vec<Fault>>,
    base_url: Mutex<String>,
}

impl Shared {
    /// Locks the forge state (handlers and tests alike).
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// `http://127.0.0.1:PORT`, for URLs the fake puts in its answers.
    pub fn base_url(&self) -> String {
        lock(&self.base_url).clone()
    }

    /// Sets the address the answers' URLs start with, once the server listens.
    pub(super) fn set_base_url(&self, url: String) {
        *lock(&self.base_url) = url;
    }

    /// Arms a fault for the next matching requests.
    pub(super) fn arm(&self, fault: Fault) {
        lock(&self.faults).push(fault);
    }

    /// The fault armed for this request in this phase, if any, counted as used.
    pub(super) fn take_fault(&self, method: &str, path: &str, phase: Phase) -> Option<FaultKind> {
        let mut faults = lock(&self.faults);
        let fault = faults
            .iter_mut()
            .find(|f| f.phase == phase && f.matches(method, path))?;
        if fault.skip > 0 {
            fault.skip -= 1;
            return None;
        }
        fault.times -= 1;
        Some(fault.kind.clone())
    }

    /// Appends one request, with its answer, to the log.
    pub(super) fn record(&self, request: RecordedRequest) {
        lock(&self.log).push(request);
    }

    /// The log so far, in order.
    pub(super) fn log(&self) -> Vec<RecordedRequest> {
        lock(&self.log).clone()
    }

    /// Forgets the log so far.
    pub(super) fn clear_log(&self) {
        lock(&self.log).clear();
    }
}

/// A lock that a panicking test thread left poisoned still guards consistent data: every change
/// under these locks is one push or one assignment.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
