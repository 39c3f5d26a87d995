//! What every shipline binary does before and after its own job.
//!
//! Each tool starts the same way (find the checkout, detect the CI context, load `.shipline.yml`,
//! open the output sink, connect to the forge, pick the ledger backend) and ends the same way,
//! through [`crate::exit::finish`] (the error chain on one line, scrubbed of secrets, and the
//! documented exit code). [`main`] does both around a tool's own work, which keeps the four
//! `main.rs` files thin and the behaviour identical.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::{Config, ConfigError};
use crate::context::{CiContext, ContextError, Runtime};
use crate::exit::{Class, Classify, Failure};
use crate::forge::{Forge, ForgeConfig, ForgeError, ForgeKind};
use crate::git::{Git, GitError};
use crate::ledger::notes::{NotesLedger, Notice, OnRefusal};
use crate::ledger::{Ledger, LedgerError};
use crate::output::{OutputError, Outputs, Redactor};

/// Where deployments are recorded (`--backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// GitHub Deployments API.
    GitHub,
    /// GitLab deployments API.
    GitLab,
    /// Git notes (`refs/notes/shipline`), no server needed.
    Git,
}

impl std::str::FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "github" => Ok(Backend::GitHub),
            "gitlab" => Ok(Backend::GitLab),
            "git" | "notes" | "git-notes" => Ok(Backend::Git),
            other => Err(format!(
                "unknown backend `{other}`: use github, gitlab or git"
            )),
        }
    }
}

/// Options common to all tools (their flags `--repo`, `--config`, `--backend`).
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// The checkout to work in (default: the current directory).
    pub repo: Option<PathBuf>,
    /// An explicit `.shipline.yml` (must exist).
    pub config: Option<PathBuf>,
    /// Ledger backend (default: from the CI context).
    pub backend: Option<Backend>,
}

/// Why a tool could not get going; each names the input and the fix.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The CI context could not be detected.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// `.shipline.yml` is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The output sink could not be opened.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// git failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// A forge call failed.
    #[error(transparent)]
    Forge(#[from] ForgeError),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The forge or repository is unknown, so forge operations cannot run.
    #[error("{0}")]
    NoForge(String),
    /// A setting from the environment that cannot be used as given.
    #[error("{0}")]
    Invalid(String),
}

impl Classify for AppError {
    fn class(&self) -> Class {
        match self {
            AppError::Context(e) => e.class(),
            AppError::Config(e) => e.class(),
            AppError::Output(e) => e.class(),
            AppError::Git(e) => e.class(),
            AppError::Forge(e) => e.class(),
            AppError::Ledger(e) => e.class(),
            AppError::NoForge(_) | AppError::Invalid(_) => Class::Usage,
        }
    }
}

/// The async runtime every tool runs on: one thread. The tools wait on the network and on
/// child processes; the CPU-heavy work (reading history) runs in git processes and in threads
/// of its own, so worker threads would add start-up time and nothing else.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                Class::Failed,
                format!("cannot start the async runtime: {e}"),
            )
        })
}

/// The process environment as the tools read it.
fn process_vars() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Parses a tool's command line, or prints clap's message (an error, `--help`, `--version`)
/// and returns the code to exit with: 2 for a bad flag or value, 0 for help. The message is
/// scrubbed first: a token passed where a value belongs (`--since $GITHUB_TOKEN`) is masked
/// like anywhere else.
pub fn parse<C: clap::Parser>() -> Result<C, ExitCode> {
    match C::try_parse() {
        Ok(cli) => Ok(cli),
        Err(err) => {
            let redactor = Redactor::from_vars(&process_vars());
            let text = crate::text::plain_lines(&redactor.redact(&err.render().to_string()));
            // Nothing is left to report a failed write to.
            let _ = if err.use_stderr() {
                let mut stderr = std::io::stderr().lock();
                stderr
                    .write_all(text.as_bytes())
                    .and_then(|()| stderr.flush())
            } else {
                print_stdout(&text)
            };
            let code = match err.exit_code() {
                0 => crate::exit::OK,
                _ => crate::exit::USAGE,
            };
            Err(ExitCode::from(code))
        }
    }
}

