//! The promotion report: the decision, each gate with its evidence, the plan, and what the
//! rollout did. Rendered as Markdown for people (the job summary, the approver's evidence) and
//! as JSON for machines; the JSON shape is documented in `docs/promote.md` and kept stable.

use std::fmt::Write as _;

use serde::Serialize;
use shipline_core::config::{Environment, Rollout};
use shipline_core::mermaid::Flowchart;
use shipline_core::sha::{UNIQUE, prefix};

use crate::analysis;
use crate::canary;
use crate::gates::{Gate, GateStatus};
use crate::handover::{RevertHandover, RevertOutcome};
use crate::release::ReleaseResult;
use crate::rollout::{RollbackReport, StepOutcome, StepReport, Verdict};

/// What was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every gate passed (or is not configured or skipped).
    Promote,
    /// Only the risk ceiling stands in the way: a person must approve.
    ManualApproval,
    /// A gate failed.
    Blocked,
}

/// The rollout as planned.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Traffic percentages.
    pub steps: Vec<u8>,
    /// Step command.
    pub command: String,
    /// Rollback command.
    pub rollback: Option<String>,
    /// Bake time per step.
    pub bake: String,
    /// Time between health check rounds.
    pub interval: String,
    /// Health check labels.
    pub health: Vec<String>,
    /// Consecutive failed rounds that stop a step.
    pub failure_limit: u32,
    /// Inconclusive rounds tolerated per step.
    pub inconclusive_limit: u32,
    /// Report only, never roll back.
    pub observe_only: bool,
}

impl Plan {
    /// The plan of a configured rollout.
    pub fn of(rollout: &Rollout) -> Self {
        Self {
            steps: rollout.steps.weights().to_vec(),
            command: rollout.command.clone(),
            rollback: rollout.rollback.clone(),
            bake: rollout.bake.to_string(),
            interval: rollout.interval.to_string(),
            health: rollout.health.iter().map(|h| h.label()).collect(),
            failure_limit: rollout.failure_limit,
            inconclusive_limit: rollout.inconclusive_limit,
            observe_only: rollout.observe_only,
        }
    }
}

/// What the rollout did.
#[derive(Debug, Clone, Serialize)]
pub struct RolloutResult {
    /// How it ended (`completed`, `failed`, `cancelled`) and, if not completed, where and why.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Each step run.
    pub steps: Vec<StepReport>,
    /// The rollback, when one ran.
    pub rollback: Option<RollbackReport>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Target environment.
    pub environment: String,
    /// Commit promoted.
    pub sha: String,
    /// Branch or tag it came from, when known.
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// Version (`git describe`).
    pub version: String,
    /// The time gates were evaluated at (RFC 3339).
    pub evaluated_at: String,
    /// `--dry-run`.
    pub dry_run: bool,
    /// The decision.
    pub decision: Decision,
    /// Every gate.
    pub gates: Vec<Gate>,
    /// The configured gates that could not be checked here (`required_checks` locally without
    /// a forge): the decision does not include them.
    pub not_checked: Vec<&'static str>,
    /// The rollout plan (`null` when the environment has no `rollout:`).
    pub plan: Option<Plan>,
    /// What the rollout did (`null` when it did not run).
    pub rollout: Option<RolloutResult>,
    /// The release (`release:`): planned, or what publishing did. `null` when not configured
    /// or when nothing that ships changed since the last version.
    pub release: Option<ReleaseResult>,
    /// Whether the commit is now promoted.
    pub promoted: bool,
    /// The ledger deployment, when one was recorded.
    pub deployment_id: Option<String>,
    /// The hand-over to shipline-revert after a failed rollout (`--revert-on-failure`);
    /// `null` when it did not run.
    pub revert: Option<RevertHandover>,
    /// Why the rollout's outcome is missing from the ledger (`null`: recorded, or no rollout).
    pub ledger_error: Option<String>,
}

