//! What to revert, read from the commit graph.
//!
//! A target given by a person or an event (a SHA, a PR number, a range) becomes a list of commits
//! to revert, newest first, each with the way it has to be reverted: a merge commit against its
//! first parent (`git revert -m 1`), anything else as a plain commit. How the PR was merged is
//! read from the graph and the messages the forges write (a merge commit has two parents, a
//! squash commit ends its subject with `(#N)`, a rebase merge leaves copies of the PR's commits
//! on the default branch), so the same rules work with or without a forge.

use shipline_commits::{Reverted, references};
use shipline_core::config::Component;
use shipline_core::forge::PullRequest;
use shipline_core::git::Git;
use shipline_core::sha::{UNIQUE, prefix};

use crate::error::RevertError;

/// How the culprit landed on the default branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Landing {
    /// A merge commit (`git revert -m 1`).
    Merge,
    /// One squash commit.
    Squash,
    /// The PR's commits replayed on the default branch; reverted newest first.
    Rebase,
    /// A commit pushed without a PR.
    DirectPush,
    /// A range of first-parent commits (`A..B`), newest first.
    Range,
}

/// One commit to revert.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevertCommit {
    /// Full SHA.
    pub sha: String,
    /// Its subject line.
    pub subject: String,
    /// A merge commit, reverted against its first parent.
    pub merge: bool,
    /// The author's name as git recorded it (for a merge commit: who merged).
    pub author: String,
}

/// What will be reverted and what is known about it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Culprit {
    /// How it landed.
    pub landing: Landing,
    /// The commit that names the revert branch: the merge/squash commit, the newest commit of a
    /// rebase merge or a range, or the pushed commit.
    pub key: String,
    /// Commits to revert, newest first.
    pub commits: Vec<RevertCommit>,
    /// The original PR/MR number, when there is one.
    pub pr: Option<u64>,
    /// The original PR title, else the commit subject.
    pub title: String,
    /// The original PR description or the full commit message (for the opt-out marker).
    pub text: String,
    /// The original author's forge login, when the forge told us.
    pub author: Option<String>,
    /// Link to the original PR.
    pub url: Option<String>,
    /// The culprit is itself a revert: reverting it lands the change again.
    pub reland: bool,
    /// The component whose changes alone are reverted (a failed `production/api` deployment
    /// reverts only what changed `api`), when there is one.
    pub component: Option<String>,
}

impl Culprit {
    /// The deterministic revert branch: `shipline/revert-<first 12 hex of key>`.
    pub fn branch(&self) -> String {
        branch_for(&self.key)
    }

    /// Fills in what the forge knows about the original PR.
    pub(crate) fn with_pull(mut self, pr: &PullRequest) -> Self {
        self.pr = Some(pr.number);
        self.title = pr.title.clone();
        self.text = format!("{}\n{}\n{}", pr.title, pr.body, self.text);
        self.author = Some(pr.author.clone()).filter(|a| !a.is_empty());
        self.url = Some(pr.url.clone());
        self.reland = self.reland || is_revert_title(&pr.title);
        self
    }
}

/// The revert branch for a commit.
pub fn branch_for(sha: &str) -> String {
    format!("shipline/revert-{}", prefix(sha, UNIQUE))
}

/// A commit as git reports it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// Full SHA.
    pub sha: String,
    /// Parent SHAs.
    pub parents: Vec<String>,
    /// Full message.
    pub message: String,
    /// The author's name as recorded.
    pub author: String,
}

impl CommitInfo {
    /// Reads one commit.
    pub fn read(git: &Git, rev: &str) -> Result<Self, RevertError> {
        let sha = git.resolve(rev)?;
        let out = git.run(["log", "-1", "--format=%P%x00%an%x00%B", &sha])?;
        let mut fields = out.splitn(3, '\0');
        let parents = fields.next().unwrap_or_default();
        let author = fields.next().unwrap_or_default().to_string();
        let message = fields.next().unwrap_or_default();
        Ok(Self {
            sha,
            parents: parents.split_whitespace().map(str::to_string).collect(),
            message: message.trim_end().to_string(),
            author,
        })
    }

    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or_default()
    }

    fn to_revert(&self) -> RevertCommit {
        RevertCommit {
            sha: self.sha.clone(),
            subject: self.subject().to_string(),
            merge: self.parents.len() > 1,
            author: self.author.clone(),
        }
    }
}

/// Whether a title reads as a revert (`Revert "..."`).
pub fn is_revert_title(title: &str) -> bool {
    title.trim_start().starts_with("Revert \"")
}

