//! Integration tests of the `shipline-status` binary against real git repositories and the
//! fake forge.

mod check;
mod comment;
mod concurrency;
mod dashboard;
mod deploy_git;
mod deploy_github;
mod deploy_gitlab;
mod helpers;
mod init;
mod mermaid;
mod metrics;
mod show;
mod stale;
