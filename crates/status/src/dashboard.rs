//! `dashboard`: the delivery dashboard, one self-contained HTML page.
//!
//! The page is what `show` and `metrics` say, drawn: the environments in promotion order, the
//! four delivery figures week by week over the last 12 weeks, and each production release's risk.
//! It has to work wherever a CI job can put a file (GitHub Pages, GitLab Pages, an artifact
//! opened from disk), so everything is inline: CSS, SVG, no scripts and nothing fetched. Every
//! chart has a `<title>` and its numbers in a table beside it, so the page reads without the
//! pictures too. The figures come from the same computation as `metrics` (one read of the
//! ledger and git, cut into weeks), never from a second one.
//!
//! The charts are SVG written through the HTML template rather than drawn with a plotting
//! crate: plotting crates' SVG output has no way to give a bar its `<title>` or its value as
//! an attribute, which the accessibility and the tests both need, and bars on a shared scale
//! are a few lines of arithmetic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use shipline_core::app::App;
use shipline_core::forge::{DeploymentState, ForgeKind};
use shipline_core::ledger::{DeploymentRecord, Ledger, ListQuery, Risk, same_environment};
use shipline_core::sha::short;

use crate::error::StatusError;
use crate::metrics::{self, EnvironmentMetrics, History, MetricsReport};
use crate::show::{EnvironmentStatus, ShowReport};

/// How many weeks the metrics charts cover.
pub const WEEKS: i64 = 12;

/// How many production releases the risk history shows at most (the newest ones), so a busy
/// ledger still makes a small page.
const MAX_RELEASES: usize = 60;

/// Everything the page shows, read from the ledger and git.
#[derive(Debug, Clone)]
pub struct Dashboard {
    generated: DateTime<Utc>,
    show: ShowReport,
    /// `https://host/owner/name/commit/` (or GitLab's `/-/commit/`), when the forge is known.
    commit_url: Option<String>,
    /// The whole 12 weeks, as `metrics --since 84d` reports them.
    totals: MetricsReport,
    /// One report per week, oldest first.
    weeks: Vec<MetricsReport>,
    /// The environment the charts follow: the first production one, else the last in order.
    focus: Option<String>,
    releases: Vec<Release>,
    /// Production releases in the 12 weeks, before the cut to [`MAX_RELEASES`].
    release_count: usize,
}

/// One production release of the risk history.
#[derive(Debug, Clone)]
struct Release {
    sha: String,
    version: Option<String>,
    at: DateTime<Utc>,
    risk: Option<Risk>,
    /// Commits delivered, when git could tell.
    size: Option<usize>,
    outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    Failed,
    Reverted,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Reverted => "reverted",
        }
    }
}

impl Dashboard {
    /// Reads what the page shows, as of `now`.
    pub async fn read(app: &App, ledger: &Ledger, now: DateTime<Utc>) -> Result<Self, StatusError> {
        // One read of the ledger for everything on the page.
        let records = ledger.list(&ListQuery::default()).await?;
        let show = ShowReport::of(app, &records, None);
        let since = now - Duration::weeks(WEEKS);
        let history = History::of(app, &records, since, now, None);
        let totals = history.report(since, now);
        let weeks = (0..WEEKS)
            .map(|i| {
                let from = since + Duration::weeks(i);
                history.report(from, (from + Duration::weeks(1)).min(now))
            })
            .collect();
        let focus = show
            .environments
            .iter()
            .find(|e| e.production)
            .or(show.environments.last())
            .map(|e| e.environment.clone());
        let (releases, release_count) = match &focus {
            Some(name) => releases(&records, &history, name, since),
            None => (Vec::new(), 0),
        };
        let commit_url = match (&app.ctx.server_url, &app.ctx.repo, app.ctx.forge) {
            (Some(server), Some(repo), Some(ForgeKind::GitHub)) => {
                Some(format!("{}/{repo}/commit/", server.trim_end_matches('/')))
            }
            (Some(server), Some(repo), Some(ForgeKind::GitLab)) => {
                Some(format!("{}/{repo}/-/commit/", server.trim_end_matches('/')))
            }
            _ => None,
        };
        Ok(Self {
            generated: now,
            show,
            commit_url,
            totals,
            weeks,
            focus,
            releases,
            release_count,
        })
    }

