//! The `shipline-status` binary: flags in, exit code out; the work is in the library.

use std::process::ExitCode;

use shipline_core::app;
use shipline_status::Cli;

fn main() -> ExitCode {
    let cli = match app::parse::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    if let Some(code) = shipline_status::run_check(&cli) {
        return code;
    }
    app::main(cli.options(), async |app| {
        Ok(shipline_status::run(app, &cli.command, cli.component.as_deref()).await?)
    })
}
