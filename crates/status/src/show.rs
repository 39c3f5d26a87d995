//! `show`: what runs where, and what waits upstream.
//!
//! Per environment: the live deployment (SHA, version, since when, by whom, URL), the newest
//! deployment's state (a failed attempt on top of a live version is worth seeing), and, for an
//! environment with `after:` in `.shipline.yml`, the commits and PRs that run upstream but not
//! here yet, computed with git from the two SHAs. Configured components are listed in the
//! environments they are deployed to (`production/api`), each waiting on itself upstream, with
//! only the commits that change it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use shipline_core::app::App;
use shipline_core::forge::DeploymentState;
use shipline_core::git::Git;
use shipline_core::ledger::{DeploymentRecord, Ledger, ListQuery};
use shipline_core::mermaid::Flowchart;
use shipline_core::sha::short;

use crate::deploy;
use crate::error::StatusError;
use crate::range;

/// The whole report (`--format json`).
#[derive(Debug, Clone, Serialize)]
pub struct ShowReport {
    /// One entry per environment, upstream first.
    pub environments: Vec<EnvironmentStatus>,
    /// The configured components and environments, for the components × environments table:
    /// each component's entries are in `environments` as `ENV/NAME`.
    #[serde(skip)]
    matrix: Option<Matrix>,
}

/// The rows and columns of the components × environments table.
#[derive(Debug, Clone)]
struct Matrix {
    /// Environments, upstream first.
    environments: Vec<String>,
    /// Each component and the environments it is deployed to.
    components: Vec<(String, Vec<String>)>,
}

impl ShowReport {
    /// Reads the report for every environment, or only `only`, from the ledger and git.
    pub async fn read(app: &App, ledger: &Ledger, only: Option<&str>) -> Result<Self, StatusError> {
        let records = ledger.list(&ListQuery::default()).await?;
        Ok(Self::of(app, &records, only))
    }

    /// The report from `records`, the whole ledger as [`Ledger::list`] gave it (newest first).
    pub(crate) fn of(app: &App, records: &[DeploymentRecord], only: Option<&str>) -> Self {
        let order = app.config.upstream_order();
        let mut names: Vec<String> = order.iter().map(|n| n.to_string()).collect();
        let matrix = (!app.config.components.is_empty()).then(|| Matrix {
            environments: names.clone(),
            components: app
                .config
                .components
                .iter()
                .map(|c| {
                    let deployed = order.iter().filter(|env| c.deploys_to(env));
                    (
                        c.name().to_string(),
                        deployed.map(|e| e.to_string()).collect(),
                    )
                })
                .collect(),
        });
        // Then each configured component, in the environments it is deployed to, in the
        // same promotion order (`staging/api`, `production/api`).
        for component in app.config.components.iter() {
            names.extend(
                order
                    .iter()
                    .filter(|env| component.deploys_to(env))
                    .map(|env| component.environment_key(env)),
            );
        }
        let by_environment = ByEnvironment::new(records);
        let configured: HashSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let mut others: Vec<String> = records
            .iter()
            .map(|r| r.environment.clone())
            .filter(|e| !configured.contains(&e.to_ascii_lowercase()))
            .collect();
        others.sort();
        others.dedup();
        names.extend(others);
        if let Some(only) = only {
            names.retain(|n| n.eq_ignore_ascii_case(only));
            if names.is_empty() {
                names.push(only.to_string());
            }
        }
        let git = app.git().ok();
        let environments = names
            .iter()
            .map(|name| environment_status(app, git.as_ref(), &by_environment, name))
            .collect();
        Self {
            environments,
            matrix: matrix.filter(|_| only.is_none()),
        }
    }

