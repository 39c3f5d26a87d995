//! The machinery of the components story in `pipeline_components.rs`: a [`Backend`] runs the
//! four real binaries the way each place runs them (a GitHub Actions step through the simulated
//! runner, a GitLab CI job with GitLab's documented predefined variables, a developer's shell
//! with no forge) and reads back what each left: outputs, the ledger's records, the risk
//! comment or note, the revert PR/MR and branch.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

use serde_json::Value;
use shipline_core::ledger::{Ledger, ListQuery};
use shipline_testkit::fixtures::{GitLabPipeline, gitlab_vars, parse_env_file};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::github::Pull;
use shipline_testkit::forge::gitlab::{NewMergeRequest, access};
use shipline_testkit::repo::TestRepo;

use crate::runner::{REPO, Runner, TOKEN as GITHUB_TOKEN};

/// The project's path on the fake GitLab: the one GitLab's documented variables name.
pub const PROJECT: &str = "root-group/child-group/awesome-project";
/// The project access token of the GitLab jobs (a masked CI/CD variable on a real instance).
pub const GITLAB_TOKEN: &str = "glpat-components-story-token";
/// `CI_COMMIT_BEFORE_SHA` and a push's `before` when there is no previous head.
pub const ZEROS: &str = "0000000000000000000000000000000000000000";
/// The PR/MR touching `web` alone.
pub const PR_TITLE: &str = "Web: a settings page";

/// Production's rollout logs each call and fails while `fail-<component>` exists in the scratch
/// directory; staging is deployed by the team's own script between `status start` and `finish`.
pub fn config(scratch: &str) -> String {
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
pub enum Kind {
    /// Steps of a GitHub Actions job, against the fake GitHub.
    GitHub,
    /// GitLab CI jobs, against the fake GitLab.
    GitLab,
    /// A shell with no CI variables: the git notes ledger.
    Local,
}

/// What one run of a tool left: its exit code, streams and outputs.
pub struct Run {
    /// Exit status, stdout, stderr.
    pub output: Output,
    /// The outputs (`deployment-id`, `changes`, ...), however the backend hands them on.
    pub outputs: BTreeMap<String, String>,
}

impl Run {
    /// The exit code (-1 when a signal ended the process).
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    /// Stdout as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Stderr as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Panics with both streams unless the exit code is `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
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
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout()))
    }

    /// One output, panicking with all of them when it is absent.
    pub fn output(&self, name: &str) -> String {
        self.outputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no output `{name}` in {:?}", self.outputs))
    }
}

/// The repository, the forge it lives on (if any), and how its tools are run there.
pub struct Backend {
    kind: Kind,
    /// The checkout, whose bare origin the forge serves.
    pub repo: TestRepo,
    forge: Option<FakeForge>,
    /// The scratch directory the rollout command writes to.
    pub scratch: tempfile::TempDir,
    /// HOME, the dotenv report and the Markdown report of GitLab jobs.
    home: tempfile::TempDir,
    gitlab_project_id: u64,
}

impl Backend {
    /// The three components, a shared library and the root lockfile on `main`, pushed, and the
    /// forge (when there is one) serving the repository.
    pub fn new(kind: Kind) -> Self {
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
    pub fn forge(&self) -> &FakeForge {
        self.forge.as_ref().expect("a forge")
    }

    /// Runs `tool args` as a push to main from `before` to `sha` would (a step, a job, or a
    /// shell whose checkout is at `sha`).
    pub fn push_step(&self, before: &str, sha: &str, tool: &str, args: &[&str]) -> Run {
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
    pub fn deploy(&self, before: &str, sha: &str, env: &str, component: &str) {
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
    pub fn promote(&self, before: &str, sha: &str, component: &str, env: &str) -> Run {
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
    pub fn records(&self, key: &str) -> Vec<(String, String)> {
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
                project
                    .deployments_of(key)
                    .into_iter()
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
    pub fn other_records(&self, but: &str) -> BTreeMap<String, Vec<(String, String)>> {
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
    pub fn risk_on_change(&self, base: &str, head: &str, branch: &str) -> RiskSeen {
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
    pub fn revert_request(&self, branch: &str) -> Option<(String, String)> {
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
    pub fn reverted_by(&self, branch: &str) -> BTreeSet<String> {
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
    pub fn commit(&self, message: &str, files: &[(&str, &str)]) -> String {
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
pub enum RiskSeen {
    /// The sticky comment or MR note.
    Comment(String),
    /// Local mode: `--component NAME` over the same range, for each component.
    PerComponent(BTreeMap<String, Value>),
}
