//! What the fake GitLab knows: projects and everything in them, users and their roles, access
//! and job tokens, and the JSON GitLab gives for a user.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// A user.
#[derive(Debug, Clone)]
pub struct User {
    /// Numeric id.
    pub id: u64,
    /// Login.
    pub username: String,
}

/// A CI/CD job token: a running job of a project, acting for the user who started it.
#[derive(Debug, Clone)]
pub struct JobToken {
    /// The job's id (`CI_JOB_ID`).
    pub job_id: u64,
    /// The project the job runs in.
    pub project_id: u64,
    /// Who triggered the pipeline.
    pub user_id: u64,
}

/// A note on a merge request.
#[derive(Debug, Clone)]
pub struct Note {
    /// Global id.
    pub id: u64,
    /// Merge request IID.
    pub mr_iid: u64,
    /// Markdown body.
    pub body: String,
    /// Author id.
    pub author_id: u64,
    /// System notes record events ("added 1 commit").
    pub system: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last edited.
    pub updated_at: DateTime<Utc>,
}

/// A merge request.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    /// Global id.
    pub id: u64,
    /// Per-project number.
    pub iid: u64,
    /// Title (a `Draft:` prefix makes it a draft).
    pub title: String,
    /// Description.
    pub description: String,
    /// `opened`, `closed`, `locked`, `merged`.
    pub state: String,
    /// Author id.
    pub author_id: u64,
    /// Source branch.
    pub source_branch: String,
    /// Target branch.
    pub target_branch: String,
    /// Head of the source branch.
    pub sha: String,
    /// Commits the merge request contains (for `commits/:sha/merge_requests`).
    pub commits: Vec<String>,
    /// Merge commit, when merged with one.
    pub merge_commit_sha: Option<String>,
    /// Squash commit, when squashed.
    pub squash_commit_sha: Option<String>,
    /// Squashed on merge (also when GitLab names no squash commit).
    pub squash: bool,
    /// Who merged.
    pub merged_by: Option<u64>,
    /// When merged.
    pub merged_at: Option<DateTime<Utc>>,
    /// Labels.
    pub labels: Vec<String>,
    /// Reviewer ids.
    pub reviewers: Vec<u64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
    /// Set to merge when its pipeline succeeds (`PUT .../merge` with `auto_merge`).
    pub auto_merge: bool,
}

/// An environment.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Where it can be reached.
    pub external_url: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A deployment.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Global id.
    pub id: u64,
    /// Per-project number.
    pub iid: u64,
    /// Environment id.
    pub environment_id: u64,
    /// Commit.
    pub sha: String,
    /// Branch or tag name.
    pub git_ref: String,
    /// Whether `git_ref` is a tag.
    pub tag: bool,
    /// `created`, `running`, `success`, `failed`, `canceled`, `skipped`, `blocked`.
    pub status: String,
    /// Who deployed.
    pub user_id: u64,
    /// The CI job that owns it (its `deployable`), if a job created it.
    pub job_id: Option<u64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
    /// Finished (a final status reached).
    pub finished_at: Option<DateTime<Utc>>,
}

/// A commit status (a CI job or an external check).
#[derive(Debug, Clone)]
pub struct CommitStatus {
    /// Id.
    pub id: u64,
    /// The pipeline it belongs to (GitLab files every status under a pipeline).
    pub pipeline_id: Option<u64>,
    /// Commit.
    pub sha: String,
    /// Name (job name or context).
    pub name: String,
    /// `pending`, `running`, `success`, `failed`, `canceled`, `skipped`, `manual`.
    pub status: String,
    /// Link.
    pub target_url: Option<String>,
    /// Whether a failure is tolerated.
    pub allow_failure: bool,
}

/// A pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Id.
    pub id: u64,
    /// Commit.
    pub sha: String,
    /// Ref.
    pub git_ref: String,
    /// Status.
    pub status: String,
}

/// An issue.
#[derive(Debug, Clone)]
pub struct Issue {
    /// Global id.
    pub id: u64,
    /// Per-project number.
    pub iid: u64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Labels.
    pub labels: Vec<String>,
    /// Author id.
    pub author_id: u64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// `opened` or `closed`.
    pub state: String,
}

/// A tag kept in state (projects backed by a git repository read theirs from it).
#[derive(Debug, Clone)]
pub struct Tag {
    /// Name.
    pub name: String,
    /// Commit.
    pub sha: String,
}