    /// The report as a Markdown table.
    pub fn markdown(&self) -> String {
        if self.environments.is_empty() {
            return "No deployments recorded yet, and `.shipline.yml` lists no environments: \
                    `shipline-status start --env NAME` records the first one.\n"
                .to_string();
        }
        let mut out = String::from(
            "| Environment | Running | Version | Since | By | Latest | Waiting upstream |\n|---|---|---|---|---|---|---|\n",
        );
        for env in &self.environments {
            let (sha, version, since, by) = match &env.running {
                Some(r) => (
                    format!("`{}`", short(&r.sha)),
                    // Versions and names are anyone's words: Markdown escaped, mentions quieted.
                    r.version
                        .as_deref()
                        .map_or_else(|| "—".into(), shipline_core::text::inline),
                    r.since.format("%Y-%m-%d %H:%M UTC").to_string(),
                    if r.by.is_empty() {
                        "—".into()
                    } else {
                        shipline_core::text::inline(&r.by)
                    },
                ),
                None => ("nothing".into(), "—".into(), "—".into(), "—".into()),
            };
            let latest = match &env.latest {
                Some(l) if l.stale => format!(
                    "⚠️ stale: {} since {} (`{}`)",
                    l.state,
                    l.at.format("%Y-%m-%d %H:%M UTC"),
                    short(&l.sha)
                ),
                Some(l) => format!("{} (`{}`)", l.state, short(&l.sha)),
                None => "no deployments".into(),
            };
            let waiting = match (&env.waiting, &env.upstream) {
                (Some(w), _) if w.commits == 0 => format!("up to date with {}", w.from),
                (Some(w), _) => {
                    let prs: Vec<String> =
                        w.pull_requests.iter().map(|n| format!("#{n}")).collect();
                    let mut text = format!("{} commit(s) from {}", w.commits, w.from);
                    if !prs.is_empty() {
                        text.push_str(&format!(": {}", prs.join(", ")));
                    }
                    text
                }
                (None, Some(up)) => format!("unknown ({up} not running or not in this clone)"),
                (None, None) => "—".into(),
            };
            out.push_str(&format!(
                "| {} | {sha} | {version} | {since} | {by} | {latest} | {waiting} |\n",
                env.environment
            ));
        }
        if let Some(matrix) = &self.matrix {
            out.push('\n');
            out.push_str(&self.components_table(matrix));
        }
        out
    }

    /// The components × environments table: in each cell what runs (version, else short SHA),
    /// `nothing`, or `—` where the component is not deployed, and the commits waiting for it.
    fn components_table(&self, matrix: &Matrix) -> String {
        let mut out = format!(
            "| Component | {} |\n|---|{}\n",
            matrix.environments.join(" | "),
            "---|".repeat(matrix.environments.len())
        );
        for (component, deployed) in &matrix.components {
            let cells: Vec<String> = matrix
                .environments
                .iter()
                .map(|env| {
                    if !deployed.contains(env) {
                        return "—".to_string();
                    }
                    let key = format!("{env}/{component}");
                    let Some(status) = self.environments.iter().find(|e| e.environment == key)
                    else {
                        return "nothing".to_string();
                    };
                    let mut cell = match &status.running {
                        Some(r) => format!(
                            "`{}`{}",
                            short(&r.sha),
                            r.version
                                .as_deref()
                                .map(|v| format!(" {}", shipline_core::text::inline(v)))
                                .unwrap_or_default()
                        ),
                        None => "nothing".to_string(),
                    };
                    if let Some(w) = status.waiting.as_ref().filter(|w| w.commits > 0) {
                        cell.push_str(&format!(", {} waiting", w.commits));
                    }
                    cell
                })
                .collect();
            out.push_str(&format!("| {component} | {} |\n", cells.join(" | ")));
        }
        out
    }

    /// The environments as a Mermaid `flowchart` (see [`shipline_core::mermaid`]), upstream
    /// first: each box says the name, what runs (version, else short SHA) and its state
    /// (`running`, `nothing`, `failed`, `stale`), each arrow comes from an `after:` upstream and
    /// says how many commits wait there when git could tell. `None` without environments.
    /// For what a forge renders (the job summary), never for logs or terminals.
    pub fn mermaid(&self) -> Option<String> {
        let mut chart = Flowchart::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for env in &self.environments {
            let what = env.running.as_ref().map_or(String::new(), |r| {
                r.version
                    .clone()
                    .unwrap_or_else(|| short(&r.sha).to_string())
            });
            let node = chart.node(&[&env.environment, &what, env.state()]);
            index
                .entry(env.environment.to_ascii_lowercase())
                .or_insert(node);
        }
        // Box `i` is environment `i`: ids come from positions, never from names.
        for (to, env) in self.environments.iter().enumerate() {
            for up in &env.after {
                let Some(&from) = index.get(&up.to_ascii_lowercase()) else {
                    continue;
                };
                let waiting = env
                    .waiting
                    .as_ref()
                    .filter(|w| w.from.eq_ignore_ascii_case(up))
                    .map(|w| format!("{} waiting", w.commits));
                chart.edge(from, to, waiting.as_deref());
            }
        }
        chart.block()
    }
}

impl EnvironmentStatus {
    /// In one word: `stale` (the newest deployment's job most likely died), `failed` (the newest
    /// deployment failed or errored), `running` (something is live), else `nothing`.
    pub fn state(&self) -> &'static str {
        match &self.latest {
            Some(l) if l.stale => "stale",
            Some(l) if matches!(l.state, DeploymentState::Failure | DeploymentState::Error) => {
                "failed"
            }
            _ if self.running.is_some() => "running",
            _ => "nothing",
        }
    }
}

