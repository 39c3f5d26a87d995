//! What is in a release, and how risky it is.
//!
//! shipline-risk reads a range of history and answers the questions a reviewer or a release manager
//! asks before shipping: which changes are in it and of what kind and what the next version
//! should be (both read by `shipline_commits`), which third-party code moved with it ([`deps`]), and how risky
//! each change is compared with the repository's own past ([`features`], [`model`],
//! [`calibrate`]), and the release compared with stretches of that past ([`aggregate`]). The
//! message, version and lockfile modules are pure; [`scan`] reads git once, [`range`] decides
//! what to read, [`report`] and [`render`] produce what people see, and [`dispatch`] ties them to the
//! CI context, the forge and the outputs.
#![deny(missing_docs)]

pub mod aggregate;
pub mod calibrate;
pub mod cli;
pub mod deps;
pub mod dispatch;
pub mod features;
pub mod history;
pub mod landing;
pub mod model;
pub mod publish;
pub mod range;
pub mod render;
pub mod report;
pub mod scan;

use shipline_core::git::GitError;

/// What went wrong producing a risk report.
#[derive(Debug, thiserror::Error)]
pub enum RiskError {
    /// git failed (unknown revision, shallow clone, ...).
    #[error(transparent)]
    Git(#[from] GitError),
    /// Writing the report failed.
    #[error("cannot write the report: {0}")]
    Write(#[source] std::io::Error),
    /// Encoding the report failed.
    #[error("cannot encode the report: {0}")]
    Io(String),
}
