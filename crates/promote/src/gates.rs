//! The gates a commit passes before it is promoted, each with the evidence behind its verdict.
//!
//! A gate that is not configured for the environment is reported as such rather than left out,
//! so the report shows the approver everything that was (and was not) checked. Gates never stop
//! early: a blocked promotion lists every reason at once, so one fix round is enough.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use shipline_core::config::{Component, Environment, RiskLevel};
use shipline_core::context::Runtime;
use shipline_core::forge::{CheckState, Forge};
use shipline_core::git::Git;
use shipline_core::ledger::{Ledger, LedgerError, ListQuery};
use shipline_core::sha::{UNIQUE, prefix};

/// A gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    /// Satisfied.
    Pass,
    /// Not satisfied: promotion is blocked.
    Fail,
    /// The environment does not configure this gate.
    NotConfigured,
    /// Configured but not checkable here (required checks locally without a forge token).
    Skipped,
}

/// One gate's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gate {
    /// Stable identifier: `upstream`, `soak`, `freeze`, `allowed_refs`, `required_checks`, `risk`.
    pub gate: &'static str,
    /// The verdict.
    pub status: GateStatus,
    /// What the verdict rests on, in plain words.
    pub evidence: String,
}

impl Gate {
    fn new(gate: &'static str, status: GateStatus, evidence: impl Into<String>) -> Self {
        Self {
            gate,
            status,
            evidence: evidence.into(),
        }
    }
}

/// Everything the gates look at.
pub struct GateInputs<'a> {
    /// The target environment.
    pub environment: &'a Environment,
    /// The component promoted, if one is: upstream deployments are then the component's
    /// (`staging/api`), and one at another commit counts when the component's content there is
    /// the same as at [`GateInputs::sha`].
    pub component: Option<&'a Component>,
    /// The checkout, to compare a component's content between commits.
    pub git: &'a Git,
    /// The commit to promote.
    pub sha: &'a str,
    /// The branch or tag it is promoted from (`refs/heads/main`, `v1.2.0`), when known.
    pub git_ref: Option<&'a str>,
    /// The time the gates are evaluated at.
    pub now: DateTime<Utc>,
    /// The deployment ledger.
    pub ledger: &'a Ledger,
    /// The forge client, when a token is available.
    pub forge: Option<&'a Forge>,
    /// Where we run (required checks are only skippable locally).
    pub runtime: Runtime,
    /// The value of GitLab's `CI_DEPLOY_FREEZE`, when set.
    pub deploy_freeze: Option<&'a str>,
    /// The release's risk level, when known.
    pub risk_level: Option<RiskLevel>,
}

/// Evaluates every gate, in report order.
pub async fn evaluate(inputs: &GateInputs<'_>) -> Result<Vec<Gate>, LedgerError> {
    let (upstream, succeeded_at) = upstream(inputs).await?;
    let mut gates = vec![upstream, soak(inputs, succeeded_at)];
    gates.push(freeze(inputs));
    gates.push(allowed_refs(inputs));
    gates.push(required_checks(inputs).await);
    gates.push(risk(inputs));
    Ok(gates)
}

