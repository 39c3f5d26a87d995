//! `metrics`: the four delivery figures per environment, from the ledger and git.
//!
//! Definitions (also in docs/status.md), over deployments started in the window:
//! - **deployments**: those that ended as success, failure or error (cancelled and unfinished
//!   ones are not deployments of a change).
//! - **deployment frequency**: successful deployments per day of the window.
//! - **lead time for changes**: for each commit a successful deployment delivered (the commits
//!   between the previous successful deployment's SHA and its own), from the commit's committer
//!   time to the deployment's success; median and 90th percentile (nearest rank). The first
//!   successful deployment ever has no previous SHA and is left out, or it would count the
//!   whole history.
//! - **change failure rate**: (failed deployments + successful deployments whose changes a later
//!   deployed commit reverted) / deployments.
//! - **time to restore**: from a failed deployment to the next success in the environment, and
//!   from a reverted deployment's success to the success of the deployment that delivered the
//!   revert; median.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use shipline_commits::Reverted;
use shipline_core::app::App;
use shipline_core::forge::DeploymentState;
use shipline_core::git::Git;
use shipline_core::ledger::{DeploymentRecord, Ledger, ListQuery, same_environment};
use shipline_core::mermaid::BarChart;

use crate::deploy;
use crate::error::StatusError;
use crate::range::{self, RangeCommit};

/// The whole report (`--format json`).
#[derive(Debug, Clone, Serialize)]
pub struct MetricsReport {
    /// Start of the window.
    pub since: DateTime<Utc>,
    /// End of the window (now).
    pub until: DateTime<Utc>,
    /// Days in the window.
    pub days: f64,
    /// One entry per configured environment (`deployments: 0` when it had none in the window),
    /// then one per other environment with deployments in the window; transient ones left out.
    pub environments: Vec<EnvironmentMetrics>,
    /// With `components:`, per environment the figures of all its deployments together: the
    /// environment's own and each component's (`production` and `production/api`, ...). Lead
    /// time and time to restore are taken over all their durations, not averaged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub totals: Vec<EnvironmentMetrics>,
    /// Successful deployments per week of the window, for the summary's chart (not in the
    /// JSON: each week's figure is the report over that week).
    #[serde(skip)]
    pub trends: Vec<Trend>,
}

/// The most weeks a trend shows: the newest ones of a longer window.
pub const TREND_WEEKS: usize = 52;

/// One environment's successful deployments week by week.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The environment.
    pub environment: String,
    /// Oldest first.
    pub weeks: Vec<Week>,
}

/// One week of a [`Trend`]: seven days counted back from the end of the window (the oldest
/// week may be shorter, cut by the window's start).
#[derive(Debug, Clone, PartialEq)]
pub struct Week {
    /// Start (inclusive).
    pub since: DateTime<Utc>,
    /// End (exclusive).
    pub until: DateTime<Utc>,
    /// Successful deployments started in `since..until`, as the report over that week counts
    /// them.
    pub successful: usize,
}

impl MetricsReport {
    /// Computes the report for deployments started in the last `window`.
    pub async fn compute(
        app: &App,
        ledger: &Ledger,
        window: chrono::TimeDelta,
        only: Option<&str>,
    ) -> Result<Self, StatusError> {
        let until = Utc::now();
        let since = until - window;
        let history = History::read(app, ledger, since, until, only).await?;
        let mut report = history.report(since, until);
        report.trends = history.trends(since, until);
        Ok(report)
    }
}

/// One environment's records and the commits its deployments delivered, read once so that
/// several windows (the dashboard's weeks) cost no more reads of the ledger or git.
struct EnvironmentHistory {
    name: String,
    /// For a component's deployments (`production/api`), the environment (`production`).
    parent: Option<String>,
    /// Listed in `.shipline.yml`: reported even without deployments.
    configured: bool,
    production: bool,
    /// When each of its deployments started, whatever became of it.
    starts: Vec<DateTime<Utc>>,
    /// Deployments that count, oldest first.
    records: Vec<DeploymentRecord>,
    delivered: Option<Delivered>,
}