/// The life of a tool's process once its flags are parsed: start up ([`App::init`]), run `body`
/// on the [`runtime`], and leave through [`crate::exit::finish`], the one exit path. The four
/// binaries' `main` functions are this call and their flags.
pub fn main<F>(options: AppOptions, body: F) -> ExitCode
where
    F: AsyncFnOnce(&App) -> Result<u8, Failure>,
{
    let vars = process_vars();
    let app = match App::with_vars(options, vars.clone(), crate::output::Console::std()) {
        Ok(app) => app,
        Err(err) => return crate::exit::finish(Err(err.into()), &Redactor::from_vars(&vars)),
    };
    let redactor = app.outputs.redactor();
    let result = runtime().and_then(|rt| rt.block_on(body(&app)));
    crate::exit::finish(result, &redactor)
}

/// A tool's run: context, configuration and output sink, plus lazily built forge and ledger.
pub struct App {
    /// Where we run and what happened.
    pub ctx: CiContext,
    /// `.shipline.yml` (defaults when there is none).
    pub config: Config,
    /// Where results go.
    pub outputs: Outputs,
    options: AppOptions,
    vars: BTreeMap<String, String>,
    /// The checkout, when it was already found while detecting the context.
    git: Option<Git>,
}

impl App {
    /// Detects everything from the process environment.
    pub fn init(options: AppOptions) -> Result<Self, AppError> {
        let vars = process_vars();
        Self::with_vars(options, vars, crate::output::Console::std())
    }

    /// Like [`App::init`] with explicit variables and console (tests).
    pub fn with_vars(
        options: AppOptions,
        vars: BTreeMap<String, String>,
        console: crate::output::Console,
    ) -> Result<Self, AppError> {
        let cwd = match &options.repo {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().map_err(|e| {
                AppError::NoForge(format!("cannot read the current directory: {e}"))
            })?,
        };
        let mut ctx = CiContext::from_vars(&vars, &cwd)?;
        // Local detection already found the checkout; in CI the workspace comes from a variable
        // and is only checked when a tool asks for git.
        let mut git = (ctx.runtime == Runtime::Local).then(|| Git::new(&ctx.workspace));
        if options.repo.is_some() && git.is_none() {
            // An explicit --repo wins over the runner's workspace variable.
            match Git::discover(&cwd) {
                Ok(found) => {
                    ctx.workspace = found.dir().to_path_buf();
                    git = Some(found);
                }
                Err(_) => ctx.workspace = cwd,
            }
        }
        let outputs = Outputs::from_vars(&ctx, &vars, console)?;
        let config = Config::load(&ctx.workspace, options.config.as_deref())?;
        Ok(Self {
            ctx,
            config,
            outputs,
            options,
            vars,
            git,
        })
    }

    /// The checkout as a git handle (fails clearly outside a repository).
    pub fn git(&self) -> Result<Git, AppError> {
        match &self.git {
            Some(git) => Ok(git.clone()),
            None => Ok(Git::discover(&self.ctx.workspace)?),
        }
    }

    /// Who a deployment record names as its author: the CI actor, or outside CI git's
    /// `user.name` of the checkout (not a forge login, so nothing mentions it as `@name`).
    pub fn recorder(&self) -> Option<String> {
        if let Some(actor) = &self.ctx.actor {
            return Some(actor.clone());
        }
        if self.ctx.runtime != crate::context::Runtime::Local {
            return None;
        }
        let name = self.git().ok()?.run(["config", "user.name"]).ok()?;
        let name = name.trim();
        // One line of printable text: it goes into a Markdown table cell and a notes line.
        let clean: String = name.chars().filter(|c| !c.is_control()).take(100).collect();
        (!clean.is_empty()).then_some(clean)
    }

    /// A variable from the environment the app was started with.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The forge client for this repository, with base URLs from the context and the token from
    /// the environment. Fails with the fix when the forge or repository is unknown.
    pub fn forge(&self) -> Result<Forge, AppError> {
        let config = self.forge_config()?;
        Ok(Forge::connect(config)?)
    }

