//! A monorepo of three components (`api`, `web`, `worker`) through the whole pipeline, once on
//! the fake GitHub, once on the fake GitLab and once in local mode (the git notes ledger).
//!
//! One scenario, written once against [`Backend`], which runs the four real binaries the way
//! each place runs them: a GitHub Actions step (the simulated runner of `pipeline/runner.rs`,
//! every request checked against GitHub's description), a GitLab CI job (GitLab's documented
//! predefined variables, outputs in the dotenv report), or a developer's shell (no forge).
//!
//! The story: a PR/MR touching `web` alone (its risk report has a `web` section and names `api`
//! and `worker` unchanged; in local mode, with no PR, each component's own report over the
//! branch counts changes for `web` alone) → `api` and `web` deployed to staging → `api` promoted to production
//! at a commit staging never saw, by identical content → a change under `api`'s excluded
//! `services/api/docs/**` does not count (not in `api`'s range, the promotion still passes) →
//! a change under the shared `libs/common/**` stops the promotion → `api`'s production rollout
//! fails and its revert takes back only `api`'s commits, the other components' records
//! untouched.
//!
//! Then `examples/gitlab/deploy-components.yml` itself, run by `gitlab-ci-local` (ignored
//! without it, see `gitlab/mod.rs`) with the template included locally: its matrix deploys only
//! the components a push changed.

mod gitlab;

// The simulated runner; this story reads fewer of its step's files than pipeline_github.rs.
#[allow(dead_code)]
#[path = "pipeline/runner.rs"]
mod runner;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

use runner::{REPO, Runner, TOKEN as GITHUB_TOKEN};
use serde_json::Value;
use shipline_core::ledger::{Ledger, ListQuery};
use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars, parse_env_file};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::github::Pull;
use shipline_testkit::forge::gitlab::{NewMergeRequest, access};
use shipline_testkit::openapi::assert_github_conformance;
use shipline_testkit::repo::TestRepo;

/// The project's path on the fake GitLab: the one GitLab's documented variables name.
const PROJECT: &str = "root-group/child-group/awesome-project";
/// The project access token of the GitLab jobs (a masked CI/CD variable on a real instance).
const GITLAB_TOKEN: &str = "glpat-components-story-token";
/// `CI_COMMIT_BEFORE_SHA` and a push's `before` when there is no previous head.
const ZEROS: &str = "0000000000000000000000000000000000000000";
/// The PR/MR touching `web` alone.
const PR_TITLE: &str = "Web: a settings page";

/// Production's rollout logs each call and fails while `fail-<component>` exists in the scratch
/// directory; staging is deployed by the team's own script between `status start` and `finish`.
fn config(scratch: &str) -> String {
    format!(
        r#"environments:
  staging:
  production:
    after: [staging]
    rollout:
      command: printf '%s %s\n' "$SHIPLINE_COMPONENT" "$SHIPLINE_SHA" >> {scratch}/deploy.log && test ! -e {scratch}/fail-$SHIPLINE_COMPONENT
      steps: [100]
components:
  api:
    paths: [services/api, "!services/api/docs/**"]
    shared: ["libs/common/**", Cargo.lock]
  web:
    paths: [apps/web]
    shared: [Cargo.lock]
  worker:
    paths: [services/worker]
    shared: ["libs/common/**", Cargo.lock]
"#
    )
}

/// Where the tools run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Steps of a GitHub Actions job, against the fake GitHub.
    GitHub,
    /// GitLab CI jobs, against the fake GitLab.
    GitLab,
    /// A shell with no CI variables: the git notes ledger.
    Local,
}

/// What one run of a tool left: its exit code, streams and outputs.
struct Run {
    /// Exit status, stdout, stderr.
    output: Output,
    /// The outputs (`deployment-id`, `changes`, ...), however the backend hands them on.
    outputs: BTreeMap<String, String>,
}

impl Run {
    /// The exit code (-1 when a signal ended the process).
    fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    /// Stdout as text.
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Stderr as text.
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Panics with both streams unless the exit code is `code`.
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Stdout as JSON.
    fn json(&self) -> Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout()))
    }

    /// One output, panicking with all of them when it is absent.
    fn output(&self, name: &str) -> String {
        self.outputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no output `{name}` in {:?}", self.outputs))
    }
}

/// The repository, the forge it lives on (if any), and how its tools are run there.
struct Backend {
    kind: Kind,
    repo: TestRepo,
    forge: Option<FakeForge>,
    /// The scratch directory the rollout command writes to.
    scratch: tempfile::TempDir,
    /// HOME, the dotenv report and the Markdown report of GitLab jobs.
    home: tempfile::TempDir,
    gitlab_project_id: u64,
}

