//! shipline-status: records deployments in the ledger and reports on them.
//!
//! The deploy job brackets its own deployment script with `start` and `finish`, so every
//! deployment lands in the ledger (GitHub Deployments, GitLab deployments or git notes) with its
//! commit, version, log and URL. `show` answers "what runs where, and what is waiting upstream",
//! and `metrics` turns the same records into the four delivery figures (deployment frequency,
//! lead time for changes, change failure rate, time to restore).
//!
//! The library does the work so it can be tested without a process; `main.rs` only parses
//! flags ([`Cli`]), runs the command ([`run`]) and leaves through `shipline_core::app::main`.
//! Each error knows its exit code class ([`StatusError`] implements
//! `shipline_core::exit::Classify`).

#![deny(missing_docs)]

mod cli;
mod comment;
mod dashboard;
mod deploy;
mod error;
mod init;
mod metrics;
mod range;
mod show;

pub use cli::{Cli, Command, Format, run, run_check};
pub use dashboard::Dashboard;
pub use deploy::{FinishRequest, Outcome, StartRequest, deactivate, finish, start};
pub use error::StatusError;
pub use init::{Forge, InitError, InitOptions};
pub use metrics::{EnvironmentMetrics, MetricsReport, Spread};
pub use show::{EnvironmentStatus, Latest, Running, ShowReport, Waiting};
