//! The command line: flags (each also read from `SHIPLINE_<FLAG>`) and what each command does
//! with the ledger, the outputs and stdout.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use shipline_core::app::{self, App, AppOptions, Backend};
use shipline_core::config::CheckReport;
use shipline_core::context::Runtime;
use shipline_core::exit::{self, Classify};
use shipline_core::git::Git;
use shipline_core::ledger::{DeploymentRecord, ListQuery, Risk};
use shipline_core::sha;

use crate::comment;
use crate::dashboard;
use crate::deploy::{self, FinishRequest, Outcome, StartRequest};
use crate::error::StatusError;
use crate::init::{self, Forge, InitOptions};
use crate::metrics::MetricsReport;
use crate::show::ShowReport;

/// Records deployments in the ledger and reports what runs where.
#[derive(Debug, Parser)]
#[command(
    name = "shipline-status",
    version,
    about,
    after_help = shipline_core::exit::help(shipline_core::exit::Tool::Status)
)]
pub struct Cli {
    /// The checkout to work in (default: the current directory).
    #[arg(long, global = true, env = "SHIPLINE_REPO")]
    pub repo: Option<PathBuf>,
    /// `.shipline.yml` to read (default: the one at the repository root, if any).
    #[arg(long, global = true, env = "SHIPLINE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where deployments are recorded: github, gitlab or git (default: the CI system's forge,
    /// git notes outside CI). Git notes are shared through `origin`; SHIPLINE_LEDGER_REMOTE
    /// names another remote, or `none` to keep the ledger in this clone. Outside CI a clone
    /// that cannot push keeps its records locally and says so once.
    #[arg(long, global = true, env = "SHIPLINE_BACKEND", value_parser = parse_backend)]
    pub backend: Option<Backend>,
    /// The component of a monorepo the command is about (a key under `components:`): `start`,
    /// `finish` and `deactivate` record it as `ENV/NAME` (`production/api`), as `--env
    /// production/api` would.
    #[arg(long, global = true, env = "SHIPLINE_COMPONENT", value_name = "NAME")]
    pub component: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `environment` as the ledger records it for `component`: `production/api`; checked against
/// the configuration (the component exists and is deployed there).
fn keyed(app: &App, environment: &str, component: Option<&str>) -> Result<String, StatusError> {
    let Some(name) = component.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(environment.to_string());
    };
    let component = app
        .config
        .components
        .find(name)
        .map_err(StatusError::Component)?;
    let env = app.config.environment(environment)?;
    if !component.deploys_to(env.name()) {
        return Err(StatusError::Component(format!(
            "component `{name}` is not deployed to `{environment}` (its `environments:` in .shipline.yml)"
        )));
    }
    Ok(component.environment_key(env.name()))
}

fn parse_window(text: &str) -> Result<chrono::TimeDelta, String> {
    let duration: shipline_core::config::Duration = text
        .parse()
        .map_err(|e: shipline_core::config::DurationError| e.to_string())?;
    Ok(duration.as_chrono())
}