impl Backend {
    /// The three components, a shared library and the root lockfile on `main`, pushed, and the
    /// forge (when there is one) serving the repository.
    fn new(kind: Kind) -> Self {
        let scratch = tempfile::tempdir().expect("scratch");
        let repo = TestRepo::new();
        repo.commit("chore: the workspace")
            .file(".shipline.yml", config(&scratch.path().to_string_lossy()))
            .file("Cargo.lock", "# lockfile v1\n")
            .file("libs/common/src/lib.rs", "pub fn common() {}\n")
            .file("services/api/src/main.rs", "fn main() {}\n")
            .file("services/api/docs/guide.md", "# api guide\n")
            .file("apps/web/src/app.ts", "export const app = 1;\n")
            .file("services/worker/src/main.rs", "fn main() {}\n")
            .file(".gitignore", "shipline.env\nshipline-report.md\n")
            .create();
        repo.push();
        repo.run(["fetch", "-q", "origin"]);
        repo.run(["remote", "set-head", "origin", "main"]);
        let mut backend = Self {
            kind,
            repo,
            forge: None,
            scratch,
            home: tempfile::tempdir().expect("HOME"),
            gitlab_project_id: 0,
        };
        match kind {
            Kind::GitHub => {
                let forge = FakeForge::start();
                {
                    let mut state = forge.state();
                    state.github.add_repo(REPO).git_dir =
                        Some(backend.repo.bare_path().to_path_buf());
                    state.github.require_token(GITHUB_TOKEN);
                    state.github.set_permission(REPO, "alice", "write");
                }
                backend.forge = Some(forge);
            }
            Kind::GitLab => {
                let forge = FakeForge::start();
                {
                    let mut state = forge.state();
                    let id = state.gitlab.add_project(PROJECT);
                    state.gitlab.set_repo(PROJECT, backend.repo.bare_path());
                    state
                        .gitlab
                        .add_token(GITLAB_TOKEN, "deploy-bot", PROJECT, access::MAINTAINER);
                    state.gitlab.set_member(PROJECT, "alice", access::DEVELOPER);
                    backend.gitlab_project_id = id;
                }
                backend.forge = Some(forge);
            }
            Kind::Local => {}
        }
        backend
    }

    /// The fake forge; panics in local mode, which has none.
    fn forge(&self) -> &FakeForge {
        self.forge.as_ref().expect("a forge")
    }

    /// Runs `tool args` as a push to main from `before` to `sha` would (a step, a job, or a
    /// shell whose checkout is at `sha`).
    fn push_step(&self, before: &str, sha: &str, tool: &str, args: &[&str]) -> Run {
        match self.kind {
            Kind::GitHub => {
                let (before, after) = (before.to_string(), sha.to_string());
                let step = Runner::new(&self.repo, self.forge()).step(
                    "push",
                    move |p| {
                        p["ref"] = "refs/heads/main".into();
                        p["before"] = before.into();
                        p["after"] = after.clone().into();
                        p["head_commit"]["id"] = after.into();
                    },
                    tool,
                    args,
                );
                let outputs = step.outputs();
                Run {
                    output: step.output,
                    outputs,
                }
            }
            Kind::GitLab => {
                let mut vars = self.gitlab_job_vars(GitLabPipeline::Branch, sha);
                vars.insert("CI_COMMIT_BEFORE_SHA".into(), before.into());
                self.gitlab_job(vars, tool, args)
            }
            Kind::Local => self.local(tool, args),
        }
    }

    /// GitLab's documented variables of a job in this kind of pipeline at `sha`, pointed at the
    /// fake, with a project access token (no job token: it cannot write notes or MRs).
    fn gitlab_job_vars(&self, pipeline: GitLabPipeline, sha: &str) -> BTreeMap<String, String> {
        let forge = self.forge();
        let mut vars = gitlab_vars(pipeline);
        let id = self.gitlab_project_id.to_string();
        for (key, value) in [
            ("CI_SERVER_URL", forge.url()),
            ("CI_API_V4_URL", forge.gitlab_api_url()),
            ("CI_API_GRAPHQL_URL", forge.gitlab_graphql_url()),
            ("CI_PROJECT_ID", id),
            ("CI_PROJECT_PATH", PROJECT.to_string()),
            ("CI_PROJECT_DIR", self.repo.path().to_string_lossy().into()),
            ("CI_COMMIT_SHA", sha.to_string()),
            ("CI_COMMIT_SHORT_SHA", sha[..8].to_string()),
            ("GITLAB_TOKEN", GITLAB_TOKEN.to_string()),
            (
                "SHIPLINE_DOTENV",
                self.home
                    .path()
                    .join("shipline.env")
                    .to_string_lossy()
                    .into(),
            ),
            (
                "SHIPLINE_REPORT",
                self.home
                    .path()
                    .join("shipline-report.md")
                    .to_string_lossy()
                    .into(),
            ),
        ] {
            vars.insert(key.to_string(), value);
        }
        vars.remove("CI_JOB_TOKEN");
        vars
    }

