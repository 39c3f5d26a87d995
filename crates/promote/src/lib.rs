//! shipline-promote: gated environment promotion with a gradual rollout and rollback.
//!
//! A promotion is one decision and, when it goes ahead, one rollout:
//! 1. preflight: the rollout can run at all (commands exist, health hosts resolve);
//! 2. gates: upstream success at the same SHA, soak time, freeze windows, allowed refs,
//!    required checks, release risk under the ceiling; each with its evidence;
//! 3. rollout: the team's command per traffic step, a bake with health checks, the rollback
//!    command when a step fails or the job is cancelled;
//! 4. the outcome recorded in the ledger and reported through the CI outputs, the job summary
//!    and stdout; with `--revert-on-failure`, a failed rollout is handed to shipline-revert in
//!    process.
//!
//! [`run`] does all of it for [`PromoteOptions`]; [`Cli`] is the command line around it.
//! Exit codes: 0 promoted (or, dry run, would be), 1 rollout failed, 2 usage or configuration
//! ([`PromoteError`]), 3 blocked by a gate.
#![deny(missing_docs)]

mod analysis;
pub mod canary;
mod cli;
mod clock;
mod error;
mod gates;
mod handover;
mod health;
mod options;
mod preflight;
mod promotion;
mod release;
mod report;
mod rollout;
mod shell;

pub use cli::Cli;
pub use error::{PromoteError, ReleaseError};
pub use options::{Format, PromoteOptions};
pub use promotion::run;
