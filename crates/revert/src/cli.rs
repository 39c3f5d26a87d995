//! The command line, kept in the library so the binary stays a thin shell around it.

use clap::{ArgGroup, Parser, ValueEnum};
use shipline_core::app::{App, AppOptions, print_stdout};
use shipline_core::context::Runtime;

use crate::error::RevertError;
use crate::report::Report;
use crate::run::{Options, run};
use crate::target::Target;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "Revert a bad change: a branch with the revert commits and one pull request",
    after_help = shipline_core::exit::help(shipline_core::exit::Tool::Revert)
)]
#[command(group(ArgGroup::new("target").args(["sha", "pr", "range", "deployment"])))]
pub struct Cli {
    /// Revert this commit of the default branch (merge, squash or pushed commit).
    #[arg(long, env = "SHIPLINE_SHA")]
    pub sha: Option<String>,
    /// Revert this merged pull request.
    #[arg(long, env = "SHIPLINE_PR")]
    pub pr: Option<u64>,
    /// Revert the first-parent commits in A..B, newest first.
    #[arg(long, env = "SHIPLINE_RANGE", value_parser = Target::parse_range)]
    pub range: Option<Target>,
    /// Revert what this deployment added since the last good deployment of its environment
    /// (the id `shipline-status start` printed, on any ledger backend). A git notes ledger is
    /// fetched from `origin`, or from the remote SHIPLINE_LEDGER_REMOTE names (`none`: this
    /// clone's notes only).
    #[arg(long, env = "SHIPLINE_DEPLOYMENT")]
    pub deployment: Option<String>,
    /// Why (goes into the pull request description).
    #[arg(long, env = "SHIPLINE_REASON")]
    pub reason: Option<String>,
    /// Decide and report; create nothing.
    #[arg(long, env = "SHIPLINE_DRY_RUN")]
    pub dry_run: bool,
    /// Without a forge token: push the revert branch to origin.
    #[arg(long, env = "SHIPLINE_PUSH")]
    pub push: bool,
    /// The default branch, when the CI context does not say.
    #[arg(long, env = "SHIPLINE_BASE")]
    pub base: Option<String>,
    /// Report format on stdout.
    #[arg(long, env = "SHIPLINE_FORMAT", value_enum, default_value = "markdown")]
    pub format: Format,
    /// The checkout (default: the current directory).
    #[arg(long, env = "SHIPLINE_REPO")]
    pub repo: Option<std::path::PathBuf>,
    /// The configuration file (default: .shipline.yml at the repository root).
    /// `shipline-status check` checks it on its own and lists every problem.
    #[arg(long, env = "SHIPLINE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A short Markdown report (local mode: with the PR text to paste).
    Markdown,
    /// The stable JSON report.
    Json,
}

impl Cli {
    /// What to revert and how.
    pub fn options(&self) -> Options {
        let target = self
            .range
            .clone()
            .or(self.sha.clone().map(Target::Sha))
            .or(self.pr.map(Target::Pr))
            .or(self.deployment.clone().map(Target::Deployment));
        Options {
            target,
            reason: self.reason.clone(),
            dry_run: self.dry_run,
            push: self.push,
            base: self.base.clone(),
            component: None,
        }
    }

    /// The shared start-up options.
    pub fn app_options(&self) -> AppOptions {
        AppOptions {
            repo: self.repo.clone(),
            config: self.config.clone(),
            backend: None,
        }
    }

    /// Runs the revert the command line asks for and reports it: the outputs, on CI the job
    /// summary, and the report on stdout in the chosen format. Returns the exit code
    /// ([`Report::exit_code`]).
    pub async fn run(&self, app: &App) -> Result<u8, RevertError> {
        let report = run(app, &self.options()).await?;
        report.write_outputs(&app.outputs)?;
        if app.outputs.runtime() != Runtime::Local {
            app.outputs.summary(&report.markdown())?;
        }
        let text = app
            .outputs
            .redactor()
            .redact(&self.render(&report))
            .into_owned();
        print_stdout(&text).map_err(RevertError::Stdout)?;
        Ok(report.exit_code())
    }

    /// The report in the chosen format.
    pub fn render(&self, report: &Report) -> String {
        match self.format {
            Format::Json => report.json() + "\n",
            Format::Markdown => report.markdown(),
        }
    }
}
