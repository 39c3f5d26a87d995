//! `shipline-promote`: the command line over [`shipline_promote`].

use std::process::ExitCode;

use shipline_core::app;
use shipline_promote::Cli;

fn main() -> ExitCode {
    let cli = match app::parse::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    app::main(cli.app_options(), async |app| Ok(cli.run(app).await?))
}
