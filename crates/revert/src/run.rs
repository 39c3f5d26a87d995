//! One revert, start to finish: target → culprit → safety and dedup checks → revert commits →
//! push → pull request.
//!
//! Every check that can stop the run comes before the first write, and reads as little from the
//! forge as possible: the branch and the default branch are checked with git, the original PR and
//! the PRs from the revert branch (every state) with one forge query. On GitHub a whole-PR
//! revert costs four requests: that query, opening the PR, labels, reviewers.

use shipline_core::app::App;
use shipline_core::context::Runtime;
use shipline_core::forge::gitlab::Landed;
use shipline_core::forge::{
    DeploymentFilter, DeploymentState, Forge, ForgeError, ForgeKind, PrState, PullRequest,
};
use shipline_core::git::{Git, GitError};
use shipline_core::ledger::{LedgerError, ListQuery};
use shipline_core::sha::{UNIQUE, prefix};

use crate::apply::{self, Applied, Pushed};
use crate::body::{self, Why};
use crate::comment::{self, Gate};
use crate::culprit::{self, Culprit};
use crate::error::RevertError;
use crate::gitlab;
use crate::publish::{conflict, local, open_pr, reply};
use crate::repo::Repo;
use crate::report::{Report, Status};
use crate::target::Target;
use crate::trigger::{self, FromEvent};

/// What the command line asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Explicit target; `None` reads the CI event.
    pub target: Option<Target>,
    /// Why (goes into the PR description).
    pub reason: Option<String>,
    /// Decide and report, change nothing.
    pub dry_run: bool,
    /// Local mode: push the branch to `origin`.
    pub push: bool,
    /// The default branch, when the context cannot tell.
    pub base: Option<String>,
    /// Limits a [`Target::Range`] to the commits that change this component (a key under
    /// `components:`, its `paths` and `shared` paths): what a failed deployment of the
    /// component alone brought, the other components' changes in the range staying.
    pub component: Option<String>,
}

/// Runs one revert and reports what happened. Errors are for failures; refusals and skips are
/// reports.
pub async fn run(app: &App, options: &Options) -> Result<Report, RevertError> {
    let git = app.git()?;
    if !git.has_commits()? {
        return Err(GitError::NoCommits {
            dir: git.dir().display().to_string(),
        }
        .into());
    }
    let forge = match connect(app) {
        Err(RevertError::Refused(why)) => return Ok(Report::refused(why)),
        other => other?,
    };
    let base = default_branch(app, &git, options)?;
    // With a forge the revert branch is pushed and the PR targets origin's branch: compare
    // with that. Without one, the branch stays in this clone.
    let base_rev = if app.ctx.runtime == Runtime::Local && forge.is_none() {
        local_base(app, &git, &base)?
    } else {
        fetch_base(&git, &base)?
    };
    let repo = Repo {
        app,
        git,
        forge,
        base,
        base_rev,
    };

    let (target, why, reason, comment_on, note) = match &options.target {
        Some(t) => (
            t.clone(),
            Why::Manual {
                actor: app.ctx.actor.clone(),
            },
            options.reason.clone(),
            None,
            None,
        ),
        None => match trigger::from_event(&app.ctx, &app.config.revert, &repo.base) {
            FromEvent::Revert {
                target,
                why,
                reason,
                comment_on,
                note,
            } => (target, why, reason, comment_on, note),
            FromEvent::Refuse(why) => return Ok(Report::refused(why)),
            FromEvent::Ignore(why) => return Ok(Report::skipped(why)),
        },
    };

    let (why, reason) = match comment::check(
        &repo,
        why,
        reason,
        comment_on,
        note.as_ref(),
        options.dry_run,
    )
    .await?
    {
        Gate::Pass { why, reason } => (why, options.reason.clone().or(reason)),
        Gate::Stop(report) => return Ok(*report),
    };

    let report = match revert(&repo, &target, &why, reason.as_deref(), options).await {
        Ok(report) => report,
        Err(RevertError::Refused(message)) => Report::refused(message),
        Err(other) => {
            if comment_on.is_some() {
                let failed = Report::refused(format!("the revert failed: {other}"));
                reply(&repo, comment_on, &failed, options.dry_run).await;
            }
            return Err(other);
        }
    };
    reply(&repo, comment_on, &report, options.dry_run).await;
    Ok(report)
}

