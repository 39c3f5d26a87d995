//! The rollout: each step runs the team's deploy command at a traffic weight, then bakes while
//! the health checks run on their interval; too many failed (or inconclusive) rounds stop it.
//!
//! Rounds run every check concurrently; a round fails when any check failed, is inconclusive
//! when none failed but some could not tell, and is healthy otherwise. `failure_limit` counts
//! consecutive failed rounds (a healthy round resets it; an inconclusive one neither resets
//! nor adds), `inconclusive_limit` counts inconclusive rounds per step, and one more than it
//! fails the step. With `observe_only`, the first round that would have stopped a step is
//! reported and the rollout goes on. The `compare` checks are not probed one by one: they are
//! judged together over the step's window as one more entry of each round (`analysis`).

use std::time::Duration;

use serde::Serialize;
use shipline_core::config::{HealthCheck, Rollout};
use shipline_core::output::Outputs;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::analysis;
use crate::health::{Outcome, Prober};
use crate::shell::Shell;

/// Signals a cancellation (SIGTERM / SIGINT) to a running rollout.
#[derive(Debug, Clone)]
pub struct Cancel(watch::Receiver<Option<String>>);

impl Cancel {
    /// A cancel handle and the sender that triggers it with a reason.
    pub fn new() -> (watch::Sender<Option<String>>, Self) {
        let (tx, rx) = watch::channel(None);
        (tx, Self(rx))
    }

    /// Resolves with the reason once cancelled; never, if the sender is dropped untriggered.
    pub async fn cancelled(&mut self) -> String {
        loop {
            let current = self.0.borrow().clone();
            if let Some(reason) = current {
                return reason;
            }
            if self.0.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// Deployed and healthy through the bake.
    Passed,
    /// Deployed, but the checks would have stopped it (observe-only).
    Observed,
    /// The command or the checks failed it.
    Failed,
    /// The job was cancelled during it.
    Cancelled,
}

/// One step's record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    /// 1-based step number.
    pub step: usize,
    /// Traffic percentage.
    pub weight: u8,
    /// How it ended.
    pub outcome: StepOutcome,
    /// Health check rounds run.
    pub rounds: u32,
    /// Healthy rounds.
    pub passed: u32,
    /// Failed rounds.
    pub failed: u32,
    /// Inconclusive rounds.
    pub inconclusive: u32,
    /// Why it failed, or what would have stopped it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The canary analysis of the step's last round that judged its `compare` checks: every
    /// metric's medians, test, effect and verdict, and the score. Left out when the rollout
    /// has no `compare` check or no round could read their series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<analysis::Analysis>,
}

/// How the rollout ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Verdict {
    /// Every step passed (or, observe-only, was only observed).
    Completed,
    /// A step failed.
    Failed {
        /// 1-based step number.
        step: usize,
        /// Its weight.
        weight: u8,
        /// The failing command or check, and how it failed.
        reason: String,
    },
    /// The job was cancelled.
    Cancelled {
        /// 1-based step number.
        step: usize,
        /// Its weight.
        weight: u8,
        /// The signal and where it arrived.
        reason: String,
    },
}

/// Runs the steps in order; stops at the first failed or cancelled one.
pub struct Runner<'a> {
    /// The rollout configuration.
    pub rollout: &'a Rollout,
    /// The shell with the rollout's variables (step and weight are added per step).
    pub shell: Shell,
    /// Health check prober.
    pub prober: Prober,
    /// Progress lines go here.
    pub outputs: &'a Outputs,
    /// Cancellation.
    pub cancel: Cancel,
}

