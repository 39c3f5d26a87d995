//! shipline-promote: gated environment promotion with a gradual rollout and rollback.
//!
//! A promotion is one decision and, when it goes ahead, one rollout:
//! 1. [`preflight`]: the rollout can run at all (commands exist, health hosts resolve);
//! 2. [`gates`]: upstream success at the same SHA, soak time, freeze windows, allowed refs,
//!    required checks, release risk under the ceiling; each with its evidence;
//! 3. [`rollout`]: the team's command per traffic step, a bake with [`health`] checks, the
//!    rollback command when a step fails or the job is cancelled;
//! 4. the outcome recorded in the ledger and reported ([`report`]) through the CI outputs;
//!    with `--revert-on-failure`, a failed rollout is handed to shipline-revert ([`handover`]).
//!
//! Exit codes: 0 promoted (or, dry run, would be), 1 rollout failed, 2 usage or configuration,
//! 3 blocked by a gate.
#![deny(missing_docs)]

pub mod clock;
pub mod error;
pub mod gates;
pub mod handover;
pub mod health;
pub mod preflight;
pub mod release;
pub mod report;
pub mod rollout;
pub mod shell;

use std::process::ExitCode;

use shipline_core::app::{self, App, exit};
use shipline_core::config::{Environment, RiskLevel};
use shipline_core::context::Runtime;
use shipline_core::forge::DeploymentState;
use shipline_core::ledger::{Ledger, NewDeploymentRecord, TransitionRequest};
use shipline_core::output::Redactor;

pub use error::PromoteError;

use crate::release::ReleaseResult;
use crate::report::{Decision, Plan, Report, RolloutResult};
use crate::rollout::{Cancel, Runner, Verdict};
use crate::shell::Shell;

/// Report format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For people.
    #[default]
    Markdown,
    /// For machines (documented in `docs/promote.md`).
    Json,
}

impl std::str::FromStr for Format {
    type Err = PromoteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(PromoteError::Format(other.to_string())),
        }
    }
}

/// What to promote, where, and how to report.
#[derive(Debug, Clone, Default)]
pub struct PromoteOptions {
    /// Target environment.
    pub environment: String,
    /// Revision to promote (default: the CI context's commit, else `HEAD`).
    pub git_ref: Option<String>,
    /// Decide and plan only.
    pub dry_run: bool,
    /// The release's risk level as given (`--risk-level`).
    pub risk_level: Option<String>,
    /// Report format.
    pub format: Format,
    /// After a failed rollout, open a revert PR/MR (or, locally, a revert branch) for what the
    /// deployment added since the environment's last good deployment.
    pub revert_on_failure: bool,
}

/// Parses a risk level name.
pub fn parse_risk_level(text: &str) -> Result<RiskLevel, PromoteError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "low" => Ok(RiskLevel::Low),
        "medium" => Ok(RiskLevel::Medium),
        "high" => Ok(RiskLevel::High),
        "critical" => Ok(RiskLevel::Critical),
        _ => Err(PromoteError::RiskLevel {
            value: text.to_string(),
        }),
    }
}

/// The release's risk level: the one handed over from a previous shipline-risk step. This is
/// the one place to compute it in process instead.
pub fn release_risk(options: &PromoteOptions) -> Result<Option<RiskLevel>, PromoteError> {
    options
        .risk_level
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .map(parse_risk_level)
        .transpose()
}

/// Like [`app::finish`], and usage errors of this tool also exit 2.
pub fn finish(result: anyhow::Result<u8>, redactor: &Redactor) -> ExitCode {
    match result {
        Err(err) if err.chain().any(|c| c.is::<PromoteError>()) => {
            let text = redactor.redact(&format!("error: {err:#}")).into_owned();
            eprintln!("{text}");
            ExitCode::from(exit::USAGE)
        }
        other => app::finish(other, redactor),
    }
}

