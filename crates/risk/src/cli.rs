//! The command line: flags, each also read from a `SHIPLINE_<FLAG>` variable.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use shipline_core::config::RiskLevel;

/// What is about to ship and how risky it is.
#[derive(Debug, Parser)]
#[command(
    name = "shipline-risk",
    version,
    about,
    after_help = shipline_core::exit::help(shipline_core::exit::Tool::Risk)
)]
pub struct Cli {
    /// Start of the range (exclusive). Default: the PR/MR base, else the last successful
    /// production deployment, else the latest version tag, else the whole history.
    #[arg(long, env = "SHIPLINE_BASE", global = true)]
    pub base: Option<String>,
    /// End of the range (inclusive). Default: the PR/MR head, else HEAD.
    #[arg(long, env = "SHIPLINE_HEAD", global = true)]
    pub head: Option<String>,
    /// The component to report on (a key under `components:`): its range starts at its own
    /// last `production/NAME` deployment or its own last version tag, and only changes under its
    /// paths and shared paths count.
    /// With `history`: only the changes under its paths and shared paths, each scored on those
    /// files alone.
    #[arg(long, env = "SHIPLINE_COMPONENT", value_name = "NAME", global = true)]
    pub component: Option<String>,
    /// Report format on stdout.
    #[arg(long, env = "SHIPLINE_FORMAT", value_enum, global = true)]
    pub format: Option<Format>,
    /// Create or update the one sticky comment on the PR/MR.
    #[arg(long, env = "SHIPLINE_COMMENT")]
    pub comment: bool,
    /// Add a `risk:<level>` label to the PR/MR.
    #[arg(long, env = "SHIPLINE_LABEL")]
    pub label: bool,
    /// Exit with code 3 when the release level is above this one.
    #[arg(long, env = "SHIPLINE_FAIL_ABOVE", value_parser = parse_level)]
    pub fail_above: Option<RiskLevel>,
    /// `.shipline.yml` to use (default: the one at the repository root, if any).
    /// `shipline-status check` checks it on its own and lists every problem.
    #[arg(long, env = "SHIPLINE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// The checkout to read (default: the current directory).
    #[arg(long, env = "SHIPLINE_REPO", global = true)]
    pub repo: Option<PathBuf>,
    /// Subcommand.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// One JSON line per non-merge commit: sha, score, level, features.
    History {
        /// Read at most this many commits (newest first).
        #[arg(long, env = "SHIPLINE_MAX_COMMITS")]
        max_commits: Option<usize>,
    },
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown summary (the default for the report).
    Markdown,
    /// Stable JSON (see docs/risk.md).
    Json,
    /// One JSON object a line (the default for `history`).
    Jsonl,
}

fn parse_level(text: &str) -> Result<RiskLevel, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "low" => Ok(RiskLevel::Low),
        "medium" => Ok(RiskLevel::Medium),
        "high" => Ok(RiskLevel::High),
        "critical" => Ok(RiskLevel::Critical),
        other => Err(format!(
            "unknown level `{other}`: use low, medium, high or critical"
        )),
    }
}