impl Runner<'_> {
    /// The shell for step `step` at `weight`.
    pub fn step_shell(&self, step: usize, weight: u8) -> Shell {
        self.shell
            .with("SHIPLINE_STEP", &step.to_string())
            .with("SHIPLINE_WEIGHT", &weight.to_string())
    }

    /// Runs every step; returns each step's record and the verdict.
    pub async fn run(&mut self) -> (Vec<StepReport>, Verdict) {
        let weights = self.rollout.steps.weights().to_vec();
        let total = weights.len();
        let mut reports = Vec::new();
        for (index, weight) in weights.into_iter().enumerate() {
            let step = index + 1;
            let (report, verdict) = self.step(step, total, weight).await;
            reports.push(report);
            if let Some(verdict) = verdict {
                return (reports, verdict);
            }
        }
        (reports, Verdict::Completed)
    }

    async fn step(
        &mut self,
        step: usize,
        total: usize,
        weight: u8,
    ) -> (StepReport, Option<Verdict>) {
        let log = self.outputs.log();
        let mut report = StepReport {
            step,
            weight,
            outcome: StepOutcome::Passed,
            rounds: 0,
            passed: 0,
            failed: 0,
            inconclusive: 0,
            reason: None,
            analysis: None,
        };
        log.info(&format!(
            "step {step}/{total} ({weight}%): running `{}`",
            self.rollout.command
        ));
        let shell = self.step_shell(step, weight);
        let mut cancel = self.cancel.clone();
        let command = self.rollout.command.clone();
        let ran = tokio::select! {
            ran = shell.run_logged(&command) => ran,
            reason = cancel.cancelled() => {
                return self.cancelled(report, format!("{reason} while the step {step} command ran"));
            }
        };
        let failure = match ran {
            Ok(run) if run.success() => None,
            Ok(run) => Some(format!(
                "step command `{command}` failed ({})",
                run.describe()
            )),
            Err(err) => Some(format!("step command `{command}` could not start: {err}")),
        };
        if let Some(reason) = failure {
            report.outcome = StepOutcome::Failed;
            report.reason = Some(reason.clone());
            log.info(&format!("step {step}/{total} ({weight}%): {reason}"));
            return (
                report,
                Some(Verdict::Failed {
                    step,
                    weight,
                    reason,
                }),
            );
        }
        let bake = self.rollout.bake.as_std();
        let interval = self.rollout.interval.as_std().max(Duration::from_millis(1));
        log.info(&format!(
            "step {step}/{total} ({weight}%): baking {} with {} health check(s) every {}",
            self.rollout.bake,
            self.rollout.health.len(),
            self.rollout.interval
        ));
        let started = Instant::now();
        let started_at = analysis::now();
        let deadline = started + bake;
        let mut tally = Tally {
            failure_limit: self.rollout.failure_limit,
            inconclusive_limit: self.rollout.inconclusive_limit,
            consecutive_failures: 0,
        };
        let mut round_no = 0u32;
        loop {
            if !self.rollout.health.is_empty() {
                round_no += 1;
                let round = tokio::select! {
                    round = self.round(&shell, started_at, round_no) => round,
                    reason = cancel.cancelled() => {
                        return self.cancelled(report, format!("{reason} during the step {step} bake"));
                    }
                };
                report.rounds += 1;
                let (round, judged) = round;
                if judged.is_some() {
                    report.analysis = judged;
                }
                let failed: Vec<String> = failures(&round, |o| matches!(o, Outcome::Failed(_)));
                let unsure: Vec<String> =
                    failures(&round, |o| matches!(o, Outcome::Inconclusive(_)));
                let healthy = round.len() - failed.len() - unsure.len();
                let stop = tally.record(&mut report, &failed, &unsure);
                let mut line = format!(
                    "step {step}/{total} ({weight}%): round {round_no}: {healthy} passed, {} failed, {} inconclusive",
                    failed.len(),
                    unsure.len()
                );
                for detail in failed.iter().chain(&unsure) {
                    line.push_str(&format!(" | {detail}"));
                }
                log.info(&line);
                if let Some(reason) = stop {
                    if self.rollout.observe_only {
                        if report.reason.is_none() {
                            log.info(&format!(
                                "step {step}/{total} ({weight}%): observe-only: would have rolled back: {reason}"
                            ));
                            report.outcome = StepOutcome::Observed;
                            report.reason = Some(format!("would have rolled back: {reason}"));
                        }
                    } else {
                        report.outcome = StepOutcome::Failed;
                        report.reason = Some(reason.clone());
                        log.info(&format!(
                            "step {step}/{total} ({weight}%): failed: {reason}"
                        ));
                        return (
                            report,
                            Some(Verdict::Failed {
                                step,
                                weight,
                                reason,
                            }),
                        );
                    }
                }
            }
            let next = if self.rollout.health.is_empty() {
                deadline
            } else {
                started + interval * round_no
            };
            if next > deadline || (self.rollout.health.is_empty() && bake.is_zero()) {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep_until(next) => {}
                reason = cancel.cancelled() => {
                    return self.cancelled(report, format!("{reason} during the step {step} bake"));
                }
            }
            if self.rollout.health.is_empty() {
                break;
            }
        }
        log.info(&format!(
            "step {step}/{total} ({weight}%): {} after {} round(s): {} passed, {} failed, {} inconclusive",
            if report.outcome == StepOutcome::Observed { "observed" } else { "healthy" },
            report.rounds,
            report.passed,
            report.failed,
            report.inconclusive
        ));
        (report, None)
    }

    fn cancelled(&self, mut report: StepReport, reason: String) -> (StepReport, Option<Verdict>) {
        self.outputs
            .log()
            .info(&format!("step {}: cancelled: {reason}", report.step));
        report.outcome = StepOutcome::Cancelled;
        report.reason = Some(reason.clone());
        let verdict = Verdict::Cancelled {
            step: report.step,
            weight: report.weight,
            reason,
        };
        (report, Some(verdict))
    }

    /// Probes every check once; the canary analysis's figures come back beside the round.
    async fn round(
        &self,
        shell: &Shell,
        started: f64,
        round_no: u32,
    ) -> (Vec<(String, Outcome)>, Option<analysis::Analysis>) {
        let probes = self
            .rollout
            .health
            .iter()
            .filter(|check| !matches!(check, HealthCheck::Compare(_)))
            .map(|check| async { (check.label(), self.prober.probe(check, shell).await) });
        let mut round = futures::future::join_all(probes).await;
        let mut figures = None;
        if let Some(judged) =
            analysis::round(self.prober.client(), self.rollout, started, round_no).await
        {
            round.push(judged.entry);
            figures = judged.analysis;
        }
        (round, figures)
    }
}

