//! The tool's body: pick the range, build the report, print it, post it, set the outputs.

use anyhow::Context as _;
use shipline_core::app::{App, exit};

use crate::cli::{Cli, Command, Format};

/// Runs the command line against the app and returns the exit code.
pub async fn execute(app: &App, cli: &Cli) -> anyhow::Result<u8> {
    let git = app.git()?;
    match &cli.command {
        Some(Command::History { max_commits }) => {
            if matches!(cli.format, Some(Format::Markdown | Format::Json)) {
                anyhow::bail!(
                    "`history` prints JSON lines only: drop --format or use --format jsonl"
                );
            }
            let head = cli.head.clone().unwrap_or_else(|| "HEAD".into());
            let (_, head) = shipline_core::git::shallow::ensure_resolved(&git, None, &head)?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            crate::history::write_history(&git, &head, *max_commits, &app.config.risk, &mut out)
                .context("reading the history for `shipline-risk history`")?;
            Ok(exit::OK)
        }
        None => crate::publish::publish_report(app, cli, &git).await,
    }
}
