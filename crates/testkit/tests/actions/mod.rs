//! A GitHub Actions job run from a workflow file, as the runner would run it: the job's `if:`,
//! its steps in order with their `if:`, `env:` and `${{ }}` expressions evaluated, `run:` steps
//! in bash with the runner's variables (a webhook payload, a `$GITHUB_OUTPUT` file per step, the
//! fake GitHub's URLs), `actions/checkout` as a clone of the bare origin at the event's commit.
//!
//! The step that downloads the shipline release is the one step not run as written: the
//! binaries of this workspace go onto PATH at that point instead (no test reaches the
//! internet). A step that uses the shipline action runs this workspace's `action.yml` the same
//! way: its inputs mapped by the action's own run step and `scripts/run-action.sh`, the install
//! step replaced by the binaries. Anything else the runner does not simulate (another action,
//! another shell, `continue-on-error`) panics, naming the step, so a workflow that grows past
//! this runner fails the test rather than being half run.
//!
//! Every request a step makes must conform to GitHub's OpenAPI description. The jobs'
//! `permissions:` are not enforced: the fake GitHub's token holds every permission.

mod action;
pub mod expr;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use expr::{Context, Val};
use serde_json::Value;
use shipline_testkit::fixtures::GitHubEnv;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::openapi::github_violations;
use shipline_testkit::outputs::read_github_output;

/// A workflow file, parsed.
pub struct Workflow {
    /// Where it was read from, for messages.
    pub name: String,
    doc: Value,
}

/// The event that starts a workflow run: its name and webhook payload.
pub struct Event {
    /// `pull_request`, `push`, ...
    pub name: String,
    /// The payload (`github.event`).
    pub payload: Value,
}

impl Workflow {
    /// Parses `text`, named `name` in messages.
    pub fn parse(name: &str, text: &str) -> Self {
        let doc: Value = serde_saphyr::from_str(text)
            .unwrap_or_else(|e| panic!("{name} is not YAML this test can read: {e}"));
        Self {
            name: name.to_string(),
            doc,
        }
    }

    /// Whether the workflow runs for `event` (its `on:` names the event and, when it lists
    /// `types:`, the payload's `action`; for a push, `branches:` holds the pushed branch).
    pub fn triggers(&self, event: &Event) -> bool {
        let Some(on) = self.doc["on"].get(&event.name) else {
            return false;
        };
        if let Some(types) = on.get("types").and_then(Value::as_array) {
            let action = event.payload["action"].as_str().unwrap_or_default();
            if !types.iter().any(|t| t.as_str() == Some(action)) {
                return false;
            }
        }
        if let Some(branches) = on.get("branches").and_then(Value::as_array) {
            let branch = match event.name.as_str() {
                "push" => event.payload["ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix("refs/heads/")),
                _ => event.payload["pull_request"]["base"]["ref"].as_str(),
            };
            if !branches.iter().any(|b| b.as_str() == branch) {
                return false;
            }
        }
        true
    }

    /// The jobs GitHub starts first for `event`: those whose `if:` holds and that need no
    /// other job, in the file's order.
    pub fn first_jobs(&self, event: &Event) -> Vec<String> {
        self.jobs(event, |job| job.get("needs").is_none())
    }

    /// The jobs whose `if:` holds for `event`, whatever they need.
    pub fn jobs(&self, event: &Event, also: impl Fn(&Value) -> bool) -> Vec<String> {
        let jobs = self.doc["jobs"]
            .as_object()
            .unwrap_or_else(|| panic!("{} has no jobs", self.name));
        jobs.iter()
            .filter(|(_, job)| also(job))
            .filter(|(_, job)| {
                let context = JobContext::new(event, "", BTreeMap::new());
                expr::condition(job["if"].as_str(), &context)
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The job `id`'s definition.
    pub fn job(&self, id: &str) -> &Value {
        let job = &self.doc["jobs"][id];
        assert!(job.is_object(), "{} has no job `{id}`", self.name);
        job
    }
}

/// What expressions in a job can read.
struct JobContext<'a> {
    event: &'a Event,
    token: &'a str,
    env: BTreeMap<String, String>,
    steps: BTreeMap<String, BTreeMap<String, String>>,
    status: String,
}

impl<'a> JobContext<'a> {
    fn new(event: &'a Event, token: &'a str, env: BTreeMap<String, String>) -> Self {
        Self {
            event,
            token,
            env,
            steps: BTreeMap::new(),
            status: "success".into(),
        }
    }
}

impl Context for JobContext<'_> {
    fn property(&self, path: &str) -> Option<Val> {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["github", "token"] => Some(Val::Str(self.token.into())),
            ["github", "event_name"] => Some(Val::Str(self.event.name.clone())),
            ["github", "event", rest @ ..] => {
                let pointer: String = rest.iter().map(|p| format!("/{p}")).collect();
                Some(match self.event.payload.pointer(&pointer) {
                    Some(Value::String(s)) => Val::Str(s.clone()),
                    Some(Value::Bool(b)) => Val::Bool(*b),
                    Some(Value::Number(n)) => Val::Str(n.to_string()),
                    _ => Val::Null,
                })
            }
            ["job", "status"] => Some(Val::Str(self.status.clone())),
            ["env", name] => Some(self.env.get(*name).cloned().map_or(Val::Null, Val::Str)),
            ["steps", id, "outputs", name] => Some(
                self.steps
                    .get(*id)
                    .and_then(|outputs| outputs.get(*name))
                    .cloned()
                    .map_or(Val::Null, Val::Str),
            ),
            _ => None,
        }
    }

    fn job_status(&self) -> &str {
        &self.status
    }
}

/// One step as it ran (or was skipped).
#[derive(Debug)]
pub struct StepRun {
    /// Its `name:`, `id:` or `run:`, whichever comes first.
    pub label: String,
    /// The command it ran (`run:` after edits), empty for a step not run as a command.
    pub script: String,
    /// `success`, `failure` or `skipped`.
    pub outcome: String,
    /// The command's exit code, for a step run as a command.
    pub code: Option<i32>,
    /// Its stdout and stderr.
    pub log: String,
}

/// A job as it ran.
#[derive(Debug)]
pub struct JobRun {
    /// The job's id.
    pub id: String,
    /// `success` or `failure`.
    pub status: String,
    /// Its steps.
    pub steps: Vec<StepRun>,
}

impl JobRun {
    /// Every step's label, outcome and output, for messages.
    pub fn log(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("--- {} ({})\n{}", s.label, s.outcome, s.log))
            .collect()
    }