/// Counts rounds against the limits of one step.
struct Tally {
    failure_limit: u32,
    inconclusive_limit: u32,
    consecutive_failures: u32,
}

impl Tally {
    /// Records a round (its failed and inconclusive checks) in `report`; returns why the step
    /// must stop, if it must.
    fn record(
        &mut self,
        report: &mut StepReport,
        failed: &[String],
        unsure: &[String],
    ) -> Option<String> {
        if !failed.is_empty() {
            report.failed += 1;
            self.consecutive_failures += 1;
            (self.consecutive_failures >= self.failure_limit).then(|| {
                format!(
                    "{} ({} consecutive failed round(s), failure_limit {})",
                    failed.join("; "),
                    self.consecutive_failures,
                    self.failure_limit
                )
            })
        } else if !unsure.is_empty() {
            // Not knowing neither condemns nor clears the release: the failure streak stays.
            report.inconclusive += 1;
            (report.inconclusive > self.inconclusive_limit).then(|| {
                format!(
                    "inconclusive: {} ({} inconclusive round(s), inconclusive_limit {})",
                    unsure.join("; "),
                    report.inconclusive,
                    self.inconclusive_limit
                )
            })
        } else {
            report.passed += 1;
            self.consecutive_failures = 0;
            None
        }
    }
}

fn failures(round: &[(String, Outcome)], pick: impl Fn(&Outcome) -> bool) -> Vec<String> {
    round
        .iter()
        .filter(|(_, o)| pick(o))
        .map(|(label, o)| format!("{label}: {}", o.detail()))
        .collect()
}

/// What the rollback did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackReport {
    /// The command run.
    pub command: String,
    /// It exited 0.
    pub succeeded: bool,
    /// How it ended.
    pub detail: String,
}

/// Runs the rollback command for a failed or cancelled step.
pub async fn rollback(runner: &Runner<'_>, step: usize, weight: u8) -> Option<RollbackReport> {
    let command = runner.rollout.rollback.clone()?;
    let log = runner.outputs.log();
    log.info(&format!("rolling back: running `{command}`"));
    let shell = runner.step_shell(step, weight);
    let (succeeded, detail) = match shell.run_logged(&command).await {
        Ok(run) => (run.success(), run.describe()),
        Err(err) => (false, format!("could not start: {err}")),
    };
    log.info(&format!("rollback `{command}`: {detail}"));
    Some(RollbackReport {
        command,
        succeeded,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> StepReport {
        StepReport {
            step: 1,
            weight: 10,
            outcome: StepOutcome::Passed,
            rounds: 0,
            passed: 0,
            failed: 0,
            inconclusive: 0,
            reason: None,
            analysis: None,
        }
    }

    #[test]
    fn a_healthy_round_resets_the_failure_streak_and_inconclusive_does_not() {
        let mut tally = Tally {
            failure_limit: 2,
            inconclusive_limit: 1,
            consecutive_failures: 0,
        };
        let mut step = report();
        let bad = vec!["api: status 500".to_string()];
        let unsure = vec!["api: no answer".to_string()];
        assert_eq!(tally.record(&mut step, &bad, &[]), None);
        assert_eq!(tally.record(&mut step, &[], &[]), None);
        assert_eq!(tally.record(&mut step, &bad, &[]), None);
        // Inconclusive in between keeps the streak at one.
        assert_eq!(tally.record(&mut step, &[], &unsure), None);
        let stop = tally.record(&mut step, &bad, &[]).unwrap();
        assert_eq!(
            stop,
            "api: status 500 (2 consecutive failed round(s), failure_limit 2)"
        );
        assert_eq!((step.passed, step.failed, step.inconclusive), (1, 3, 1));
        let stop = tally.record(&mut step, &[], &unsure).unwrap();
        assert!(stop.starts_with("inconclusive: api: no answer (2 inconclusive round(s)"));
    }
}