fn parse_backend(text: &str) -> Result<Backend, String> {
    text.parse()
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A Markdown table.
    Markdown,
    /// Stable JSON (documented in docs/status.md).
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record the start of a deployment; prints its id (output `deployment-id`).
    Start {
        /// Environment deployed to.
        #[arg(long = "env", env = "SHIPLINE_ENV")]
        environment: String,
        /// Revision deployed (default: the commit of the CI run, `HEAD` locally).
        #[arg(long = "ref", env = "SHIPLINE_REF")]
        git_ref: Option<String>,
        /// Where the environment will be reachable (default: its `url` in .shipline.yml).
        #[arg(long, env = "SHIPLINE_URL")]
        url: Option<String>,
        /// Version deployed.
        #[arg(long, env = "SHIPLINE_VERSION")]
        version: Option<String>,
        /// Free text stored with the deployment.
        #[arg(long, env = "SHIPLINE_DESCRIPTION")]
        description: Option<String>,
        /// The release's risk score, 0 to 100: the `score` output of the risk step (decimals
        /// are rounded). Give `--risk-level` with it.
        #[arg(long, env = "SHIPLINE_RISK_SCORE", value_name = "N")]
        risk_score: Option<String>,
        /// The release's risk level (`low`, `medium`, `high`, `critical`): the `level` output
        /// of the risk step. Give `--risk-score` with it.
        #[arg(long, env = "SHIPLINE_RISK_LEVEL", value_name = "LEVEL")]
        risk_level: Option<String>,
    },
    /// Record how a deployment ended.
    Finish {
        /// Environment deployed to.
        #[arg(long = "env", env = "SHIPLINE_ENV")]
        environment: String,
        /// The deployment (the `deployment-id` output of `start`); default: the one this run
        /// started for the commit.
        #[arg(long, env = "SHIPLINE_DEPLOYMENT")]
        deployment: Option<String>,
        /// Revision deployed, to find the deployment without `--deployment`.
        #[arg(long = "ref", env = "SHIPLINE_REF")]
        git_ref: Option<String>,
        /// How it ended.
        #[arg(long, env = "SHIPLINE_STATE", value_enum)]
        state: Outcome,
        /// Where the environment is reachable.
        #[arg(long, env = "SHIPLINE_URL")]
        url: Option<String>,
        /// Free text (why it failed, say).
        #[arg(long, env = "SHIPLINE_DESCRIPTION")]
        description: Option<String>,
        /// On success, comment "deployed to ENV at URL" on the PRs the deployment delivered
        /// (one comment per PR and environment, updated on later deployments).
        #[arg(long, env = "SHIPLINE_COMMENT")]
        comment: bool,
    },
    /// Show what runs in each environment and what waits upstream.
    Show {
        /// Only this environment.
        #[arg(long = "env", env = "SHIPLINE_ENV")]
        environment: Option<String>,
        /// Output format.
        #[arg(long, env = "SHIPLINE_FORMAT", value_enum, default_value = "markdown")]
        format: Format,
    },
    /// Deployment frequency, lead time, change failure rate and time to restore.
    Metrics {
        /// How far back to look (`30d`, `12h`, `2w`).
        #[arg(long, env = "SHIPLINE_SINCE", default_value = "30d", value_parser = parse_window)]
        since: chrono::TimeDelta,
        /// Only this environment.
        #[arg(long = "env", env = "SHIPLINE_ENV")]
        environment: Option<String>,
        /// Output format.
        #[arg(long, env = "SHIPLINE_FORMAT", value_enum, default_value = "markdown")]
        format: Format,
    },
    /// Write the delivery dashboard: one self-contained `index.html` (environment map, delivery
    /// metrics of the last 12 weeks, release risk history) that any static host can serve.
    Dashboard {
        /// Directory to write `index.html` into (created when missing).
        #[arg(long, env = "SHIPLINE_OUT", value_name = "DIR")]
        out: PathBuf,
    },
    /// Check `.shipline.yml` (or `--config PATH`) on its own, as every shipline tool reads
    /// it: prints "ok" and a summary, or every problem found as `file:line:column: problem;
    /// fix` (exit 2). Needs no CI context, forge or token.
    Check,
    /// Write a starter `.shipline.yml` and CI files for this repository: environments from
    /// the `environment:` keys of its GitHub workflows or `.gitlab-ci.yml` (else staging and
    /// production), and a GitHub workflow or GitLab include file pinned to this version.
    /// Never replaces a file without `--force`. Needs no CI context, forge or token.
    Init {
        /// Write the GitHub Actions workflow (default: when `origin` is on GitHub).
        #[arg(long, conflicts_with = "gitlab")]
        github: bool,
        /// Write the GitLab CI include file (default: when `origin` is on GitLab).
        #[arg(long)]
        gitlab: bool,
        /// Replace files that exist.
        #[arg(long, env = "SHIPLINE_FORCE")]
        force: bool,
        /// Print the files; write nothing.
        #[arg(long, env = "SHIPLINE_DRY_RUN")]
        dry_run: bool,
    },
    /// Mark every live deployment of an environment inactive (it was torn down).
    Deactivate {
        /// Environment torn down.
        #[arg(long = "env", env = "SHIPLINE_ENV")]
        environment: String,
    },
}

impl Cli {
    /// The shared start-up options.
    pub fn options(&self) -> AppOptions {
        AppOptions {
            repo: self.repo.clone(),
            config: self.config.clone(),
            backend: self.backend,
        }
    }
}