/// The forge, when a token is there. A GitLab job token cannot push or open merge requests:
/// refused before anything is written.
fn connect(app: &App) -> Result<Option<Forge>, RevertError> {
    let forge = app.forge_with_token()?;
    if let Some(f) = &forge
        && f.kind() == ForgeKind::GitLab
        && app.var("GITLAB_TOKEN").is_none()
        && app.var("CI_JOB_TOKEN").is_some()
    {
        return Err(RevertError::Refused(format!(
            "a revert merge request cannot be opened with CI_JOB_TOKEN alone: {}",
            shipline_core::forge::gitlab::JOB_TOKEN_HINT
        )));
    }
    Ok(forge)
}

fn default_branch(app: &App, git: &Git, options: &Options) -> Result<String, RevertError> {
    if let Some(b) = options
        .base
        .clone()
        .or_else(|| app.ctx.default_branch.clone())
    {
        return Ok(b);
    }
    for candidate in ["main", "master"] {
        for rev in [
            format!("refs/remotes/origin/{candidate}"),
            format!("refs/heads/{candidate}"),
        ] {
            if git.resolve(&rev).is_ok() {
                return Ok(candidate.to_string());
            }
        }
    }
    Err(RevertError::Refused(
        "cannot tell the default branch: pass --base BRANCH (or set SHIPLINE_BASE)".into(),
    ))
}

/// Brings `origin/<base>` up to date and returns the revision to build on.
fn fetch_base(git: &Git, base: &str) -> Result<String, RevertError> {
    if git.remote_url("origin")?.is_some() {
        git.run([
            "fetch",
            "--quiet",
            "origin",
            &format!("+refs/heads/{base}:refs/remotes/origin/{base}"),
        ])?;
        return Ok(format!("refs/remotes/origin/{base}"));
    }
    let rev = format!("refs/heads/{base}");
    git.resolve(&rev)?;
    Ok(rev)
}