    /// Runs `tool args` in a GitLab job with `vars`; its outputs are what the dotenv report
    /// holds afterwards (`DEPLOYMENT_ID` read as `deployment-id`).
    fn gitlab_job(&self, vars: BTreeMap<String, String>, tool: &str, args: &[&str]) -> Run {
        let dotenv = self.home.path().join("shipline.env");
        let _ = std::fs::remove_file(&dotenv);
        let output = self
            .command(tool)
            .envs(&vars)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        let text = std::fs::read_to_string(&dotenv).unwrap_or_default();
        let outputs = parse_env_file(&text)
            .unwrap_or_else(|(line, msg)| panic!("dotenv line {line}: {msg}\n{text}"))
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase().replace('_', "-"), v))
            .collect();
        Run { output, outputs }
    }

    /// Runs `tool args` in the checkout with no CI variables at all: local mode, whose outputs
    /// are `name=value` lines on stderr.
    fn local(&self, tool: &str, args: &[&str]) -> Run {
        let output = self
            .command(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        let outputs = String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| {
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            })
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Run { output, outputs }
    }

    /// One of the four tools with a cleared environment, in the checkout.
    fn command(&self, tool: &str) -> Command {
        let mut cmd = Command::new(shipline_testkit::bins::exe(tool));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .current_dir(self.repo.path());
        cmd
    }

    /// `status start` and `finish --state success` of `component` in `env` at HEAD (`sha`).
    fn deploy(&self, before: &str, sha: &str, env: &str, component: &str) {
        let start = self.push_step(
            before,
            sha,
            "shipline-status",
            &[
                "start",
                "--env",
                env,
                "--component",
                component,
                "--ref",
                sha,
            ],
        );
        start.assert_code(0);
        let key = format!("{env}/{component}");
        assert_eq!(start.output("environment"), key, "{}", start.stderr());
        assert_eq!(start.output("sha"), sha);
        let id = start.output("deployment-id");
        let finish = self.push_step(
            before,
            sha,
            "shipline-status",
            &[
                "finish",
                "--env",
                env,
                "--component",
                component,
                "--deployment",
                &id,
                "--state",
                "success",
                "--ref",
                sha,
            ],
        );
        finish.assert_code(0);
        assert_eq!(finish.output("state"), "success", "{}", finish.stderr());
        assert_eq!(
            self.records(&key).last(),
            Some(&(sha.to_string(), "success".to_string())),
            "{key}"
        );
    }

    /// `promote --component component --to env` at `sha`, with the JSON report.
    fn promote(&self, before: &str, sha: &str, component: &str, env: &str) -> Run {
        self.push_step(
            before,
            sha,
            "shipline-promote",
            &[
                "--component",
                component,
                "--to",
                env,
                "--ref",
                sha,
                "--revert-on-failure",
                "--format",
                "json",
            ],
        )
    }

    /// What the ledger of this backend holds for `key` (`production/api`): each deployment's
    /// commit and state, oldest first. GitLab's `failed` reads as `failure`; GitHub's
    /// deployments that a newer success replaced read as `inactive`.
    fn records(&self, key: &str) -> Vec<(String, String)> {
        match self.kind {
            Kind::GitHub => self.forge().state().github.repos[REPO]
                .deployments
                .iter()
                .filter(|d| d.environment == key)
                .map(|d| {
                    (
                        d.sha.clone(),
                        d.latest_state().unwrap_or("none").to_string(),
                    )
                })
                .collect(),
            Kind::GitLab => {
                let state = self.forge().state();
                let project = state.gitlab.project(PROJECT).expect("project");
                let Some(env) = project.environment(key) else {
                    return Vec::new();
                };
                project
                    .deployments
                    .iter()
                    .filter(|d| d.environment_id == env.id)
                    .map(|d| {
                        let status = match d.status.as_str() {
                            "failed" => "failure",
                            other => other,
                        };
                        (d.sha.clone(), status.to_string())
                    })
                    .collect()
            }
            Kind::Local => {
                let ledger = Ledger::git_default(self.repo.git()).expect("the git ledger");
                let query = ListQuery {
                    environment: Some(key.to_string()),
                    ..ListQuery::default()
                };
                let mut records = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(ledger.list(&query))
                    .expect("the ledger's records");
                // The ledger lists newest first.
                records.reverse();
                records
                    .into_iter()
                    .map(|r| (r.sha, r.state.as_str().to_string()))
                    .collect()
            }
        }
    }

    /// Every record of every component, and of the whole repository, except `but`.
    fn other_records(&self, but: &str) -> BTreeMap<String, Vec<(String, String)>> {
        let mut keys = vec!["staging".to_string(), "production".to_string()];
        for env in ["staging", "production"] {
            for component in ["api", "web", "worker"] {
                keys.push(format!("{env}/{component}"));
            }
        }
        keys.into_iter()
            .filter(|k| k != but)
            .map(|k| {
                let records = self.records(&k);
                (k, records)
            })
            .collect()
    }

    /// Opens the PR/MR of `branch` (at `head`) and runs the risk report on it: on a forge the
    /// one comment/note it wrote; in local mode, where there is no PR, the JSON report of each
    /// component over the same range.
    fn risk_on_change(&self, base: &str, head: &str, branch: &str) -> RiskSeen {
        match self.kind {
            Kind::GitHub => {
                let number = {
                    let mut pull = Pull::open(PR_TITLE, branch, head);
                    pull.user = "alice".into();
                    self.forge().state().github.add_pull(REPO, pull)
                };
                let (base, head) = (base.to_string(), head.to_string());
                let step = Runner::new(&self.repo, self.forge()).step(
                    "pull_request.opened",
                    |p| {
                        p["number"] = number.into();
                        p["pull_request"]["number"] = number.into();
                        p["pull_request"]["title"] = PR_TITLE.into();
                        p["pull_request"]["head"]["sha"] = head.into();
                        p["pull_request"]["head"]["ref"] = branch.into();
                        p["pull_request"]["base"]["sha"] = base.into();
                        p["pull_request"]["base"]["ref"] = "main".into();
                    },
                    "shipline-risk",
                    &["--comment"],
                );
                assert_eq!(step.output.status.code(), Some(0), "{}", step.stdout());
                let comments: Vec<String> = self
                    .forge()
                    .state()
                    .github
                    .comments_on(REPO, number)
                    .into_iter()
                    .map(|c| c.body)
                    .collect();
                assert_eq!(comments.len(), 1, "{comments:#?}");
                RiskSeen::Comment(comments[0].clone())
            }
            Kind::GitLab => {
                let iid = self.forge().state().gitlab.add_merge_request(
                    PROJECT,
                    NewMergeRequest {
                        title: PR_TITLE.into(),
                        author: "alice".into(),
                        source_branch: branch.into(),
                        target_branch: "main".into(),
                        sha: head.into(),
                        commits: vec![head.into()],
                        merged_as: None,
                    },
                );
                let mut vars = self.gitlab_job_vars(GitLabPipeline::MergeRequest, head);
                let id = self.gitlab_project_id.to_string();
                for (key, value) in [
                    ("CI_COMMIT_BEFORE_SHA", ZEROS.to_string()),
                    ("CI_COMMIT_REF_NAME", branch.to_string()),
                    ("CI_MERGE_REQUEST_IID", iid.to_string()),
                    ("CI_MERGE_REQUEST_TITLE", PR_TITLE.to_string()),
                    ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.to_string()),
                    ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", branch.to_string()),
                    ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", head.to_string()),
                    ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main".to_string()),
                    ("CI_MERGE_REQUEST_PROJECT_ID", id.clone()),
                    ("CI_MERGE_REQUEST_PROJECT_PATH", PROJECT.to_string()),
                    ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", id),
                    ("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", PROJECT.to_string()),
                ] {
                    vars.insert(key.to_string(), value);
                }
                self.gitlab_job(vars, "shipline-risk", &["--comment"])
                    .assert_code(0);
                let state = self.forge().state();
                let notes: Vec<String> = state
                    .gitlab
                    .project(PROJECT)
                    .expect("project")
                    .comments(iid)
                    .into_iter()
                    .map(|n| n.body.clone())
                    .collect();
                assert_eq!(notes.len(), 1, "{notes:#?}");
                RiskSeen::Comment(notes[0].clone())
            }
            Kind::Local => RiskSeen::PerComponent(
                ["api", "web", "worker"]
                    .into_iter()
                    .map(|component| {
                        let run = self.local(
                            "shipline-risk",
                            &[
                                "--component",
                                component,
                                "--base",
                                base,
                                "--head",
                                head,
                                "--format",
                                "json",
                            ],
                        );
                        run.assert_code(0);
                        (component.to_string(), run.json())
                    })
                    .collect(),
            ),
        }
    }

    /// The revert PR/MR the failed rollout opened: its title and description. Local mode opens
    /// none (the branch is in the checkout).
    fn revert_request(&self, branch: &str) -> Option<(String, String)> {
        match self.kind {
            Kind::GitHub => {
                let state = self.forge().state();
                let pulls: Vec<&Pull> = state.github.repos[REPO]
                    .pulls
                    .values()
                    .filter(|p| p.head_ref.starts_with("shipline/revert-"))
                    .collect();
                assert_eq!(pulls.len(), 1, "{pulls:#?}");
                assert_eq!(pulls[0].head_ref, branch);
                assert_eq!(pulls[0].base_ref, "main");
                Some((pulls[0].title.clone(), pulls[0].body.clone()))
            }
            Kind::GitLab => {
                let state = self.forge().state();
                let project = state.gitlab.project(PROJECT).expect("project");
                let mrs: Vec<_> = project
                    .merge_requests
                    .iter()
                    .filter(|m| m.source_branch.starts_with("shipline/revert-"))
                    .collect();
                assert_eq!(mrs.len(), 1, "{mrs:#?}");
                assert_eq!(mrs[0].source_branch, branch);
                assert_eq!(mrs[0].target_branch, "main");
                Some((mrs[0].title.clone(), mrs[0].description.clone()))
            }
            Kind::Local => None,
        }
    }

    /// The commits the revert branch reverts (`This reverts commit X.`). On a forge the branch
    /// is read from origin, where the revert pushed it.
    fn reverted_by(&self, branch: &str) -> BTreeSet<String> {
        let rev = if self.kind == Kind::Local {
            branch.to_string()
        } else {
            self.repo.run([
                "fetch",
                "-q",
                "origin",
                &format!("+refs/heads/{branch}:refs/remotes/origin/{branch}"),
            ]);
            format!("origin/{branch}")
        };
        self.repo
            .run(["log", "--format=%B%x00", &format!("main..{rev}")])
            .split('\0')
            .filter_map(|message| {
                let (_, rest) = message.split_once("This reverts commit ")?;
                Some(rest.trim_end().trim_end_matches('.').to_string())
            })
            .collect()
    }

    /// Commits `files` on main as `message` and pushes.
    fn commit(&self, message: &str, files: &[(&str, &str)]) -> String {
        let mut commit = self.repo.commit(message);
        for (path, text) in files {
            commit = commit.file(path, text);
        }
        let sha = commit.create();
        self.repo.push();
        sha
    }
}

