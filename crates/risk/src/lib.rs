//! What is in a release, and how risky it is.
//!
//! shipline-risk reads a range of history and answers the questions a reviewer or a release
//! manager asks before shipping: which changes are in it and of what kind and what the next
//! version should be (both read by `shipline_commits`), which third-party code moved with it
//! ([`deps`]), and how risky each change is compared with the repository's own past, and the
//! release compared with stretches of that past.
//!
//! [`execute`] carries out a parsed command line ([`Cli`]) against a started
//! [`shipline_core::app::App`]: it settles the range, reads the history once, scores the changes
//! and the release, and publishes the report (stdout, step summary, outputs, the PR/MR comment
//! and label), or prints `history` lines. Errors are typed by step ([`Error`]) and carry their
//! exit-code class.
#![deny(missing_docs)]

mod aggregate;
mod calibrate;
mod cli;
mod code_lines;
pub mod deps;
mod dispatch;
mod error;
mod features;
mod history;
mod landing;
mod lex;
mod model;
mod publish;
mod range;
mod render;
mod report;
mod scan;
mod versions;

pub use cli::{Cli, Command, Format};
pub use dispatch::execute;
pub use error::{Error, FlagError, PublishError, RangeError, ReportError};