/// The ledger as the metrics read it, for any window inside `since..until`.
pub(crate) struct History {
    environments: Vec<EnvironmentHistory>,
}

impl History {
    /// Reads the deployments of every environment (or `only`) with deployments started since
    /// `since`, and with git the commits each delivered.
    pub(crate) async fn read(
        app: &App,
        ledger: &Ledger,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        only: Option<&str>,
    ) -> Result<Self, StatusError> {
        let query = ListQuery {
            environment: only.map(str::to_string),
            ..ListQuery::default()
        };
        let records = ledger.list(&query).await?;
        Ok(Self::of(app, &records, since, until, only))
    }

    /// Like [`History::read`], from `records` already listed (newest first); those of other
    /// environments than `only` are left out.
    pub(crate) fn of(
        app: &App,
        records: &[DeploymentRecord],
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        only: Option<&str>,
    ) -> Self {
        let stale_after = app.config.stale_after().as_chrono();
        let records: Vec<&DeploymentRecord> = records
            .iter()
            .filter(|r| only.is_none_or(|only| same_environment(&r.environment, only)))
            .collect();
        let git = app.git().ok();
        // Every configured environment, in the configuration's order, so one without
        // deployments says so instead of missing; then any other the ledger has, by name.
        let mut names: Vec<String> = app
            .config
            .environments
            .iter()
            .filter(|e| !e.transient && only.is_none_or(|only| only == e.name()))
            .map(|e| e.name().to_string())
            .collect();
        let mut others: Vec<String> = records
            .iter()
            .filter(|r| r.created_at >= since && !names.contains(&r.environment))
            .map(|r| r.environment.clone())
            .collect();
        let configured = names.len();
        others.sort();
        others.dedup();
        names.extend(others);
        let mut environments = Vec::new();
        for (at, name) in names.into_iter().enumerate() {
            let transient = app
                .config
                .environments
                .get(&name)
                .is_some_and(|e| e.transient);
            let mut mine: Vec<&DeploymentRecord> = records
                .iter()
                .copied()
                // A stale deployment, open or closed as superseded, ended without an outcome:
                // it is neither a deployment nor a failed change.
                .filter(|r| {
                    r.environment == name
                        && !r.transient
                        && !r.was_superseded()
                        && !r.is_stale(until, stale_after)
                })
                .collect();
            if transient {
                continue;
            }
            // Oldest first from here on.
            mine.reverse();
            let delivered = git.as_ref().map(|g| delivered(g, &mine));
            environments.push(EnvironmentHistory {
                parent: app
                    .config
                    .deployment_target(&name)
                    .filter(|(_, component)| component.is_some())
                    .map(|(env, _)| env.name().to_string()),
                configured: at < configured,
                production: deploy::is_production(app, &name),
                starts: records
                    .iter()
                    .filter(|r| r.environment == name)
                    .map(|r| r.created_at)
                    .collect(),
                records: mine.into_iter().cloned().collect(),
                delivered,
                name,
            });
        }
        Self { environments }
    }

