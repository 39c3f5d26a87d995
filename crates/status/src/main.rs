//! The `shipline-status` binary: flags in, exit code out; the work is in the library.

use std::process::ExitCode;

use clap::Parser;
use shipline_core::app::App;
use shipline_core::output::Redactor;
use shipline_status::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let app = match App::init(cli.options()) {
        Ok(app) => app,
        Err(err) => return shipline_status::report(Err(err.into()), &Redactor::new()),
    };
    let redactor = app.outputs.redactor();
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(cli::run(&app, &cli.command)));
    shipline_status::report(result, &redactor)
}