    /// Panics with the log unless the job succeeded.
    pub fn assert_success(&self) -> &Self {
        assert_eq!(
            self.status,
            "success",
            "job {} failed:\n{}",
            self.id,
            self.log()
        );
        self
    }

    /// The scripts of the steps that ran and call one of the shipline tools.
    pub fn shipline_steps(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter(|s| s.outcome != "skipped" && s.script.contains("shipline-"))
            .map(|s| s.script.as_str())
            .collect()
    }
}

/// The runner: where jobs check out from, which forge they talk to, with which token.
pub struct Runner<'a> {
    /// The fake GitHub.
    pub forge: &'a FakeForge,
    /// The bare repository the fake serves (what `actions/checkout` clones).
    pub origin: &'a Path,
    /// The repository's `owner/name`.
    pub slug: &'a str,
    /// The job token (`github.token`).
    pub token: &'a str,
    /// The directory with the shipline binaries, put on PATH where the workflow installs them.
    pub bins: PathBuf,
    /// Steps the person following the page edits: a step whose `name:` contains the first
    /// text runs the second as its `run:`.
    pub edits: Vec<(String, String)>,
}

/// Whether a `run:` step is the one that installs the shipline release.
fn installs_shipline(script: &str) -> bool {
    script.contains("shipline/shipline/releases/download")
}

