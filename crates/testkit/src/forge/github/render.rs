//! The fake's state as GitHub's JSON: each body starts from the description's example for the
//! operation and gets the state's fields written over it.

use base64::Engine;
use serde_json::{Value, json};

use super::respond::example;
use super::{
    CheckRun, Comment, CommitStatus, Deployment, DeploymentStatus, Issue, Pull, Release, Repo,
};

/// URLs in answers: `http://127.0.0.1:PORT` for pages, `/api/v3` under it for the API.
pub struct Urls {
    /// Web base.
    pub web: String,
    /// REST base.
    pub api: String,
}

impl Urls {
    pub fn new(base: &str) -> Self {
        Self {
            web: base.to_string(),
            api: format!("{base}/api/v3"),
        }
    }

    fn repo_api(&self, repo: &Repo) -> String {
        format!("{}/repos/{}", self.api, repo.full_name())
    }

    fn repo_web(&self, repo: &Repo) -> String {
        format!("{}/{}", self.web, repo.full_name())
    }
}

/// GraphQL-style node id: base64 of `Kind:id`.
pub fn node_id(kind: &str, id: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{kind}:{id}"))
}

/// Reads a node id made by [`node_id`].
pub fn parse_node_id(node: &str) -> Option<(String, u64)> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(node)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (kind, id) = text.split_once(':')?;
    Some((kind.to_string(), id.parse().ok()?))
}

/// A `simple-user` for `login`, from a template user object of an example.
pub fn user(template: &Value, login: &str, urls: &Urls) -> Value {
    let mut user = if template.is_object() {
        template.clone()
    } else {
        example(
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            200,
        )["user"]
            .clone()
    };
    let id = login
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
        % 1_000_000;
    user["login"] = json!(login);
    user["id"] = json!(id);
    user["node_id"] = json!(node_id("User", id));
    user["html_url"] = json!(format!("{}/{login}", urls.web));
    user["url"] = json!(format!("{}/users/{login}", urls.api));
    user
}

