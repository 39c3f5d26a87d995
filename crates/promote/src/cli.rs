//! The command line, kept in the library so the binary stays a thin shell around it.

use std::path::PathBuf;

use clap::Parser;
use shipline_core::app::{App, AppOptions, Backend};

use crate::error::PromoteError;
use crate::options::{Format, PromoteOptions};
use crate::promotion::run;

/// Promote a commit to an environment: check its gates, roll it out step by step while health
/// checks watch, roll back on failure.
#[derive(Debug, Parser)]
#[command(
    name = "shipline-promote",
    version,
    after_help = shipline_core::exit::help(shipline_core::exit::Tool::Promote)
)]
pub struct Cli {
    /// The environment to promote to (a key under `environments:`).
    #[arg(long, env = "SHIPLINE_TO", value_name = "ENV")]
    pub to: String,
    /// The component to promote (a key under `components:`): its deployments are recorded as
    /// `ENV/NAME`, and upstream counts a success at any commit with the same content under the
    /// component's paths and shared paths.
    #[arg(long, env = "SHIPLINE_COMPONENT", value_name = "NAME")]
    pub component: Option<String>,
    /// The revision to promote (default: the CI context's commit, else HEAD).
    #[arg(long = "ref", env = "SHIPLINE_REF", value_name = "REV")]
    pub git_ref: Option<String>,
    /// Print the decision and the plan; run nothing and record nothing.
    #[arg(long, env = "SHIPLINE_DRY_RUN")]
    pub dry_run: bool,
    /// The release's risk level (`low`, `medium`, `high`, `critical`): the `level` output of a
    /// previous shipline-risk step.
    #[arg(long, env = "SHIPLINE_RISK_LEVEL", value_name = "LEVEL")]
    pub risk_level: Option<String>,
    /// The version to release (`1.4.0`), for `release:` where the history states no bump (no
    /// tag on the commit, no raised manifest version, no Conventional Commits).
    #[arg(long, env = "SHIPLINE_RELEASE_VERSION", value_name = "VERSION")]
    pub release_version: Option<String>,
    /// Report format on stdout.
    #[arg(long, env = "SHIPLINE_FORMAT", default_value = "markdown")]
    pub format: Format,
    /// After a failed rollout (rolled back, recorded as failed), open a revert PR/MR with
    /// shipline-revert for what this deployment added since the environment's last good
    /// deployment (without a token: a local revert branch). The exit code stays 1.
    #[arg(long, env = "SHIPLINE_REVERT_ON_FAILURE")]
    pub revert_on_failure: bool,
    /// The configuration file (default: `.shipline.yml` at the repository root).
    /// `shipline-status check` checks it on its own and lists every problem.
    #[arg(long, env = "SHIPLINE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The checkout to work in (default: the current directory).
    #[arg(long, env = "SHIPLINE_REPO", value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Where deployments are recorded: github, gitlab or git (default: from the CI system).
    /// Git notes are shared through `origin`; SHIPLINE_LEDGER_REMOTE names another remote, or
    /// `none` to keep the ledger in this clone.
    #[arg(long, env = "SHIPLINE_BACKEND")]
    pub backend: Option<Backend>,
}

impl Cli {
    /// Runs the promotion the command line asks for and returns the exit code (see [`run`]).
    pub async fn run(&self, app: &App) -> Result<u8, PromoteError> {
        run(app, &self.options()).await
    }

    /// What to promote, where, and how to report.
    pub fn options(&self) -> PromoteOptions {
        PromoteOptions {
            environment: self.to.clone(),
            component: self.component.clone().filter(|c| !c.trim().is_empty()),
            git_ref: self.git_ref.clone(),
            dry_run: self.dry_run,
            risk_level: self.risk_level.clone(),
            release_version: self.release_version.clone(),
            format: self.format,
            revert_on_failure: self.revert_on_failure,
        }
    }

    /// The shared start-up options.
    pub fn app_options(&self) -> AppOptions {
        AppOptions {
            repo: self.repo.clone(),
            config: self.config.clone(),
            backend: self.backend,
        }
    }
}