    /// The forge client only when a token is available (local mode without a token: `None`).
    pub fn forge_with_token(&self) -> Result<Option<Forge>, AppError> {
        match self.forge_config() {
            Ok(config) if config.token.is_some() => Ok(Some(Forge::connect(config)?)),
            Ok(_) | Err(AppError::NoForge(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }

    fn forge_config(&self) -> Result<ForgeConfig, AppError> {
        let kind = self.ctx.forge.ok_or_else(|| {
            AppError::NoForge(
                "cannot tell whether this repository lives on GitHub or GitLab: set SHIPLINE_FORGE=github or SHIPLINE_FORGE=gitlab".into(),
            )
        })?;
        let repo = self.ctx.repo.clone().ok_or_else(|| {
            AppError::NoForge(
                "cannot tell which repository this is: add an `origin` remote or set GITHUB_REPOSITORY / CI_PROJECT_PATH".into(),
            )
        })?;
        let mut config = match kind {
            ForgeKind::GitHub => ForgeConfig::github_from_vars(repo, &self.vars),
            ForgeKind::GitLab => ForgeConfig::gitlab_from_vars(repo, &self.vars),
        };
        if let Some(api) = &self.ctx.api_url {
            config.api_url = api.trim_end_matches('/').to_string();
        }
        if let Some(graphql) = &self.ctx.graphql_url {
            config.graphql_url = graphql.clone();
        }
        if let Some(token) = &config.token {
            self.outputs.mask(token.expose());
        }
        Ok(config)
    }

    /// The git notes ledger, shared through the remote `SHIPLINE_LEDGER_REMOTE` names (`none`:
    /// this clone only), by default through `origin` when it exists.
    ///
    /// A push the remote refuses fails the write in CI, where jobs share records only through
    /// the remote; outside CI the record stays in this clone and a warning says so once.
    pub fn git_ledger(&self) -> Result<Ledger, AppError> {
        let git = self.git()?;
        let remote = match self.var("SHIPLINE_LEDGER_REMOTE").map(str::trim) {
            None => git.remote_url("origin")?.map(|_| "origin".to_string()),
            Some("none") => None,
            Some(name) if git.remote_url(name)?.is_some() => Some(name.to_string()),
            Some(name) => {
                return Err(AppError::Invalid(format!(
                    "SHIPLINE_LEDGER_REMOTE={name}: this clone has no remote `{name}` (`git remote -v` lists them); name one, or set `none` to keep the ledger in this clone only"
                )));
            }
        };
        let redactor = self.outputs.redactor();
        let github = self.ctx.runtime == Runtime::GitHubActions;
        let mut notes = NotesLedger::new(git, remote).on_unreadable(Notice::new(move |message| {
            let message = redactor.redact(message).into_owned();
            let line = if github {
                crate::output::github::command("warning", &[], &message)
            } else {
                format!("warning: {message}")
            };
            let _ = writeln!(std::io::stderr(), "{line}");
        }));
        if self.ctx.runtime == Runtime::Local {
            let redactor = self.outputs.redactor();
            notes = notes.on_refusal(OnRefusal::KeepLocal(Notice::new(move |message| {
                let line = redactor.redact(&format!("warning: {message}")).into_owned();
                let _ = writeln!(std::io::stderr(), "{line}");
            })));
        }
        Ok(Ledger::Git(notes))
    }

    /// The ledger backend: `--backend`, else the forge of the CI system we run in (GitHub Actions →
    /// GitHub Deployments, GitLab CI → GitLab deployments), else git notes.
    pub fn ledger(&self) -> Result<Ledger, AppError> {
        let backend = self.options.backend.unwrap_or(match self.ctx.runtime {
            Runtime::GitHubActions => Backend::GitHub,
            Runtime::GitLabCi => Backend::GitLab,
            Runtime::Local => Backend::Git,
        });
        match backend {
            Backend::Git => self.git_ledger(),
            Backend::GitHub | Backend::GitLab => {
                let forge = self.forge()?;
                let wanted = if backend == Backend::GitHub {
                    ForgeKind::GitHub
                } else {
                    ForgeKind::GitLab
                };
                if forge.kind() != wanted {
                    return Err(AppError::NoForge(format!(
                        "--backend {} does not match this repository's forge ({}): use --backend {} or --backend git",
                        wanted.to_string().to_ascii_lowercase(),
                        forge.kind(),
                        forge.kind().to_string().to_ascii_lowercase()
                    )));
                }
                Ok(Ledger::forge(forge))
            }
        }
    }
}

/// Writes `text` to stdout without control characters (see [`crate::text::plain_lines`]: what a
/// commit subject smuggled in never reaches the terminal); a closed pipe (`| head`) is not an
/// error worth reporting.
pub fn print_stdout(text: &str) -> std::io::Result<()> {
    let text = crate::text::plain_lines(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The directory a path-like option resolves against: the path itself when absolute.
pub fn resolve_in(workspace: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        workspace.join(path)
    }
}