/// A release.
#[derive(Debug, Clone)]
pub struct Release {
    /// Tag name.
    pub tag: String,
    /// Title.
    pub name: String,
    /// Notes.
    pub description: String,
    /// Commit of the tag.
    pub sha: String,
    /// Author id.
    pub author_id: u64,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Who may push to and merge into a protected branch (least role for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtectedBranch {
    /// Least role allowed to push (GitLab's default: Maintainer).
    pub push: u32,
    /// Least role allowed to merge (GitLab's default: Maintainer).
    pub merge: u32,
}

/// A project and everything in it.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Numeric id.
    pub id: u64,
    /// `group/sub/project`.
    pub path_with_namespace: String,
    /// Default branch.
    pub default_branch: String,
    /// Public projects can be read without a token.
    pub public: bool,
    /// A bare git repository backing the project (tags, commits).
    pub repo: Option<PathBuf>,
    /// Role of each member, by user id (inherited roles folded in).
    pub members: BTreeMap<u64, u32>,
    /// Merge requests.
    pub merge_requests: Vec<MergeRequest>,
    /// Notes on merge requests.
    pub notes: Vec<Note>,
    /// Project labels.
    pub labels: BTreeSet<String>,
    /// Environments.
    pub environments: Vec<Environment>,
    /// Deployments.
    pub deployments: Vec<Deployment>,
    /// Commit statuses.
    pub statuses: Vec<CommitStatus>,
    /// Pipelines.
    pub pipelines: Vec<Pipeline>,
    /// Issues.
    pub issues: Vec<Issue>,
    /// Tags (when there is no backing repository).
    pub tags: Vec<Tag>,
    /// Releases.
    pub releases: Vec<Release>,
    /// Who approved each merge request (by IID), in order.
    pub approvals: BTreeMap<u64, Vec<u64>>,
    /// Approvals a merge request needs before it can be merged (approval rules).
    pub approvals_required: usize,
    /// Protected branches by name. GitLab protects the default branch when a project is made,
    /// with pushes and merges for Maintainers.
    pub protected_branches: BTreeMap<String, ProtectedBranch>,
    /// The Free tier: a merge request keeps one reviewer (Premium keeps several).
    pub free_tier: bool,
    /// The status of the pipeline GitLab starts for a push (a branch created, a commit made
    /// through the API); `None`: the project has no CI configuration and pushes start none.
    pub ci_on_push: Option<String>,
    /// Protected environments by name, with the least role allowed to deploy to each.
    pub protected_environments: BTreeMap<String, u32>,
    /// Projects whose CI/CD job tokens may call this project (the job token allowlist). A
    /// job's own project is always allowed.
    pub job_token_allowlist: BTreeSet<u64>,
}

impl Project {
    /// A merge request by IID.
    pub fn merge_request(&self, iid: u64) -> Option<&MergeRequest> {
        self.merge_requests.iter().find(|m| m.iid == iid)
    }

    /// A merge request by IID, to change it as GitLab would (merged, pushed to).
    pub fn merge_request_mut(&mut self, iid: u64) -> Option<&mut MergeRequest> {
        self.merge_requests.iter_mut().find(|m| m.iid == iid)
    }

    /// Non-system notes of a merge request.
    pub fn comments(&self, iid: u64) -> Vec<&Note> {
        self.notes
            .iter()
            .filter(|n| n.mr_iid == iid && !n.system)
            .collect()
    }

    /// Whether `role` may push to `branch` (unprotected branches: Developers and up).
    pub fn can_push(&self, branch: &str, role: u32) -> bool {
        let least = self.protected_branches.get(branch).map_or(30, |p| p.push);
        role >= least
    }

    /// Whether `role` may merge into `branch` (unprotected branches: Developers and up).
    pub fn can_merge(&self, branch: &str, role: u32) -> bool {
        let least = self.protected_branches.get(branch).map_or(30, |p| p.merge);
        role >= least
    }

    /// The newest pipeline for `sha`.
    pub fn newest_pipeline(&self, sha: &str) -> Option<&Pipeline> {
        self.pipelines
            .iter()
            .filter(|p| p.sha == sha)
            .max_by_key(|p| p.id)
    }

    /// An environment by name.
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// The deployments of the environment named `name`, oldest first; none when it does not
    /// exist.
    pub fn deployments_of(&self, name: &str) -> Vec<&Deployment> {
        let Some(env) = self.environment(name) else {
            return Vec::new();
        };
        self.deployments
            .iter()
            .filter(|d| d.environment_id == env.id)
            .collect()
    }

