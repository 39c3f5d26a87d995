//! What the fake GitHub knows: repositories and everything that hangs off them, the tokens it
//! accepts and the permissions they lack, and the token check every route makes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use axum::response::Response;
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

use super::respond;

/// Everything the fake GitHub knows.
#[derive(Debug, Default)]
pub struct GitHubState {
    /// Repositories by `owner/name`.
    pub repos: BTreeMap<String, Repo>,
    /// Accepted bearer tokens; empty accepts any request, with or without a token.
    pub tokens: Vec<String>,
    /// Permissions the token lacks (`deployments=write`).
    pub denied: BTreeSet<String>,
    next_id: u64,
}

/// One repository and what hangs off it.
#[derive(Debug, Default, Clone)]
pub struct Repo {
    /// Owner login.
    pub owner: String,
    /// Repository name.
    pub name: String,
    /// Default branch.
    pub default_branch: String,
    /// Private repositories answer 404 to requests without a token.
    pub private: bool,
    /// A real bare repository to read refs and tags from.
    pub git_dir: Option<PathBuf>,
    /// Branch/tag → SHA, for repositories without `git_dir` (and overriding it).
    pub refs: BTreeMap<String, String>,
    /// Collaborators: login → role (`admin`, `maintain`, `write`, `triage`, `read`).
    pub collaborators: BTreeMap<String, String>,
    /// Pull requests by number.
    pub pulls: BTreeMap<u64, Pull>,
    /// Issues by number (PRs and issues share numbers, as on GitHub).
    pub issues: BTreeMap<u64, Issue>,
    /// Issue and PR comments, oldest first.
    pub comments: Vec<Comment>,
    /// Deployments, oldest first.
    pub deployments: Vec<Deployment>,
    /// Commit statuses, oldest first.
    pub commit_statuses: Vec<CommitStatus>,
    /// Check runs, oldest first.
    pub check_runs: Vec<CheckRun>,
    /// Tags (name, SHA) beyond those of `git_dir`.
    pub tags: Vec<(String, String)>,
    /// Releases.
    pub releases: Vec<Release>,
    /// Refs for which a deployment request with `auto_merge` answers 202 (GitHub merged the
    /// default branch into them first).
    pub auto_merge_refs: BTreeSet<String>,
    /// Extra commit → PR associations for GraphQL `associatedPullRequests` (head and merge
    /// commits are associated already).
    pub commit_pulls: BTreeMap<String, Vec<u64>>,
    /// "Allow auto-merge" in the repository settings (off by default, as on GitHub):
    /// `enablePullRequestAutoMerge` is refused without it.
    pub allow_auto_merge: bool,
    /// GitHub creates cross-references asynchronously: while set, a PR opened through the API
    /// does not show up in the timelines of the PRs it mentions (GraphQL `timelineItems`), as in
    /// the seconds after it was opened.
    pub cross_references_lag: bool,
    pub(super) next_number: u64,
}

/// A pull request.
#[derive(Debug, Clone, Default)]
pub struct Pull {
    /// Number (assigned by [`GitHubState::add_pull`] when 0).
    pub number: u64,
    /// Database id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// `open` or `closed`.
    pub state: String,
    /// Draft.
    pub draft: bool,
    /// Author login.
    pub user: String,
    /// Head branch.
    pub head_ref: String,
    /// Head commit.
    pub head_sha: String,
    /// Base branch.
    pub base_ref: String,
    /// Merge commit (set when merged).
    pub merge_commit_sha: Option<String>,
    /// Who merged it.
    pub merged_by: Option<String>,
    /// When it was merged.
    pub merged_at: Option<String>,
    /// Labels.
    pub labels: Vec<String>,
    /// Requested reviewers.
    pub requested_reviewers: Vec<String>,
    /// Creation time.
    pub created_at: String,
    /// Auto-merge enabled (`enablePullRequestAutoMerge`).
    pub auto_merge: bool,
    /// Approving reviews (GraphQL `reviews(states: [APPROVED]) { totalCount }`).
    pub approvals: u32,
    /// GraphQL `reviewDecision` (`APPROVED`, `CHANGES_REQUESTED`, `REVIEW_REQUIRED`), if any.
    pub review_decision: Option<String>,
    /// Opened while [`Repo::cross_references_lag`] was set: not cross-referenced yet.
    pub cross_reference_pending: bool,
}