fn label(template: &Value, repo: &Repo, name: &str, urls: &Urls) -> Value {
    let mut label = if template.is_object() {
        template.clone()
    } else {
        example(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            200,
        )
    };
    let id = name
        .bytes()
        .fold(3u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
        % 1_000_000;
    label["id"] = json!(id);
    label["node_id"] = json!(node_id("Label", id));
    label["name"] = json!(name);
    label["url"] = json!(format!("{}/labels/{name}", urls.repo_api(repo)));
    label
}

/// `label` objects for names.
pub fn labels(repo: &Repo, names: &[String], urls: &Urls) -> Vec<Value> {
    let template = example(
        "POST",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        200,
    );
    names
        .iter()
        .map(|n| label(&template, repo, n, urls))
        .collect()
}

/// `issue-comment`.
pub fn comment(repo: &Repo, c: &Comment, urls: &Urls) -> Value {
    let mut v = example(
        "POST",
        "/repos/{owner}/{repo}/issues/{issue_number}/comments",
        201,
    );
    v["id"] = json!(c.id);
    v["node_id"] = json!(node_id("IssueComment", c.id));
    v["body"] = json!(c.body);
    v["user"] = user(&v["user"], &c.user, urls);
    v["created_at"] = json!(c.created_at);
    v["updated_at"] = json!(c.updated_at);
    v["url"] = json!(format!("{}/issues/comments/{}", urls.repo_api(repo), c.id));
    v["html_url"] = json!(format!(
        "{}/pull/{}#issuecomment-{}",
        urls.repo_web(repo),
        c.issue,
        c.id
    ));
    v["issue_url"] = json!(format!("{}/issues/{}", urls.repo_api(repo), c.issue));
    v
}

fn pull_fields(mut v: Value, repo: &Repo, p: &Pull, urls: &Urls) -> Value {
    v["id"] = json!(p.id);
    v["node_id"] = json!(node_id("PullRequest", p.id));
    v["number"] = json!(p.number);
    v["title"] = json!(p.title);
    v["body"] = json!(p.body);
    v["state"] = json!(p.state);
    v["draft"] = json!(p.draft);
    v["locked"] = json!(false);
    v["user"] = user(&v["user"], &p.user, urls);
    v["created_at"] = json!(p.created_at);
    v["updated_at"] = json!(p.merged_at.clone().unwrap_or_else(|| p.created_at.clone()));
    v["closed_at"] = json!(p.merged_at);
    v["merged_at"] = json!(p.merged_at);
    v["merge_commit_sha"] = json!(p.merge_commit_sha);
    v["labels"] = json!(labels(repo, &p.labels, urls));
    let reviewer_template = v["user"].clone();
    v["requested_reviewers"] = json!(
        p.requested_reviewers
            .iter()
            .map(|r| user(&reviewer_template, r, urls))
            .collect::<Vec<_>>()
    );
    // Teams are not modelled (and the description's own example team lacks a required field).
    v["requested_teams"] = json!([]);
    v["assignee"] = Value::Null;
    v["assignees"] = json!([]);
    v["milestone"] = Value::Null;
    v["url"] = json!(format!("{}/pulls/{}", urls.repo_api(repo), p.number));
    v["html_url"] = json!(format!("{}/pull/{}", urls.repo_web(repo), p.number));
    v["head"]["ref"] = json!(p.head_ref);
    v["head"]["sha"] = json!(p.head_sha);
    v["head"]["label"] = json!(format!("{}:{}", repo.owner, p.head_ref));
    v["base"]["ref"] = json!(p.base_ref);
    v["base"]["label"] = json!(format!("{}:{}", repo.owner, p.base_ref));
    if let Some(sha) = repo.resolve(&p.base_ref) {
        v["base"]["sha"] = json!(sha);
    }
    v
}

/// `pull-request` (the full object, as GET/POST of one PR answer).
pub fn pull(repo: &Repo, p: &Pull, urls: &Urls) -> Value {
    let mut v = pull_fields(
        example("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 200),
        repo,
        p,
        urls,
    );
    v["merged"] = json!(p.merged_at.is_some());
    v["merged_by"] = match &p.merged_by {
        Some(login) => user(&v["user"], login, urls),
        None => Value::Null,
    };
    v["mergeable"] = Value::Null;
    v["mergeable_state"] = json!(if p.state == "open" {
        "unknown"
    } else {
        "clean"
    });
    v
}

/// `pull-request-simple` (list items).
pub fn pull_simple(repo: &Repo, p: &Pull, urls: &Urls) -> Value {
    pull_fields(
        example("GET", "/repos/{owner}/{repo}/pulls", 200),
        repo,
        p,
        urls,
    )
}

/// `issue`.
pub fn issue(repo: &Repo, i: &Issue, urls: &Urls) -> Value {
    let mut v = example("POST", "/repos/{owner}/{repo}/issues", 201);
    v["id"] = json!(i.id);
    v["node_id"] = json!(node_id("Issue", i.id));
    v["number"] = json!(i.number);
    v["title"] = json!(i.title);
    v["body"] = json!(i.body);
    v["state"] = json!(if i.state.is_empty() {
        "open"
    } else {
        i.state.as_str()
    });
    v["state_reason"] = Value::Null;
    v["user"] = user(&v["user"], &i.user, urls);
    v["labels"] = json!(labels(repo, &i.labels, urls));
    v["assignee"] = Value::Null;
    v["assignees"] = json!([]);
    v["milestone"] = Value::Null;
    v["pull_request"] = Value::Null;
    v.as_object_mut().map(|o| o.remove("pull_request"));
    v["closed_at"] = Value::Null;
    v["closed_by"] = Value::Null;
    v["created_at"] = json!(i.created_at);
    v["updated_at"] = json!(i.created_at);
    v["url"] = json!(format!("{}/issues/{}", urls.repo_api(repo), i.number));
    v["html_url"] = json!(format!("{}/issues/{}", urls.repo_web(repo), i.number));
    v
}

/// `deployment`.
pub fn deployment(repo: &Repo, d: &Deployment, urls: &Urls) -> Value {
    let mut v = example(
        "GET",
        "/repos/{owner}/{repo}/deployments/{deployment_id}",
        200,
    );
    v["id"] = json!(d.id);
    v["node_id"] = json!(node_id("Deployment", d.id));
    v["sha"] = json!(d.sha);
    v["ref"] = json!(d.git_ref);
    v["task"] = json!(d.task);
    v["payload"] = d.payload.clone();
    v["original_environment"] = json!(d.environment);
    v["environment"] = json!(d.environment);
    v["description"] = json!(d.description);
    v["creator"] = user(&v["creator"], &d.creator, urls);
    v["created_at"] = json!(d.created_at);
    v["updated_at"] = json!(
        d.statuses
            .last()
            .map(|s| s.created_at.clone())
            .unwrap_or_else(|| d.created_at.clone())
    );
    v["transient_environment"] = json!(d.transient_environment);
    v["production_environment"] = json!(d.production_environment);
    v["url"] = json!(format!("{}/deployments/{}", urls.repo_api(repo), d.id));
    v["statuses_url"] = json!(format!(
        "{}/deployments/{}/statuses",
        urls.repo_api(repo),
        d.id
    ));
    v["repository_url"] = json!(urls.repo_api(repo));
    v
}

/// `deployment-status`.
pub fn deployment_status(repo: &Repo, d: &Deployment, s: &DeploymentStatus, urls: &Urls) -> Value {
    let mut v = example(
        "POST",
        "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        201,
    );
    v["id"] = json!(s.id);
    v["node_id"] = json!(node_id("DeploymentStatus", s.id));
    v["state"] = json!(s.state);
    v["description"] = json!(s.description);
    v["environment"] = json!(d.environment);
    v["environment_url"] = json!(s.environment_url);
    v["log_url"] = json!(s.log_url);
    v["target_url"] = json!(s.log_url);
    v["creator"] = user(&v["creator"], &s.creator, urls);
    v["created_at"] = json!(s.created_at);
    v["updated_at"] = json!(s.created_at);
    v["deployment_url"] = json!(format!("{}/deployments/{}", urls.repo_api(repo), d.id));
    v["repository_url"] = json!(urls.repo_api(repo));
    v["url"] = json!(format!(
        "{}/deployments/{}/statuses/{}",
        urls.repo_api(repo),
        d.id,
        s.id
    ));
    v
}

/// `simple-commit-status` items inside a `combined-commit-status`.
pub fn commit_status(template: &Value, s: &CommitStatus) -> Value {
    let mut v = template.clone();
    v["id"] = json!(s.id);
    v["node_id"] = json!(node_id("StatusContext", s.id));
    v["context"] = json!(s.context);
    v["state"] = json!(s.state);
    v["target_url"] = json!(s.target_url);
    v["description"] = json!(format!("{} is {}", s.context, s.state));
    v
}

/// `check-run`.
pub fn check_run(repo: &Repo, r: &CheckRun, urls: &Urls) -> Value {
    let mut v = example("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", 200)["check_runs"]
        [0]
    .clone();
    v["id"] = json!(r.id);
    v["node_id"] = json!(node_id("CheckRun", r.id));
    v["head_sha"] = json!(r.sha);
    v["name"] = json!(r.name);
    v["status"] = json!(r.status);
    v["conclusion"] = json!(r.conclusion);
    if r.status != "completed" {
        v["completed_at"] = Value::Null;
    }
    v["url"] = json!(format!("{}/check-runs/{}", urls.repo_api(repo), r.id));
    v["html_url"] = json!(format!("{}/runs/{}", urls.repo_web(repo), r.id));
    v["pull_requests"] = json!([]);
    v
}

/// `tag`.
pub fn tag(repo: &Repo, name: &str, sha: &str, urls: &Urls) -> Value {
    let mut v = example("GET", "/repos/{owner}/{repo}/tags", 200);
    v["name"] = json!(name);
    v["commit"] = json!({ "sha": sha, "url": format!("{}/commits/{sha}", urls.repo_api(repo)) });
    v["zipball_url"] = json!(format!("{}/zipball/{name}", urls.repo_api(repo)));
    v["tarball_url"] = json!(format!("{}/tarball/{name}", urls.repo_api(repo)));
    v["node_id"] = json!(node_id("Ref", name.len() as u64));
    v
}

/// `release`.
pub fn release(repo: &Repo, r: &Release, urls: &Urls) -> Value {
    let mut v = example("GET", "/repos/{owner}/{repo}/releases/tags/{tag}", 200);
    v["id"] = json!(r.id);
    v["node_id"] = json!(node_id("Release", r.id));
    v["tag_name"] = json!(r.tag);
    v["target_commitish"] = json!(r.target);
    v["name"] = json!(r.name);
    v["body"] = json!(r.body);
    v["draft"] = json!(false);
    v["prerelease"] = json!(r.prerelease);
    v["created_at"] = json!(r.created_at);
    v["published_at"] = json!(r.created_at);
    v["assets"] = json!([]);
    v["author"] = user(&v["author"], "octocat", urls);
    v["url"] = json!(format!("{}/releases/{}", urls.repo_api(repo), r.id));
    v["html_url"] = json!(format!("{}/releases/tag/{}", urls.repo_web(repo), r.tag));
    v["assets_url"] = json!(format!("{}/releases/{}/assets", urls.repo_api(repo), r.id));
    v["upload_url"] = json!(format!(
        "{}/releases/{}/assets{{?name,label}}",
        urls.repo_api(repo),
        r.id
    ));
    v["tarball_url"] = json!(format!("{}/tarball/{}", urls.repo_api(repo), r.tag));
    v["zipball_url"] = json!(format!("{}/zipball/{}", urls.repo_api(repo), r.tag));
    v
}