/// What the risk report on the PR/MR showed.
enum RiskSeen {
    /// The sticky comment or MR note.
    Comment(String),
    /// Local mode: `--component NAME` over the same range, for each component.
    PerComponent(BTreeMap<String, Value>),
}

/// The upstream gate's evidence in a promotion's JSON report.
fn upstream(report: &Value) -> String {
    report["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .find(|g| g["gate"] == "upstream")
        .and_then(|g| g["evidence"].as_str())
        .unwrap_or_else(|| panic!("no upstream gate in {report:#}"))
        .to_string()
}

/// A commit's abbreviation as the tools print it.
fn short(sha: &str) -> &str {
    &sha[..12]
}

/// The story, the same on every backend.
fn scenario(kind: Kind) {
    let b = Backend::new(kind);
    let repo = &b.repo;
    let c0 = repo.head();

    // 1. `api` and `web` deployed to staging, `api` promoted to production at the same commit.
    b.deploy(ZEROS, &c0, "staging", "api");
    b.deploy(ZEROS, &c0, "staging", "web");
    let first = b.promote(ZEROS, &c0, "api", "production");
    first.assert_code(0);
    assert_eq!(first.json()["environment"], "production/api");
    assert_eq!(
        b.records("production/api"),
        [(c0.clone(), "success".to_string())]
    );

    // 2. A PR/MR touching `web` alone: its report has a `web` section and names the other two
    // unchanged.
    let branch = "feature-settings";
    repo.branch(branch);
    let head = repo
        .commit("feat(web): a settings page")
        .file("apps/web/src/settings.ts", "export const settings = {};\n")
        .author("Alice Author", "alice@example.com")
        .create();
    repo.run(["push", "-q", "origin", branch]);
    match b.risk_on_change(&c0, &head, branch) {
        RiskSeen::Comment(body) => {
            assert!(body.starts_with("<!-- shipline-risk -->"), "{body}");
            assert!(body.contains("**Per component**"), "{body}");
            assert!(body.contains("\n### web: "), "{body}");
            assert!(!body.contains("\n### api: "), "{body}");
            assert!(!body.contains("\n### worker: "), "{body}");
            assert!(body.contains("\nUnchanged: api, worker.\n"), "{body}");
        }
        RiskSeen::PerComponent(reports) => {
            for (component, changes) in [("api", 0), ("web", 1), ("worker", 0)] {
                let report = &reports[component];
                assert_eq!(report["component"], component, "{report:#}");
                assert_eq!(
                    report["changes"].as_array().map(Vec::len),
                    Some(changes),
                    "{component}: {report:#}"
                );
            }
        }
    }
    repo.checkout("main");
    repo.run([
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge the settings page",
        branch,
    ]);
    repo.push();
    let c1 = repo.head();

    // 3. Only `web` changed: it goes to staging and on to production; `api` goes to production
    // at c1 too, by identical content (staging ran it at c0).
    b.deploy(&c0, &c1, "staging", "web");
    b.promote(&c0, &c1, "web", "production").assert_code(0);
    let same = b.promote(&c0, &c1, "api", "production");
    same.assert_code(0);
    let evidence = upstream(&same.json());
    assert!(evidence.contains("`staging/api`: deployment"), "{evidence}");
    assert!(
        evidence.contains(&format!(
            "with {}, whose `api` content is the same as {}'s",
            short(&c0),
            short(&c1)
        )),
        "{evidence}"
    );

    // 4. A change under `api`'s excluded docs: not in its range, and the promotion by identical
    // content still passes.
    let c2 = b.commit(
        "docs(api): a better guide",
        &[("services/api/docs/guide.md", "# api guide\n\nMore.\n")],
    );
    let range = b.push_step(
        &c1,
        &c2,
        "shipline-risk",
        &["--component", "api", "--format", "json"],
    );
    range.assert_code(0);
    let report = range.json();
    assert_eq!(report["component"], "api", "{report:#}");
    assert_eq!(
        report["changes"].as_array().map(Vec::len),
        Some(0),
        "the excluded docs count: {report:#}"
    );
    assert_eq!(range.output("changes"), "0");
    let docs = b.promote(&c1, &c2, "api", "production");
    docs.assert_code(0);
    let evidence = upstream(&docs.json());
    assert!(
        evidence.contains(&format!(
            "with {}, whose `api` content is the same as {}'s",
            short(&c0),
            short(&c2)
        )),
        "{evidence}"
    );

    // 5. A change under the shared `libs/common/**` is a change of `api`: staging never ran
    // that content, so the promotion is refused.
    let c3 = b.commit(
        "fix(common): trim inputs",
        &[("libs/common/src/lib.rs", "pub fn common() { /* trim */ }\n")],
    );
    let refused = b.promote(&c2, &c3, "api", "production");
    refused.assert_code(3);
    let evidence = upstream(&refused.json());
    assert!(
        evidence.contains("or of a commit with the same `api` content"),
        "{evidence}"
    );
    assert!(
        evidence.contains(&format!("latest is {} (success)", short(&c0))),
        "{evidence}"
    );
    assert!(!evidence.contains("content is the same"), "{evidence}");

    // 6. More changes: `api`'s own, its excluded docs, `web`'s. `api` goes to staging, then its
    // production rollout fails and is reverted: only what changed `api` since its last good
    // production deployment (c2), i.e. the shared library and its own change.
    let c4 = b.commit(
        "feat(api): rate limits",
        &[("services/api/src/limits.rs", "pub const LIMIT: u32 = 10;\n")],
    );
    let c5 = b.commit(
        "docs(api): rate limits",
        &[("services/api/docs/limits.md", "# limits\n")],
    );
    let c6 = b.commit(
        "feat(web): dark mode",
        &[("apps/web/src/dark.ts", "export const dark = true;\n")],
    );
    b.deploy(&c3, &c6, "staging", "api");
    let before = b.other_records("production/api");
    std::fs::write(b.scratch.path().join("fail-api"), "").expect("arm the failure");
    let failed = b.promote(&c3, &c6, "api", "production");
    failed.assert_code(1);
    let report = failed.json();
    assert_eq!(report["promoted"], false, "{report:#}");
    let revert = &report["revert"];
    let expected_status = if kind == Kind::Local {
        "local"
    } else {
        "opened"
    };
    assert_eq!(revert["status"], expected_status, "{report:#}");
    assert_eq!(revert["from"], c2.as_str(), "{report:#}");
    let revert_branch = revert["branch"]
        .as_str()
        .unwrap_or_else(|| panic!("no revert branch: {report:#}"))
        .to_string();
    let reverted = b.reverted_by(&revert_branch);
    assert!(
        !reverted.contains(&c5) && !reverted.contains(&c6),
        "{reverted:?}"
    );
    assert_eq!(
        reverted,
        [c3.clone(), c4.clone()].into_iter().collect(),
        "the revert must take back only `api`'s commits (c3 shared, c4 own), not c5 (excluded \
         docs) or c6 (web)"
    );
    if let Some((title, body)) = b.revert_request(&revert_branch) {
        assert!(title.starts_with("Revert "), "{title}");
        assert!(
            body.contains("Only the changes to component `api` are reverted"),
            "{body}"
        );
        assert!(body.contains("rate limits"), "{body}");
        assert!(body.contains("trim inputs"), "{body}");
        assert!(!body.contains("dark mode"), "{body}");
        assert!(body.contains("production/api"), "{body}");
    }
    // The revert leaves the docs and web's change in place.
    let rev = if kind == Kind::Local {
        revert_branch.clone()
    } else {
        format!("origin/{revert_branch}")
    };
    assert_eq!(
        repo.run(["show", &format!("{rev}:apps/web/src/dark.ts")]),
        "export const dark = true;"
    );
    assert_eq!(
        repo.run(["show", &format!("{rev}:services/api/docs/limits.md")]),
        "# limits"
    );
    assert!(
        !repo
            .try_output([
                "cat-file",
                "-e",
                &format!("{rev}:services/api/src/limits.rs")
            ])
            .status
            .success(),
        "the api change is reverted"
    );

    // `api`'s production record ends with the failure; nothing else changed.
    let api: Vec<String> = b
        .records("production/api")
        .into_iter()
        .map(|(sha, _)| sha)
        .collect();
    assert_eq!(api, [c0.clone(), c1.clone(), c2.clone(), c6.clone()]);
    assert_eq!(
        b.records("production/api").last().map(|(_, s)| s.as_str()),
        Some("failure")
    );
    assert_eq!(b.other_records("production/api"), before);
    assert!(b.records("production").is_empty() && b.records("staging").is_empty());
    let log = std::fs::read_to_string(b.scratch.path().join("deploy.log")).unwrap_or_default();
    assert_eq!(
        log,
        format!("api {c0}\nweb {c1}\napi {c1}\napi {c2}\napi {c6}\n"),
        "the rollouts, each of one component"
    );

    if kind == Kind::GitHub {
        assert_github_conformance(b.forge());
    }
}

/// The story as GitHub Actions steps against the fake GitHub.
#[test]
fn components_on_github() {
    scenario(Kind::GitHub);
}

/// The story as GitLab CI jobs against the fake GitLab.
#[test]
fn components_on_gitlab() {
    scenario(Kind::GitLab);
}

/// The story in a shell with no forge: the git notes ledger.
#[test]
fn components_in_local_mode() {
    scenario(Kind::Local);
}

/// The example's `include:` of the published template, which the test swaps for the local one.
const EXAMPLE_INCLUDE: &str = r#"include:
  - remote: https://raw.githubusercontent.com/shipline/shipline/v0.1.0/.gitlab-ci-template.yml
    inputs:
      version: "0.1.0"
"#;

/// `examples/gitlab/deploy-components.yml` as a project would run it here: the template from
/// the checkout, the tools already on PATH (`install: path`).
fn example_pipeline() -> String {
    let path = gitlab::workspace_root().join("examples/gitlab/deploy-components.yml");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        text.contains(EXAMPLE_INCLUDE),
        "{} no longer includes the template as this test expects:\n{text}",
        path.display()
    );
    text.replace(
        EXAMPLE_INCLUDE,
        "include:\n  - local: .gitlab-ci-template.yml\n    inputs:\n      install: path\n",
    )
}