    pub(super) fn environment_id(&mut self, name: &str, next_id: &mut u64) -> u64 {
        if let Some(env) = self.environment(name) {
            return env.id;
        }
        *next_id += 1;
        self.environments.push(Environment {
            id: *next_id,
            name: name.to_string(),
            external_url: None,
            created_at: Utc::now(),
        });
        *next_id
    }
}

/// Everything the fake GitLab knows.
#[derive(Debug, Default)]
pub struct GitLabState {
    /// Projects.
    pub projects: Vec<Project>,
    /// Users.
    pub users: Vec<User>,
    /// Access tokens (`PRIVATE-TOKEN`) and the user each acts as.
    pub tokens: HashMap<String, u64>,
    /// Job tokens (`JOB-TOKEN`).
    pub job_tokens: HashMap<String, JobToken>,
    pub(super) next_id: u64,
}

/// What a merge request starts as, for [`GitLabState::add_merge_request`].
#[derive(Debug, Clone, Default)]
pub struct NewMergeRequest {
    /// Title.
    pub title: String,
    /// Author username (created when unknown).
    pub author: String,
    /// Source branch.
    pub source_branch: String,
    /// Target branch.
    pub target_branch: String,
    /// Head commit.
    pub sha: String,
    /// Contained commits (the head is added).
    pub commits: Vec<String>,
    /// Merge commit: set to mark the merge request merged.
    pub merged_as: Option<String>,
}

impl GitLabState {
    pub(super) fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds a project (`group/sub/name`, default branch `main`) and returns its id.
    pub fn add_project(&mut self, path: &str) -> u64 {
        // Ids like GitLab's: large, and unlike any IID.
        let id = 1000 + self.projects.len() as u64 + 1;
        let maintainer = super::access::MAINTAINER;
        self.projects.push(Project {
            id,
            path_with_namespace: path.to_string(),
            default_branch: "main".into(),
            protected_branches: BTreeMap::from([(
                "main".to_string(),
                ProtectedBranch {
                    push: maintainer,
                    merge: maintainer,
                },
            )]),
            ..Project::default()
        });
        id
    }

    /// Backs a project with a bare git repository (tags and commits are read from it).
    pub fn set_repo(&mut self, project: &str, repo: impl Into<PathBuf>) {
        self.project_mut(project).repo = Some(repo.into());
    }

    /// Adds a user (or returns the existing one's id).
    pub fn add_user(&mut self, username: &str) -> u64 {
        if let Some(u) = self.users.iter().find(|u| u.username == username) {
            return u.id;
        }
        let id = self.next();
        self.users.push(User {
            id,
            username: username.to_string(),
        });
        id
    }

    /// Registers an access token acting as `username` with `role` on `project` (a project
    /// access token's bot user, say).
    pub fn add_token(&mut self, token: &str, username: &str, project: &str, role: u32) {
        let user = self.add_user(username);
        self.tokens.insert(token.to_string(), user);
        self.project_mut(project).members.insert(user, role);
    }

    /// Registers a job token for job `job_id` in `project`, started by `username`.
    pub fn add_job_token(&mut self, token: &str, project: &str, job_id: u64, username: &str) {
        let user_id = self.add_user(username);
        let project_id = self.project_mut(project).id;
        self.job_tokens.insert(
            token.to_string(),
            JobToken {
                job_id,
                project_id,
                user_id,
            },
        );
    }

    /// Gives `username` a role on `project`.
    pub fn set_member(&mut self, project: &str, username: &str, role: u32) {
        let user = self.add_user(username);
        self.project_mut(project).members.insert(user, role);
    }

    /// A project by path or numeric id.
    pub fn project(&self, key: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.path_with_namespace == key || p.id.to_string() == key)
    }

    /// A project by path or numeric id, mutably. Panics when missing (a test set-up error).
    pub fn project_mut(&mut self, key: &str) -> &mut Project {
        self.projects
            .iter_mut()
            .find(|p| p.path_with_namespace == key || p.id.to_string() == key)
            .unwrap_or_else(|| panic!("fake GitLab has no project `{key}`"))
    }