/// Runs `check` or `init` when that is the command, before (and instead of) the start-up
/// every other command needs: the check must work where the CI context or the configuration
/// itself is broken, and `init` where there is no configuration yet. Returns the exit code, or
/// `None` for the other commands.
pub fn run_check(cli: &Cli) -> Option<ExitCode> {
    if let Command::Init { .. } = &cli.command {
        let mut options = init_options(cli, &cli.command);
        options.deployed = read_deployed(&options);
        let result = init::run(&options);
        return Some(ExitCode::from(match result {
            Ok(text) => {
                let _ = app::print_stdout(&text);
                exit::OK
            }
            Err(err) => {
                eprintln!("error: {}", exit::one_line(&err));
                err.class().code()
            }
        }));
    }
    if !matches!(cli.command, Command::Check) {
        return None;
    }
    let start = match &cli.repo {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    // `.shipline.yml` sits at the top of the checkout, as the tools look for it.
    let root = Git::discover(&start).map_or(start, |git| git.dir().to_path_buf());
    let annotate = std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true");
    Some(ExitCode::from(print_check(
        &root,
        cli.config.as_deref(),
        annotate,
    )))
}

fn init_options(cli: &Cli, command: &Command) -> InitOptions {
    let Command::Init {
        github,
        gitlab,
        force,
        dry_run,
    } = command
    else {
        unreachable!("init options are read for `init` only")
    };
    InitOptions {
        repo: cli.repo.clone(),
        forge: match (github, gitlab) {
            (true, _) => Some(Forge::GitHub),
            (_, true) => Some(Forge::GitLab),
            _ => None,
        },
        force: *force,
        dry_run: *dry_run,
        deployed: None,
    }
}

/// The deployments on the repository's forge (the one `--github`/`--gitlab` or the `origin`
/// remote names), for `init` to take environments from, when a token for it is set
/// (`GITHUB_TOKEN` or `GH_TOKEN`; `GITLAB_TOKEN` or `CI_JOB_TOKEN`): read as `show` reads that
/// forge's ledger. `None` without a forge or a token; a failed read is said, not fatal.
fn read_deployed(options: &InitOptions) -> Option<init::Deployed> {
    let forge = options
        .forge
        .or_else(|| init::forge_of_repo(options.repo.as_deref()))?;
    let (backend, name, tokens) = match forge {
        Forge::GitHub => (Backend::GitHub, "GitHub", ["GITHUB_TOKEN", "GH_TOKEN"]),
        Forge::GitLab => (Backend::GitLab, "GitLab", ["GITLAB_TOKEN", "CI_JOB_TOKEN"]),
    };
    if !tokens
        .iter()
        .any(|t| std::env::var(t).is_ok_and(|v| !v.trim().is_empty()))
    {
        return None;
    }
    let read = || -> Result<Vec<DeploymentRecord>, String> {
        let app = App::init(AppOptions {
            repo: options.repo.clone(),
            config: None,
            backend: Some(backend),
        })
        .map_err(|e| exit::one_line(&e))?;
        let ledger = app.ledger().map_err(|e| exit::one_line(&e))?;
        let runtime = app::runtime().map_err(|e| e.to_string())?;
        runtime
            .block_on(ledger.list(&ListQuery::default()))
            .map_err(|e| exit::one_line(&e))
    };
    Some(init::Deployed {
        forge: name,
        records: read(),
    })
}

/// Prints the check of the configuration for `root` and returns the exit code: the summary
/// on stdout (0), or each problem on its own line of stdout and a count on stderr (2). In
/// GitHub Actions each problem also becomes an error annotation on the file.
fn print_check(root: &Path, config: Option<&Path>, annotate: bool) -> u8 {
    let mut out = String::new();
    let code = match shipline_core::config::check(root, config) {
        CheckReport::Ok(summary) => {
            out.push_str(&summary);
            out.push('\n');
            exit::OK
        }
        CheckReport::Problems(problems) => {
            for problem in &problems {
                out.push_str(&problem.to_string());
                out.push('\n');
                if let (true, Some(at)) = (annotate, problem.location()) {
                    let text = problem.to_string();
                    let message = text
                        .strip_prefix(&format!("{at}: "))
                        .unwrap_or(&text)
                        .replace('%', "%25")
                        .replace('\n', "%0A");
                    out.push_str(&format!(
                        "::error file={},line={},col={}::{message}\n",
                        at.path.display(),
                        at.line,
                        at.column
                    ));
                }
            }
            eprintln!(
                "{} problem{} in the configuration; fix {} and run the check again",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                if problems.len() == 1 { "it" } else { "them" }
            );
            exit::USAGE
        }
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = app::print_stdout(&out);
    code
}

/// Runs one command; the exit code on success.
pub async fn run(app: &App, command: &Command, component: Option<&str>) -> Result<u8, StatusError> {
    match command {
        // The binary runs `check` before start-up ([`run_check`]); here the configuration has
        // loaded already, so this reports on the same file.
        Command::Check => Ok(print_check(
            &app.ctx.workspace,
            app.config
                .source()
                .map(|path| app::resolve_in(&app.ctx.workspace, path))
                .as_deref(),
            app.ctx.runtime == Runtime::GitHubActions,
        )),
        Command::Init {
            github,
            gitlab,
            force,
            dry_run,
        } => {
            // The binary runs `init` before start-up ([`run_check`]); here it runs in the
            // checkout the start-up found.
            let options = InitOptions {
                repo: Some(app.ctx.workspace.clone()),
                forge: match (github, gitlab) {
                    (true, _) => Some(Forge::GitHub),
                    (_, true) => Some(Forge::GitLab),
                    _ => None,
                },
                force: *force,
                dry_run: *dry_run,
                deployed: None,
            };
            app::print_stdout(&init::run(&options)?)?;
            Ok(exit::OK)
        }
        Command::Start {
            environment,
            git_ref,
            url,
            version,
            description,
            risk_score,
            risk_level,
        } => {
            let environment = &keyed(app, environment, component)?;
            deploy::check_environment(app, environment)?;
            let risk = risk(risk_score.as_deref(), risk_level.as_deref())?;
            let ledger = app.ledger()?;
            let request = StartRequest {
                environment: environment.clone(),
                git_ref: git_ref.clone(),
                url: url.clone(),
                version: version.clone(),
                description: description.clone(),
                risk,
            };
            let record = deploy::start(app, &ledger, &request).await?;
            // The deployment is recorded: its id goes out first, whatever happens to the
            // outputs file after.
            app::print_stdout(&format!("{}\n", record.id))?;
            set_outputs(app, &record)?;
            Ok(exit::OK)
        }
        Command::Finish {
            environment,
            deployment,
            git_ref,
            state,
            url,
            description,
            comment,
        } => {
            let environment = &keyed(app, environment, component)?;
            deploy::check_environment(app, environment)?;
            let ledger = app.ledger()?;
            let request = FinishRequest {
                environment: environment.clone(),
                deployment: deployment.clone(),
                git_ref: git_ref.clone(),
                outcome: *state,
                url: url.clone(),
                description: description.clone(),
            };
            let (record, retired) = deploy::finish(app, &ledger, &request).await?;
            set_outputs(app, &record)?;
            let mut line = format!(
                "Deployment {} of `{}` to **{}**: {}",
                record.id,
                sha::short(&record.sha),
                record.environment,
                record.state
            );
            if let Some(url) = &record.environment_url {
                line.push_str(&format!(" at {url}"));
            }
            if !retired.is_empty() {
                line.push_str(&format!(
                    " ({} earlier deployment(s) marked inactive)",
                    retired.len()
                ));
            }
            if app.ctx.runtime != Runtime::Local {
                // Locally the summary is printed already; in CI it goes to a file.
                app.outputs.log().info(&line);
            }
            app.outputs.summary(&line)?;
            if *comment && record.state == shipline_core::forge::DeploymentState::Success {
                // The deployment is recorded; a comment that cannot be written is a warning.
                match comment::comment(app, &ledger, &record).await {
                    Ok(prs) => app.outputs.set(
                        "commented",
                        &prs.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
                    )?,
                    Err(err) => app.outputs.warning(&format!(
                        "deployment recorded, but the PR comments failed: {}",
                        exit::one_line(&err)
                    )),
                }
            }
            Ok(exit::OK)
        }
        Command::Show {
            environment,
            format,
        } => {
            if let Some(env) = environment {
                deploy::check_environment(app, env)?;
            }
            let ledger = app.ledger()?;
            let report = ShowReport::read(app, &ledger, environment.as_deref()).await?;
            let text = match format {
                Format::Markdown => report.markdown(),
                Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
            };
            if *format == Format::Markdown {
                let chart = report.mermaid().unwrap_or_default();
                app.outputs.summary(&with_chart(app, &text, &chart))?;
            }
            if app.ctx.runtime != Runtime::Local || *format == Format::Json {
                app::print_stdout(&text)?;
            }
            Ok(exit::OK)
        }
        Command::Metrics {
            since,
            environment,
            format,
        } => {
            if let Some(env) = environment {
                deploy::check_environment(app, env)?;
            }
            let ledger = app.ledger()?;
            let report =
                MetricsReport::compute(app, &ledger, *since, environment.as_deref()).await?;
            let text = match format {
                Format::Markdown => report.markdown(),
                Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
            };
            if *format == Format::Markdown {
                app.outputs
                    .summary(&with_chart(app, &text, &report.mermaid()))?;
            }
            if app.ctx.runtime != Runtime::Local || *format == Format::Json {
                app::print_stdout(&text)?;
            }
            Ok(exit::OK)
        }
        Command::Dashboard { out } => {
            let ledger = app.ledger()?;
            let page = dashboard::Dashboard::read(app, &ledger, chrono::Utc::now()).await?;
            let path = dashboard::write(out, &page.html())?;
            app.outputs.set("dashboard", &path.display().to_string())?;
            app.outputs
                .log()
                .info(&format!("dashboard written to {}", path.display()));
            Ok(exit::OK)
        }
        Command::Deactivate { environment } => {
            let environment = &keyed(app, environment, component)?;
            deploy::check_environment(app, environment)?;
            let ledger = app.ledger()?;
            let retired = deploy::deactivate(app, &ledger, environment).await?;
            app.outputs.set("environment", environment)?;
            app.outputs.set("deactivated", &retired.len().to_string())?;
            app.outputs.log().info(&format!(
                "{} deployment(s) of `{environment}` marked inactive",
                retired.len()
            ));
            Ok(exit::OK)
        }
    }
}

/// The risk given to `start`: both flags or neither; empty values count as not given (a
/// pipeline without a risk step passes empty outputs).
fn risk(score: Option<&str>, level: Option<&str>) -> Result<Option<Risk>, StatusError> {
    match (given(score), given(level)) {
        (None, None) => Ok(None),
        (Some(score), Some(level)) => Risk::parse(score, level)
            .map(Some)
            .map_err(|e| StatusError::Risk(format!("{e} (`--risk-score`, `--risk-level`)"))),
        (Some(_), None) => Err(StatusError::Risk(
            "`--risk-score` needs `--risk-level` (SHIPLINE_RISK_LEVEL) too: pass both outputs of the risk step, `score` and `level`".into(),
        )),
        (None, Some(_)) => Err(StatusError::Risk(
            "`--risk-level` needs `--risk-score` (SHIPLINE_RISK_SCORE) too: pass both outputs of the risk step, `score` and `level`".into(),
        )),
    }
}

fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn set_outputs(app: &App, record: &DeploymentRecord) -> Result<(), StatusError> {
    app.outputs.set("deployment-id", &record.id)?;
    app.outputs.set("environment", &record.environment)?;
    app.outputs.set("sha", &record.sha)?;
    app.outputs.set("state", record.state.as_str())?;
    Ok(())
}

/// The summary's Markdown: `text`, then the Mermaid `chart` where a forge renders the summary
/// (a GitHub step summary, a GitLab job report). Run locally the summary is the terminal, which
/// shows Mermaid as source, so `text` stays alone there; stdout never carries the chart either,
/// because a CI log does not render it.
fn with_chart(app: &App, text: &str, chart: &str) -> String {
    if app.ctx.runtime == Runtime::Local || chart.is_empty() {
        text.to_string()
    } else {
        format!("{text}\n{chart}")
    }
}
