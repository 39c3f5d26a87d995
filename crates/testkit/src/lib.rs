//! Test machinery for shipline (never shipped).
//!
//! - [`browser`]: headless Chromium, for the dashboard and for Mermaid drawn by the real
//!   library.
//! - [`bins`]: the four tools' binaries as the workspace build left them, for the whole-pipeline
//!   tests.
//! - [`repo`]: real git repositories built in temp dirs, with a bare `origin`, merged PRs of every
//!   kind, tags, and a fast-import path for very long histories.
//! - [`forge`]: an in-process fake GitHub + GitLab server, stateful, backed by real bare repos,
//!   with a request log and per-route fault injection.
//! - [`openapi`]: checks requests and responses against GitHub's official OpenAPI description.
//! - [`fixtures`]: real webhook payload examples and GitLab variable sets.
//! - [`outputs`]: step outputs read back from `$GITHUB_OUTPUT` as the runner reads them.
//! - [`releases`]: release archives as the release workflow lays them out, and a file server.

mod background;
pub mod bins;
pub mod browser;
pub mod fixtures;
pub mod forge;
pub mod metrics;
pub mod openapi;
pub mod outputs;
pub mod releases;
pub mod repo;