impl Pull {
    /// An open PR from `head_ref` at `head_sha` into `main`.
    pub fn open(title: &str, head_ref: &str, head_sha: &str) -> Self {
        Self {
            title: title.into(),
            state: "open".into(),
            user: "octocat".into(),
            head_ref: head_ref.into(),
            head_sha: head_sha.into(),
            base_ref: "main".into(),
            created_at: respond::now(),
            ..Self::default()
        }
    }

    /// Marks it merged as `merge_sha` by `by`.
    pub fn merged(mut self, merge_sha: &str, by: &str) -> Self {
        self.state = "closed".into();
        self.merge_commit_sha = Some(merge_sha.into());
        self.merged_by = Some(by.into());
        self.merged_at = Some(respond::now());
        self
    }
}

/// An issue.
#[derive(Debug, Clone, Default)]
pub struct Issue {
    /// Number.
    pub number: u64,
    /// Database id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Labels.
    pub labels: Vec<String>,
    /// Author.
    pub user: String,
    /// Creation time.
    pub created_at: String,
    /// `open` or `closed` (empty reads as `open`).
    pub state: String,
}

/// An issue or PR comment.
#[derive(Debug, Clone, Default)]
pub struct Comment {
    /// Id.
    pub id: u64,
    /// Issue / PR number.
    pub issue: u64,
    /// Body.
    pub body: String,
    /// Author.
    pub user: String,
    /// Creation time.
    pub created_at: String,
    /// Last update.
    pub updated_at: String,
}

/// A deployment and its statuses (oldest first).
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    /// Id.
    pub id: u64,
    /// Commit.
    pub sha: String,
    /// Ref as requested.
    pub git_ref: String,
    /// Task (`deploy`).
    pub task: String,
    /// Environment.
    pub environment: String,
    /// Description.
    pub description: String,
    /// Payload as sent.
    pub payload: Value,
    /// Creator login.
    pub creator: String,
    /// Transient environment.
    pub transient_environment: bool,
    /// Production environment.
    pub production_environment: bool,
    /// Creation time.
    pub created_at: String,
    /// Statuses, oldest first.
    pub statuses: Vec<DeploymentStatus>,
}

impl Deployment {
    /// The newest status's state.
    pub fn latest_state(&self) -> Option<&str> {
        self.statuses.last().map(|s| s.state.as_str())
    }
}

/// A deployment status.
#[derive(Debug, Clone, Default)]
pub struct DeploymentStatus {
    /// Id.
    pub id: u64,
    /// State (`success`, `in_progress`, ...).
    pub state: String,
    /// Description.
    pub description: String,
    /// Environment URL ("" when none).
    pub environment_url: String,
    /// Log URL ("" when none).
    pub log_url: String,
    /// Creator.
    pub creator: String,
    /// Creation time.
    pub created_at: String,
}

/// A commit status.
#[derive(Debug, Clone, Default)]
pub struct CommitStatus {
    /// Id.
    pub id: u64,
    /// Commit.
    pub sha: String,
    /// Context.
    pub context: String,
    /// `success`, `pending`, `failure`, `error`.
    pub state: String,
    /// Details URL.
    pub target_url: Option<String>,
}

/// A check run.
#[derive(Debug, Clone, Default)]
pub struct CheckRun {
    /// Id.
    pub id: u64,
    /// Commit.
    pub sha: String,
    /// Name.
    pub name: String,
    /// `queued`, `in_progress`, `completed`.
    pub status: String,
    /// `success`, `failure`, `neutral`, `skipped`, ... when completed.
    pub conclusion: Option<String>,
}

