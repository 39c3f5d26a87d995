//! `shipline-revert`: open a revert pull request for a bad change, once.

use clap::Parser;
use shipline_core::app::{App, finish, print_stdout};
use shipline_core::context::Runtime;
use shipline_core::output::Redactor;
use shipline_revert::cli::Cli;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let app = match App::init(cli.app_options()) {
        Ok(app) => app,
        Err(e) => return finish(Err(e.into()), &Redactor::new()),
    };
    let redactor = app.outputs.redactor();
    let result = (|| -> anyhow::Result<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let report = runtime.block_on(shipline_revert::run(&app, &cli.options()))?;
        report.write_outputs(&app.outputs)?;
        if app.outputs.runtime() != Runtime::Local {
            app.outputs.summary(&report.markdown())?;
        }
        print_stdout(&redactor.redact(&cli.render(&report)))?;
        Ok(report.exit_code())
    })();
    finish(result, &redactor)
}