/// Runs a promotion and returns the exit code.
pub async fn run(app: &App, options: &PromoteOptions) -> anyhow::Result<u8> {
    let env = app.config.environment(&options.environment)?;
    let now = clock::now(app.var(clock::NOW_VAR))?;
    let risk_level = release_risk(options)?;
    let git = app.git()?;
    let rev = options
        .git_ref
        .clone()
        .or_else(|| app.ctx.head_sha.clone())
        .unwrap_or_else(|| "HEAD".to_string());
    let sha = git.resolve(&rev)?;
    let git_ref = ref_name(app, &git, options.git_ref.as_deref());
    let release_plan = match &env.release {
        Some(config) => release::plan(&git, &sha, config)?,
        None => None,
    };
    let version = match &release_plan {
        Some(plan) => plan.version.clone(),
        None => git
            .run(["describe", "--tags", "--always", &sha])
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|_| gates::short_sha(&sha).to_string()),
    };

    preflight::check(env, &app.ctx.workspace, app.var("PATH")).await?;

    let ledger = app.ledger()?;
    let forge = app.forge_with_token()?;
    let inputs = gates::GateInputs {
        environment: env,
        sha: &sha,
        git_ref: git_ref.as_deref(),
        now,
        ledger: &ledger,
        forge: forge.as_ref(),
        runtime: app.ctx.runtime,
        deploy_freeze: app.var("CI_DEPLOY_FREEZE"),
        risk_level,
    };
    let gate_results = gates::evaluate(&inputs).await?;
    let failed: Vec<gates::Gate> = gate_results
        .iter()
        .filter(|g| g.status == gates::GateStatus::Fail)
        .cloned()
        .collect();
    let decision = if failed.is_empty() {
        Decision::Promote
    } else if failed.len() == 1 && gates::needs_approval(&gate_results, risk_level) {
        Decision::ManualApproval
    } else {
        Decision::Blocked
    };
    let mut report = Report {
        environment: env.name().to_string(),
        sha: sha.clone(),
        git_ref: git_ref.clone(),
        version: version.clone(),
        evaluated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        dry_run: options.dry_run,
        decision,
        gates: gate_results,
        plan: env.rollout.as_ref().map(Plan::of),
        rollout: None,
        release: release_plan.map(release::ReleaseResult::planned),
        promoted: false,
        deployment_id: None,
        revert: None,
    };
    let outputs = &app.outputs;
    outputs.set("decision", decision_word(decision))?;
    if decision != Decision::Promote {
        let reason = failed
            .iter()
            .map(|g| format!("{}: {}", g.gate, g.evidence))
            .collect::<Vec<_>>()
            .join("; ");
        outputs.set("promoted", "false")?;
        outputs.set("blocked", "true")?;
        outputs.set("reason", &reason)?;
        publish(app, &report, env, options.format)?;
        return Ok(exit::BLOCKED);
    }
    if options.dry_run {
        outputs.set("promoted", "false")?;
        publish(app, &report, env, options.format)?;
        return Ok(exit::OK);
    }
    let mut code = promote(app, &ledger, env, &mut report, options.revert_on_failure).await?;
    if report.promoted
        && let (Some(config), Some(planned)) = (&env.release, report.release.take())
    {
        let published = release::publish(
            &git,
            forge.as_ref(),
            &sha,
            config,
            planned.plan.clone(),
            env.name(),
        )
        .await;
        let result = match published {
            Ok(result) => {
                outputs.set("tag", &result.plan.tag)?;
                if let Some(url) = &result.release_url {
                    outputs.set("release-url", url)?;
                }
                result
            }
            Err(err) => {
                // The deployment stands; the job fails so someone publishes by hand.
                code = exit::FAILED;
                ReleaseResult {
                    error: Some(format!("{err:#}")),
                    ..planned
                }
            }
        };
        report.release = Some(result);
    }
    publish(app, &report, env, options.format)?;
    Ok(code)
}

