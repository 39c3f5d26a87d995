//! Real CI inputs for tests: GitHub webhook payloads and GitLab predefined-variable sets.
//!
//! Context detection is only as good as the inputs it is tested on, so the payloads are the
//! community examples published as `@octokit/webhooks-examples` (written by
//! `scripts/webhook-examples.mjs`, version in `fixtures/webhooks/VERSION`) and the GitLab sets
//! follow GitLab's predefined-variables reference (`fixtures/gitlab/*.env`, each names its page).
//! [`GitHubEnv`] turns a payload into the variable set a GitHub Actions job would see, with the
//! payload, `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` as real files in a temp dir. GitLab
//! webhook payloads (for triggered pipelines) are in [`gitlab_hooks`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod gitlab_hooks;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The path of a committed webhook example, e.g. `webhook_path("pull_request.opened")`.
pub fn webhook_path(name: &str) -> PathBuf {
    fixtures_dir().join("webhooks").join(format!("{name}.json"))
}

/// A committed webhook example parsed as JSON. Panics (it is a test helper) with the path and
/// the script to run when the file is missing or broken.
pub fn webhook(name: &str) -> Value {
    let path = webhook_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "webhook fixture {} is missing ({err}); available: {:?}; regenerate with `node scripts/webhook-examples.mjs`",
            path.display(),
            webhook_names()
        )
    });
    serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("webhook fixture {} is not JSON: {err}", path.display()))
}

/// Names of all committed webhook examples (`pull_request.opened`, `push`, ...), sorted.
pub fn webhook_names() -> Vec<String> {
    let dir = fixtures_dir().join("webhooks");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// The event name a webhook example belongs to (`pull_request.opened` → `pull_request`).
pub fn webhook_event(name: &str) -> &str {
    name.split_once('.').map_or(name, |(event, _)| event)
}

/// Which kind of GitLab pipeline a variable set describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitLabPipeline {
    /// A merge request pipeline (`CI_PIPELINE_SOURCE=merge_request_event`).
    MergeRequest,
    /// A push to an existing branch (the default branch).
    Branch,
    /// A tag pipeline.
    Tag,
    /// The first pipeline of a new branch (`CI_COMMIT_BEFORE_SHA` all zeros).
    NewBranch,
    /// A pipeline started by a webhook through a pipeline trigger
    /// (`CI_PIPELINE_SOURCE=trigger`, the webhook's body in `TRIGGER_PAYLOAD`).
    Trigger,
}

impl GitLabPipeline {
    /// Every kind, for tests that cover them all.
    pub const ALL: [GitLabPipeline; 5] = [
        GitLabPipeline::MergeRequest,
        GitLabPipeline::Branch,
        GitLabPipeline::Tag,
        GitLabPipeline::NewBranch,
        GitLabPipeline::Trigger,
    ];

    /// The fixture file holding this set.
    pub fn path(self) -> PathBuf {
        let file = match self {
            GitLabPipeline::MergeRequest => "merge_request.env",
            GitLabPipeline::Branch => "branch.env",
            GitLabPipeline::Tag => "tag.env",
            GitLabPipeline::NewBranch => "new_branch.env",
            GitLabPipeline::Trigger => "trigger.env",
        };
        fixtures_dir().join("gitlab").join(file)
    }
}

/// The predefined variables of a GitLab CI job for that kind of pipeline.
pub fn gitlab_vars(pipeline: GitLabPipeline) -> BTreeMap<String, String> {
    let path = pipeline.path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    parse_env_file(&text).unwrap_or_else(|(line, msg)| panic!("{}:{line}: {msg}", path.display()))
}

/// Parses `KEY=value` lines; `#` lines and blank lines are skipped; values are taken verbatim.
pub fn parse_env_file(text: &str) -> Result<BTreeMap<String, String>, (usize, String)> {
    let mut vars = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| (index + 1, format!("expected KEY=value, found `{line}`")))?;
        vars.insert(key.to_string(), value.to_string());
    }
    Ok(vars)
}