/// A release.
#[derive(Debug, Clone, Default)]
pub struct Release {
    /// Id.
    pub id: u64,
    /// Tag.
    pub tag: String,
    /// Target commit or branch.
    pub target: String,
    /// Title.
    pub name: String,
    /// Notes.
    pub body: String,
    /// Pre-release.
    pub prerelease: bool,
    /// Creation time.
    pub created_at: String,
}

impl GitHubState {
    pub(super) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        1000 + self.next_id
    }

    /// Adds a public repository with default branch `main`.
    pub fn add_repo(&mut self, full_name: &str) -> &mut Repo {
        let (owner, name) = full_name
            .split_once('/')
            .unwrap_or_else(|| panic!("`{full_name}` is not owner/name"));
        self.repos
            .entry(full_name.to_string())
            .or_insert_with(|| Repo {
                owner: owner.into(),
                name: name.into(),
                default_branch: "main".into(),
                ..Repo::default()
            })
    }

    /// A repository added before.
    pub fn repo(&mut self, full_name: &str) -> &mut Repo {
        self.repos
            .get_mut(full_name)
            .unwrap_or_else(|| panic!("the fake GitHub has no repository {full_name}"))
    }

    /// Takes `permission` (`deployments=write`, `pull_requests=write`, ...) from the token.
    pub fn deny(&mut self, permission: &str) {
        self.denied.insert(permission.to_string());
    }

    /// Gives a denied permission back.
    pub fn allow(&mut self, permission: &str) {
        self.denied.remove(permission);
    }

    /// Accepts only requests carrying `Authorization: Bearer <token>` (and other tokens added).
    pub fn require_token(&mut self, token: &str) {
        self.tokens.push(token.to_string());
    }

    /// Makes `user` a collaborator with `role` (`admin`, `maintain`, `write`, `triage`, `read`).
    pub fn set_permission(&mut self, repo: &str, user: &str, role: &str) {
        self.repo(repo)
            .collaborators
            .insert(user.to_string(), role.to_string());
    }

    /// Adds a pull request; returns its number.
    pub fn add_pull(&mut self, repo: &str, mut pull: Pull) -> u64 {
        let id = self.next_id();
        let repo = self.repo(repo);
        if pull.number == 0 {
            repo.next_number += 1;
            pull.number = repo.next_number;
        }
        repo.next_number = repo.next_number.max(pull.number);
        pull.id = id;
        if pull.created_at.is_empty() {
            pull.created_at = respond::now();
        }
        let number = pull.number;
        repo.pulls.insert(number, pull);
        number
    }

    /// Adds a comment by `user`; returns its id.
    pub fn add_comment(&mut self, repo: &str, issue: u64, user: &str, body: &str) -> u64 {
        let id = self.next_id();
        let now = respond::now();
        self.repo(repo).comments.push(Comment {
            id,
            issue,
            body: body.into(),
            user: user.into(),
            created_at: now.clone(),
            updated_at: now,
        });
        id
    }

    /// Comments on one issue / PR, oldest first.
    pub fn comments_on(&self, repo: &str, issue: u64) -> Vec<Comment> {
        self.repos
            .get(repo)
            .map(|r| {
                r.comments
                    .iter()
                    .filter(|c| c.issue == issue)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Adds a deployment of `sha` to `environment`; returns its id.
    pub fn add_deployment(&mut self, repo: &str, sha: &str, environment: &str) -> u64 {
        let id = self.next_id();
        self.repo(repo).deployments.push(Deployment {
            id,
            sha: sha.into(),
            git_ref: sha.into(),
            task: "deploy".into(),
            environment: environment.into(),
            payload: Value::Object(Default::default()),
            creator: "octocat".into(),
            created_at: respond::now(),
            ..Deployment::default()
        });
        id
    }

    /// Adds a status to a deployment; returns its id.
    pub fn add_deployment_status(&mut self, repo: &str, deployment: u64, state: &str) -> u64 {
        let id = self.next_id();
        let dep = self
            .repo(repo)
            .deployments
            .iter_mut()
            .find(|d| d.id == deployment)
            .unwrap_or_else(|| panic!("no deployment {deployment}"));
        dep.statuses.push(DeploymentStatus {
            id,
            state: state.into(),
            creator: "octocat".into(),
            created_at: respond::now(),
            ..DeploymentStatus::default()
        });
        id
    }

    /// A deployment by id.
    pub fn deployment(&self, repo: &str, id: u64) -> Option<&Deployment> {
        self.repos
            .get(repo)?
            .deployments
            .iter()
            .find(|d| d.id == id)
    }

    /// Adds a commit status.
    pub fn add_commit_status(&mut self, repo: &str, sha: &str, context: &str, state: &str) {
        let id = self.next_id();
        self.repo(repo).commit_statuses.push(CommitStatus {
            id,
            sha: sha.into(),
            context: context.into(),
            state: state.into(),
            target_url: Some(format!("https://ci.example/{context}")),
        });
    }

    /// Adds a check run (`conclusion` only when `status` is `completed`).
    pub fn add_check_run(
        &mut self,
        repo: &str,
        sha: &str,
        name: &str,
        status: &str,
        conclusion: Option<&str>,
    ) {
        let id = self.next_id();
        self.repo(repo).check_runs.push(CheckRun {
            id,
            sha: sha.into(),
            name: name.into(),
            status: status.into(),
            conclusion: conclusion.map(str::to_string),
        });
    }

    /// Adds a tag.
    pub fn add_tag(&mut self, repo: &str, name: &str, sha: &str) {
        self.repo(repo).tags.push((name.into(), sha.into()));
    }
}

impl Repo {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// Resolves a branch, tag or SHA to a commit: `refs` first, then the git repository.
    pub fn resolve(&self, git_ref: &str) -> Option<String> {
        if let Some(sha) = self.refs.get(git_ref) {
            return Some(sha.clone());
        }
        if let Some(dir) = &self.git_dir {
            let out = std::process::Command::new("git")
                .arg("--git-dir")
                .arg(dir)
                .args(["rev-parse", "--verify", "--quiet"])
                .arg(format!("{git_ref}^{{commit}}"))
                .output()
                .ok()?;
            return out
                .status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
        let hex = git_ref.len() == 40 && git_ref.bytes().all(|b| b.is_ascii_hexdigit());
        hex.then(|| git_ref.to_string())
    }

    /// Tags, from `git_dir` and `tags`, by name descending.
    pub fn all_tags(&self) -> Vec<(String, String)> {
        let mut tags: BTreeMap<String, String> = self.tags.iter().cloned().collect();
        if let Some(dir) = &self.git_dir {
            let out = std::process::Command::new("git")
                .arg("--git-dir")
                .arg(dir)
                .args([
                    "for-each-ref",
                    "refs/tags",
                    "--format=%(refname:short) %(objectname) %(*objectname)",
                ])
                .output();
            if let Ok(out) = out {
                for line in String::from_utf8_lossy(&out.stdout).lines() {
                    let parts: Vec<&str> = line.split_whitespace().collect();
                    if let [name, object, rest @ ..] = parts.as_slice() {
                        let peeled = rest.first().copied().unwrap_or(object);
                        tags.entry(name.to_string())
                            .or_insert_with(|| peeled.to_string());
                    }
                }
            }
        }
        tags.into_iter().rev().collect()
    }
}

/// The token check every route makes: 401 for a wrong token, 403 with
/// `x-accepted-github-permissions` when the token lacks `permission`.
pub(crate) fn guard(
    state: &GitHubState,
    headers: &HeaderMap,
    permission: &str,
) -> Result<(), Box<Response>> {
    if !state.tokens.is_empty() {
        let presented = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("token "))
            })
            .map(str::trim);
        if !presented.is_some_and(|t| state.tokens.iter().any(|k| k == t)) {
            return Err(Box::new(respond::error(401, "Bad credentials")));
        }
    }
    if state.denied.contains(permission) {
        let mut response = respond::error(403, "Resource not accessible by integration");
        if let Ok(value) = HeaderValue::from_str(permission) {
            response
                .headers_mut()
                .insert("x-accepted-github-permissions", value);
        }
        return Err(Box::new(response));
    }
    Ok(())
}
