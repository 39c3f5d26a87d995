//! One request to a route of the fake, as every handler starts from it.
//!
//! Each route's handler used to open with the same steps: take the shared state, lock it, check
//! the caller's token against what the route needs, find the repository or project, parse the
//! body. [`Call`] extracts what those steps read (the state, the headers, the URI, the raw body);
//! each forge adds the steps themselves as methods (`github::rest::route`: `repo`, `repo_json`,
//! ...; `gitlab::route`: `project`, `project_json`) that lock, authorise and parse in its order and
//! with its error bodies, then hand the handler only what it works on. A handler states its path, its
//! query, what the route needs and what it does.

use std::sync::{Arc, MutexGuard};

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Uri};

use super::{Shared, State};

/// The request as the handlers read it. It takes the body, so it is a handler's last argument.
pub(crate) struct Call {
    shared: Arc<Shared>,
    /// `http://127.0.0.1:PORT`, for URLs the answers carry.
    pub(crate) base: String,
    /// The request's headers (the token is in them).
    pub(crate) headers: HeaderMap,
    /// The request's URI (pagination links repeat its query).
    pub(crate) uri: Uri,
    /// The raw body; each forge parses it its own way.
    pub(crate) body: Bytes,
}

impl Call {
    /// Locks the forge state (the lock is held until the guard drops: handlers never await).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }
}

impl FromRequest<Arc<Shared>> for Call {
    type Rejection = Response;

    async fn from_request(request: Request, shared: &Arc<Shared>) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let uri = request.uri().clone();
        let body = Bytes::from_request(request, shared)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Call {
            shared: shared.clone(),
            base: shared.base_url(),
            headers,
            uri,
            body,
        })
    }
}