impl Runner<'_> {
    /// Runs job `id` of `workflow` for `event`, every step in a fresh checkout.
    pub fn run_job(&self, workflow: &Workflow, id: &str, event: &Event) -> JobRun {
        let job = workflow.job(id);
        let mut runner_env = GitHubEnv::for_event(&event.name, &event.payload);
        let workspace = runner_env.dir().join("checkout");
        let home = runner_env.dir().join("home");
        std::fs::create_dir_all(&home).expect("a HOME for the steps");
        runner_env
            .set("GITHUB_WORKSPACE", &workspace.to_string_lossy())
            .set("GITHUB_API_URL", &self.forge.github_api_url())
            .set("GITHUB_GRAPHQL_URL", &self.forge.github_graphql_url())
            .set("GITHUB_JOB", id)
            .set("RUNNER_OS", "Linux")
            .set("RUNNER_ARCH", "X64");

        let mut context = JobContext::new(event, self.token, BTreeMap::new());
        for scope in [&workflow.doc["env"], &job["env"]] {
            for (key, value) in scope.as_object().into_iter().flatten() {
                let value = expr::interpolate(&scalar(value), &context);
                context.env.insert(key.clone(), value);
            }
        }
        let mut path = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .collect::<Vec<_>>();
        let mut steps = Vec::new();
        let list = job["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{} job {id} has no steps", workflow.name));
        for (n, step) in list.iter().enumerate() {
            for key in step.as_object().into_iter().flatten().map(|(k, _)| k) {
                assert!(
                    ["id", "name", "if", "uses", "with", "run", "env", "shell"]
                        .contains(&key.as_str()),
                    "{} job {id} step {}: `{key}:` is not simulated here",
                    workflow.name,
                    n + 1
                );
            }
            if let Some(shell) = step["shell"].as_str() {
                assert_eq!(shell, "bash", "{} job {id}: shell {shell}", workflow.name);
            }
            let label = ["name", "id", "run", "uses"]
                .iter()
                .find_map(|k| step[*k].as_str())
                .unwrap_or("?")
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            if !expr::condition(step["if"].as_str(), &context) {
                steps.push(StepRun {
                    label,
                    script: String::new(),
                    outcome: "skipped".into(),
                    code: None,
                    log: String::new(),
                });
                continue;
            }
            let before = self.forge.requests().len();
            let output_file = runner_env.dir().join(format!("output-{n}"));
            let mut vars = runner_env.vars().clone();
            vars.extend(context.env.clone());
            for (key, value) in step["env"].as_object().into_iter().flatten() {
                vars.insert(key.clone(), expr::interpolate(&scalar(value), &context));
            }
            vars.insert(
                "GITHUB_OUTPUT".into(),
                output_file.to_string_lossy().into_owned(),
            );
            let shell = Shell {
                vars: &vars,
                path: &path,
                workspace: &workspace,
                home: &home,
            };
            let (outcome, code, script, log) = if let Some(uses) = step["uses"].as_str() {
                if uses.starts_with("actions/checkout@") {
                    self.checkout(uses, &step["with"], event, &workspace)
                } else {
                    let action = action::ShiplineAction::read(uses);
                    let run = action.run(&step["with"], &context, &self.bins, &shell);
                    if let Some(step_id) = step["id"].as_str() {
                        context.steps.insert(step_id.to_string(), run.outputs);
                    }
                    (run.outcome, run.code, run.script, run.log)
                }
            } else {
                let written = step["run"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{} job {id} step {label}: no run:", workflow.name));
                let name = step["name"].as_str().unwrap_or_default();
                let script = self
                    .edits
                    .iter()
                    .find(|(marker, _)| name.contains(marker.as_str()))
                    .map_or(written.to_string(), |(_, run)| run.clone());
                if installs_shipline(&script) {
                    path.insert(0, self.bins.clone());
                    (
                        "success".to_string(),
                        None,
                        String::new(),
                        format!("the workspace's binaries put on PATH in place of:\n{script}\n"),
                    )
                } else {
                    let script = expr::interpolate(&script, &context);
                    let (outcome, code, log) = shell.bash(&script, &BTreeMap::new());
                    if let Some(step_id) = step["id"].as_str() {
                        context
                            .steps
                            .insert(step_id.to_string(), read_github_output(&output_file));
                    }
                    (outcome, code, script, log)
                }
            };
            let requests = self.forge.requests();
            let violations = github_violations(&requests[before..]);
            assert!(
                violations.is_empty(),
                "{} job {id} step {label} broke GitHub's description:\n{}",
                workflow.name,
                violations.join("\n")
            );
            if outcome == "failure" {
                context.status = "failure".into();
            }
            steps.push(StepRun {
                label,
                script,
                outcome,
                code,
                log,
            });
        }
        JobRun {
            id: id.to_string(),
            status: context.status,
            steps,
        }
    }

    /// `actions/checkout`: a clone of the origin at the commit the event is about (for a pull
    /// request its head: the fake has no merge refs, and the tools read the range from the
    /// payload).
    fn checkout(
        &self,
        uses: &str,
        with: &Value,
        event: &Event,
        workspace: &Path,
    ) -> (String, Option<i32>, String, String) {
        assert!(
            uses.starts_with("actions/checkout@"),
            "a step uses `{uses}`: this runner simulates actions/checkout and run: steps only"
        );
        let depth = with.get("fetch-depth").map_or("1".to_string(), scalar);
        assert_eq!(
            depth, "0",
            "actions/checkout with fetch-depth {depth}: shipline needs the history (fetch-depth: 0)"
        );
        let sha = match event.name.as_str() {
            "pull_request" => event.payload["pull_request"]["head"]["sha"].as_str(),
            _ => event.payload["after"].as_str(),
        }
        .expect("the event names its commit");
        let git = |args: &[&str], dir: &Path| {
            shipline_testkit::repo::git_in(dir, args);
        };
        let _ = std::fs::remove_dir_all(workspace);
        let parent = workspace.parent().expect("the workspace's parent");
        git(
            &[
                "clone",
                "-q",
                &self.origin.to_string_lossy(),
                &workspace.to_string_lossy(),
            ],
            parent,
        );
        git(&["checkout", "-q", "--detach", sha], workspace);
        (
            "success".into(),
            None,
            String::new(),
            format!("checked out {sha} of {}\n", self.slug),
        )
    }
}

/// Where and with what a step's commands run.
struct Shell<'a> {
    vars: &'a BTreeMap<String, String>,
    path: &'a [PathBuf],
    workspace: &'a Path,
    home: &'a Path,
}

impl Shell<'_> {
    /// Runs `script` as GitHub's `bash` shell does (`bash --noprofile --norc -eo pipefail`),
    /// with `more` variables on top of the step's; its outcome, exit code and output.
    fn bash(&self, script: &str, more: &BTreeMap<String, String>) -> (String, Option<i32>, String) {
        let output = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.workspace)
            .env_clear()
            .env("PATH", std::env::join_paths(self.path).expect("PATH"))
            .env("HOME", self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .envs(self.vars)
            .envs(more)
            .output()
            .expect("run bash");
        let outcome = if output.status.success() {
            "success"
        } else {
            "failure"
        };
        (
            outcome.to_string(),
            output.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        )
    }
}

/// A YAML scalar as the text GitHub would see.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