/// Refuses a commit that is not on the default branch: reverting it there would undo nothing.
pub fn ensure_on_base(git: &Git, sha: &str, base_rev: &str, base: &str) -> Result<(), RevertError> {
    if git.check(["merge-base", "--is-ancestor", sha, base_rev])? {
        Ok(())
    } else {
        Err(RevertError::Refused(format!(
            "commit {} is not on the default branch `{base}`: only commits that landed there can be reverted (check --sha, or --base if the default branch is another one)",
            prefix(sha, UNIQUE)
        )))
    }
}

/// The culprit for a single commit: a merge, a squash commit, or a plain commit.
pub fn for_commit(git: &Git, sha: &str) -> Result<Culprit, RevertError> {
    let info = CommitInfo::read(git, sha)?;
    let refs = references(&info.message);
    let merge = info.parents.len() > 1;
    let landing = match (&refs.pr, merge) {
        (_, true) => Landing::Merge,
        (Some(_), false) => Landing::Squash,
        (None, false) => Landing::DirectPush,
    };
    let title = if merge {
        // Forge merge commits carry the PR title on the first body line.
        info.message
            .lines()
            .skip(1)
            .find(|l| !l.trim().is_empty())
            .unwrap_or(info.subject())
            .trim()
            .to_string()
    } else {
        squash_title(info.subject())
    };
    Ok(Culprit {
        landing,
        key: info.sha.clone(),
        commits: vec![info.to_revert()],
        pr: refs.pr.map(|p| p.number),
        reland: !refs.reverts.is_empty() || is_revert_title(&title),
        component: None,
        title,
        text: info.message.clone(),
        author: None,
        url: None,
    })
}

/// The culprit for a PR found on the forge: its merge or squash commit, or (rebase merge) the
/// copies of its commits ending at `merge_commit_sha`, matched by patch id against the PR's own
/// commits.
pub fn for_pull(
    git: &Git,
    pr: &PullRequest,
    base_rev: &str,
    base: &str,
) -> Result<Culprit, RevertError> {
    landed_copies(git, pr, None, base_rev, base)
}

/// The culprit for a merge request GitLab squashed and fast-forwarded: the squash commit, whose
/// message need not name the merge request.
pub fn for_squash(
    git: &Git,
    pr: &PullRequest,
    squash: &str,
    base_rev: &str,
    base: &str,
) -> Result<Culprit, RevertError> {
    let sha = in_clone(git, squash, pr.number)?;
    ensure_on_base(git, &sha, base_rev, base)?;
    let mut culprit = for_commit(git, &sha)?.with_pull(pr);
    if culprit.landing == Landing::DirectPush {
        culprit.landing = Landing::Squash;
    }
    Ok(culprit)
}

/// The culprit for a merge request GitLab fast-forwarded without squashing: the copies of
/// `commits` (the merge request's commits, as GitLab lists them) ending at its head.
pub fn for_fast_forward(
    git: &Git,
    pr: &PullRequest,
    commits: &[String],
    base_rev: &str,
    base: &str,
) -> Result<Culprit, RevertError> {
    landed_copies(git, pr, Some(commits), base_rev, base)
}

fn in_clone(git: &Git, sha: &str, number: u64) -> Result<String, RevertError> {
    git.resolve(sha).map_err(|_| {
        RevertError::Refused(format!(
            "the merge commit {} of pull request #{number} is not in this clone: fetch the full history (`fetch-depth: 0` on actions/checkout, `GIT_DEPTH: 0` on GitLab)",
            prefix(sha, UNIQUE),
        ))
    })
}