/// The upstream gate, and when the last upstream environment reached success at this SHA (the
/// soak clock starts there), when all did.
async fn upstream(inputs: &GateInputs<'_>) -> Result<(Gate, Option<DateTime<Utc>>), LedgerError> {
    let env = inputs.environment;
    let names: Vec<&str> = env.after().collect();
    if names.is_empty() {
        return Ok((
            Gate::new(
                "upstream",
                GateStatus::NotConfigured,
                "no `after:` environments",
            ),
            None,
        ));
    }
    let short = prefix(inputs.sha, UNIQUE);
    let mut found = Vec::new();
    let mut missing = Vec::new();
    let mut latest: Option<DateTime<Utc>> = None;
    for name in &names {
        let key = inputs
            .component
            .map_or_else(|| (*name).to_string(), |c| c.environment_key(name));
        let records = inputs
            .ledger
            .list(&ListQuery {
                environment: Some(key.clone()),
                ..ListQuery::default()
            })
            .await?;
        let mut successes: Vec<_> = records
            .iter()
            .filter_map(|r| r.succeeded_at().map(|at| (r, at)))
            .collect();
        // Newest first; a success at this very commit wins over one with the same content.
        successes.sort_by_key(|(r, at)| (r.sha == inputs.sha, *at));
        successes.reverse();
        let mut success = None;
        let mut unreadable = None;
        for (record, at) in successes {
            let same = match inputs.component {
                _ if record.sha == inputs.sha => Some(None),
                Some(component) => {
                    match inputs
                        .git
                        .same_content(&record.sha, inputs.sha, &component.pathspecs())
                    {
                        Ok(same) => same.then_some(Some(component)),
                        Err(_) => {
                            // A commit this clone lacks (a shallow checkout) cannot be compared.
                            unreadable
                                .get_or_insert_with(|| prefix(&record.sha, UNIQUE).to_string());
                            None
                        }
                    }
                }
                None => None,
            };
            if let Some(by_content) = same {
                success = Some((record, at, by_content));
                break;
            }
        }
        match success {
            Some((record, at, by_content)) => {
                let mut line = format!(
                    "`{key}`: deployment {} succeeded at {}",
                    record.id,
                    at.format("%Y-%m-%d %H:%M:%S UTC")
                );
                if let Some(component) = by_content {
                    line.push_str(&format!(
                        " with {}, whose `{}` content is the same as {short}'s (nothing under its paths or shared paths changed between them)",
                        prefix(&record.sha, UNIQUE),
                        component.name()
                    ));
                }
                found.push(line);
                latest = Some(latest.map_or(at, |l| l.max(at)));
            }
            None => {
                let current = records.first().map_or_else(
                    || "no deployments recorded".to_string(),
                    |r| format!("latest is {} ({})", prefix(&r.sha, UNIQUE), r.state),
                );
                let what = match inputs.component {
                    Some(component) => format!(
                        "of {short} or of a commit with the same `{}` content",
                        component.name()
                    ),
                    None => format!("of {short}"),
                };
                let mut line = format!("`{key}`: no successful deployment {what}; {current}");
                if let Some(sha) = unreadable {
                    line.push_str(&format!(
                        " ({sha} is not in this checkout, so its content could not be compared: fetch the whole history, `fetch-depth: 0`)"
                    ));
                }
                missing.push(line);
            }
        }
    }
    let gate = if missing.is_empty() {
        Gate::new("upstream", GateStatus::Pass, found.join("; "))
    } else {
        Gate::new(
            "upstream",
            GateStatus::Fail,
            format!(
                "{}; deploy {short} there first",
                missing
                    .into_iter()
                    .chain(found)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
    };
    let latest = if gate.status == GateStatus::Pass {
        latest
    } else {
        None
    };
    Ok((gate, latest))
}

fn soak(inputs: &GateInputs<'_>, succeeded_at: Option<DateTime<Utc>>) -> Gate {
    let Some(soak) = inputs.environment.soak else {
        return Gate::new("soak", GateStatus::NotConfigured, "no `soak:` time");
    };
    if inputs.environment.after().next().is_none() {
        return Gate::new(
            "soak",
            GateStatus::NotConfigured,
            format!("`soak: {soak}` has no upstream environment to soak in (no `after:`)"),
        );
    }
    let Some(since) = succeeded_at else {
        return Gate::new(
            "soak",
            GateStatus::Fail,
            format!("`soak: {soak}` cannot start: the commit has not succeeded upstream"),
        );
    };
    let elapsed = inputs.now - since;
    let needed = soak.as_chrono();
    if elapsed >= needed {
        Gate::new(
            "soak",
            GateStatus::Pass,
            format!("healthy upstream for {} (needs {soak})", human(elapsed)),
        )
    } else {
        Gate::new(
            "soak",
            GateStatus::Fail,
            format!(
                "healthy upstream for {} of {soak}: {} left (at {})",
                human(elapsed.max(TimeDelta::zero())),
                human(needed - elapsed),
                (since + needed).format("%Y-%m-%d %H:%M:%S UTC")
            ),
        )
    }
}

fn freeze(inputs: &GateInputs<'_>) -> Gate {
    let gitlab = inputs
        .deploy_freeze
        .map(|v| v.trim().eq_ignore_ascii_case("true"));
    let windows = &inputs.environment.freeze;
    if windows.is_empty() && gitlab.is_none() {
        return Gate::new("freeze", GateStatus::NotConfigured, "no freeze windows");
    }
    let mut evidence = Vec::new();
    let mut frozen = false;
    if gitlab == Some(true) {
        frozen = true;
        evidence.push("GitLab deploy freeze is active (CI_DEPLOY_FREEZE=true)".to_string());
    }
    if let Some(active) = inputs.environment.active_freeze(inputs.now) {
        frozen = true;
        let window = windows
            .iter()
            .find(|w| w.active_at(inputs.now) == Some(active));
        let described = window.map_or_else(String::new, |w| {
            format!(" (`{}` to `{}` {})", w.start, w.end, w.timezone.name())
        });
        let until = active.until.map_or_else(
            || "no end in sight".to_string(),
            |t| format!("until {}", t.format("%Y-%m-%d %H:%M UTC")),
        );
        evidence.push(format!(
            "freeze since {}{described}, {until}",
            active.since.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    if frozen {
        Gate::new("freeze", GateStatus::Fail, evidence.join("; "))
    } else {
        let mut text = format!(
            "no freeze active at {}",
            inputs.now.format("%Y-%m-%d %H:%M UTC")
        );
        if !windows.is_empty() {
            text.push_str(&format!(" ({} window(s) checked)", windows.len()));
        }
        if gitlab == Some(false) {
            text.push_str("; CI_DEPLOY_FREEZE not set to true");
        }
        Gate::new("freeze", GateStatus::Pass, text)
    }
}

fn allowed_refs(inputs: &GateInputs<'_>) -> Gate {
    let env = inputs.environment;
    if env.allowed_refs.is_empty() {
        return Gate::new(
            "allowed_refs",
            GateStatus::NotConfigured,
            "any ref may be promoted",
        );
    }
    let patterns = env
        .allowed_refs
        .iter()
        .map(|g| format!("`{}`", g.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    match inputs.git_ref {
        None => Gate::new(
            "allowed_refs",
            GateStatus::Fail,
            format!(
                "cannot tell which branch or tag {} comes from (allowed: {patterns}); pass --ref with a branch or tag name",
                prefix(inputs.sha, UNIQUE)
            ),
        ),
        Some(r) if env.allows_ref(r) => Gate::new(
            "allowed_refs",
            GateStatus::Pass,
            format!("`{r}` matches {patterns}"),
        ),
        Some(r) => Gate::new(
            "allowed_refs",
            GateStatus::Fail,
            format!("`{r}` matches none of {patterns}"),
        ),
    }
}

async fn required_checks(inputs: &GateInputs<'_>) -> Gate {
    let required = &inputs.environment.required_checks;
    if required.is_empty() {
        return Gate::new(
            "required_checks",
            GateStatus::NotConfigured,
            "no `required_checks:`",
        );
    }
    let Some(forge) = inputs.forge else {
        let names = required.join(", ");
        return if inputs.runtime == Runtime::Local {
            Gate::new(
                "required_checks",
                GateStatus::Skipped,
                format!(
                    "{names} not checked: no forge (running locally without GITHUB_TOKEN or GITLAB_TOKEN; set one to check them)"
                ),
            )
        } else {
            Gate::new(
                "required_checks",
                GateStatus::Fail,
                format!(
                    "{names} cannot be checked without a forge token: give the job GITHUB_TOKEN (with `checks: read`, `statuses: read`), or on GitLab GITLAB_TOKEN (a project access token with the `read_api` scope; CI_JOB_TOKEN cannot read commit statuses or pipelines)"
                ),
            )
        };
    };
    let summary = match forge.checks(inputs.sha).await {
        Ok(summary) => summary,
        Err(err) => {
            return Gate::new(
                "required_checks",
                GateStatus::Fail,
                format!(
                    "could not read the checks of {}: {err}",
                    prefix(inputs.sha, UNIQUE)
                ),
            );
        }
    };
    let mut bad = Vec::new();
    let mut good = Vec::new();
    for name in required {
        // Several runs of one check (re-runs) may be listed; any red one is red.
        let matching: Vec<_> = summary.checks.iter().filter(|c| &c.name == name).collect();
        let state = if matching.is_empty() {
            None
        } else if matching.iter().any(|c| c.state == CheckState::Failure) {
            Some(CheckState::Failure)
        } else if matching.iter().any(|c| c.state == CheckState::Pending) {
            Some(CheckState::Pending)
        } else if matching.iter().any(|c| c.state == CheckState::Success) {
            Some(CheckState::Success)
        } else {
            Some(CheckState::Skipped)
        };
        match state {
            Some(CheckState::Success) => good.push(format!("`{name}` success")),
            // Branch protection treats skipped and neutral as passing; so do we.
            Some(CheckState::Skipped) => good.push(format!("`{name}` skipped")),
            Some(CheckState::Pending) => bad.push(format!("`{name}` pending")),
            Some(CheckState::Failure) => bad.push(format!("`{name}` failed")),
            None => bad.push(format!("`{name}` missing")),
        }
    }
    if bad.is_empty() {
        Gate::new("required_checks", GateStatus::Pass, good.join(", "))
    } else {
        Gate::new(
            "required_checks",
            GateStatus::Fail,
            format!(
                "{} on {}",
                bad.into_iter().chain(good).collect::<Vec<_>>().join(", "),
                prefix(inputs.sha, UNIQUE)
            ),
        )
    }
}

fn risk(inputs: &GateInputs<'_>) -> Gate {
    let Some(ceiling) = inputs.environment.auto_promote_max_risk else {
        return Gate::new(
            "risk",
            GateStatus::NotConfigured,
            "no `auto_promote_max_risk:` ceiling",
        );
    };
    match inputs.risk_level {
        None => Gate::new(
            "risk",
            GateStatus::Fail,
            format!(
                "release risk unknown (ceiling {ceiling}): pass the risk step's `level` output as --risk-level (SHIPLINE_RISK_LEVEL)"
            ),
        ),
        Some(level) if level <= ceiling => Gate::new(
            "risk",
            GateStatus::Pass,
            format!("release risk {level} is at or below the ceiling {ceiling}"),
        ),
        Some(level) => Gate::new(
            "risk",
            GateStatus::Fail,
            format!("release risk {level} is above the ceiling {ceiling}: manual approval needed"),
        ),
    }
}

/// Whether the risk gate failed because the level is above the ceiling (as opposed to unknown).
pub fn needs_approval(gates: &[Gate], level: Option<RiskLevel>) -> bool {
    level.is_some()
        && gates
            .iter()
            .any(|g| g.gate == "risk" && g.status == GateStatus::Fail)
}

/// A time span in words: `1h 5m`, `12m 30s`, `250ms`.
pub fn human(span: TimeDelta) -> String {
    let millis = span.num_milliseconds().max(0);
    if millis < 1000 {
        return format!("{millis}ms");
    }
    let secs = millis / 1000;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (s, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_people_say_them() {
        assert_eq!(human(TimeDelta::milliseconds(250)), "250ms");
        assert_eq!(human(TimeDelta::seconds(750)), "12m 30s");
        assert_eq!(human(TimeDelta::seconds(3600 + 300)), "1h 5m");
        assert_eq!(human(TimeDelta::seconds(-5)), "0ms");
    }
}
