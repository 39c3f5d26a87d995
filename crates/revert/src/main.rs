//! `shipline-revert`: open a revert pull request for a bad change, once.

use std::process::ExitCode;

use clap::Parser;
use shipline_core::app;
use shipline_revert::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    app::main(cli.app_options(), async |app| Ok(cli.run(app).await?))
}
