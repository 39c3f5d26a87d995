//! `shipline-promote`: the command line over [`shipline_promote`].

use std::process::ExitCode;

use clap::Parser;
use shipline_core::app;
use shipline_promote::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    app::main(cli.app_options(), async |app| Ok(cli.run(app).await?))
}