/// A merge or squash commit, or the landed copies of the PR's own commits (given, or read from
/// the PR's head), ending at `merge_commit_sha`.
fn landed_copies(
    git: &Git,
    pr: &PullRequest,
    own_commits: Option<&[String]>,
    base_rev: &str,
    base: &str,
) -> Result<Culprit, RevertError> {
    let merged = pr
        .merge_commit_sha
        .as_deref()
        .filter(|_| pr.merged_at.is_some());
    let Some(merged) = merged else {
        return Err(RevertError::Refused(format!(
            "pull request #{} is not merged ({}): there is nothing on `{base}` to revert",
            pr.number,
            match pr.state {
                shipline_core::forge::PrState::Open => "still open",
                _ => "closed without merging",
            }
        )));
    };
    let sha = in_clone(git, merged, pr.number)?;
    ensure_on_base(git, &sha, base_rev, base)?;
    let info = CommitInfo::read(git, &sha)?;
    let single = for_commit(git, &sha)?;
    if info.parents.len() > 1 || single.pr == Some(pr.number) {
        return Ok(single.with_pull(pr));
    }
    // One parent and no squash marker for this PR: a rebase merge (or a squash whose subject
    // was edited, which is the one-commit case below).
    let own = match own_commits {
        Some(commits) => commits.to_vec(),
        None => pr_commits(git, pr)?,
    };
    let count = own.len().max(1);
    let landed: Vec<String> = git
        .run([
            "rev-list",
            "--first-parent",
            &format!("--max-count={count}"),
            &sha,
        ])?
        .lines()
        .map(str::to_string)
        .collect();
    if own.len() > 1 {
        // Compared as sets of changes: forges list a PR's commits in their own order.
        let mut want: Vec<String> = own
            .iter()
            .map(|c| patch_id(git, c))
            .collect::<Result<_, _>>()?;
        let mut have: Vec<String> = landed
            .iter()
            .map(|c| patch_id(git, c))
            .collect::<Result<_, _>>()?;
        want.sort();
        have.sort();
        if want != have {
            return Err(RevertError::Refused(format!(
                "pull request #{} looks rebase-merged, but the {} commits ending at {} on `{base}` are not its commits; revert them explicitly with --range",
                pr.number,
                own.len(),
                prefix(&sha, UNIQUE)
            )));
        }
    }
    let commits = landed
        .iter()
        .map(|c| CommitInfo::read(git, c).map(|i| i.to_revert()))
        .collect::<Result<Vec<_>, _>>()?;
    let landing = if commits.len() > 1 {
        Landing::Rebase
    } else {
        Landing::Squash
    };
    Ok(Culprit {
        landing,
        key: sha,
        commits,
        pr: Some(pr.number),
        title: pr.title.clone(),
        text: String::new(),
        author: None,
        url: None,
        reland: false,
        component: None,
    }
    .with_pull(pr))
}

/// The PR's own commits (oldest first) when its head commit is in the clone; empty otherwise.
fn pr_commits(git: &Git, pr: &PullRequest) -> Result<Vec<String>, RevertError> {
    if pr.head_sha.is_empty()
        || !git.check(["cat-file", "-e", &format!("{}^{{commit}}", pr.head_sha)])?
    {
        // The branch may still be on the remote; without it the count is unknown.
        let fetched = !pr.head_ref.is_empty()
            && git
                .run([
                    "fetch",
                    "--quiet",
                    "origin",
                    &format!("refs/heads/{}", pr.head_ref),
                ])
                .is_ok()
            && git.check(["cat-file", "-e", &format!("{}^{{commit}}", pr.head_sha)])?;
        if !fetched {
            return Err(RevertError::Refused(format!(
                "pull request #{} was rebase-merged and its commits ({}) are not in this clone, so it is unknown how many commits it landed; fetch them (`git fetch origin pull/{}/head`) or pass --range",
                pr.number,
                prefix(&pr.head_sha, UNIQUE),
                pr.number
            )));
        }
    }
    let merge_base = match pr.merge_commit_sha.as_deref() {
        Some(m) => git
            .run(["merge-base", &pr.head_sha, &format!("{m}~1")])
            .ok(),
        None => None,
    };
    let range = match merge_base {
        Some(base) => format!("{}..{}", base.trim(), pr.head_sha),
        None => pr.head_sha.clone(),
    };
    Ok(git
        .run(["rev-list", "--reverse", "--no-merges", &range])?
        .lines()
        .map(str::to_string)
        .collect())
}

fn patch_id(git: &Git, sha: &str) -> Result<String, RevertError> {
    let diff = git.output(["show", "--format=", sha])?;
    let mut cmd = git.command(["patch-id", "--stable"]);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().map_err(shipline_core::git::GitError::Spawn)?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(&diff.stdout)
            .map_err(shipline_core::git::GitError::Spawn)?;
    }
    let out = child
        .wait_with_output()
        .map_err(shipline_core::git::GitError::Spawn)?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// The culprit for a range `A..B` of the default branch: its first-parent commits, newest first.
pub fn for_range(
    git: &Git,
    from: &str,
    to: &str,
    base_rev: &str,
    base: &str,
) -> Result<Culprit, RevertError> {
    range_culprit(git, from, to, base_rev, base, None)
}

/// Like [`for_range`], only the commits that change `component` (its paths and shared paths):
/// what a failed deployment of that component alone brought.
pub fn for_component_range(
    git: &Git,
    from: &str,
    to: &str,
    base_rev: &str,
    base: &str,
    component: &Component,
) -> Result<Culprit, RevertError> {
    range_culprit(git, from, to, base_rev, base, Some(component))
}

