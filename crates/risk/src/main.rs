//! The `shipline-risk` binary: parse the flags, then run the library between the start-up and
//! the exit path every shipline tool shares.

use std::process::ExitCode;

use shipline_core::app::{self, AppOptions};
use shipline_risk::Cli;

fn main() -> ExitCode {
    let cli = match app::parse::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let options = AppOptions {
        repo: cli.repo.clone(),
        config: cli.config.clone(),
        backend: None,
    };
    app::main(options, async |app| {
        Ok(shipline_risk::execute(app, &cli).await?)
    })
}