    /// The report over deployments started in `since..until`.
    pub(crate) fn report(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> MetricsReport {
        let days = (until - since).num_seconds() as f64 / 86_400.0;
        let counted = |env: &EnvironmentHistory| {
            env.records
                .iter()
                .any(|r| r.created_at >= since && r.created_at < until)
        };
        let figures = |env: &EnvironmentHistory| {
            let records: Vec<&DeploymentRecord> = env.records.iter().collect();
            environment_metrics(
                &env.name,
                env.production,
                &records,
                env.delivered.as_ref(),
                since,
                until,
                days,
            )
        };
        let environments = self
            .environments
            .iter()
            .filter(|env| env.configured || env.starts.iter().any(|at| *at >= since && *at < until))
            .map(|env| {
                if counted(env) {
                    figures(env).0
                } else {
                    EnvironmentMetrics::none(&env.name, env.production)
                }
            })
            .collect();
        // Each environment some component was deployed to in the window, with all of them.
        let mut totals = Vec::new();
        for parent in self.environments.iter().filter(|env| env.parent.is_none()) {
            let members: Vec<&EnvironmentHistory> = self
                .environments
                .iter()
                .filter(|env| {
                    env.name == parent.name || env.parent.as_deref() == Some(&parent.name)
                })
                .filter(|env| counted(env))
                .collect();
            if members.iter().any(|env| env.parent.is_some()) {
                let parts: Vec<_> = members.iter().map(|env| figures(env)).collect();
                totals.push(EnvironmentMetrics::total(
                    &parent.name,
                    parent.production,
                    parts,
                ));
            }
        }
        MetricsReport {
            since,
            until,
            days,
            environments,
            totals,
            trends: Vec::new(),
        }
    }

    /// Week by week over `since..until` (the newest [`TREND_WEEKS`]), the successful
    /// deployments of each production environment, or of the last configured one when none
    /// serves production.
    pub(crate) fn trends(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Trend> {
        let mut charted: Vec<&str> = self
            .environments
            .iter()
            .filter(|env| env.production)
            .map(|env| env.name.as_str())
            .collect();
        if charted.is_empty()
            && let Some(last) = self.environments.iter().rfind(|env| env.configured)
        {
            charted.push(&last.name);
        }
        if charted.is_empty() {
            return Vec::new();
        }
        let mut bounds = Vec::new();
        let mut end = until;
        while end > since && bounds.len() < TREND_WEEKS {
            let start = (end - chrono::TimeDelta::days(7)).max(since);
            bounds.push((start, end));
            end = start;
        }
        bounds.reverse();
        let reports: Vec<MetricsReport> = bounds
            .iter()
            .map(|(start, end)| self.report(*start, *end))
            .collect();
        charted
            .into_iter()
            .map(|name| Trend {
                environment: name.to_string(),
                weeks: bounds
                    .iter()
                    .zip(&reports)
                    .map(|((start, end), report)| Week {
                        since: *start,
                        until: *end,
                        successful: report
                            .environments
                            .iter()
                            .find(|e| e.environment == name)
                            .map_or(0, |e| e.successful),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The successful deployments of `environment` whose changes a later deployment reverted
    /// (the same rule as the change failure rate), by id; empty without git.
    pub(crate) fn reverted(&self, environment: &str) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        for env in self
            .environments
            .iter()
            .filter(|env| env.name == environment)
        {
            let Some(delivered) = env.delivered.as_ref() else {
                continue;
            };
            let records: Vec<&DeploymentRecord> = env.records.iter().collect();
            let reverting = reverting(&records, delivered);
            for record in records.iter().filter(|r| r.succeeded_at().is_some()) {
                if undone_by(record, &reverting, delivered).is_some() {
                    out.insert(record.id.clone());
                }
            }
        }
        out
    }

    /// How many commits each successful deployment of `environment` delivered, by id; empty
    /// without git.
    pub(crate) fn sizes(&self, environment: &str) -> BTreeMap<String, usize> {
        self.environments
            .iter()
            .filter(|env| env.name == environment)
            .filter_map(|env| env.delivered.as_ref())
            .flatten()
            .map(|(id, commits)| (id.clone(), commits.len()))
            .collect()
    }
}

/// The head of the Markdown tables.
const TABLE_HEADER: &str = "| Environment | Deployments | Frequency | Lead time (median / p90) | Change failure rate | Time to restore (median) |\n|---|---|---|---|---|---|\n";

impl MetricsReport {
    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "Delivery metrics, {} to {} ({:.0} days)\n\n{TABLE_HEADER}",
            self.since.format("%Y-%m-%d"),
            self.until.format("%Y-%m-%d"),
            self.days
        );
        for env in &self.environments {
            out.push_str(&env.row());
        }
        if !self.totals.is_empty() {
            out.push_str(
                "\nAll deployments to an environment, its own and its components' together:\n\n",
            );
            out.push_str(TABLE_HEADER);
            for env in &self.totals {
                out.push_str(&env.row());
            }
        }
        out
    }

    /// The trends as Mermaid `xychart-beta` bar charts (see [`shipline_core::mermaid`]), one
    /// per charted environment; empty without trends. For what a forge renders (the job
    /// summary), never for logs or terminals.
    pub fn mermaid(&self) -> String {
        let mut out = String::new();
        for trend in &self.trends {
            let chart = BarChart {
                title: format!("Successful deployments per week in {}", trend.environment),
                x_title: "week from".into(),
                y_title: "deployments".into(),
                bars: trend
                    .weeks
                    .iter()
                    .map(|w| (w.since.format("%b %d").to_string(), w.successful as u64))
                    .collect(),
            };
            if let Some(block) = chart.block() {
                out.push_str(&block);
            }
        }
        out
    }
}

/// Figures for one environment, with the counts behind them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnvironmentMetrics {
    /// Name.
    pub environment: String,
    /// Serves end users.
    pub production: bool,
    /// Deployments that ended as success, failure or error.
    pub deployments: usize,
    /// Of which succeeded.
    pub successful: usize,
    /// Of which failed or errored.
    pub failed: usize,
    /// Successful deployments whose changes were reverted later.
    pub reverted: usize,
    /// Successful deployments per day.
    pub deployment_frequency_per_day: f64,
    /// Lead time for changes; `None` without git or without delivered commits.
    pub lead_time: Option<Spread>,
    /// (failed + reverted) / deployments; `None` without deployments.
    pub change_failure_rate: Option<f64>,
    /// Time to restore; `None` when nothing failed or nothing was restored yet.
    pub time_to_restore: Option<Spread>,
    /// Failures not followed by a success yet.
    pub unrestored: usize,
}

impl EnvironmentMetrics {
    /// Its row of the Markdown table.
    fn row(&self) -> String {
        if self.deployments == 0 {
            return format!(
                "| {} | no deployments | — | — | — | — |\n",
                self.environment
            );
        }
        let lead = self.lead_time.as_ref().map_or("—".to_string(), |l| {
            format!(
                "{} / {} ({} commits)",
                human(l.median_seconds),
                human(l.p90_seconds),
                l.count
            )
        });
        let cfr = self.change_failure_rate.map_or("—".to_string(), |r| {
            format!(
                "{:.0}% ({} failed + {} reverted of {})",
                r * 100.0,
                self.failed,
                self.reverted,
                self.deployments
            )
        });
        let restore = self.time_to_restore.as_ref().map_or("—".to_string(), |t| {
            format!("{} ({} restores)", human(t.median_seconds), t.count)
        });
        format!(
            "| {} | {} ({} successful) | {:.2}/day | {lead} | {cfr} | {restore} |\n",
            self.environment, self.deployments, self.successful, self.deployment_frequency_per_day
        )
    }

    /// The figures of several environments' deployments together, named `name`: counts and
    /// frequencies added, the rates recomputed from the sums, and the spreads taken over all
    /// the durations.
    fn total(name: &str, production: bool, parts: Vec<(Self, Samples)>) -> Self {
        let mut total = Self::none(name, production);
        let mut samples = Samples::default();
        for (part, more) in parts {
            total.deployments += part.deployments;
            total.successful += part.successful;
            total.failed += part.failed;
            total.reverted += part.reverted;
            total.unrestored += part.unrestored;
            total.deployment_frequency_per_day += part.deployment_frequency_per_day;
            samples.lead_times.extend(more.lead_times);
            samples.restores.extend(more.restores);
        }
        total.change_failure_rate = (total.deployments > 0)
            .then(|| (total.failed + total.reverted) as f64 / total.deployments as f64);
        total.lead_time = Spread::of(samples.lead_times);
        total.time_to_restore = Spread::of(samples.restores);
        total
    }

    /// An environment without deployments in the window.
    fn none(name: &str, production: bool) -> Self {
        Self {
            environment: name.to_string(),
            production,
            deployments: 0,
            successful: 0,
            failed: 0,
            reverted: 0,
            deployment_frequency_per_day: 0.0,
            lead_time: None,
            change_failure_rate: None,
            time_to_restore: None,
            unrestored: 0,
        }
    }
}

/// A distribution of durations, in seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spread {
    /// How many durations.
    pub count: usize,
    /// Median (the mean of the two middle values for an even count).
    pub median_seconds: i64,
    /// 90th percentile, nearest rank.
    pub p90_seconds: i64,
}

impl Spread {
    /// The spread of `values`; `None` when empty.
    fn of(mut values: Vec<i64>) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2
        };
        let rank = (n * 9).div_ceil(10).max(1);
        Some(Self {
            count: n,
            median_seconds: median,
            p90_seconds: values[rank - 1],
        })
    }
}

