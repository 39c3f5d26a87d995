//! One promotion, start to finish: gates → decision → rollout → ledger → release → report.
//!
//! Everything the promotion decides is reported (the outputs, the job summary, the report on
//! stdout) before the exit code is chosen: 0 promoted (or, dry run, would be), 1 the rollout
//! failed, 3 a gate blocked it. Errors are for what kept it from deciding at all.

use shipline_core::app::{App, print_stdout};
use shipline_core::config::{Component, Environment};
use shipline_core::context::Runtime;
use shipline_core::exit::{self, one_line};
use shipline_core::forge::DeploymentState;
use shipline_core::git::Git;
use shipline_core::ledger::{Ledger, LedgerError, NewDeploymentRecord, TransitionRequest};
use shipline_core::output::{OutputError, Outputs};
use shipline_core::sha::{UNIQUE, prefix};

use crate::clock;
use crate::error::PromoteError;
use crate::gates::{self, Gate, GateInputs, GateStatus};
use crate::handover::{self, RevertHandover};
use crate::health::Prober;
use crate::options::{Format, PromoteOptions};
use crate::preflight;
use crate::release::{self, ReleaseResult};
use crate::report::{self, Decision, Plan, Report, RolloutResult};
use crate::rollout::{self, Cancel, Runner, Verdict};
use crate::shell::Shell;

/// Runs a promotion and returns the exit code: 0 promoted (or, dry run, would be), 1 the rollout
/// failed (rolled back and recorded) or the release could not be published, 3 blocked by a gate.
/// The decision and the outcome are in the outputs, the job summary and the report on stdout
/// either way; an error means no decision could be made.
pub async fn run(app: &App, options: &PromoteOptions) -> Result<u8, PromoteError> {
    let env = app.config.environment(&options.environment)?;
    let component = component(app, env, options.component.as_deref())?;
    // The name deployments are recorded under: `production`, or `production/api`.
    let target =
        component.map_or_else(|| env.name().to_string(), |c| c.environment_key(env.name()));
    let now = clock::now(app.var(clock::NOW_VAR))?;
    let risk_level = options.release_risk()?;
    let git = app.git()?;
    let rev = options
        .git_ref
        .clone()
        .or_else(|| app.ctx.head_sha.clone())
        .unwrap_or_else(|| "HEAD".to_string());
    let sha = git.resolve(&rev)?;
    let git_ref = ref_name(app, &git, options.git_ref.as_deref());
    let release_plan = match &env.release {
        Some(_) => release::plan(
            &git,
            &sha,
            component
                .map(Component::tag_prefix)
                .as_deref()
                .or(app.config.tag_prefix()),
            options.release_version.as_deref(),
        )?,
        None => None,
    };
    let version = match &release_plan {
        Some(plan) => plan.version.clone(),
        None => git
            .run(["describe", "--tags", "--always", &sha])
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|_| prefix(&sha, UNIQUE).to_string()),
    };

    preflight::check(env, &app.ctx.workspace, app.var("PATH")).await?;

    let ledger = app.ledger()?;
    let forge = app.forge_with_token()?;
    let inputs = GateInputs {
        environment: env,
        component,
        git: &git,
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
    let failed: Vec<Gate> = gate_results
        .iter()
        .filter(|g| g.status == GateStatus::Fail)
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
        environment: target.clone(),
        sha: sha.clone(),
        git_ref: git_ref.clone(),
        version: version.clone(),
        evaluated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        dry_run: options.dry_run,
        decision,
        not_checked: gate_results
            .iter()
            .filter(|g| g.status == GateStatus::Skipped)
            .map(|g| g.gate)
            .collect(),
        gates: gate_results,
        plan: env.rollout.as_ref().map(Plan::of),
        rollout: None,
        release: release_plan.map(ReleaseResult::planned),
        promoted: false,
        deployment_id: None,
        revert: None,
        ledger_error: None,
    };
    let outputs = &app.outputs;
    outputs.set("decision", decision_word(decision))?;
    outputs.set("not-checked", &report.not_checked.join(","))?;
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
    // Whatever happens from here on, the outputs and the report go out before the exit.
    let (mut code, unrecorded) = match promote(
        app,
        &ledger,
        env,
        component,
        &mut report,
        options.revert_on_failure,
    )
    .await
    {
        Ok(done) => done,
        Err(err) => {
            outputs.set("promoted", "false")?;
            outputs.set("reason", &one_line(&err))?;
            publish(app, &report, env, options.format)?;
            return Err(err);
        }
    };
    if report.promoted
        && let (Some(config), Some(planned)) = (&env.release, report.release.take())
    {
        let published = release::publish(
            &git,
            forge.as_ref(),
            &sha,
            config,
            planned.plan.clone(),
            &target,
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
                    error: Some(one_line(&err)),
                    ..planned
                }
            }
        };
        report.release = Some(result);
    }
    publish(app, &report, env, options.format)?;
    match unrecorded {
        Some(err) => Err(err),
        None => Ok(code),
    }
}

/// The component `--component` names, checked against the configuration and the environment.
fn component<'a>(
    app: &'a App,
    env: &Environment,
    name: Option<&str>,
) -> Result<Option<&'a Component>, PromoteError> {
    let Some(name) = name else {
        return Ok(None);
    };
    let component = app
        .config
        .components
        .find(name)
        .map_err(PromoteError::Component)?;
    if !component.deploys_to(env.name()) {
        return Err(PromoteError::Component(format!(
            "component `{name}` is not deployed to `{}`: its `environments:` are {}; promote it to one of those, or add `{}` to them",
            env.name(),
            component.environments().collect::<Vec<_>>().join(", "),
            env.name()
        )));
    }
    Ok(Some(component))
}

