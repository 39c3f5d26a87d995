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
//! environments and releases, acts with the role of the user who started the job (so a
//! protected environment can refuse it), and reaches another project only when that project's
//! job token allowlist names the job's project (else the project is hidden: 404).
//!
//! Roles matter where GitLab checks them: protected branches (the default branch is protected
//! for Maintainers, so a Developer's token may neither push there, revert onto it, even as a
//! dry run, nor merge into it: 403 and 401), protected environments, reviewers (the Free tier
//! keeps one; users who cannot see the project are dropped without an error), and merges (a
//! merge request whose pipeline has finished merges at once, or is refused with 422 while
//! approvals are missing; a running pipeline sets it to merge later). Lists paginate with GitLab's headers (`x-page`, `x-per-page`,
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
    NewMergeRequest, Note, Pipeline, Project, ProtectedBranch, Release, Tag, User,
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