/// The Markdown rendering.
pub fn markdown(report: &Report, env: &Environment) -> String {
    let mut out = String::new();
    let headline = match (report.decision, report.dry_run, report.promoted) {
        (Decision::Promote, true, _) => "would be promoted (dry run)",
        (Decision::Promote, false, true) => "promoted",
        (Decision::Promote, false, false) => "rollout failed",
        (Decision::ManualApproval, _, _) => "manual approval needed",
        (Decision::Blocked, _, _) => "blocked",
    };
    let unchecked = if report.not_checked.is_empty() {
        String::new()
    } else {
        format!(", {} not checked (no forge)", report.not_checked.join(", "))
    };
    let _ = writeln!(
        out,
        "## Promotion of `{}` to {}: {headline}{unchecked}\n",
        prefix(&report.sha, UNIQUE),
        report.environment
    );
    let _ = writeln!(
        out,
        "Version `{}`{}, gates evaluated at {}.\n",
        report.version,
        report
            .git_ref
            .as_deref()
            .map(|r| format!(" from `{r}`"))
            .unwrap_or_default(),
        report.evaluated_at
    );
    out.push_str("| Gate | Result | Evidence |\n|---|---|---|\n");
    for gate in &report.gates {
        let mark = match gate.status {
            GateStatus::Pass => "✅ pass",
            GateStatus::Fail => "❌ fail",
            GateStatus::NotConfigured => "➖ not configured",
            GateStatus::Skipped => "⏭️ not checked: no forge",
        };
        let _ = writeln!(out, "| {} | {mark} | {} |", gate.gate, cell(&gate.evidence));
    }
    out.push('\n');
    if !report.not_checked.is_empty() {
        let _ = writeln!(
            out,
            "Not checked: {} (no forge token here). This decision does not include {}; in CI, or with GITHUB_TOKEN or GITLAB_TOKEN set, {} checked.\n",
            report.not_checked.join(", "),
            if report.not_checked.len() == 1 {
                "it"
            } else {
                "them"
            },
            if report.not_checked.len() == 1 {
                "it is"
            } else {
                "they are"
            },
        );
    }
    if report.decision == Decision::ManualApproval {
        out.push_str(
            "The release risk is above this environment's ceiling for automatic promotion. \
             A person decides: approve the protected environment (GitHub) or run the manual \
             job (GitLab) with this report as the evidence.\n\n",
        );
    }
    match &report.plan {
        None => {
            let _ = writeln!(
                out,
                "No `rollout:` for {}: this step only decides (outputs `decision` and `promoted`); the job that follows deploys and records the deployment with `shipline-status`.\n",
                env.name()
            );
        }
        Some(plan) => {
            let steps: Vec<String> = plan.steps.iter().map(|w| format!("{w}%")).collect();
            let _ = writeln!(
                out,
                "Plan: {} with `{}`, bake {} per step, health every {} ({}), failure_limit {}, inconclusive_limit {}{}; rollback {}.\n",
                steps.join(" → "),
                plan.command,
                plan.bake,
                plan.interval,
                if plan.health.is_empty() {
                    "no checks".to_string()
                } else {
                    plan.health
                        .iter()
                        .map(|h| format!("`{h}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                plan.failure_limit,
                plan.inconclusive_limit,
                if plan.observe_only {
                    ", observe only"
                } else {
                    ""
                },
                plan.rollback
                    .as_deref()
                    .map_or_else(|| "none configured".to_string(), |r| format!("`{r}`"))
            );
        }
    }
    if let Some(rollout) = &report.rollout {
        out.push_str(
            "| Step | Weight | Result | Rounds | Passed | Failed | Inconclusive | Note |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|\n");
        for step in &rollout.steps {
            let result = match step.outcome {
                StepOutcome::Passed => "✅ passed",
                StepOutcome::Observed => "👀 observed",
                StepOutcome::Failed => "❌ failed",
                StepOutcome::Cancelled => "⛔ cancelled",
            };
            let _ = writeln!(
                out,
                "| {} | {}% | {result} | {} | {} | {} | {} | {} |",
                step.step,
                step.weight,
                step.rounds,
                step.passed,
                step.failed,
                step.inconclusive,
                cell(step.reason.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
        for step in &rollout.steps {
            if let Some(figures) = &step.analysis {
                analysis_table(&mut out, step.step, figures);
            }
        }
        if let Some(rb) = &rollout.rollback {
            let _ = writeln!(
                out,
                "Rollback `{}`: {} ({}).\n",
                rb.command,
                if rb.succeeded { "done" } else { "FAILED" },
                cell(&rb.detail)
            );
        }
    }
    if let Some(release) = &report.release {
        let plan = &release.plan;
        let state = if let Some(err) = &release.error {
            format!("publishing failed: {}", cell(err))
        } else if let Some(url) = &release.release_url {
            format!("published at {url}")
        } else if release.tagged {
            "tagged".to_string()
        } else if plan.existing {
            "already tagged".to_string()
        } else {
            "planned".to_string()
        };
        let _ = writeln!(
            out,
            "Release `{}` ({state}){}.\n",
            plan.tag,
            plan.previous
                .as_deref()
                .map(|p| format!(", after `{p}`"))
                .unwrap_or_default()
        );
        if !plan.notes.is_empty() && report.decision == Decision::Promote {
            out.push_str(&plan.notes);
        }
    }
    if let Some(revert) = &report.revert {
        let range = match &revert.from {
            Some(from) => format!("`{}..{}`", prefix(from, UNIQUE), prefix(&revert.to, UNIQUE)),
            None => format!("`{}`", prefix(&revert.to, UNIQUE)),
        };
        let what = match (&revert.pr_url, &revert.branch) {
            (Some(url), _) => format!(
                "revert PR #{} ({url})",
                revert.pr_number.unwrap_or_default()
            ),
            (None, Some(branch)) => format!("branch `{branch}`"),
            (None, None) => "no revert".to_string(),
        };
        let state = match revert.status {
            RevertOutcome::Opened => "opened".to_string(),
            RevertOutcome::Local => "created locally".to_string(),
            other => format!(
                "⚠️ {other}: {}",
                cell(revert.skipped.as_deref().unwrap_or(""))
            ),
        };
        let _ = writeln!(out, "Revert of {range}: {what}, {state}.\n");
    }
    match (&report.deployment_id, &report.ledger_error) {
        (Some(id), Some(error)) => {
            let _ = writeln!(
                out,
                "⚠️ Deployment `{id}` was started in the ledger, but its outcome was not recorded: {}",
                cell(error)
            );
        }
        (Some(id), None) => {
            let _ = writeln!(out, "Deployment `{id}` recorded in the ledger.");
        }
        (None, _) => {}
    }
    out
}

/// How the promotion ended, in a few words: `promoted`, `would be promoted` (dry run),
/// `rolled back`, `rollout failed`, `waiting for approval` or `blocked`.
pub fn outcome(report: &Report) -> &'static str {
    match (report.decision, report.dry_run, report.promoted) {
        (Decision::Promote, true, _) => "would be promoted",
        (Decision::Promote, false, true) => "promoted",
        (Decision::Promote, false, false) => {
            let rolled_back = report
                .rollout
                .as_ref()
                .and_then(|r| r.rollback.as_ref())
                .is_some_and(|rb| rb.succeeded);
            if rolled_back {
                "rolled back"
            } else {
                "rollout failed"
            }
        }
        (Decision::ManualApproval, _, _) => "waiting for approval",
        (Decision::Blocked, _, _) => "blocked",
    }
}

/// The promotion as a Mermaid `flowchart` (see [`shipline_core::mermaid`]): a box per `after:`
/// upstream, an arrow from each, labelled with the commit, to the target's box with the version
/// and the [`outcome`]. For what a forge renders (the job summary), never for logs or terminals.
pub fn mermaid(report: &Report, env: &Environment) -> Option<String> {
    let mut chart = Flowchart::new();
    let upstream: Vec<usize> = env.after().map(|up| chart.node(&[up])).collect();
    let target = chart.node(&[&report.environment, &report.version, outcome(report)]);
    let commit = prefix(&report.sha, UNIQUE);
    for from in upstream {
        chart.edge(from, target, Some(commit));
    }
    chart.block()
}

/// The canary analysis of step `step`: the score and each metric's figures.
fn analysis_table(out: &mut String, step: usize, figures: &analysis::Analysis) {
    let score = figures.score.score.map_or_else(
        || "no score (no metric has data)".to_string(),
        |score| format!("score {score:.0}"),
    );
    let outcome = match figures.score.outcome {
        canary::Outcome::Pass => "pass",
        canary::Outcome::Marginal => "marginal",
        canary::Outcome::Fail => "fail",
        canary::Outcome::Inconclusive => "inconclusive",
    };
    let _ = writeln!(
        out,
        "Canary analysis of step {step}, round {}: {score}, {outcome} (pass at {}, marginal at {}, alpha {}).\n",
        figures.round, figures.thresholds.pass, figures.thresholds.marginal, figures.alpha
    );
    out.push_str("| Metric | Verdict | Canary median | Baseline median | Values (canary, baseline) | Effect | p |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for metric in &figures.metrics {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {}, {} | {} | {} |",
            cell(&metric.name),
            analysis::verdict_word(metric.verdict),
            analysis::median_text(&metric.canary),
            analysis::median_text(&metric.baseline),
            metric.canary.count,
            metric.baseline.count,
            analysis::effect_text(metric),
            analysis::p_text(metric)
        );
    }
    out.push('\n');
}

/// A table cell on one line, pipes literal, no HTML, and no mention live: evidence and reasons
/// quote check names, commit messages and command output.
fn cell(text: &str) -> String {
    shipline_core::text::cell(text)
}
