//! The GitLab backend: REST v4 over reqwest, for GitLab.com and self-managed instances.
//!
//! The project is addressed by its URL-encoded full path (`group%2Fsub%2Fproject`, nested groups
//! included) or, inside GitLab CI for the same project, by `CI_PROJECT_ID`. Credentials are a
//! project/group/personal access token (`GITLAB_TOKEN`, sent as `PRIVATE-TOKEN`) or the CI/CD job
//! token (`CI_JOB_TOKEN`, sent as `JOB-TOKEN`), which GitLab accepts only for deployments,
//! environments and releases; calls it cannot make fail before anything is sent, naming the
//! variable to create ([`job_token_allows`]).
//!
//! One file per concept: [`GitLab`] (the client of one project, and the [`CiJob`] it runs in),
//! `client` (HTTP, retries, pagination, errors), then notes, merge requests (and how a merged
//! one landed), deployments, pipelines (checks), members (permissions), issues, releases, and
//! branches with server-side commit reverts.
//!
//! Request counts, for the operations where they matter:
//! - `pull_requests_for_changes`: merge requests named by commit messages or the pipeline cost
//!   one GraphQL query per 100 (with approvals and head pipeline); commits that name none cost one
//!   `GET /repository/commits/:sha/merge_requests` each, eight at a time, because neither REST
//!   nor GraphQL looks merge requests up by commit in batches; the merge requests those find join
//!   the GraphQL batch.
//! - `list_comments`: one request per 100 notes; `upsert_sticky_comment`: list + one write.
//! - `create_deployment`: one `POST` (plus one read of the commit when the ref is neither a SHA
//!   nor the job's own ref; plus one list when running inside the job that owns the deployment).

mod branches;
mod client;
mod deployments;
pub(super) mod endpoint;
mod graphql;
mod issues;
mod job;
mod landing;
mod members;
mod merge_requests;
mod notes;
mod pipelines;
mod project;
mod releases;
mod types;

pub use branches::CommitRevert;
pub use client::{JOB_TOKEN_HINT, TokenKind, encode_segment, job_token_allows};
pub use endpoint::graphql_url_for;
pub use job::CiJob;
pub use landing::Landed;
pub use members::is_bot_username;
pub use notes::MergeRequestNote;
pub use project::GitLab;
pub use types::{deployment_state, gitlab_status, is_draft_title, permission_for};
