//! `shipline-revert`: open a revert pull request for a bad change, once.

use std::process::ExitCode;

use shipline_core::app;
use shipline_revert::Cli;

fn main() -> ExitCode {
    let cli = match app::parse::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    app::main(cli.app_options(), async |app| Ok(cli.run(app).await?))
}
