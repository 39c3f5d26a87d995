//! Real git repositories in temp dirs, for tests of everything that reads or writes history.
//!
//! A [`TestRepo`] is a work repository plus a bare `origin`, with a fixed identity, `main` as the
//! default branch and a clock that advances one hour per commit, so commit SHAs are the same on
//! every run. PRs are merged the way GitHub and GitLab merge them ([`MergeStyle`]), producing the
//! same subjects and graph shapes the tools have to recognise. [`fast_import`] builds long
//! synthetic histories in one `git fast-import` stream for benchmarks and equivalence tests.
//!
//! These are test helpers: a git failure panics with the command and git's message.

mod fast_import;
mod git;

pub use fast_import::{FastImportSpec, FastImportSummary, bench_repo, fast_import};
pub use git::{DEFAULT_AUTHOR, EPOCH, TICK, git_in};

use std::cell::Cell;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

use shipline_core::git::Git;
use tempfile::TempDir;

use git::{check, command};

/// A work repository with a bare `origin`, both inside one temp dir.
pub struct TestRepo {
    dir: TempDir,
    work: PathBuf,
    bare: PathBuf,
    clock: Cell<i64>,
    clones: Cell<usize>,
    owner: String,
    project: String,
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

impl TestRepo {
    /// An empty repository on `main` with an empty bare `origin` (slug `acme/widgets`).
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("shipline-repo-")
            .tempdir()
            .expect("create a temp dir for a test repository");
        let work = dir.path().join("work");
        let bare = dir.path().join("origin.git");
        let repo = Self {
            work: work.clone(),
            bare: bare.clone(),
            dir,
            clock: Cell::new(EPOCH),
            clones: Cell::new(0),
            owner: "acme".into(),
            project: "widgets".into(),
        };
        std::fs::create_dir_all(&work).expect("create the work dir");
        git_in(
            repo.dir.path(),
            ["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        repo.run(["init", "-q", "-b", "main"]);
        for (key, value) in [
            ("user.name", DEFAULT_AUTHOR.0),
            ("user.email", DEFAULT_AUTHOR.1),
            ("commit.gpgsign", "false"),
            ("tag.gpgsign", "false"),
            ("core.autocrlf", "false"),
        ] {
            repo.run(["config", key, value]);
        }
        repo.run(["remote", "add", "origin", &path_str(&bare)]);
        repo
    }

    /// Sets the `owner/project` slug used in merge subjects (`from owner/branch`, `group/proj!12`).
    pub fn with_slug(mut self, owner: &str, project: &str) -> Self {
        self.owner = owner.into();
        self.project = project.into();
        self
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        &self.work
    }

    /// The bare `origin` repository.
    pub fn bare_path(&self) -> &Path {
        &self.bare
    }

    /// A shipline git handle on the work tree.
    pub fn git(&self) -> Git {
        Git::new(&self.work)
    }

    /// Runs git in the work tree with the repo's identity and clock; panics on failure.
    pub fn run<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.try_run(args);
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// Like [`TestRepo::run`] but hands back the output whatever the exit status.
    pub fn try_output<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let t = self.clock.get();
        command(&self.work, args)
            .env("GIT_AUTHOR_DATE", format!("@{t} +0000"))
            .env("GIT_COMMITTER_DATE", format!("@{t} +0000"))
            .output()
            .expect("run git")
    }

    fn try_run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let out = self.try_output(&args);
        check(&args, out)
    }

    /// The SHA a revision resolves to.
    pub fn rev(&self, rev: &str) -> String {
        self.run(["rev-parse", "--verify", &format!("{rev}^{{commit}}")])
    }

    /// The SHA of `HEAD`.
    pub fn head(&self) -> String {
        self.rev("HEAD")
    }

    /// The time the next commit gets (seconds since the epoch).
    pub fn now(&self) -> i64 {
        self.clock.get()
    }

