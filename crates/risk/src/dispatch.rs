//! The command line carried out against the app: `history`, or the report for a range.

use shipline_core::app::App;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::history::history_command;
use crate::publish::publish_report;

/// Runs the command line `cli` against `app` and returns the exit code: 0, or 3 when the
/// release is above `--fail-above`.
pub async fn execute(app: &App, cli: &Cli) -> Result<u8, Error> {
    let git = app.git()?;
    match &cli.command {
        Some(Command::History { max_commits }) => history_command(
            app,
            &git,
            cli.head.as_deref(),
            cli.component.as_deref(),
            cli.format,
            *max_commits,
        ),
        None => publish_report(app, cli, &git).await,
    }
}