fn decision_word(decision: Decision) -> &'static str {
    match decision {
        Decision::Promote => "promote",
        Decision::ManualApproval => "manual_approval",
        Decision::Blocked => "blocked",
    }
}

/// Rolls out (when configured), records the outcome and sets the outputs.
async fn promote(
    app: &App,
    ledger: &Ledger,
    env: &Environment,
    report: &mut Report,
    revert_on_failure: bool,
) -> anyhow::Result<u8> {
    let outputs = &app.outputs;
    let Some(rollout) = &env.rollout else {
        // Nothing to deploy here: the job that follows deploys and records it.
        outputs.set("promoted", "true")?;
        outputs.set("version", &report.version)?;
        report.promoted = true;
        return Ok(exit::OK);
    };
    // Listen before the first step so a cancellation at any point is ours to handle.
    let (trigger, cancel) = Cancel::new();
    let listener = tokio::spawn(watch_signals(trigger));
    let started = ledger
        .start(&NewDeploymentRecord {
            environment: env.name().to_string(),
            sha: report.sha.clone(),
            git_ref: report.git_ref.clone().unwrap_or_default(),
            version: Some(report.version.clone()),
            creator: app
                .ctx
                .actor
                .clone()
                .unwrap_or_else(|| "shipline-promote".to_string()),
            log_url: app.ctx.run_url.clone(),
            environment_url: env.url.as_ref().map(|u| u.as_str().to_string()),
            description: format!(
                "shipline-promote: {}",
                rollout
                    .steps
                    .weights()
                    .iter()
                    .map(|w| format!("{w}%"))
                    .collect::<Vec<_>>()
                    .join(" → ")
            ),
            run_id: app
                .var("GITHUB_RUN_ID")
                .or_else(|| app.var("CI_PIPELINE_ID"))
                .map(str::to_string),
            production: env.is_production(),
            transient: env.transient,
            state: DeploymentState::InProgress,
        })
        .await?;
    report.deployment_id = Some(started.id.clone());
    outputs.set("deployment-id", &started.id)?;
    let shell = Shell::new(
        &app.ctx.workspace,
        vec![
            ("SHIPLINE_ENVIRONMENT".into(), env.name().to_string()),
            ("SHIPLINE_SHA".into(), report.sha.clone()),
            ("SHIPLINE_VERSION".into(), report.version.clone()),
        ],
    );
    let mut runner = Runner {
        rollout,
        shell,
        prober: health::Prober::new()?,
        outputs,
        cancel,
    };
    let (steps, verdict) = runner.run().await;
    let failure = match &verdict {
        Verdict::Completed => None,
        Verdict::Failed {
            step,
            weight,
            reason,
        }
        | Verdict::Cancelled {
            step,
            weight,
            reason,
        } => Some((*step, *weight, reason.clone())),
    };
    let rollback = match &failure {
        Some((step, weight, _)) => rollout::rollback(&runner, *step, *weight).await,
        None => None,
    };
    listener.abort();
    let run_url = app.ctx.run_url.clone();
    let code = match failure {
        None => {
            let mut done = TransitionRequest::new(DeploymentState::Success);
            done.description = "promoted by shipline-promote".into();
            done.log_url = run_url;
            ledger.transition(&started.id, &done).await?;
            // GitLab treats the newest successful deployment as the environment's current one
            // by itself; cancelling the superseded ones would rewrite their history there and
            // take away GitLab's own rollback to them.
            if ledger.backend_name() != "gitlab" {
                ledger
                    .deactivate_previous(env.name(), Some(&started.id))
                    .await?;
            }
            outputs.set("promoted", "true")?;
            outputs.set("version", &report.version)?;
            report.promoted = true;
            exit::OK
        }
        Some((step, weight, reason)) => {
            let rolled_back = rollback.as_ref().is_some_and(|r| r.succeeded);
            let mut failed = TransitionRequest::new(DeploymentState::Failure);
            failed.description = format!("step {step}: {reason}");
            if let Some(rb) = &rollback {
                failed.description.push_str(&format!(
                    "; rollback {}",
                    if rb.succeeded { "done" } else { "failed" }
                ));
            }
            failed.log_url = run_url;
            ledger.transition(&started.id, &failed).await?;
            outputs.set("promoted", "false")?;
            outputs.set("rolled-back", if rolled_back { "true" } else { "false" })?;
            outputs.set("failed-step", &step.to_string())?;
            outputs.set("reason", &reason)?;
            if revert_on_failure {
                let failure = handover::Failure {
                    environment: env.name(),
                    sha: &report.sha,
                    deployment_id: &started.id,
                    step,
                    weight,
                    reason: &reason,
                    rolled_back,
                };
                let revert = handover::revert(app, ledger, &failure).await;
                report_revert(outputs, &revert)?;
                report.revert = Some(revert);
            }
            exit::FAILED
        }
    };
    report.rollout = Some(RolloutResult {
        verdict,
        steps,
        rollback,
    });
    Ok(code)
}