/// Commits delivered by deployments, read with git; `None` when git cannot tell.
type Delivered = BTreeMap<String, Vec<RangeCommit>>;

/// For each successful deployment (oldest first), the commits since the previous successful
/// one. Deployments whose SHAs this clone lacks are left out. Three git processes however many
/// deployments there are ([`range::consecutive`]); `None`-like (empty) when git fails.
fn delivered(git: &Git, records: &[&DeploymentRecord]) -> Delivered {
    let successful: Vec<&DeploymentRecord> = records
        .iter()
        .copied()
        .filter(|r| r.succeeded_at().is_some())
        .collect();
    let shas: Vec<&str> = successful.iter().map(|r| r.sha.as_str()).collect();
    let Ok(present) = range::present(git, &shas) else {
        return Delivered::new();
    };
    let kept: Vec<&DeploymentRecord> = successful
        .into_iter()
        .filter(|r| present.contains(&r.sha))
        .collect();
    let heads: Vec<&str> = kept.iter().map(|r| r.sha.as_str()).collect();
    match range::consecutive(git, &heads) {
        Ok(ranges) => kept
            .iter()
            .skip(1)
            .zip(ranges)
            .map(|(record, commits)| (record.id.clone(), commits))
            .collect(),
        Err(_) => Delivered::new(),
    }
}

