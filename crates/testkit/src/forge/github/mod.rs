//! The fake's GitHub side: a stateful GitHub REST (under `/api/v3`) and GraphQL (at
//! `/api/graphql`) subset, shaped after GitHub's OpenAPI description.
//!
//! State is per repository (`owner/name`): pull requests, issues and their comments, labels,
//! requested reviewers, deployments and statuses, commit statuses, check runs, tags, releases,
//! collaborators. A repository can be backed by a real bare git repository, from which refs and
//! tags are read with the git CLI.
//!
//! Answers start from the example GitHub's description gives for the operation (kept in the
//! OpenAPI fixture) with the fields the state defines written over it, so every body satisfies
//! GitHub's response schemas; `shipline_testkit::openapi` checks that after each test.
//!
//! Tokens and permissions: with [`GitHubState::require_token`] a request without that bearer
//! token gets 401; [`GitHubState::deny`] takes a permission (`deployments=write`) from the
//! token, and every route needing it answers 403 with `x-accepted-github-permissions`.

mod graphql;
mod render;
mod respond;
mod rest;
mod state;

use std::sync::Arc;

use axum::Router;

use super::Shared;

pub use respond::example;
pub(crate) use state::guard;
pub use state::{
    CheckRun, Comment, CommitStatus, Deployment, DeploymentStatus, GitHubState, Issue, Pull,
    Release, Repo,
};

/// GitHub routes.
pub fn routes() -> Router<Arc<Shared>> {
    rest::routes().merge(graphql::routes())
}
