//! `shipline-revert`: open a revert pull request for a bad change, once.

use clap::{ArgGroup, Parser, ValueEnum};
use shipline_core::app::{App, AppOptions, finish, print_stdout};
use shipline_core::context::Runtime;
use shipline_core::output::Redactor;
use shipline_revert::{Options, Target};

#[derive(Parser)]
#[command(
    version,
    about = "Revert a bad change: a branch with the revert commits and one pull request"
)]
#[command(group(ArgGroup::new("target").args(["sha", "pr", "range", "deployment"])))]
struct Cli {
    /// Revert this commit of the default branch (merge, squash or pushed commit).
    #[arg(long, env = "SHIPLINE_SHA")]
    sha: Option<String>,
    /// Revert this merged pull request.
    #[arg(long, env = "SHIPLINE_PR")]
    pr: Option<u64>,
    /// Revert the first-parent commits in A..B, newest first.
    #[arg(long, env = "SHIPLINE_RANGE", value_parser = Target::parse_range)]
    range: Option<Target>,
    /// Revert what this deployment added since the last good deployment of its environment.
    #[arg(long, env = "SHIPLINE_DEPLOYMENT")]
    deployment: Option<u64>,
    /// Why (goes into the pull request description).
    #[arg(long, env = "SHIPLINE_REASON")]
    reason: Option<String>,
    /// Decide and report; create nothing.
    #[arg(long, env = "SHIPLINE_DRY_RUN")]
    dry_run: bool,
    /// Without a forge token: push the revert branch to origin.
    #[arg(long, env = "SHIPLINE_PUSH")]
    push: bool,
    /// The default branch, when the CI context does not say.
    #[arg(long, env = "SHIPLINE_BASE")]
    base: Option<String>,
    /// Report format on stdout.
    #[arg(long, env = "SHIPLINE_FORMAT", value_enum, default_value = "markdown")]
    format: Format,
    /// The checkout (default: the current directory).
    #[arg(long, env = "SHIPLINE_REPO")]
    repo: Option<std::path::PathBuf>,
    /// The configuration file (default: .shipline.yml at the repository root).
    #[arg(long, env = "SHIPLINE_CONFIG")]
    config: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let target = cli
        .range
        .clone()
        .or(cli.sha.clone().map(Target::Sha))
        .or(cli.pr.map(Target::Pr))
        .or(cli.deployment.map(Target::Deployment));
    let options = Options {
        target,
        reason: cli.reason.clone(),
        dry_run: cli.dry_run,
        push: cli.push,
        base: cli.base.clone(),
    };
    let app = match App::init(AppOptions {
        repo: cli.repo.clone(),
        config: cli.config.clone(),
        backend: None,
    }) {
        Ok(app) => app,
        Err(e) => return finish(Err(e.into()), &Redactor::new()),
    };
    let redactor = app.outputs.redactor();
    let result = (|| -> anyhow::Result<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let report = runtime.block_on(shipline_revert::run(&app, &options))?;
        report.write_outputs(&app.outputs)?;
        if app.outputs.runtime() != Runtime::Local {
            app.outputs.summary(&report.markdown())?;
        }
        let text = match cli.format {
            Format::Json => report.json() + "\n",
            Format::Markdown => report.markdown(),
        };
        print_stdout(&redactor.redact(&text))?;
        Ok(report.exit_code())
    })();
    finish(result, &redactor)
}