pub(crate) fn ended(record: &DeploymentRecord) -> Option<DeploymentState> {
    if record.succeeded_at().is_some() {
        return Some(DeploymentState::Success);
    }
    record
        .history
        .iter()
        .map(|t| t.state)
        .find(|s| matches!(s, DeploymentState::Failure | DeploymentState::Error))
}

/// The durations behind an environment's spreads, in seconds, to combine several.
#[derive(Debug, Default)]
struct Samples {
    lead_times: Vec<i64>,
    restores: Vec<i64>,
}

/// The figures for one environment from its records (oldest first; those started in
/// `since..until` count) and, when git could tell, the commits each successful deployment
/// delivered.
fn environment_metrics(
    name: &str,
    production: bool,
    records: &[&DeploymentRecord],
    delivered: Option<&Delivered>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    days: f64,
) -> (EnvironmentMetrics, Samples) {
    let in_window: Vec<&DeploymentRecord> = records
        .iter()
        .copied()
        .filter(|r| r.created_at >= since && r.created_at < until && ended(r).is_some())
        .collect();
    let successful: Vec<&DeploymentRecord> = in_window
        .iter()
        .copied()
        .filter(|r| ended(r) == Some(DeploymentState::Success))
        .collect();
    let failed: Vec<&DeploymentRecord> = in_window
        .iter()
        .copied()
        .filter(|r| ended(r) != Some(DeploymentState::Success))
        .collect();

    let mut restores = Vec::new();
    let mut unrestored = 0;
    for failure in &failed {
        let at = failure.finished_at().unwrap_or(failure.updated_at);
        // Restored by a later deployment that succeeded. "Later" is the records' order, not the
        // clock: forges keep whole seconds, and a fast pipeline fails and recovers within one.
        let position = records.iter().position(|r| r.id == failure.id);
        let later = position.map_or(&records[..0], |i| &records[i + 1..]);
        match later
            .iter()
            .filter_map(|r| r.succeeded_at())
            .filter(|s| *s >= at)
            .min()
        {
            Some(back) => restores.push((back - at).num_seconds()),
            None => unrestored += 1,
        }
    }

    let mut lead_times = Vec::new();
    let mut reverted = 0;
    if let Some(delivered) = delivered {
        for record in &successful {
            let done = record.succeeded_at().unwrap_or(record.updated_at);
            for commit in delivered.get(&record.id).into_iter().flatten() {
                lead_times.push(done.timestamp() - commit.committed_at);
            }
        }
        // A revert delivered by a later deployment marks the deployment that delivered the
        // reverted commit (or PR) as a failed change, restored when the revert went out.
        let reverting = reverting(records, delivered);
        for record in &successful {
            if let Some(later) = undone_by(record, &reverting, delivered) {
                reverted += 1;
                if let (Some(bad), Some(good)) = (record.succeeded_at(), later.succeeded_at()) {
                    restores.push((good - bad).num_seconds());
                }
            }
        }
    }
    let deployments = in_window.len();
    let samples = Samples {
        lead_times: lead_times.clone(),
        restores: restores.clone(),
    };
    let metrics = EnvironmentMetrics {
        environment: name.to_string(),
        production,
        deployments,
        successful: successful.len(),
        failed: failed.len(),
        reverted,
        deployment_frequency_per_day: if days > 0.0 {
            successful.len() as f64 / days
        } else {
            0.0
        },
        lead_time: Spread::of(lead_times),
        change_failure_rate: (deployments > 0)
            .then(|| (failed.len() + reverted) as f64 / deployments as f64),
        time_to_restore: Spread::of(restores),
        unrestored,
    };
    (metrics, samples)
}