/// One environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentStatus {
    /// Name.
    pub environment: String,
    /// Serves end users.
    pub production: bool,
    /// The environment it is promoted from (first `after:` entry).
    pub upstream: Option<String>,
    /// Every `after:` entry, for the diagram's arrows.
    #[serde(skip)]
    pub after: Vec<String>,
    /// The live deployment, if any.
    pub running: Option<Running>,
    /// The newest deployment, whatever its state.
    pub latest: Option<Latest>,
    /// What runs upstream but not here; `None` without an upstream, or when git cannot tell.
    pub waiting: Option<Waiting>,
}

/// The live deployment.
#[derive(Debug, Clone, Serialize)]
pub struct Running {
    /// Deployment id.
    pub deployment_id: String,
    /// Commit.
    pub sha: String,
    /// Version, when recorded.
    pub version: Option<String>,
    /// When it succeeded.
    pub since: DateTime<Utc>,
    /// Who deployed it.
    pub by: String,
    /// Where it is reachable.
    pub url: Option<String>,
}

/// The newest deployment.
#[derive(Debug, Clone, Serialize)]
pub struct Latest {
    /// Deployment id.
    pub deployment_id: String,
    /// Commit.
    pub sha: String,
    /// Its state.
    pub state: DeploymentState,
    /// When it reached that state.
    pub at: DateTime<Utc>,
    /// Open (queued or in progress) for longer than `stale_after`: its job most likely died; the
    /// next `start` in the environment closes it as `error`.
    pub stale: bool,
}

/// Commits upstream has that this environment does not.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    /// The upstream environment.
    pub from: String,
    /// How many commits.
    pub commits: usize,
    /// PR/MR numbers among them (from merge and squash subjects), ascending.
    pub pull_requests: Vec<u64>,
}

/// The ledger's records by environment (names compared without case), in the ledger's order,
/// so each environment's lookup costs the same however many environments there are.
struct ByEnvironment<'a>(HashMap<String, Vec<&'a DeploymentRecord>>);

impl<'a> ByEnvironment<'a> {
    fn new(records: &'a [DeploymentRecord]) -> Self {
        let mut map: HashMap<String, Vec<&DeploymentRecord>> = HashMap::new();
        for record in records {
            map.entry(record.environment.to_ascii_lowercase())
                .or_default()
                .push(record);
        }
        Self(map)
    }

    fn of(&self, env: &str) -> impl Iterator<Item = &'a DeploymentRecord> + '_ {
        self.0
            .get(&env.to_ascii_lowercase())
            .into_iter()
            .flat_map(|records| records.iter().copied())
    }
}

fn running(records: &ByEnvironment<'_>, env: &str) -> Option<Running> {
    records
        .of(env)
        .find(|r| r.state == DeploymentState::Success)
        .map(|r| Running {
            deployment_id: r.id.clone(),
            sha: r.sha.clone(),
            version: r.version.clone(),
            since: r.succeeded_at().unwrap_or(r.updated_at),
            by: r.creator.clone(),
            url: r.environment_url.clone(),
        })
}

fn environment_status(
    app: &App,
    git: Option<&Git>,
    records: &ByEnvironment<'_>,
    name: &str,
) -> EnvironmentStatus {
    // A component's deployment (`production/api`) is promoted from the same component in the
    // environment's `after:` (`staging/api`), where the component is deployed, and only the
    // commits that change it wait.
    let target = app.config.deployment_target(name);
    let component = target.and_then(|(_, c)| c);
    let after: Vec<String> = target
        .map(|(env, _)| {
            env.after()
                .filter(|up| component.is_none_or(|c| c.deploys_to(up)))
                .map(|up| component.map_or_else(|| up.to_string(), |c| c.environment_key(up)))
                .collect()
        })
        .unwrap_or_default();
    let paths = component.map(|c| c.pathspecs()).unwrap_or_default();
    let upstream = after.first().cloned();
    let here = running(records, name);
    let waiting = upstream.as_ref().and_then(|up| {
        let there = running(records, up)?;
        let git = git?;
        if !range::has_commit(git, &there.sha) {
            return None;
        }
        let base = here
            .as_ref()
            .map(|h| h.sha.as_str())
            .filter(|sha| range::has_commit(git, sha));
        let commits = range::commits_in(git, base, &there.sha, &paths).ok()?;
        Some(Waiting {
            from: up.clone(),
            commits: commits.len(),
            pull_requests: range::pull_requests(&commits),
        })
    });
    EnvironmentStatus {
        environment: name.to_string(),
        production: deploy::is_production(app, name),
        upstream,
        after,
        latest: records.of(name).next().map(|r| Latest {
            deployment_id: r.id.clone(),
            sha: r.sha.clone(),
            state: r.state,
            at: r.updated_at,
            stale: r.is_stale(Utc::now(), app.config.stale_after().as_chrono()),
        }),
        running: here,
        waiting,
    }
}