    /// Starts a commit on the current branch.
    pub fn commit(&self, message: &str) -> CommitBuilder<'_> {
        CommitBuilder {
            repo: self,
            spec: CommitSpec::new(message),
        }
    }

    /// Makes a commit from a spec on the current branch and returns its SHA.
    pub fn apply(&self, spec: &CommitSpec) -> String {
        for change in &spec.changes {
            match change {
                Change::Write(path, bytes) => {
                    let path = self.work.join(path);
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).expect("create parent dirs");
                    }
                    std::fs::write(&path, bytes)
                        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
                }
                Change::Delete(path) => {
                    let path = self.work.join(path);
                    std::fs::remove_file(&path)
                        .unwrap_or_else(|e| panic!("delete {}: {e}", path.display()));
                }
                Change::Rename(from, to) => {
                    let (from, to) = (self.work.join(from), self.work.join(to));
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent).expect("create parent dirs");
                    }
                    std::fs::rename(&from, &to).unwrap_or_else(|e| {
                        panic!("rename {} to {}: {e}", from.display(), to.display())
                    });
                }
            }
        }
        self.run(["add", "-A"]);
        let at = self.stamp(spec.at);
        let (name, email) = spec
            .author
            .clone()
            .unwrap_or_else(|| (DEFAULT_AUTHOR.0.into(), DEFAULT_AUTHOR.1.into()));
        let out = command(
            &self.work,
            ["commit", "-q", "--allow-empty", "--cleanup=whitespace"],
        )
        .args(["-m", &spec.message])
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_AUTHOR_DATE", format!("@{at} +0000"))
        .env("GIT_COMMITTER_DATE", format!("@{at} +0000"))
        .output()
        .expect("run git commit");
        check(&["commit"], out);
        self.head()
    }

    /// Takes the time for the next commit and moves the clock past it.
    fn stamp(&self, at: Option<i64>) -> i64 {
        let t = at.unwrap_or(self.clock.get());
        self.clock.set(t.max(self.clock.get()) + TICK);
        t
    }

    /// Creates `name` at the current commit and switches to it.
    pub fn branch(&self, name: &str) {
        self.run(["switch", "-q", "-c", name]);
    }

    /// Switches to an existing branch.
    pub fn checkout(&self, name: &str) {
        self.run(["switch", "-q", name]);
    }

    /// Merges a PR the way the forge would: the PR's commits are made on `spec.branch` (from the
    /// current `main`), then landed on `main` by `spec.style`.
    pub fn merge_pr(&self, spec: PrSpec) -> MergedPr {
        self.checkout("main");
        self.branch(&spec.branch);
        let commits: Vec<String> = spec.commits.iter().map(|c| self.apply(c)).collect();
        self.checkout("main");
        let messages: Vec<&str> = spec.commits.iter().map(|c| c.message.as_str()).collect();
        let (merge_commit, landed) = match spec.style {
            MergeStyle::Merge | MergeStyle::GitLabMerge => {
                let message = if spec.style == MergeStyle::Merge {
                    format!(
                        "Merge pull request #{} from {}/{}\n\n{}",
                        spec.number, self.owner, spec.branch, spec.title
                    )
                } else {
                    format!(
                        "Merge branch '{}' into 'main'\n\n{}\n\nSee merge request {}/{}!{}",
                        spec.branch, spec.title, self.owner, self.project, spec.number
                    )
                };
                self.stamp(None);
                self.run([
                    "merge",
                    "-q",
                    "--no-ff",
                    "--cleanup=whitespace",
                    "-m",
                    &message,
                    &spec.branch,
                ]);
                (Some(self.head()), commits.clone())
            }
            MergeStyle::Squash => {
                self.run(["merge", "-q", "--squash", &spec.branch]);
                let body: Vec<String> = messages.iter().map(|m| format!("* {m}")).collect();
                let squash = CommitSpec {
                    message: format!("{} (#{})\n\n{}", spec.title, spec.number, body.join("\n\n")),
                    changes: Vec::new(),
                    author: spec.commits.first().and_then(|c| c.author.clone()),
                    at: None,
                };
                let sha = self.apply(&squash);
                (Some(sha.clone()), vec![sha])
            }
            MergeStyle::Rebase => {
                let landed = commits
                    .iter()
                    .map(|sha| {
                        self.stamp(None);
                        self.run([
                            "cherry-pick",
                            "--allow-empty",
                            "--keep-redundant-commits",
                            sha,
                        ]);
                        self.head()
                    })
                    .collect();
                (None, landed)
            }
        };
        MergedPr {
            merge_commit,
            commits,
            landed,
            head: self.head(),
        }
    }

    /// An annotated tag at `HEAD`.
    pub fn tag(&self, name: &str) {
        self.run(["tag", "-a", name, "-m", name]);
    }

    /// Pushes `main` to `origin`.
    pub fn push(&self) {
        self.run(["push", "-q", "origin", "main"]);
    }

    /// Pushes every branch, tag and note to `origin` (forcing, as a mirror would).
    pub fn push_all(&self) {
        self.run([
            "push",
            "-q",
            "--force",
            "origin",
            "refs/heads/*:refs/heads/*",
            "refs/tags/*:refs/tags/*",
            "refs/notes/*:refs/notes/*",
        ]);
    }

    /// Pushes everything, then clones `origin` with `--depth` into a new directory inside the
    /// temp dir (removed with the repo) and returns its path; its `origin` is the bare repo.
    pub fn clone_shallow(&self, depth: u32) -> PathBuf {
        self.push_all();
        let n = self.clones.get() + 1;
        self.clones.set(n);
        let name = format!("clone-{n}");
        let url = format!("file://{}", path_str(&self.bare));
        git_in(
            self.dir.path(),
            [
                "clone",
                "-q",
                "--depth",
                &depth.to_string(),
                "--branch",
                "main",
                &url,
                &name,
            ],
        );
        self.dir.path().join(name)
    }
}

