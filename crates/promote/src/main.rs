//! `shipline-promote`: the command line over [`shipline_promote`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use shipline_core::app::{self, App, AppOptions, Backend};
use shipline_promote::{Format, PromoteOptions};

/// Promote a commit to an environment: check its gates, roll it out step by step while health
/// checks watch, roll back on failure. Exit codes: 0 promoted, 1 rollout failed (rolled back),
/// 2 usage or configuration, 3 blocked by a gate.
#[derive(Debug, Parser)]
#[command(name = "shipline-promote", version)]
struct Args {
    /// The environment to promote to (a key under `environments:`).
    #[arg(long, env = "SHIPLINE_TO", value_name = "ENV")]
    to: String,
    /// The revision to promote (default: the CI context's commit, else HEAD).
    #[arg(long = "ref", env = "SHIPLINE_REF", value_name = "REV")]
    git_ref: Option<String>,
    /// Print the decision and the plan; run nothing and record nothing.
    #[arg(long, env = "SHIPLINE_DRY_RUN")]
    dry_run: bool,
    /// The release's risk level (`low`, `medium`, `high`, `critical`): the `level` output of a
    /// previous shipline-risk step.
    #[arg(long, env = "SHIPLINE_RISK_LEVEL", value_name = "LEVEL")]
    risk_level: Option<String>,
    /// Report format on stdout.
    #[arg(long, env = "SHIPLINE_FORMAT", default_value = "markdown")]
    format: Format,
    /// After a failed rollout (rolled back, recorded as failed), open a revert PR/MR with
    /// shipline-revert for what this deployment added since the environment's last good
    /// deployment (without a token: a local revert branch). The exit code stays 1.
    #[arg(long, env = "SHIPLINE_REVERT_ON_FAILURE")]
    revert_on_failure: bool,
    /// The configuration file (default: `.shipline.yml` at the repository root).
    #[arg(long, env = "SHIPLINE_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// The checkout to work in (default: the current directory).
    #[arg(long, env = "SHIPLINE_REPO", value_name = "PATH")]
    repo: Option<PathBuf>,
    /// Where deployments are recorded: github, gitlab or git (default: from the CI system).
    #[arg(long, env = "SHIPLINE_BACKEND")]
    backend: Option<Backend>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let options = AppOptions {
        repo: args.repo,
        config: args.config,
        backend: args.backend,
    };
    let app = match App::init(options) {
        Ok(app) => app,
        Err(err) => return app::finish(Err(err.into()), &Default::default()),
    };
    let redactor = app.outputs.redactor();
    let promote = PromoteOptions {
        environment: args.to,
        git_ref: args.git_ref,
        dry_run: args.dry_run,
        risk_level: args.risk_level,
        format: args.format,
        revert_on_failure: args.revert_on_failure,
    };
    let result = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(shipline_promote::run(&app, &promote)));
    shipline_promote::finish(result, &redactor)
}
