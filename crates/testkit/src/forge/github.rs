//! The fake's GitHub side (to be written).

use std::sync::Arc;

use axum::Router;

use super::Shared;

/// GitHub state.
#[derive(Debug, Default)]
pub struct GitHubState {}

/// GitHub routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
}