    /// Adds a merge request and returns its IID.
    pub fn add_merge_request(&mut self, project: &str, new: NewMergeRequest) -> u64 {
        let author = self.add_user(&new.author);
        let id = self.next();
        let p = self.project_mut(project);
        let iid = p.merge_requests.len() as u64 + 1;
        let now = Utc::now();
        let mut commits = new.commits;
        if !commits.contains(&new.sha) {
            commits.push(new.sha.clone());
        }
        let merged = new.merged_as.is_some();
        p.merge_requests.push(MergeRequest {
            id,
            iid,
            title: new.title,
            description: String::new(),
            state: if merged { "merged" } else { "opened" }.into(),
            author_id: author,
            source_branch: new.source_branch,
            target_branch: new.target_branch,
            sha: new.sha,
            commits,
            merge_commit_sha: new.merged_as,
            squash_commit_sha: None,
            squash: false,
            merged_by: merged.then_some(author),
            merged_at: merged.then_some(now),
            labels: Vec::new(),
            reviewers: Vec::new(),
            created_at: now,
            updated_at: now,
            auto_merge: false,
        });
        iid
    }

    /// Records `username`'s approval of a merge request.
    pub fn approve(&mut self, project: &str, iid: u64, username: &str) {
        let user = self.add_user(username);
        let approvers = self.project_mut(project).approvals.entry(iid).or_default();
        if !approvers.contains(&user) {
            approvers.push(user);
        }
    }

    /// Adds a note (as `username`) and returns its id.
    pub fn add_note(&mut self, project: &str, iid: u64, username: &str, body: &str) -> u64 {
        let author = self.add_user(username);
        let id = self.next();
        let now = Utc::now();
        self.project_mut(project).notes.push(Note {
            id,
            mr_iid: iid,
            body: body.to_string(),
            author_id: author,
            system: false,
            created_at: now,
            updated_at: now,
        });
        id
    }

    /// Adds a deployment directly (as GitLab would for a job when `job_id` is set) and returns
    /// its id.
    pub fn add_deployment(
        &mut self,
        project: &str,
        environment: &str,
        sha: &str,
        git_ref: &str,
        status: &str,
        job_id: Option<u64>,
    ) -> u64 {
        let user_id = self.add_user("deployer");
        let id = self.next();
        let mut next_id = self.next_id;
        let p = self.project_mut(project);
        let environment_id = p.environment_id(environment, &mut next_id);
        let iid = p.deployments.len() as u64 + 1;
        let now = Utc::now();
        p.deployments.push(Deployment {
            id,
            iid,
            environment_id,
            sha: sha.to_string(),
            git_ref: git_ref.to_string(),
            tag: false,
            status: status.to_string(),
            user_id,
            job_id,
            created_at: now,
            updated_at: now,
            finished_at: None,
        });
        self.next_id = next_id;
        id
    }

    /// Adds a commit status, filed (as GitLab does without a `pipeline_id`) under the newest
    /// pipeline for the commit, if there is one.
    pub fn add_status(&mut self, project: &str, sha: &str, name: &str, status: &str) {
        let pipeline = self.project_mut(project).newest_pipeline(sha).map(|p| p.id);
        self.add_pipeline_status(project, sha, pipeline, name, status);
    }

    /// Adds a commit status (a job) to pipeline `pipeline_id`.
    pub fn add_pipeline_status(
        &mut self,
        project: &str,
        sha: &str,
        pipeline_id: Option<u64>,
        name: &str,
        status: &str,
    ) {
        let id = self.next();
        self.project_mut(project).statuses.push(CommitStatus {
            id,
            pipeline_id,
            sha: sha.to_string(),
            name: name.to_string(),
            status: status.to_string(),
            target_url: None,
            allow_failure: false,
        });
    }

    /// Adds a pipeline and returns its id.
    pub fn add_pipeline(&mut self, project: &str, sha: &str, git_ref: &str, status: &str) -> u64 {
        let id = self.next();
        self.project_mut(project).pipelines.push(Pipeline {
            id,
            sha: sha.to_string(),
            git_ref: git_ref.to_string(),
            status: status.to_string(),
        });
        id
    }

    /// Adds a tag (for projects without a backing repository).
    pub fn add_tag(&mut self, project: &str, name: &str, sha: &str) {
        self.project_mut(project).tags.push(Tag {
            name: name.to_string(),
            sha: sha.to_string(),
        });
    }

    pub(super) fn user(&self, id: u64) -> Value {
        let username = self
            .users
            .iter()
            .find(|u| u.id == id)
            .map_or("ghost", |u| u.username.as_str());
        json!({
            "id": id,
            "username": username,
            "name": username,
            "state": "active",
            "locked": false,
            "avatar_url": null,
            "web_url": format!("https://gitlab.example/{username}"),
        })
    }
}