fn decision_word(decision: Decision) -> &'static str {
    match decision {
        Decision::Promote => "promote",
        Decision::ManualApproval => "manual_approval",
        Decision::Blocked => "blocked",
    }
}

/// Rolls out (when configured), records the outcome and sets the outputs. Returns the exit
/// code and, when the rollout ran but its outcome could not be recorded, that error: the
/// outputs, the hand-over to revert and the report do not depend on the ledger write.
async fn promote(
    app: &App,
    ledger: &Ledger,
    env: &Environment,
    component: Option<&Component>,
    report: &mut Report,
    revert_on_failure: bool,
) -> Result<(u8, Option<PromoteError>), PromoteError> {
    let outputs = &app.outputs;
    let Some(rollout) = &env.rollout else {
        // Nothing to deploy here: the job that follows deploys and records it.
        outputs.set("promoted", "true")?;
        outputs.set("version", &report.version)?;
        report.promoted = true;
        return Ok((exit::OK, None));
    };
    // Listen before the first step so a cancellation at any point is ours to handle.
    let (trigger, cancel) = Cancel::new();
    let listener = tokio::spawn(watch_signals(trigger));
    let target = report.environment.clone();
    let started = ledger
        .start(&NewDeploymentRecord {
            environment: target.clone(),
            sha: report.sha.clone(),
            git_ref: report.git_ref.clone().unwrap_or_default(),
            version: Some(report.version.clone()),
            creator: app
                .recorder()
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
            // The gate reads a level only; a score comes with `shipline-status start`.
            risk: None,
        })
        .await?;
    report.deployment_id = Some(started.id.clone());
    outputs.set("deployment-id", &started.id)?;
    let mut variables = vec![
        ("SHIPLINE_ENVIRONMENT".into(), env.name().to_string()),
        ("SHIPLINE_SHA".into(), report.sha.clone()),
        ("SHIPLINE_VERSION".into(), report.version.clone()),
    ];
    if let Some(component) = component {
        variables.push(("SHIPLINE_COMPONENT".into(), component.name().to_string()));
    }
    let shell = Shell::new(&app.ctx.workspace, variables);
    let mut runner = Runner {
        rollout,
        shell,
        prober: Prober::new().map_err(PromoteError::HealthClient)?,
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
    let mut unrecorded = None;
    let code = match failure {
        None => {
            let mut done = TransitionRequest::new(DeploymentState::Success);
            done.description = "promoted by shipline-promote".into();
            done.log_url = run_url;
            let recorded = async {
                ledger.transition(&started.id, &done).await?;
                // GitLab treats the newest successful deployment as the environment's current
                // one by itself; cancelling the superseded ones would rewrite their history
                // there and take away GitLab's own rollback to them.
                if ledger.backend_name() != "gitlab" {
                    ledger
                        .deactivate_previous(&target, Some(&started.id))
                        .await?;
                }
                Ok::<_, LedgerError>(())
            }
            .await;
            outputs.set("promoted", "true")?;
            outputs.set("version", &report.version)?;
            report.promoted = true;
            if let Err(err) = recorded {
                unrecorded = Some(not_recorded(outputs, &target, &started.id, "success", err)?);
            }
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
            let recorded = ledger.transition(&started.id, &failed).await;
            outputs.set("promoted", "false")?;
            outputs.set("rolled-back", if rolled_back { "true" } else { "false" })?;
            outputs.set("failed-step", &step.to_string())?;
            outputs.set("reason", &reason)?;
            if let Err(err) = recorded {
                unrecorded = Some(not_recorded(outputs, &target, &started.id, "failure", err)?);
            }
            if revert_on_failure {
                let failure = handover::Failure {
                    environment: &target,
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
    report.ledger_error = unrecorded.as_ref().map(|e| one_line(e));
    Ok((code, unrecorded))
}

/// The error for an outcome the ledger did not take, with the `ledger-error` output set.
fn not_recorded(
    outputs: &Outputs,
    environment: &str,
    id: &str,
    state: &'static str,
    err: LedgerError,
) -> Result<PromoteError, OutputError> {
    let err = PromoteError::NotRecorded {
        environment: environment.to_string(),
        deployment_id: id.to_string(),
        state,
        source: Box::new(err),
    };
    outputs.set("ledger-error", &one_line(&err))?;
    Ok(err)
}

/// Sets the `revert-*` outputs that have a value, and warns when no revert was made.
fn report_revert(outputs: &Outputs, revert: &RevertHandover) -> Result<(), OutputError> {
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
fn ref_name(app: &App, git: &Git, given: Option<&str>) -> Option<String> {
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
fn publish(
    app: &App,
    report: &Report,
    env: &Environment,
    format: Format,
) -> Result<(), PromoteError> {
    let markdown = report::markdown(report, env);
    // The diagram only where a forge renders it: the job summary. A log (stdout in CI) and a
    // terminal show Mermaid as source.
    if app.outputs.runtime() != Runtime::Local {
        let chart = report::mermaid(report, env).unwrap_or_default();
        app.outputs.summary(&format!("{markdown}\n{chart}"))?;
    }
    let text = match format {
        Format::Markdown => markdown,
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(report).map_err(PromoteError::Report)?
        ),
    };
    let text = app.outputs.redactor().redact(&text).into_owned();
    print_stdout(&text).map_err(PromoteError::Stdout)?;
    Ok(())
}