/// Sets the `revert-*` outputs that have a value, and warns when no revert was made.
fn report_revert(
    outputs: &shipline_core::output::Outputs,
    revert: &handover::RevertHandover,
) -> anyhow::Result<()> {
    if let Some(url) = &revert.pr_url {
        outputs.set("revert-pr-url", url)?;
    }
    if let Some(number) = revert.pr_number {
        outputs.set("revert-pr-number", &number.to_string())?;
    }
    if let Some(branch) = &revert.branch {
        outputs.set("revert-branch", branch)?;
    }
    if let Some(skipped) = &revert.skipped {
        outputs.set("revert-skipped", skipped)?;
        outputs.warning(&format!(
            "--revert-on-failure: no new revert ({}): {skipped}",
            revert.status
        ));
    }
    Ok(())
}

/// Triggers `cancel` on SIGTERM or SIGINT (the CI runner cancelling the job).
async fn watch_signals(trigger: tokio::sync::watch::Sender<Option<String>>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        let _ = trigger.send(Some(format!("cancelled by {name}")));
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = trigger.send(Some("cancelled by Ctrl-C".to_string()));
        }
    }
}

/// The branch or tag being promoted: `--ref` when it names one, else the CI context's ref.
fn ref_name(app: &App, git: &shipline_core::git::Git, given: Option<&str>) -> Option<String> {
    if let Some(rev) = given
        && let Ok(full) = git.run(["rev-parse", "--symbolic-full-name", rev])
    {
        let full = full.trim();
        if full.starts_with("refs/heads/") || full.starts_with("refs/tags/") {
            return Some(full.to_string());
        }
        // A SHA: only the context can say where it came from, and only if it is that commit.
        if app.ctx.head_sha.as_deref() != git.resolve(rev).ok().as_deref() {
            return None;
        }
    }
    app.ctx.git_ref.clone().or_else(|| {
        app.ctx
            .branch
            .as_ref()
            .map(|b| format!("refs/heads/{b}"))
            .or_else(|| app.ctx.tag.as_ref().map(|t| format!("refs/tags/{t}")))
    })
}

/// Prints the report on stdout in the chosen format, and on CI adds the Markdown to the job
/// summary.
fn publish(app: &App, report: &Report, env: &Environment, format: Format) -> anyhow::Result<()> {
    let markdown = report::markdown(report, env);
    if app.outputs.runtime() != Runtime::Local {
        app.outputs.summary(&markdown)?;
    }
    let text = match format {
        Format::Markdown => markdown,
        Format::Json => format!("{}\n", serde_json::to_string_pretty(report)?),
    };
    let text = app.outputs.redactor().redact(&text).into_owned();
    app::print_stdout(&text)?;
    Ok(())
}