/// A commit not yet made: message, file changes, optional author and time.
#[derive(Debug, Clone)]
pub struct CommitSpec {
    message: String,
    changes: Vec<Change>,
    author: Option<(String, String)>,
    at: Option<i64>,
}

#[derive(Debug, Clone)]
enum Change {
    Write(PathBuf, Vec<u8>),
    Delete(PathBuf),
    Rename(PathBuf, PathBuf),
}

impl CommitSpec {
    /// A commit with this message and no changes yet.
    pub fn new(message: &str) -> Self {
        Self {
            message: message.into(),
            changes: Vec::new(),
            author: None,
            at: None,
        }
    }

    /// Writes a file (creating directories); paths may be any bytes the OS allows.
    pub fn file(mut self, path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> Self {
        self.changes.push(Change::Write(
            path.as_ref().into(),
            contents.as_ref().to_vec(),
        ));
        self
    }

    /// Writes a binary file (same as [`CommitSpec::file`], named for readability).
    pub fn binary(self, path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> Self {
        self.file(path, bytes)
    }

    /// Deletes a file.
    pub fn delete(mut self, path: impl AsRef<Path>) -> Self {
        self.changes.push(Change::Delete(path.as_ref().into()));
        self
    }

    /// Renames a file (git sees a rename when the content stays similar).
    pub fn rename(mut self, from: impl AsRef<Path>, to: impl AsRef<Path>) -> Self {
        self.changes
            .push(Change::Rename(from.as_ref().into(), to.as_ref().into()));
        self
    }

    /// Sets the author (the committer stays the repo's identity).
    pub fn author(mut self, name: &str, email: &str) -> Self {
        self.author = Some((name.into(), email.into()));
        self
    }

    /// Sets the author and commit time (seconds since the epoch); the clock continues after it.
    pub fn at(mut self, seconds: i64) -> Self {
        self.at = Some(seconds);
        self
    }

    /// The commit message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A commit being built on a [`TestRepo`]; [`CommitBuilder::create`] makes it.
pub struct CommitBuilder<'r> {
    repo: &'r TestRepo,
    spec: CommitSpec,
}

impl CommitBuilder<'_> {
    /// See [`CommitSpec::file`].
    pub fn file(mut self, path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> Self {
        self.spec = self.spec.file(path, contents);
        self
    }

    /// See [`CommitSpec::binary`].
    pub fn binary(mut self, path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> Self {
        self.spec = self.spec.binary(path, bytes);
        self
    }

    /// See [`CommitSpec::delete`].
    pub fn delete(mut self, path: impl AsRef<Path>) -> Self {
        self.spec = self.spec.delete(path);
        self
    }

    /// See [`CommitSpec::rename`].
    pub fn rename(mut self, from: impl AsRef<Path>, to: impl AsRef<Path>) -> Self {
        self.spec = self.spec.rename(from, to);
        self
    }

    /// See [`CommitSpec::author`].
    pub fn author(mut self, name: &str, email: &str) -> Self {
        self.spec = self.spec.author(name, email);
        self
    }

    /// See [`CommitSpec::at`].
    pub fn at(mut self, seconds: i64) -> Self {
        self.spec = self.spec.at(seconds);
        self
    }

    /// Makes the commit and returns its SHA.
    pub fn create(self) -> String {
        self.repo.apply(&self.spec)
    }
}

/// How a forge lands a PR/MR on `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeStyle {
    /// GitHub merge commit: `Merge pull request #N from owner/branch`, blank line, title.
    Merge,
    /// GitHub squash: one commit `Title (#N)` whose body lists the PR's commit messages.
    Squash,
    /// GitHub rebase: the PR's commits replayed on `main` (new SHAs, authors kept), no merge.
    Rebase,
    /// GitLab merge commit: `Merge branch 'x' into 'main'`, title, `See merge request group/proj!N`.
    GitLabMerge,
}

/// A PR/MR to merge with [`TestRepo::merge_pr`].
#[derive(Debug, Clone)]
pub struct PrSpec {
    /// PR/MR number.
    pub number: u64,
    /// Title (used in merge and squash messages).
    pub title: String,
    /// Source branch name.
    pub branch: String,
    /// The PR's commits, oldest first.
    pub commits: Vec<CommitSpec>,
    /// How it is landed.
    pub style: MergeStyle,
}

/// What merging a PR produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedPr {
    /// The merge commit (merge styles) or the squash commit; `None` for rebase.
    pub merge_commit: Option<String>,
    /// The PR's own commits on its branch, oldest first.
    pub commits: Vec<String>,
    /// The commits the PR added to `main`'s first-parent line: the merged commits for merge styles,
    /// the squash commit, or the rebased copies.
    pub landed: Vec<String>,
    /// `main` after the merge.
    pub head: String,
}

/// A git command with an environment that ignores the machine's own configuration.
fn path_str(path: &Path) -> String {
    path.to_str()
        .unwrap_or_else(|| panic!("temp path {} is not UTF-8", path.display()))
        .to_string()
}
