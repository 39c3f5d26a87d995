//! The `shipline-risk` binary: parse flags, run the library, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use shipline_core::app::{self, App, AppOptions};
use shipline_risk::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = AppOptions {
        repo: cli.repo.clone(),
        config: cli.config.clone(),
        backend: None,
    };
    let app = match App::init(options) {
        Ok(app) => app,
        Err(err) => {
            let redactor = shipline_core::output::Redactor::default();
            return app::finish(Err(err.into()), &redactor);
        }
    };
    let redactor = app.outputs.redactor();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let result = match runtime {
        Ok(rt) => rt.block_on(shipline_risk::dispatch::execute(&app, &cli)),
        Err(err) => Err(anyhow::anyhow!("cannot start the async runtime: {err}")),
    };
    app::finish(result, &redactor)
}