fn range_culprit(
    git: &Git,
    from: &str,
    to: &str,
    base_rev: &str,
    base: &str,
    component: Option<&Component>,
) -> Result<Culprit, RevertError> {
    let from = git.resolve(from)?;
    let to = git.resolve(to)?;
    ensure_on_base(git, &to, base_rev, base)?;
    let mut args = vec![
        "rev-list".to_string(),
        "--first-parent".to_string(),
        format!("{from}..{to}"),
    ];
    if let Some(component) = component {
        args.push("--".to_string());
        args.extend(component.pathspecs());
    }
    let shas: Vec<String> = git.run(&args)?.lines().map(str::to_string).collect();
    if let (true, Some(component)) = (shas.is_empty(), component) {
        return Err(RevertError::Refused(format!(
            "no commit of {}..{} changes component `{}` (its `paths` and `shared` paths in .shipline.yml): nothing of it to revert; revert the range with --range if another change broke it",
            prefix(&from, UNIQUE),
            prefix(&to, UNIQUE),
            component.name()
        )));
    }
    if shas.is_empty() {
        return Err(RevertError::Input(format!(
            "the range {}..{} holds no commits: give the last good commit first and the bad one second",
            prefix(&from, UNIQUE),
            prefix(&to, UNIQUE)
        )));
    }
    let commits = shas
        .iter()
        .map(|c| CommitInfo::read(git, c).map(|i| i.to_revert()))
        .collect::<Result<Vec<_>, _>>()?;
    let title = match (commits.len(), component) {
        (1, _) => commits[0].subject.clone(),
        (n, Some(component)) => format!(
            "{n} commits to {} since {}",
            component.name(),
            prefix(&from, UNIQUE)
        ),
        (n, None) => format!("{n} commits since {}", prefix(&from, UNIQUE)),
    };
    Ok(Culprit {
        landing: Landing::Range,
        key: to,
        commits,
        pr: None,
        text: title.clone(),
        title,
        author: None,
        url: None,
        reland: false,
        component: component.map(|c| c.name().to_string()),
    })
}

/// Finds a merge or squash commit of PR `number` on the default branch from the subjects the
/// forges write (no forge needed).
pub fn find_pr_commit(
    git: &Git,
    number: u64,
    base_rev: &str,
) -> Result<Option<String>, RevertError> {
    let log = git.run(["log", "--first-parent", "--format=%H%x00%B%x1e", base_rev])?;
    for entry in log.split('\u{1e}') {
        let Some((sha, message)) = entry.trim_start().split_once('\0') else {
            continue;
        };
        if references(message).pr.is_some_and(|p| p.number == number) {
            return Ok(Some(sha.trim().to_string()));
        }
    }
    Ok(None)
}

/// A commit on the default branch after `since` whose message says it reverts one of `shas`.
pub fn already_reverted(
    git: &Git,
    shas: &[&str],
    since: &str,
    base_rev: &str,
) -> Result<Option<(String, String)>, RevertError> {
    let log = git.run([
        "log",
        "--format=%H%x00%B%x1e",
        &format!("{since}..{base_rev}"),
    ])?;
    for entry in log.split('\u{1e}') {
        let Some((sha, message)) = entry.trim_start().split_once('\0') else {
            continue;
        };
        for reverted in references(message).reverts {
            if let Reverted::Commit { sha: target } = reverted
                && target.len() >= 7
                && let Some(hit) = shas.iter().find(|s| s.starts_with(&target))
            {
                return Ok(Some((sha.trim().to_string(), hit.to_string())));
            }
        }
    }
    Ok(None)
}

/// The title of a squash commit without its `(#N)` marker.
fn squash_title(subject: &str) -> String {
    let trimmed = subject.trim_end();
    if let Some(open) = trimmed.rfind(" (#")
        && trimmed.ends_with(')')
        && trimmed[open + 3..trimmed.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return trimmed[..open].to_string();
    }
    trimmed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_titles_lose_their_marker_only() {
        assert_eq!(squash_title("Add login (#12)"), "Add login");
        assert_eq!(squash_title("Fix (#12) parsing"), "Fix (#12) parsing");
        assert_eq!(squash_title("Bump (#x)"), "Bump (#x)");
    }

    #[test]
    fn branch_names_are_deterministic() {
        assert_eq!(
            branch_for("0123456789abcdef0123456789abcdef01234567"),
            "shipline/revert-0123456789ab"
        );
    }
}
