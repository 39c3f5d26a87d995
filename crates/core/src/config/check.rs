//! `check`: the configuration checked on its own, for editors, pre-commit hooks and CI.
//!
//! The same reading and checking every tool does at start-up, without the CI context, the
//! forge or the ledger, so it runs anywhere the file is: "ok" with a one-line summary of what
//! the file configures, or every problem found, one per line as `file:line:column: problem;
//! fix`, the form editors' problem matchers read.

use std::path::Path;

use super::error::ConfigError;
use super::file::Config;
use super::health::HealthCheck;

/// The outcome of checking a configuration.
#[derive(Debug)]
pub enum CheckReport {
    /// The file is valid (or there is none): the summary line.
    Ok(String),
    /// Every problem found, in file order.
    Problems(Vec<ConfigError>),
}

/// Checks the configuration [`Config::load`] would read for `repo_root` (or `explicit`).
pub fn check(repo_root: &Path, explicit: Option<&Path>) -> CheckReport {
    let found = match Config::find(repo_root, explicit) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return CheckReport::Ok(format!(
                "ok: no .shipline.yml in {}: every setting takes its default",
                repo_root.display()
            ));
        }
        Err(err) => return CheckReport::Problems(vec![err]),
    };
    match Config::parse_all(&found.text, &found.shown) {
        Ok(config) => CheckReport::Ok(format!(
            "ok: {}: {}",
            found.shown.display(),
            summary(&config)
        )),
        Err(errors) => CheckReport::Problems(errors),
    }
}

/// What a valid configuration sets up, on one line.
fn summary(config: &Config) -> String {
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let names = config.upstream_order();
    let mut parts = vec![if names.is_empty() {
        "no environments".to_string()
    } else {
        format!(
            "{} ({})",
            count(names.len(), "environment", "environments"),
            names.join(", ")
        )
    }];
    let rollouts: Vec<_> = config
        .environments
        .iter()
        .filter_map(|env| env.rollout.as_ref())
        .collect();
    if !rollouts.is_empty() {
        let checks: usize = rollouts.iter().map(|rollout| rollout.health.len()).sum();
        let compares = rollouts
            .iter()
            .flat_map(|rollout| &rollout.health)
            .filter(|check| matches!(check, HealthCheck::Compare(_)))
            .count();
        let compares = if compares > 0 {
            format!(" ({compares} compare)")
        } else {
            String::new()
        };
        parts.push(format!(
            "{} with {}{compares}",
            count(rollouts.len(), "rollout", "rollouts"),
            count(checks, "health check", "health checks")
        ));
    }
    let freezes: usize = config.environments.iter().map(|env| env.freeze.len()).sum();
    if freezes > 0 {
        parts.push(count(freezes, "freeze window", "freeze windows"));
    }
    if !config.risk.sensitive.is_empty() {
        parts.push(count(
            config.risk.sensitive.len(),
            "sensitive path rule",
            "sensitive path rules",
        ));
    }
    let triggers: Vec<String> = config
        .revert
        .on
        .iter()
        .map(|trigger| {
            serde_json::to_value(trigger)
                .ok()
                .and_then(|value| value.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    parts.push(if triggers.is_empty() {
        "no automatic reverts".to_string()
    } else {
        format!("reverts on {}", triggers.join(", "))
    });
    parts.join(", ")
}
