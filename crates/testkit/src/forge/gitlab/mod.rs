//! The fake's GitLab side: REST v4 under `/api/v4`, stateful, shaped like GitLab's API docs.
//!
//! It models what shipline touches: projects (nested group paths, numeric ids, optionally backed
//! by a real bare git repository for tags and commits), users and their roles, merge requests
//! with notes, labels and reviewers, deployments and environments (with GitLab's state machine,
//! and deployments owned by CI jobs), commit statuses, pipelines, issues, tags and releases.
//!
//! GraphQL ([`graphql`]) answers merge requests by IID with approvals and head pipelines.
//!
//! Tokens follow GitLab's model: `PRIVATE-TOKEN` carries an access token tied to a user;
//! `JOB-TOKEN` carries a CI/CD job token, which is refused (403) outside deployments,
//! environments and releases. Lists paginate with GitLab's headers (`x-page`, `x-per-page`,
//! `x-next-page`, `x-prev-page`, `x-total`, `x-total-pages`, `Link`).

// Handlers answer errors as ready-made responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

mod branches;
mod deployments;
pub mod graphql;
mod merge_requests;
mod mr_commits;
mod notes;
mod repository;
mod route;
mod state;

use std::sync::Arc;

use axum::Router;

use super::Shared;

pub use state::{
    CommitStatus, Deployment, Environment, GitLabState, Issue, JobToken, MergeRequest,
    NewMergeRequest, Note, Pipeline, Project, Release, Tag, User,
};

/// GitLab's role numbers.
pub mod access {
    /// Guest.
    pub const GUEST: u32 = 10;
    /// Reporter.
    pub const REPORTER: u32 = 20;
    /// Developer.
    pub const DEVELOPER: u32 = 30;
    /// Maintainer.
    pub const MAINTAINER: u32 = 40;
    /// Owner.
    pub const OWNER: u32 = 50;
}

/// GitLab routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .merge(merge_requests::routes())
        .merge(deployments::routes())
        .merge(repository::routes())
        .merge(branches::routes())
        .merge(notes::routes())
        .merge(mr_commits::routes())
        .merge(graphql::routes())
}