    /// The page.
    pub fn html(&self) -> String {
        let page = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="color-scheme" content="light dark";
                    title { "Delivery dashboard" }
                    style { (PreEscaped(CSS)) }
                }
                body {
                    header {
                        h1 { "Delivery dashboard" }
                        p.muted {
                            "Generated " (stamp(self.generated)) " by shipline-status. Metrics cover the 12 weeks from "
                            (self.totals.since.format("%Y-%m-%d")) "."
                        }
                    }
                    (self.map())
                    (self.metrics())
                    (self.risk())
                }
            }
        };
        page.into_string()
    }

    fn map(&self) -> Markup {
        html! {
            section #map aria-labelledby="map-title" {
                h2 #map-title { "Environments" }
                @if self.show.environments.is_empty() {
                    p { "No deployments recorded yet." }
                } @else {
                    ol.map {
                        @for env in &self.show.environments {
                            (self.environment(env))
                        }
                    }
                }
            }
        }
    }

    fn environment(&self, env: &EnvironmentStatus) -> Markup {
        let state = env.latest.as_ref().map(|l| {
            if l.stale {
                format!("stale ({})", l.state)
            } else {
                l.state.to_string()
            }
        });
        let state_class = match env.latest.as_ref().map(|l| l.state) {
            Some(DeploymentState::Success) => "state ok",
            Some(DeploymentState::Failure | DeploymentState::Error) => "state bad",
            _ => "state",
        };
        html! {
            li.env data-environment=(env.environment) {
                h3 {
                    (env.environment)
                    @if env.production { " " span.tag { "production" } }
                }
                dl {
                    dt { "Version" }
                    dd data-key="version" { (env.running.as_ref().and_then(|r| r.version.clone()).unwrap_or_else(|| "—".into())) }
                    dt { "Commit" }
                    dd data-key="sha" {
                        @match &env.running {
                            Some(r) => {
                                @match self.commit_link(&r.sha) {
                                    Some(link) => a href=(link) { code { (short(&r.sha)) } },
                                    None => code { (short(&r.sha)) },
                                }
                            }
                            None => "nothing running",
                        }
                    }
                    dt { "State" }
                    dd data-key="state" class=(state_class) { (state.unwrap_or_else(|| "no deployments".into())) }
                    dt { "Age" }
                    dd data-key="age" {
                        @match &env.running {
                            Some(r) => time datetime=(r.since.to_rfc3339()) { (age(self.generated - r.since)) },
                            None => "—",
                        }
                    }
                    dt { "By" }
                    dd data-key="by" { (env.running.as_ref().map(|r| r.by.clone()).filter(|b| !b.is_empty()).unwrap_or_else(|| "—".into())) }
                    dt { "Waiting upstream" }
                    dd data-key="waiting" {
                        @match (&env.waiting, &env.upstream) {
                            (Some(w), _) if w.commits == 0 => { "up to date with " (w.from) }
                            (Some(w), _) => {
                                (w.commits) " commit(s) from " (w.from)
                                @if !w.pull_requests.is_empty() {
                                    ": " (w.pull_requests.iter().map(|n| format!("#{n}")).collect::<Vec<_>>().join(", "))
                                }
                            }
                            (None, Some(up)) => { "unknown (" (up) " not running or not in this clone)" }
                            (None, None) => "—",
                        }
                    }
                }
            }
        }
    }

    fn commit_link(&self, sha: &str) -> Option<String> {
        let base = self.commit_url.as_ref()?;
        // Only a real SHA goes into a link: the ledger is not trusted to hold one.
        (sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| format!("{base}{sha}"))
    }

    fn metrics(&self) -> Markup {
        let focus = self.focus.as_deref().unwrap_or("");
        let week = |report: &MetricsReport| -> Option<EnvironmentMetrics> {
            report
                .environments
                .iter()
                .find(|e| e.environment == focus)
                .cloned()
        };
        let rows: Vec<(String, Option<EnvironmentMetrics>)> = self
            .weeks
            .iter()
            .map(|w| (w.since.format("%m-%d").to_string(), week(w)))
            .collect();
        let frequency: Vec<Bar> = rows
            .iter()
            .map(|(label, m)| {
                let n = m.as_ref().map_or(0, |m| m.successful);
                Bar::new(label, n as f64, format!("{n}"))
            })
            .collect();
        let lead: Vec<(Bar, Bar)> = rows
            .iter()
            .map(|(label, m)| {
                let l = m.as_ref().and_then(|m| m.lead_time.clone());
                (
                    Bar::seconds(label, l.as_ref().map(|l| l.median_seconds)),
                    Bar::seconds(label, l.as_ref().map(|l| l.p90_seconds)),
                )
            })
            .collect();
        let failure: Vec<Bar> = rows
            .iter()
            .map(|(label, m)| {
                let rate = m.as_ref().and_then(|m| m.change_failure_rate);
                match rate {
                    Some(r) => Bar::new(label, r * 100.0, format!("{:.0}%", r * 100.0)),
                    None => Bar::none(label),
                }
            })
            .collect();
        let restore: Vec<Bar> = rows
            .iter()
            .map(|(label, m)| {
                let t = m.as_ref().and_then(|m| m.time_to_restore.clone());
                Bar::seconds(label, t.map(|t| t.median_seconds))
            })
            .collect();
        html! {
            section #metrics aria-labelledby="metrics-title" {
                h2 #metrics-title { "Delivery metrics" }
                (self.totals_table())
                @if self.focus.is_some() {
                    p.muted { "Week by week in " strong { (focus) } " (weeks start on the date shown)." }
                    div.charts {
                        (chart("frequency", "Deployments per week", "Successful deployments", &frequency, None))
                        (chart_pairs("lead-time", "Lead time for changes", ("Median", "90th percentile"), &lead))
                        (chart("failure-rate", "Change failure rate", "Failed or reverted, of deployments", &failure, Some(100.0)))
                        (chart("restore", "Time to restore", "Median time to restore", &restore, None))
                    }
                }
            }
        }
    }

    fn totals_table(&self) -> Markup {
        html! {
            table #totals {
                caption { "Last 12 weeks, as `shipline-status metrics --since 84d` reports them" }
                thead { tr {
                    th scope="col" { "Environment" }
                    th scope="col" { "Deployments" }
                    th scope="col" { "Successful" }
                    th scope="col" { "Per day" }
                    th scope="col" { "Lead time median" }
                    th scope="col" { "Lead time p90" }
                    th scope="col" { "Change failure rate" }
                    th scope="col" { "Time to restore" }
                } }
                tbody {
                    @for env in &self.totals.environments {
                        tr data-environment=(env.environment) {
                            th scope="row" { (env.environment) }
                            td data-key="deployments" data-value=(env.deployments) { (env.deployments) }
                            td data-key="successful" data-value=(env.successful) { (env.successful) }
                            td data-key="deployment_frequency_per_day" data-value=(env.deployment_frequency_per_day) { (format!("{:.2}", env.deployment_frequency_per_day)) }
                            (seconds_cell("lead_time.median_seconds", env.lead_time.as_ref().map(|l| l.median_seconds)))
                            (seconds_cell("lead_time.p90_seconds", env.lead_time.as_ref().map(|l| l.p90_seconds)))
                            @match env.change_failure_rate {
                                Some(r) => td data-key="change_failure_rate" data-value=(r) { (format!("{:.0}%", r * 100.0)) " (" (env.failed) " failed + " (env.reverted) " reverted)" },
                                None => td data-key="change_failure_rate" data-value="" { "—" },
                            }
                            (seconds_cell("time_to_restore.median_seconds", env.time_to_restore.as_ref().map(|t| t.median_seconds)))
                        }
                    }
                }
            }
        }
    }

    fn risk(&self) -> Markup {
        let bars: Vec<(Bar, Outcome)> = self
            .releases
            .iter()
            .map(|r| {
                let label = r
                    .version
                    .clone()
                    .unwrap_or_else(|| short(&r.sha).to_string());
                let bar = match &r.risk {
                    Some(risk) => Bar::new(
                        &label,
                        f64::from(risk.score),
                        format!("{} ({}), {}", risk.score, risk.level, r.outcome.as_str()),
                    ),
                    None => Bar::none(&label),
                };
                (bar, r.outcome)
            })
            .collect();
        html! {
            section #risk aria-labelledby="risk-title" {
                h2 #risk-title { "Release risk" }
                @if self.releases.is_empty() {
                    p { "No production releases in the last 12 weeks." }
                } @else {
                    p.muted {
                        "Production releases to " (self.focus.as_deref().unwrap_or("")) ", oldest first"
                        @if self.release_count > self.releases.len() {
                            " (the newest " (self.releases.len()) " of " (self.release_count) ")"
                        }
                        ". Failed and reverted releases are marked. A score is unknown where the deployment was recorded without one (GitLab deployments cannot carry it)."
                    }
                    div.chart-row {
                        (risk_chart(&bars))
                        table #risk-table {
                            caption { "Risk and size of each release" }
                            thead { tr { th scope="col" { "Release" } th scope="col" { "Date" } th scope="col" { "Score" } th scope="col" { "Level" } th scope="col" { "Commits" } th scope="col" { "Outcome" } } }
                            tbody {
                                @for r in &self.releases {
                                    tr data-outcome=(r.outcome.as_str()) {
                                        th scope="row" { (r.version.clone().unwrap_or_else(|| short(&r.sha).to_string())) }
                                        td { (r.at.format("%Y-%m-%d")) }
                                        td data-key="score" { (r.risk.as_ref().map_or("unknown".to_string(), |r| r.score.to_string())) }
                                        td { (r.risk.as_ref().map_or("unknown", |r| r.level.as_str())) }
                                        td data-key="size" { (r.size.map_or("—".to_string(), |s| s.to_string())) }
                                        td class=(format!("outcome {}", r.outcome.as_str())) { (r.outcome.as_str()) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The production releases (deployments that ended) started since `since`, oldest first, cut
/// to the newest [`MAX_RELEASES`]; and how many there were.
fn releases(
    records: &[DeploymentRecord],
    history: &History,
    environment: &str,
    since: DateTime<Utc>,
) -> (Vec<Release>, usize) {
    let sizes = history.sizes(environment);
    let reverted: BTreeSet<String> = history.reverted(environment);
    let mut all: Vec<Release> = records
        .iter()
        .filter(|r| {
            same_environment(&r.environment, environment)
                && r.created_at >= since
                && !r.was_superseded()
        })
        .filter_map(|r| {
            let outcome = match metrics::ended(r)? {
                DeploymentState::Success if reverted.contains(&r.id) => Outcome::Reverted,
                DeploymentState::Success => Outcome::Succeeded,
                _ => Outcome::Failed,
            };
            Some(Release {
                sha: r.sha.clone(),
                version: r.version.clone(),
                at: r.created_at,
                risk: r.risk.clone(),
                size: sizes.get(&r.id).copied(),
                outcome,
            })
        })
        .collect();
    all.sort_by_key(|r| r.at);
    let count = all.len();
    let keep = all.split_off(count.saturating_sub(MAX_RELEASES));
    (keep, count)
}

/// Writes the page as `DIR/index.html`, creating the directory; returns the file's path.
pub(crate) fn write(dir: &Path, html: &str) -> Result<PathBuf, StatusError> {
    std::fs::create_dir_all(dir).map_err(|source| StatusError::WriteDashboard {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join("index.html");
    std::fs::write(&path, html).map_err(|source| StatusError::WriteDashboard {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// One bar: its label on the axis, its height in the chart's unit, and the text of its value.
#[derive(Debug, Clone)]
struct Bar {
    label: String,
    value: Option<f64>,
    text: String,
}

impl Bar {
    fn new(label: &str, value: f64, text: String) -> Self {
        Self {
            label: label.to_string(),
            value: Some(value),
            text,
        }
    }

    fn none(label: &str) -> Self {
        Self {
            label: label.to_string(),
            value: None,
            text: "—".into(),
        }
    }

    /// A duration, drawn in hours.
    fn seconds(label: &str, seconds: Option<i64>) -> Self {
        match seconds {
            Some(s) => Self::new(label, s as f64 / 3600.0, metrics::human(s)),
            None => Self::none(label),
        }
    }
}

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 160.0;
const AXIS: f64 = 18.0;

/// The height of `value` on a scale up to `max`.
fn scale(value: f64, max: f64) -> f64 {
    if max <= 0.0 {
        0.0
    } else {
        (value / max * (HEIGHT - AXIS - 4.0)).max(if value > 0.0 { 1.0 } else { 0.0 })
    }
}

fn max_of<'a>(values: impl Iterator<Item = &'a Bar>) -> f64 {
    values.filter_map(|b| b.value).fold(0.0, f64::max)
}

/// A bar chart with its table beside it.
fn chart(id: &str, title: &str, what: &str, bars: &[Bar], max: Option<f64>) -> Markup {
    let max = max.unwrap_or_else(|| max_of(bars.iter()));
    let slot = WIDTH / bars.len().max(1) as f64;
    let title_id = format!("{id}-title");
    html! {
        figure id=(id) {
            svg.chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-labelledby=(title_id) {
                title id=(title_id) { (title) " per week: " (what) }
                line.axis x1="0" y1=(HEIGHT - AXIS) x2=(WIDTH) y2=(HEIGHT - AXIS) {}
                @for (i, bar) in bars.iter().enumerate() {
                    @let h = scale(bar.value.unwrap_or(0.0), max);
                    rect.bar x=(fmt(i as f64 * slot + slot * 0.15)) y=(fmt(HEIGHT - AXIS - h)) width=(fmt(slot * 0.7)) height=(fmt(h)) data-value=(bar.value.map_or(String::new(), fmt)) {
                        title { "Week of " (bar.label) ": " (bar.text) }
                    }
                    @if i % 2 == 0 {
                        text.label x=(fmt(i as f64 * slot + slot / 2.0)) y=(HEIGHT - 4.0) text-anchor="middle" { (bar.label) }
                    }
                }
            }
            figcaption {
                table {
                    caption { (title) }
                    thead { tr { th scope="col" { "Week of" } @for bar in bars { th scope="col" { (bar.label) } } } }
                    tbody { tr { th scope="row" { (what) } @for bar in bars { td { (bar.text) } } } }
                }
            }
        }
    }
}

/// Two bars per week (median and 90th percentile) with the table beside them.
fn chart_pairs(id: &str, title: &str, names: (&str, &str), pairs: &[(Bar, Bar)]) -> Markup {
    let max = max_of(pairs.iter().flat_map(|(a, b)| [a, b]));
    let slot = WIDTH / pairs.len().max(1) as f64;
    let title_id = format!("{id}-title");
    html! {
        figure id=(id) {
            svg.chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-labelledby=(title_id) {
                title id=(title_id) { (title) " per week: " (names.0) " and " (names.1) ", in hours" }
                line.axis x1="0" y1=(HEIGHT - AXIS) x2=(WIDTH) y2=(HEIGHT - AXIS) {}
                @for (i, (a, b)) in pairs.iter().enumerate() {
                    @for (j, (bar, class)) in [(a, "bar"), (b, "bar alt")].into_iter().enumerate() {
                        @let h = scale(bar.value.unwrap_or(0.0), max);
                        rect class=(class) x=(fmt(i as f64 * slot + slot * (0.1 + 0.4 * j as f64))) y=(fmt(HEIGHT - AXIS - h)) width=(fmt(slot * 0.4)) height=(fmt(h)) data-value=(bar.value.map_or(String::new(), fmt)) {
                            title { "Week of " (bar.label) ", " (if j == 0 { names.0 } else { names.1 }) ": " (bar.text) }
                        }
                    }
                    @if i % 2 == 0 {
                        text.label x=(fmt(i as f64 * slot + slot / 2.0)) y=(HEIGHT - 4.0) text-anchor="middle" { (a.label) }
                    }
                }
            }
            figcaption {
                table {
                    caption { (title) }
                    thead { tr { th scope="col" { "Week of" } @for (a, _) in pairs { th scope="col" { (a.label) } } } }
                    tbody {
                        tr { th scope="row" { (names.0) } @for (a, _) in pairs { td { (a.text) } } }
                        tr { th scope="row" { (names.1) } @for (_, b) in pairs { td { (b.text) } } }
                    }
                }
            }
        }
    }
}

/// The risk score of each release, coloured by outcome.
fn risk_chart(bars: &[(Bar, Outcome)]) -> Markup {
    let slot = WIDTH / bars.len().max(1) as f64;
    html! {
        svg.chart #risk-chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-labelledby="risk-chart-title" {
            title #risk-chart-title { "Risk score (0 to 100) of each production release; failed and reverted ones marked" }
            line.axis x1="0" y1=(HEIGHT - AXIS) x2=(WIDTH) y2=(HEIGHT - AXIS) {}
            @for (i, (bar, outcome)) in bars.iter().enumerate() {
                @let h = scale(bar.value.unwrap_or(0.0), 100.0);
                @let class = match outcome { Outcome::Succeeded => "bar", _ => "bar bad" };
                rect class=(class) x=(fmt(i as f64 * slot + slot * 0.15)) y=(fmt(HEIGHT - AXIS - h)) width=(fmt((slot * 0.7).max(1.0))) height=(fmt(h)) data-value=(bar.value.map_or(String::new(), fmt)) data-outcome=(outcome.as_str()) {
                    title { (bar.label) ": " (if bar.value.is_some() { bar.text.clone() } else { format!("score unknown, {}", outcome.as_str()) }) }
                }
                @if bar.value.is_none() {
                    text.label x=(fmt(i as f64 * slot + slot / 2.0)) y=(HEIGHT - AXIS - 3.0) text-anchor="middle" { "?" }
                }
            }
        }
    }
}

fn seconds_cell(key: &str, seconds: Option<i64>) -> Markup {
    html! {
        @match seconds {
            Some(s) => td data-key=(key) data-value=(s) { (metrics::human(s)) },
            None => td data-key=(key) data-value="" { "—" },
        }
    }
}

/// A number for an SVG attribute or a data value: no more digits than a pixel needs.
fn fmt(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `3d`, `5h`, `12m`: how long ago, in the largest whole unit.
fn age(span: Duration) -> String {
    let s = span.num_seconds().max(0);
    match s {
        s if s >= 86_400 => format!("{}d", s / 86_400),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s => format!("{}m", s / 60),
    }
}

/// Light by default, dark where the system asks for it; the bar colours are what the browser
/// test looks for in screenshots, so they are named once here.
const CSS: &str = r#"
:root{--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;--bar:#0969da;--alt:#8250df;--bad:#cf222e;--ok:#1a7f37}
@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--card:#151b23;--bar:#4493f8;--alt:#ab7df8;--bad:#f85149;--ok:#3fb950}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:1rem 1.5rem;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
a{color:var(--bar)}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin:1.6rem 0 .6rem;border-bottom:1px solid var(--line)}h3{margin:0 0 .4rem;font-size:1.05rem}
.muted,caption{color:var(--muted)}caption{text-align:left;font-size:.9rem;padding:.2rem 0}
.map{display:flex;flex-wrap:wrap;gap:.6rem;list-style:none;padding:0;margin:0}
.env{flex:1 1 200px;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem;position:relative}
.env+.env::before{content:"\2192";position:absolute;left:-.65rem;top:40%;color:var(--muted)}
.env dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .7rem;margin:0}.env dt{color:var(--muted)}.env dd{margin:0}
.tag{font-size:.75rem;border:1px solid var(--line);border-radius:1rem;padding:0 .4rem;color:var(--muted)}
.state.ok,.outcome.succeeded{color:var(--ok)}.state.bad,.outcome.failed,.outcome.reverted{color:var(--bad);font-weight:600}
table{border-collapse:collapse;font-size:.88rem;margin:.3rem 0}th,td{border-bottom:1px solid var(--line);padding:.15rem .5rem;text-align:left}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:1.2rem}
.charts figure{margin:0;min-width:0}.charts figcaption{overflow-x:auto}.charts table{font-size:.75rem}.charts td,.charts th{padding:.1rem .3rem}
.chart-row{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start;margin:0}
.chart{width:360px;height:160px;flex:none}
.chart .bar{fill:var(--bar)}.chart .bar.alt{fill:var(--alt)}.chart .bar.bad{fill:var(--bad)}
.chart .axis{stroke:var(--line)}.chart .label{fill:var(--muted);font-size:9px}
figcaption table{margin:0}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_only_the_digits_they_need() {
        assert_eq!(fmt(3.0), "3");
        assert_eq!(fmt(2.5), "2.5");
        assert_eq!(fmt(1.0 / 3.0), "0.33");
    }

    #[test]
    fn bars_scale_to_the_chart_and_small_values_stay_visible() {
        assert_eq!(scale(0.0, 10.0), 0.0);
        assert_eq!(scale(10.0, 10.0), HEIGHT - AXIS - 4.0);
        assert!(scale(0.001, 10.0) >= 1.0);
        assert_eq!(scale(5.0, 0.0), 0.0);
    }

    #[test]
    fn ages_use_the_largest_whole_unit() {
        assert_eq!(age(Duration::minutes(12)), "12m");
        assert_eq!(age(Duration::hours(5)), "5h");
        assert_eq!(age(Duration::days(3)), "3d");
    }
}
