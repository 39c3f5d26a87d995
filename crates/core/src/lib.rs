//! The shared foundation of shipline.
//!
//! Every shipline tool (risk, status, promote, revert) stands on the same pieces: where it runs
//! ([`context`]), what the team configured ([`config`]), how it talks to GitHub or GitLab
//! ([`forge`]), where deployments are recorded ([`ledger`]), how it reads history ([`git`]) and how
//! it reports back to the CI system ([`output`]), how it writes text
//! that others wrote ([`text`]) and the diagrams the forges draw ([`mermaid`]). Keeping them here means the four binaries agree
//! on every one of those questions.
#![deny(missing_docs)]

pub mod app;
pub mod config;
pub mod context;
pub mod exit;
pub mod forge;
pub mod git;
pub mod ledger;
pub mod mermaid;
pub mod output;
pub mod secret;
pub mod sha;
pub mod text;
pub mod tls;
pub mod variable;
