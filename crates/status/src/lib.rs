//! shipline-status: records deployments in the ledger and reports on them.
//!
//! The deploy job brackets its own deployment script with `start` and `finish`, so every
//! deployment lands in the ledger (GitHub Deployments, GitLab deployments or git notes) with its
//! commit, version, log and URL. `show` answers "what runs where, and what is waiting upstream",
//! and `metrics` turns the same records into the four delivery figures (deployment frequency,
//! lead time for changes, change failure rate, time to restore).
//!
//! The library does the work so it can be tested without a process; `main.rs` only parses
//! flags and leaves through `shipline_core::app::main`; each error says its exit code class
//! ([`StatusError`] implements `shipline_core::exit::Classify`).

#![deny(missing_docs)]

pub mod cli;
pub mod comment;
pub mod deploy;
pub mod error;
pub mod metrics;
pub mod range;
pub mod show;

pub use error::StatusError;
