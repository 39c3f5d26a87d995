//! Checks that the rollout can run at all, made before any step: every command's program
//! exists and every health check's host resolves. A typo found after step 1 has already moved
//! traffic; found here it costs nothing.

use std::path::Path;

use shipline_core::config::{Environment, HealthCheck};

use crate::error::PromoteError;
use crate::shell::missing_program;

/// Checks `env`'s rollout; the first problem is the error.
pub async fn check(env: &Environment, dir: &Path, path: Option<&str>) -> Result<(), PromoteError> {
    let Some(rollout) = &env.rollout else {
        return Ok(());
    };
    let fail = |what: String, problem: String, fix: &str| PromoteError::Preflight {
        environment: env.name().to_string(),
        what,
        problem,
        fix: fix.to_string(),
    };
    let mut commands = vec![("rollout.command", rollout.command.as_str())];
    if let Some(rollback) = &rollout.rollback {
        commands.push(("rollout.rollback", rollback.as_str()));
    }
    for check in &rollout.health {
        if let HealthCheck::Command(cmd) = check {
            commands.push(("health check command", cmd.command.as_str()));
        }
    }
    for (key, line) in commands {
        if let Some(program) = missing_program(line, dir, path) {
            return Err(fail(
                format!("{key} `{line}`"),
                format!("runs `{program}`, which does not exist (nothing was run)"),
                "fix the command, commit the script (executable), or install the program on the runner",
            ));
        }
    }
    for check in &rollout.health {
        let url = match check {
            HealthCheck::Http(http) => http.url.url(),
            HealthCheck::Prometheus(prom) => prom.url.url(),
            HealthCheck::Compare(compare) => compare.url.url(),
            HealthCheck::Command(_) => continue,
        };
        let Some(host) = url.host_str() else { continue };
        let port = url.port_or_known_default().unwrap_or(80);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let resolved = tokio::net::lookup_host((host, port))
            .await
            .map(|addrs| addrs.count());
        match resolved {
            Ok(count) if count > 0 => {}
            Ok(_) => {
                return Err(fail(
                    format!("health check `{}`", check.label()),
                    format!("host `{host}` has no addresses (nothing was run)"),
                    "fix the URL or run the job where the host resolves",
                ));
            }
            Err(err) => {
                return Err(fail(
                    format!("health check `{}`", check.label()),
                    format!("host `{host}` does not resolve: {err} (nothing was run)"),
                    "fix the URL or run the job where the host resolves",
                ));
            }
        }
    }
    Ok(())
}