/// A GitHub Actions job environment built around one event payload.
///
/// The payload is written to `event.json` in a temp dir (kept alive as long as this value), and
/// `$GITHUB_OUTPUT` / `$GITHUB_STEP_SUMMARY` point at files next to it, so a test can run
/// detection and the output sink exactly as a job would and then read what they wrote.
#[derive(Debug)]
pub struct GitHubEnv {
    dir: tempfile::TempDir,
    vars: BTreeMap<String, String>,
}

/// The merge commit GitHub would check out for a pull request event. Made up on purpose: it must
/// differ from the payload's head and base so tests prove those come from the payload.
pub const SYNTHETIC_MERGE_SHA: &str = "5e1f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b";

/// The run id used by [`GitHubEnv`].
pub const RUN_ID: &str = "4242";

impl GitHubEnv {
    /// The variables of a job triggered by `event_name` with `payload`, as GitHub documents
    /// them: repository, SHA and ref chosen the way GitHub chooses them for that event.
    pub fn for_event(event_name: &str, payload: &Value) -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the GitHub Actions environment");
        let event_path = dir.path().join("event.json");
        std::fs::write(
            &event_path,
            serde_json::to_vec_pretty(payload).expect("payload serializes"),
        )
        .expect("write event.json");
        let workspace = dir.path().join("workspace");
        std::fs::create_dir_all(&workspace).expect("workspace dir");

        let text = |pointer: &str| payload.pointer(pointer).and_then(Value::as_str);
        let repository = text("/repository/full_name").unwrap_or("octo-org/octo-repo");
        let default_branch = text("/repository/default_branch").unwrap_or("main");
        let mut vars = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            vars.insert(k.to_string(), v.to_string());
        };
        set("CI", "true");
        set("GITHUB_ACTIONS", "true");
        set("GITHUB_REPOSITORY", repository);
        set(
            "GITHUB_REPOSITORY_OWNER",
            repository.split('/').next().unwrap_or(""),
        );
        set("GITHUB_EVENT_NAME", event_name);
        set("GITHUB_EVENT_PATH", &event_path.to_string_lossy());
        set("GITHUB_SERVER_URL", "https://github.com");
        set("GITHUB_API_URL", "https://api.github.com");
        set("GITHUB_GRAPHQL_URL", "https://api.github.com/graphql");
        set("GITHUB_RUN_ID", RUN_ID);
        set("GITHUB_RUN_ATTEMPT", "1");
        set("GITHUB_RUN_NUMBER", "7");
        set("GITHUB_WORKFLOW", "shipline");
        set("GITHUB_JOB", "shipline");
        set("GITHUB_WORKSPACE", &workspace.to_string_lossy());
        set(
            "GITHUB_OUTPUT",
            &dir.path().join("github_output").to_string_lossy(),
        );
        set(
            "GITHUB_STEP_SUMMARY",
            &dir.path().join("step_summary.md").to_string_lossy(),
        );
        set("RUNNER_TEMP", &dir.path().to_string_lossy());
        if let Some(actor) = text("/sender/login") {
            set("GITHUB_ACTOR", actor);
            set("GITHUB_TRIGGERING_ACTOR", actor);
        }
        let branch_ref = format!("refs/heads/{default_branch}");
        match event_name {
            "pull_request" | "pull_request_target" => {
                let number = payload
                    .pointer("/pull_request/number")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let head_ref = text("/pull_request/head/ref").unwrap_or("");
                let base_ref = text("/pull_request/base/ref").unwrap_or(default_branch);
                set("GITHUB_HEAD_REF", head_ref);
                set("GITHUB_BASE_REF", base_ref);
                if event_name == "pull_request" {
                    set("GITHUB_SHA", SYNTHETIC_MERGE_SHA);
                    set("GITHUB_REF", &format!("refs/pull/{number}/merge"));
                    set("GITHUB_REF_NAME", &format!("{number}/merge"));
                } else {
                    // pull_request_target runs on the base branch's last commit.
                    set("GITHUB_SHA", text("/pull_request/base/sha").unwrap_or(""));
                    set("GITHUB_REF", &format!("refs/heads/{base_ref}"));
                    set("GITHUB_REF_NAME", base_ref);
                }
            }
            "push" => {
                let git_ref = text("/ref").unwrap_or(&branch_ref);
                set("GITHUB_SHA", text("/after").unwrap_or(""));
                set("GITHUB_REF", git_ref);
                set("GITHUB_REF_NAME", short_ref(git_ref));
            }
            "workflow_dispatch" => {
                let git_ref = text("/ref").unwrap_or(&branch_ref);
                set("GITHUB_SHA", "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567");
                set("GITHUB_REF", git_ref);
                set("GITHUB_REF_NAME", short_ref(git_ref));
            }
            _ => {
                // issue_comment, deployment_status, workflow_run, schedule: the last commit on
                // the default branch (deployment_status: the deployment's SHA).
                let sha =
                    text("/deployment/sha").unwrap_or("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567");
                set("GITHUB_SHA", sha);
                set("GITHUB_REF", &branch_ref);
                set("GITHUB_REF_NAME", default_branch);
            }
        }
        if !vars.contains_key("GITHUB_HEAD_REF") {
            vars.insert("GITHUB_HEAD_REF".into(), String::new());
            vars.insert("GITHUB_BASE_REF".into(), String::new());
        }
        Self { dir, vars }
    }

    /// The same, for a committed webhook example (`GitHubEnv::for_webhook("push")`).
    pub fn for_webhook(name: &str) -> Self {
        Self::for_event(webhook_event(name), &webhook(name))
    }

    /// Adds or replaces a variable (a token, an override).
    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        self.vars.insert(key.to_string(), value.to_string());
        self
    }

    /// Removes a variable.
    pub fn remove(&mut self, key: &str) -> &mut Self {
        self.vars.remove(key);
        self
    }

    /// The variables.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// The temp dir holding the payload and output files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `$GITHUB_WORKSPACE`.
    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace")
    }

    /// The payload file (`$GITHUB_EVENT_PATH`).
    pub fn event_path(&self) -> PathBuf {
        self.dir.path().join("event.json")
    }

    /// `$GITHUB_OUTPUT`.
    pub fn output_file(&self) -> PathBuf {
        self.dir.path().join("github_output")
    }

    /// `$GITHUB_STEP_SUMMARY`.
    pub fn summary_file(&self) -> PathBuf {
        self.dir.path().join("step_summary.md")
    }
}