/// The example's two matrices on two pushes: the first pipeline of the branch deploys every
/// component to staging and promotes each to production; a push changing `web` alone deploys
/// and promotes `web` alone, the other jobs ending without a deployment.
#[test]
#[cfg_attr(
    not(gitlab_ci_local),
    ignore = "needs gitlab-ci-local and rsync: npm install --global gitlab-ci-local@4.60.0 (Node 20), apt-get install rsync; .ci/run installs both"
)]
fn the_gitlab_example_deploys_only_the_changed_components() {
    gitlab::require_tools("pipeline_components");
    let scratch = tempfile::tempdir().expect("scratch");
    let scratch_path = scratch.path().to_string_lossy().into_owned();
    let repo = TestRepo::new();
    repo.commit("chore: the workspace")
        .file(".shipline.yml", config(&scratch_path))
        .file(".gitlab-ci-template.yml", gitlab::template())
        .file(".gitlab-ci.yml", example_pipeline())
        .file(
            "deploy.sh",
            format!("#!/bin/sh\necho \"$1 $2 $CI_COMMIT_SHA\" >> {scratch_path}/staging.log\n"),
        )
        .file("Cargo.lock", "# lockfile v1\n")
        .file("libs/common/src/lib.rs", "pub fn common() {}\n")
        .file("services/api/src/main.rs", "fn main() {}\n")
        .file("apps/web/src/app.ts", "export const app = 1;\n")
        .file("services/worker/src/main.rs", "fn main() {}\n")
        // What the jobs leave in the checkout, which this test shares with them.
        .file(
            ".gitignore",
            ".gitlab-ci-local/\n.shipline/\nshipline.env\nshipline-report.md\nrisk.json\n",
        )
        .create();
    repo.run(["update-index", "--chmod=+x", "deploy.sh"]);
    repo.run(["commit", "-q", "--amend", "--no-edit"]);
    std::fs::set_permissions(
        repo.path().join("deploy.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod deploy.sh");
    repo.push();
    let c0 = repo.head();
    let forge = FakeForge::start();
    let project = gitlab::connect(&repo, &forge, PROJECT, GITLAB_TOKEN);
    let home = tempfile::tempdir().expect("HOME");
    let run = |before: &str| {
        repo.run(["clean", "-q", "-ffdx", "-e", ".gitlab-ci-local/"]);
        let mut vars = project.vars.clone();
        vars.push(("CI_PIPELINE_SOURCE".into(), "push".into()));
        vars.push(("CI_COMMIT_BEFORE_SHA".into(), before.into()));
        gitlab::Pipeline {
            repo: repo.path(),
            home: home.path(),
            path: vec![gitlab::shipline_bins()],
            vars,
            file: None,
        }
        .run_isolated(&[])
    };
    let records = |key: &str| -> Vec<(String, String)> {
        let state = forge.state();
        let project = state.gitlab.project(PROJECT).expect("project");
        let Some(env) = project.environment(key) else {
            return Vec::new();
        };
        project
            .deployments
            .iter()
            .filter(|d| d.environment_id == env.id)
            .map(|d| (d.sha.clone(), d.status.clone()))
            .collect()
    };
    let read = |name: &str| std::fs::read_to_string(scratch.path().join(name)).unwrap_or_default();
    let sorted = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };

    // The first pipeline of the branch: no previous head, every component goes out.
    let first = run(ZEROS);
    first.assert_success();
    for component in ["api", "web", "worker"] {
        for env in ["staging", "production"] {
            assert_eq!(
                records(&format!("{env}/{component}")),
                [(c0.clone(), "success".to_string())],
                "{env}/{component}\n{}",
                first.log
            );
        }
    }
    assert!(records("staging").is_empty() && records("production").is_empty());
    assert_eq!(
        sorted(read("staging.log")),
        [
            format!("staging api {c0}"),
            format!("staging web {c0}"),
            format!("staging worker {c0}")
        ],
        "{}",
        first.log
    );
    assert_eq!(
        sorted(read("deploy.log")),
        [
            format!("api {c0}"),
            format!("web {c0}"),
            format!("worker {c0}")
        ],
        "{}",
        first.log
    );

    // A push changing `web` alone: `web` is deployed and promoted; `api` and `worker` not.
    let c1 = repo
        .commit("feat(web): a settings page")
        .file("apps/web/src/settings.ts", "export const settings = {};\n")
        .create();
    repo.push();
    let second = run(&c0);
    second.assert_success();
    for env in ["staging", "production"] {
        assert_eq!(
            records(&format!("{env}/web")),
            [
                (c0.clone(), "success".to_string()),
                (c1.clone(), "success".to_string())
            ],
            "{env}/web\n{}",
            second.log
        );
        for component in ["api", "worker"] {
            assert_eq!(
                records(&format!("{env}/{component}")),
                [(c0.clone(), "success".to_string())],
                "{env}/{component}\n{}",
                second.log
            );
        }
    }
    assert!(
        second
            .log
            .contains("api: not changed by this push, not deployed"),
        "{}",
        second.log
    );
    assert!(
        second
            .log
            .contains("worker: production runs this content already"),
        "{}",
        second.log
    );
    assert_eq!(
        sorted(read("staging.log"))
            .into_iter()
            .filter(|l| l.ends_with(&c1))
            .collect::<Vec<_>>(),
        [format!("staging web {c1}")],
        "{}",
        second.log
    );
    assert_eq!(
        sorted(read("deploy.log"))
            .into_iter()
            .filter(|l| l.ends_with(&c1))
            .collect::<Vec<_>>(),
        [format!("web {c1}")],
        "{}",
        second.log
    );
}