/// Outside CI and without a forge the default branch is the local one: that is where the user sees the commit,
/// and where the revert branch is made. `origin` is still fetched to say when it is behind (the
/// revert PR needs what it reverts pushed) or ahead; when it cannot be reached, the local
/// branch alone decides. Without a local branch of that name, `origin`'s is used as in CI.
fn local_base(app: &App, git: &Git, base: &str) -> Result<String, RevertError> {
    let local = format!("refs/heads/{base}");
    if git.resolve(&local).is_err() {
        return fetch_base(git, base);
    }
    if git.remote_url("origin")?.is_none() {
        return Ok(local);
    }
    let remote = format!("refs/remotes/origin/{base}");
    if let Err(err) = git.run([
        "fetch",
        "--quiet",
        "origin",
        &format!("+refs/heads/{base}:{remote}"),
    ]) {
        app.outputs.notice(&format!(
            "could not fetch `{base}` from origin ({}): comparing with the local `{base}` only",
            shipline_core::exit::one_line(&err)
        ));
        return Ok(local);
    }
    let count = |range: String| -> usize {
        git.run(["rev-list", "--count", &range])
            .ok()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    let behind = count(format!("{remote}..{local}"));
    let ahead = count(format!("{local}..{remote}"));
    if behind > 0 {
        app.outputs.notice(&format!(
            "origin/{base} is behind the local `{base}` by {behind} commit(s): comparing with the local `{base}`; push it before a revert PR can be opened for them"
        ));
    }
    if ahead > 0 {
        app.outputs.notice(&format!(
            "the local `{base}` is behind origin/{base} by {ahead} commit(s): comparing with the local `{base}`; pull to revert what only origin has"
        ));
    }
    Ok(local)
}

async fn revert(
    repo: &Repo<'_>,
    target: &Target,
    why: &Why,
    reason: Option<&str>,
    options: &Options,
) -> Result<Report, RevertError> {
    let Found {
        mut culprit,
        pr: known_pr,
        references,
        failed_deployment,
    } = find_culprit(repo, target, options.component.as_deref()).await?;
    // `--deployment ID` of a failed deployment (the template's revert job, a workflow step after a
    // failed rollout) is the failure itself: the description names it as the event would.
    let why = match (why, &failed_deployment) {
        (Why::Manual { .. }, Some(failed)) => failed,
        _ => why,
    };
    let branch = culprit.branch();

    // One forge read: the original PR (when not known yet) and PRs from the revert branch. A PR
    // read before its branch was known came with the PRs that reference it, and every revert PR
    // references its original: they are the revert branch's PRs, without a second read.
    let mut head_prs = Vec::new();
    if let Some(references) = references {
        head_prs = references
            .into_iter()
            .rev()
            .filter(|p| p.head_ref == branch)
            .collect();
    } else if let Some(forge) = &repo.forge {
        let lookup = culprit.pr.filter(|_| known_pr.is_none());
        let (pr, from_head) = match forge.pull_request_and_head_prs(lookup, &branch).await {
            // A `(#N)` in a subject that names no PR here (a cherry-pick from another
            // repository, say): revert the commit without PR details.
            Err(ForgeError::NotFound { .. })
                if lookup.is_some() && !matches!(target, Target::Pr(_)) =>
            {
                culprit.pr = None;
                forge.pull_request_and_head_prs(None, &branch).await?
            }
            other => other?,
        };
        if let Some(pr) = pr.as_ref().or(known_pr.as_ref()) {
            culprit = culprit.with_pull(pr);
        }
        head_prs = from_head;
    }

    let mut report = Report::new(Status::Skipped);
    report.branch = Some(branch.clone());
    report.title = Some(body::title(&culprit));
    report.body = Some(body::body(
        &culprit,
        why,
        reason,
        repo.app.ctx.run_url.as_deref(),
    ));
    report.culprit = Some(culprit.clone());

    let config = &repo.app.config.revert;
    if why.is_automatic() {
        let marker = config.opt_out_marker.trim();
        if !marker.is_empty() && culprit.text.contains(marker) {
            report.skipped = Some(format!(
                "the change opted out of automatic reverts with `{marker}` in its description or commit message"
            ));
            return Ok(report);
        }
        let today = reverts_today(&repo.git)?;
        if today >= u64::from(config.max_per_day) {
            report.skipped = Some(format!(
                "the daily cap of automatic reverts is reached ({today} today, `revert.max_per_day: {}`); use `/revert` or run the tool by hand",
                config.max_per_day
            ));
            return Ok(report);
        }
    }

    let shas: Vec<&str> = culprit.commits.iter().map(|c| c.sha.as_str()).collect();
    if let Some((by, sha)) =
        culprit::already_reverted(&repo.git, &shas, &culprit.key, &repo.base_rev)?
    {
        report.skipped = Some(format!(
            "{} already says \"This reverts commit {sha}\" on `{}`",
            prefix(&by, UNIQUE),
            repo.base
        ));
        return Ok(report);
    }
    if let Some(existing) = head_prs.first() {
        let state = match existing.state {
            PrState::Open => "open",
            PrState::Closed => "closed; it will not be opened again",
            PrState::Merged => "merged",
        };
        report.pr_number = Some(existing.number);
        report.pr_url = Some(existing.url.clone());
        report.skipped = Some(format!(
            "revert PR #{} from `{branch}` already exists ({state})",
            existing.number
        ));
        return Ok(report);
    }
    let remote = apply::remote_branch(&repo.git, &branch)?;
    if repo.forge.is_none()
        && (remote.is_some() || repo.git.resolve(&format!("refs/heads/{branch}")).is_ok())
    {
        report.skipped = Some(format!("the revert branch `{branch}` exists already"));
        return Ok(report);
    }
    if options.dry_run {
        report.status = Status::DryRun;
        return Ok(report);
    }

    if let Some(forge @ Forge::GitLab(gl)) = &repo.forge {
        let mut made_now = remote.is_none();
        if made_now {
            match gitlab::revert_on_server(repo, gl, &culprit, &branch).await? {
                gitlab::ServerRevert::Ready => {}
                gitlab::ServerRevert::MadeByAnother => made_now = false,
                gitlab::ServerRevert::Refused { sha, message } => {
                    return match gitlab::conflict_files(repo, &culprit, &branch)? {
                        Some((sha, files)) => {
                            conflict(repo, report, &culprit, why, &sha, files).await
                        }
                        None => Ok(gitlab::refused_without_conflict(report, &sha, &message)),
                    };
                }
            }
        }
        return open_pr(repo, forge, report, &culprit, &branch, made_now).await;
    }

    // A branch left on the remote by an earlier run whose PR could not be opened is reused.
    let made_now = remote.is_none();
    if made_now {
        match apply::revert_onto(&repo.git, &culprit, &repo.base_rev, &branch)? {
            Applied::Created { .. } => {}
            Applied::Empty => {
                report.skipped = Some(format!(
                    "reverting changes nothing: `{}` no longer contains these changes",
                    repo.base
                ));
                return Ok(report);
            }
            Applied::Conflict { sha, files } => {
                return conflict(repo, report, &culprit, why, &sha, files).await;
            }
        }
    }
    // Without a forge an existing revert branch was a skip above: this one is new and stays
    // local (pushed with `--push`).
    let Some(forge) = &repo.forge else {
        return local(repo, report, &branch, options.push);
    };
    let pushed_now =
        made_now && apply::push_new_branch(&repo.git, &branch, &repo.base)? == Pushed::Now;
    open_pr(repo, forge, report, &culprit, &branch, pushed_now).await
}

/// What a target points at.
struct Found {
    culprit: Culprit,
    /// The PR, when it was read from the forge.
    pr: Option<PullRequest>,
    /// The PRs that reference it, when the forge told along with it.
    references: Option<Vec<PullRequest>>,
    /// For a deployment target that failed: the failure, as evidence.
    failed_deployment: Option<Why>,
}

impl Found {
    fn commits(culprit: Culprit) -> Self {
        Self {
            culprit,
            pr: None,
            references: None,
            failed_deployment: None,
        }
    }
}

/// The culprit; for a PR read from the forge also the PR and, when the forge can tell, the PRs
/// that reference it; for a failed deployment, the failure. A range is limited to `component`'s
/// commits when one is given.
async fn find_culprit(
    repo: &Repo<'_>,
    target: &Target,
    component: Option<&str>,
) -> Result<Found, RevertError> {
    let git = &repo.git;
    match target {
        Target::Sha(sha) => {
            let sha = git.resolve(sha).map_err(|source| RevertError::Revision {
                flag: "--sha",
                source,
            })?;
            culprit::ensure_on_base(git, &sha, &repo.base_rev, &repo.base)?;
            Ok(Found::commits(culprit::for_commit(git, &sha)?))
        }
        Target::Pr(n) => {
            if let Some(sha) = culprit::find_pr_commit(git, *n, &repo.base_rev)? {
                let mut c = culprit::for_commit(git, &sha)?;
                c.pr = Some(*n);
                return Ok(Found::commits(c));
            }
            let Some(forge) = &repo.forge else {
                return Err(RevertError::Refused(format!(
                    "no merge or squash commit of #{n} on `{}`; a rebase-merged PR needs the forge (set GITHUB_TOKEN), or pass its commits with --range",
                    repo.base
                )));
            };
            let not_found = |e: ForgeError| match e {
                ForgeError::NotFound { .. } => {
                    RevertError::Refused(format!("pull request #{n} does not exist"))
                }
                other => other.into(),
            };
            // GitLab says how the merge request landed (a squash commit need not name it, a
            // fast-forward leaves only its commits); GitHub's PR and its cross-references come
            // in one query and the graph tells the rest.
            let (pr, landed, references) = match forge {
                Forge::GitLab(gl) => {
                    let (pr, landed) = gl.merge_request_landing(*n).await.map_err(not_found)?;
                    (pr, Some(landed), None)
                }
                Forge::GitHub(_) => {
                    let (pr, references) = forge
                        .pull_request_and_references(*n)
                        .await
                        .map_err(not_found)?;
                    (pr, None, references)
                }
            };
            if pr.base_ref != repo.base {
                return Err(RevertError::Refused(format!(
                    "pull request #{n} was merged into `{}`, not the default branch `{}`",
                    pr.base_ref, repo.base
                )));
            }
            let (base_rev, base) = (&repo.base_rev, &repo.base);
            let c = match &landed {
                Some(Landed::Squash(sha)) => culprit::for_squash(git, &pr, sha, base_rev, base)?,
                Some(Landed::FastForward(commits)) => {
                    culprit::for_fast_forward(git, &pr, commits, base_rev, base)?
                }
                _ => culprit::for_pull(git, &pr, base_rev, base)?,
            };
            Ok(Found {
                culprit: c,
                pr: Some(pr),
                references,
                failed_deployment: None,
            })
        }
        Target::Range { from, to } => {
            let (base_rev, base) = (&repo.base_rev, &repo.base);
            let found = match component {
                Some(name) => {
                    let component = repo.app.config.components.get(name).ok_or_else(|| {
                        RevertError::Input(format!(
                            "unknown component `{name}`: .shipline.yml defines {}",
                            repo.app.config.components.names().join(", ")
                        ))
                    })?;
                    culprit::for_component_range(git, from, to, base_rev, base, component)
                }
                None => culprit::for_range(git, from, to, base_rev, base),
            };
            let c = found.map_err(|e| match e {
                RevertError::Git(source) => RevertError::Revision {
                    flag: "--range",
                    source,
                },
                other => other,
            })?;
            Ok(Found::commits(c))
        }
        Target::Deployment(id) => deployment_culprit(repo, id).await,
    }
}

/// A deployment as the ledger that printed its id has it: a number is the forge's deployment
/// (GitHub, GitLab), anything else the git notes ledger's id (`staging-ce78641-…`).
struct Deployed {
    id: String,
    environment: String,
    sha: String,
    /// The deployment's state now.
    state: DeploymentState,
    log_url: Option<String>,
    /// Earlier successful deployments of the environment, newest first.
    good: Vec<String>,
}

async fn read_deployment(repo: &Repo<'_>, id: &str) -> Result<Deployed, RevertError> {
    if let Ok(number) = id.trim().parse::<u64>() {
        let Some(forge) = &repo.forge else {
            return Err(RevertError::Refused(format!(
                "--deployment {number} is a forge deployment id, read from the forge: set GITHUB_TOKEN or GITLAB_TOKEN"
            )));
        };
        let deployment = forge.deployment(number).await.map_err(|err| {
            if err.status() == Some(404) {
                RevertError::Ledger(LedgerError::NotFound {
                    id: id.to_string(),
                    backend: "forge",
                    hint: format!(
                        "{err}; check the id (`shipline-status show`), or pass the id `shipline-status start` printed"
                    ),
                })
            } else {
                err.into()
            }
        })?;
        let filter = DeploymentFilter {
            environment: Some(deployment.environment.clone()),
            ..DeploymentFilter::default()
        };
        let good = forge
            .list_deployments(&filter)
            .await?
            .into_iter()
            .filter(|d| d.id != deployment.id && d.created_at <= deployment.created_at)
            .filter(|d| {
                d.latest
                    .as_ref()
                    .is_some_and(|s| s.state == DeploymentState::Success)
            })
            .map(|d| d.sha)
            .collect();
        let latest = deployment.latest.as_ref();
        return Ok(Deployed {
            id: deployment.id.to_string(),
            environment: deployment.environment.clone(),
            sha: deployment.sha.clone(),
            state: latest.map_or(DeploymentState::Queued, |s| s.state),
            log_url: latest.and_then(|s| s.log_url.clone()),
            good,
        });
    }
    let ledger = repo.app.git_ledger()?;
    let deployment = ledger.get(id.trim()).await?;
    let query = ListQuery {
        environment: Some(deployment.environment.clone()),
        ..ListQuery::default()
    };
    let good = ledger
        .list(&query)
        .await?
        .into_iter()
        .filter(|d| d.id != deployment.id && d.created_at <= deployment.created_at)
        .filter(|d| d.succeeded_at().is_some())
        .map(|d| d.sha)
        .collect();
    Ok(Deployed {
        id: deployment.id,
        environment: deployment.environment,
        sha: deployment.sha,
        state: deployment.state,
        log_url: deployment.log_url,
        good,
    })
}

/// What a deployment added since the last good deployment of its environment before it.
async fn deployment_culprit(repo: &Repo<'_>, id: &str) -> Result<Found, RevertError> {
    let git = &repo.git;
    let deployment = read_deployment(repo, id).await?;
    let sha = git.resolve(&deployment.sha)?;
    culprit::ensure_on_base(git, &sha, &repo.base_rev, &repo.base)?;
    let good = deployment.good.iter().find(|good| {
        **good != sha
            && git
                .check(["merge-base", "--is-ancestor", good.as_str(), &sha])
                .unwrap_or(false)
    });
    // A component's deployment (`production/api`) reverts only what changed the component.
    let component = repo
        .app
        .config
        .deployment_target(&deployment.environment)
        .and_then(|(_, component)| component);
    let mut found = Found::commits(match (good, component) {
        (Some(good), Some(component)) => {
            culprit::for_component_range(git, good, &sha, &repo.base_rev, &repo.base, component)?
        }
        (Some(good), None) => culprit::for_range(git, good, &sha, &repo.base_rev, &repo.base)?,
        (None, _) => culprit::for_commit(git, &sha)?,
    });
    if matches!(
        deployment.state,
        DeploymentState::Failure | DeploymentState::Error
    ) {
        found.failed_deployment = Some(Why::Deployment {
            environment: deployment.environment,
            id: deployment.id,
            state: deployment.state.to_string(),
            url: deployment.log_url,
        });
    }
    Ok(found)
}

/// Revert branches pushed today (UTC), as seen on `origin`: the daily cap's count, read with git
/// so that it costs no forge request.
fn reverts_today(git: &Git) -> Result<u64, RevertError> {
    if git.remote_url("origin")?.is_none() {
        return Ok(0);
    }
    git.run([
        "fetch",
        "--quiet",
        "--prune",
        "origin",
        "+refs/heads/shipline/revert-*:refs/remotes/origin/shipline/revert-*",
    ])?;
    let today = chrono::Utc::now().date_naive();
    let out = git.run([
        "for-each-ref",
        "--format=%(committerdate:unix)",
        "refs/remotes/origin/shipline/",
    ])?;
    Ok(out
        .lines()
        .filter_map(|l| l.trim().parse::<i64>().ok())
        .filter_map(|t| chrono::DateTime::from_timestamp(t, 0))
        .filter(|t| t.date_naive() == today)
        .count() as u64)
}
