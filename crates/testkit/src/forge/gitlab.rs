//! The fake's GitLab side (to be written).

use std::sync::Arc;

use axum::Router;

use super::Shared;

/// GitLab state.
#[derive(Debug, Default)]
pub struct GitLabState {}

/// GitLab routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
}