fn short_ref(git_ref: &str) -> &str {
    git_ref
        .strip_prefix("refs/heads/")
        .or_else(|| git_ref.strip_prefix("refs/tags/"))
        .unwrap_or(git_ref)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_webhook_fixture_parses_and_names_its_repository() {
        let names = webhook_names();
        assert!(names.len() >= 9, "{names:?}");
        for name in names {
            let payload = webhook(&name);
            assert!(
                payload.pointer("/repository/full_name").is_some(),
                "{name} lacks repository.full_name"
            );
        }
    }

    #[test]
    fn gitlab_sets_are_complete() {
        for pipeline in GitLabPipeline::ALL {
            let vars = gitlab_vars(pipeline);
            for key in [
                "GITLAB_CI",
                "CI_PROJECT_PATH",
                "CI_COMMIT_SHA",
                "CI_PIPELINE_SOURCE",
            ] {
                assert!(vars.contains_key(key), "{pipeline:?} lacks {key}");
            }
        }
        assert_eq!(
            gitlab_vars(GitLabPipeline::MergeRequest)["CI_MERGE_REQUEST_IID"],
            "17"
        );
    }

    #[test]
    fn github_env_writes_the_payload_it_describes() {
        let env = GitHubEnv::for_webhook("pull_request.opened");
        let written: Value =
            serde_json::from_slice(&std::fs::read(env.event_path()).unwrap()).unwrap();
        assert_eq!(written, webhook("pull_request.opened"));
        assert_eq!(env.vars()["GITHUB_REF"], "refs/pull/2/merge");
        assert_eq!(env.vars()["GITHUB_HEAD_REF"], "changes");
    }
}