/// The deployments of `records` (oldest first) that delivered a revert: the only ones
/// [`undone_by`] needs to look at, found once rather than for every deployment.
fn reverting<'a>(
    records: &[&'a DeploymentRecord],
    delivered: &Delivered,
) -> Vec<&'a DeploymentRecord> {
    records
        .iter()
        .copied()
        .filter(|r| {
            delivered
                .get(&r.id)
                .is_some_and(|commits| commits.iter().any(|c| !c.reverts.is_empty()))
        })
        .collect()
}

/// The later deployment (of `records`, oldest first: all of them, or only those
/// [`reverting`] found) that delivered a revert of something `record` delivered, if any.
fn undone_by<'a>(
    record: &DeploymentRecord,
    records: &[&'a DeploymentRecord],
    delivered: &Delivered,
) -> Option<&'a DeploymentRecord> {
    let mine = delivered.get(&record.id).map(Vec::as_slice).unwrap_or(&[]);
    records.iter().copied().find(|later| {
        later.created_at > record.created_at
            && delivered.get(&later.id).is_some_and(|commits| {
                commits
                    .iter()
                    .flat_map(|c| &c.reverts)
                    .any(|rev| reverts_any(rev, mine))
            })
    })
}

fn reverts_any(reverted: &Reverted, commits: &[RangeCommit]) -> bool {
    match reverted {
        Reverted::Commit { sha } => {
            let sha = sha.to_ascii_lowercase();
            sha.len() >= 7 && commits.iter().any(|c| c.sha.starts_with(&sha))
        }
        Reverted::PullRequest { number, .. } => commits.iter().any(|c| c.pr == Some(*number)),
    }
}

/// Seconds as a short human duration (`3d 4h`, `5h 12m`, `42m`, `15s`).
pub(crate) fn human(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_uses_the_middle_and_the_nearest_rank() {
        let s = Spread::of((1..=11).collect()).unwrap();
        assert_eq!((s.count, s.median_seconds, s.p90_seconds), (11, 6, 10));
        let s = Spread::of(vec![4, 1, 3, 2]).unwrap();
        assert_eq!((s.median_seconds, s.p90_seconds), (2, 4));
        assert!(Spread::of(vec![]).is_none());
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(15), "15s");
        assert_eq!(human(42 * 60), "42m");
        assert_eq!(human(5 * 3600 + 12 * 60), "5h 12m");
        assert_eq!(human(3 * 86_400 + 4 * 3600), "3d 4h");
    }
}
