//! The git notes ledger: deployments recorded in the repository itself.
//!
//! Each deployment event is one JSON line ([`Event`]) appended to the note of the
//! deployed commit in `refs/notes/shipline`, so `git log --notes=shipline` shows what was deployed
//! where next to the commits. No server, no token: the ledger travels with the repository.
//!
//! Writing: read the notes, validate, append the line, write a notes commit, and move the ref
//! with a compare-and-swap (a lost race is retried from a fresh read). With a remote, the
//! remote's notes are fetched and union-merged first, and the new notes commit is pushed before
//! the local ref moves: the remote's fast-forward check is the compare-and-swap, so a record is
//! either on the remote and reported, or nowhere. A push that lost a race (someone else pushed
//! first, or held the remote ref's lock) and a fetch that raced another process of the same
//! clone are retried from a fresh fetch, with exponential backoff and jitter, a bounded number
//! of times; a push the remote refuses (no access, a protected ref, a hook) is not retried. Because
//! the log is append-only and merged as a union of lines, every event of every writer ends up
//! recorded exactly once.
//!
//! Reading: fetch and merge (with a remote), then three git processes whatever the number of
//! notes: `for-each-ref`, `ls-tree -r`, `cat-file --batch`.
//!
//! Notes commits are made as `shipline <shipline@localhost>` so writing works on runners that
//! have no git identity configured. The ledger never deletes: a note deleted on one side of a
//! merge comes back from the other.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::forge::DeploymentState;
use crate::git::Git;

use super::error::LedgerError;
use super::names::{NOTES_REF, REMOTE_NOTES_REF};
use super::record::{self, DeploymentRecord, Event, EventKind, FoldedRecords};
use super::request::{KnownDeployment, ListQuery, NewDeploymentRecord, TransitionRequest};
use super::rules::{
    TransitionEffect, check_known, check_new, check_transition, new_id, same_environment,
};
use super::store::{Fetched, Notes, Pushed, Store, Swap};

/// The file in the git directory that serialises the ledger writers of one clone.
const WRITE_LOCK: &str = "shipline-ledger.lock";

/// How hard to try when other writers race this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contention {
    /// Attempts at the local compare-and-swap, and separately at the push.
    pub attempts: u32,
    /// First backoff; doubled per attempt, with jitter, capped at `max_delay`.
    pub base_delay: Duration,
    /// Longest single backoff.
    pub max_delay: Duration,
}

impl Default for Contention {
    /// Enough for dozens of parallel jobs writing through one remote: about a minute of
    /// backoff at most before giving up. Every lost race costs a fetch, a merge and a push, so
    /// under heavy contention spreading the writers out wins more than retrying sooner.
    fn default() -> Self {
        Self {
            attempts: 40,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// What a write does when the remote refuses its push (no access, a protected ref, a hook).
#[derive(Clone, Default)]
pub enum OnRefusal {
    /// Fail, and leave the record nowhere (CI: jobs share records only through the remote).
    #[default]
    Fail,
    /// Keep the record in this clone and say so once, through the sink (outside CI).
    KeepLocal(Notice),
}

/// Where a [`OnRefusal::KeepLocal`] ledger says that it kept a record to itself; said once
/// per ledger (and its clones).
#[derive(Clone)]
pub struct Notice {
    sink: Arc<dyn Fn(&str) + Send + Sync>,
    told: Arc<AtomicBool>,
}

impl Notice {
    /// Messages go to `sink`.
    pub fn new(sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self {
            sink: Arc::new(sink),
            told: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notice")
    }
}

impl std::fmt::Debug for OnRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OnRefusal::Fail => "Fail",
            OnRefusal::KeepLocal(_) => "KeepLocal",
        })
    }
}

impl Contention {
    fn pause(&self, attempt: u32) {
        let exp = self
            .base_delay
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_delay);
        let jitter = exp.mul_f64(fastrand::f64());
        std::thread::sleep(exp / 2 + jitter);
    }
}

/// The git notes backend. Its methods block (they run git); [`super::Ledger`] runs them off the
/// async executor.
#[derive(Debug, Clone)]
pub struct NotesLedger {
    git: Git,
    remote: Option<String>,
    contention: Contention,
    on_refusal: OnRefusal,
    /// Where lines of the notes that cannot be read are reported, once per ledger.
    unreadable: Option<Notice>,
}

/// The events one write appends, per annotated commit, and what the write returns.
struct Plan<T> {
    appends: Vec<Event>,
    result: T,
}

impl NotesLedger {
    /// The ledger of `git`'s repository, shared through `remote` when given.
    pub fn new(git: Git, remote: Option<String>) -> Self {
        Self {
            git,
            remote,
            contention: Contention::default(),
            on_refusal: OnRefusal::default(),
            unreadable: None,
        }
    }

    /// Reports lines of the notes that cannot be read (written by a newer version, or edited
    /// by hand) through `notice`, once per ledger; they are skipped either way.
    pub fn on_unreadable(mut self, notice: Notice) -> Self {
        self.unreadable = Some(notice);
        self
    }

    /// Replaces what a write does when the remote refuses its push.
    pub fn on_refusal(mut self, on_refusal: OnRefusal) -> Self {
        self.on_refusal = on_refusal;
        self
    }

    /// Replaces the retry policy for racing writers.
    pub fn with_contention(mut self, contention: Contention) -> Self {
        self.contention = contention;
        self
    }

    /// The remote the ledger is shared through, if any.
    pub fn remote(&self) -> Option<&str> {
        self.remote.as_deref()
    }

    fn store(&self) -> Store<'_> {
        Store { git: &self.git }
    }

    /// Every record (newest first) and every line that could not be read, after syncing with
    /// the remote. Unreadable lines are also logged as warnings by the other read methods.
    pub fn snapshot(&self) -> Result<FoldedRecords, LedgerError> {
        let commit = self.sync()?;
        let notes = self.store().read(commit)?;
        Ok(fold_notes(&notes))
    }

    fn records(&self) -> Result<Vec<DeploymentRecord>, LedgerError> {
        let folded = self.snapshot()?;
        self.warn_skipped(&folded);
        Ok(folded.records)
    }

    /// See [`super::Ledger::start`].
    pub fn start(&self, new: &NewDeploymentRecord) -> Result<DeploymentRecord, LedgerError> {
        self.start_closing_stale(new, None)
            .map(|(record, _)| record)
    }

    /// See [`super::Ledger::start_closing_stale`]: the start and the closing in one write.
    pub fn start_closing_stale(
        &self,
        new: &NewDeploymentRecord,
        stale_after: Option<TimeDelta>,
    ) -> Result<(DeploymentRecord, Vec<DeploymentRecord>), LedgerError> {
        check_new(new)?;
        let sha = self.git.resolve(&new.sha)?;
        let git_ref = if new.git_ref.trim().is_empty() {
            sha.clone()
        } else {
            new.git_ref.clone()
        };
        let ((id, closed), records) = self.write("start", |records| {
            let at = record::next_event_time(None);
            let event = Event {
                v: record::EVENT_VERSION,
                id: new_id(&new.environment, &sha, at, |id| {
                    records.iter().any(|r| r.id == id)
                }),
                event: EventKind::Start,
                environment: new.environment.clone(),
                sha: sha.clone(),
                git_ref: Some(git_ref.clone()),
                version: new.version.clone(),
                state: new.state,
                at,
                by: non_empty(&new.creator),
                url: new.environment_url.clone(),
                log_url: new.log_url.clone(),
                description: non_empty(&new.description),
                run_id: new.run_id.clone(),
                production: Some(new.production),
                transient: Some(new.transient),
                risk_score: new.risk.as_ref().map(|r| r.score),
                risk_level: new.risk.as_ref().map(|r| r.level.clone()),
            };
            let id = event.id.clone();
            let mut appends = vec![event];
            if let Some(after) = stale_after {
                for stale in records.iter().filter(|r| {
                    same_environment(&r.environment, &new.environment) && r.is_stale(at, after)
                }) {
                    let request = TransitionRequest {
                        description: record::superseded_description(stale, after, &id),
                        by: non_empty(&new.creator),
                        log_url: new.log_url.clone(),
                        ..TransitionRequest::new(DeploymentState::Error)
                    };
                    appends.push(state_event(stale, &request));
                }
            }
            let closed: Vec<String> = appends[1..].iter().map(|e| e.id.clone()).collect();
            Ok(Plan {
                appends,
                result: (id, closed),
            })
        })?;
        let closed = records
            .iter()
            .filter(|r| closed.contains(&r.id))
            .cloned()
            .collect();
        Ok((find(records, &id, self)?, closed))
    }

    /// See [`super::Ledger::transition`].
    pub fn transition(
        &self,
        id: &str,
        request: &TransitionRequest,
    ) -> Result<DeploymentRecord, LedgerError> {
        self.finish(id, None, request, false)
            .map(|(record, _)| record)
    }

    /// See [`super::Ledger::finish`]: the check against `known`, the move and, for a success
    /// with `retire`, the retiring of the deployments it supersedes, in one write.
    pub fn finish(
        &self,
        id: &str,
        known: Option<&KnownDeployment>,
        request: &TransitionRequest,
        retire: bool,
    ) -> Result<(DeploymentRecord, Vec<DeploymentRecord>), LedgerError> {
        let (retired, records) = self.write("state", |records| {
            let current = find_in(records, id).ok_or_else(|| self.not_found(id))?;
            if let Some(known) = known {
                check_known(id, &current.environment, known)?;
            }
            let mut appends = match check_transition(current, request.state)? {
                TransitionEffect::Unchanged => vec![],
                TransitionEffect::Record => vec![state_event(current, request)],
            };
            let succeeded = appends
                .first()
                .filter(|e| e.state == DeploymentState::Success)
                .map(|e| e.at)
                .or_else(|| current.succeeded_at().filter(|_| current.is_live()));
            if let (true, Some(kept)) = (retire, succeeded) {
                let retiring = TransitionRequest {
                    description: format!("superseded by {id}"),
                    ..TransitionRequest::new(DeploymentState::Inactive)
                };
                appends.extend(
                    retired_by(records, &current.environment, id, kept)
                        .map(|r| state_event(r, &retiring)),
                );
            }
            let retired: Vec<String> = appends
                .iter()
                .filter(|e| e.id != id)
                .map(|e| e.id.clone())
                .collect();
            Ok(Plan {
                appends,
                result: retired,
            })
        })?;
        let changed = records
            .iter()
            .filter(|r| retired.contains(&r.id))
            .cloned()
            .collect();
        Ok((find(records, id, self)?, changed))
    }

    /// See [`super::Ledger::get`].
    pub fn get(&self, id: &str) -> Result<DeploymentRecord, LedgerError> {
        find(self.records()?, id, self)
    }

    /// See [`super::Ledger::list`].
    pub fn list(&self, query: &ListQuery) -> Result<Vec<DeploymentRecord>, LedgerError> {
        Ok(select(self.records()?, query))
    }

    /// See [`super::Ledger::last_successful`].
    pub fn last_successful(
        &self,
        environment: &str,
    ) -> Result<Option<DeploymentRecord>, LedgerError> {
        Ok(self.records()?.into_iter().find(|r| {
            same_environment(&r.environment, environment)
                && r.reached(DeploymentState::Success).is_some()
        }))
    }

    /// See [`super::Ledger::find_by_run`]. `sha` may be a prefix of the full SHA.
    pub fn find_by_run(
        &self,
        environment: &str,
        sha: &str,
        run_id: &str,
    ) -> Result<Option<DeploymentRecord>, LedgerError> {
        Ok(self.records()?.into_iter().find(|r| {
            same_environment(&r.environment, environment)
                && !sha.is_empty()
                && r.sha.starts_with(&sha.to_ascii_lowercase())
                && r.run_id.as_deref() == Some(run_id)
        }))
    }

    /// See [`super::Ledger::deactivate_previous`]. All changes land in one notes commit.
    pub fn deactivate_previous(
        &self,
        environment: &str,
        keep_id: Option<&str>,
    ) -> Result<Vec<DeploymentRecord>, LedgerError> {
        let description = match keep_id {
            Some(keep) => format!("superseded by {keep}"),
            None => "environment deactivated".to_string(),
        };
        let (ids, records) = self.write("state", |records| {
            let request = TransitionRequest {
                description: description.clone(),
                ..TransitionRequest::new(DeploymentState::Inactive)
            };
            let kept_success = keep_id
                .and_then(|keep| find_in(records, keep))
                .and_then(DeploymentRecord::succeeded_at);
            let appends: Vec<Event> = records
                .iter()
                .filter(|r| {
                    same_environment(&r.environment, environment)
                        && r.is_live()
                        && Some(r.id.as_str()) != keep_id
                        && succeeded_before(r, kept_success)
                })
                .map(|r| state_event(r, &request))
                .collect();
            let ids: Vec<String> = appends.iter().map(|e| e.id.clone()).collect();
            Ok(Plan {
                appends,
                result: ids,
            })
        })?;
        Ok(records
            .into_iter()
            .filter(|r| ids.contains(&r.id))
            .collect())
    }

    /// The write protocol (module docs). Without a remote: plan against a fresh read and swap
    /// the local ref until the swap wins. With a remote: fetch and merge, plan, and push the new
    /// notes commit itself (fast-forward only) until the remote takes it; only then does the
    /// local ref move, so no other process can publish a record this call did not finish
    /// publishing. Returns the plan's result and the records as written.
    fn write<T>(
        &self,
        what: &str,
        mut plan: impl FnMut(&[DeploymentRecord]) -> Result<Plan<T>, LedgerError>,
    ) -> Result<(T, Vec<DeploymentRecord>), LedgerError> {
        let _lock = self.lock_writes()?;
        let store = self.store();
        let mut last_race = String::new();
        for attempt in 0..self.contention.attempts {
            if attempt > 0 {
                self.contention.pause(attempt - 1);
            }
            let (local, base) = match &self.remote {
                Some(remote) => {
                    self.fetch(&store, remote)?;
                    let (local, fetched) = store.refs()?;
                    let base = self.merged(&store, local.clone(), fetched)?;
                    (local, base)
                }
                None => {
                    let (local, _) = store.refs()?;
                    (local.clone(), local)
                }
            };
            let mut notes = store.read(base.clone())?;
            let folded = fold_notes(&notes);
            self.warn_skipped(&folded);
            let Plan { appends, result } = plan(&folded.records)?;
            if appends.is_empty() {
                return Ok((result, folded.records));
            }
            let new = self.append(&store, &mut notes, &appends, what)?;
            let records = fold_notes(&notes).records;
            let Some(remote) = &self.remote else {
                match store.swap(&new, local.as_deref())? {
                    Swap::Done => return Ok((result, records)),
                    Swap::Lost => continue,
                }
            };
            match store.push(remote, &new)? {
                Pushed::Done => {}
                Pushed::Raced(why) => {
                    tracing::debug!(remote, attempt, why, "ledger push raced; merging again");
                    last_race = why;
                    continue;
                }
                Pushed::Refused(why) => {
                    // The answer may be lost while the remote took the push: look before
                    // calling it refused.
                    if !self.landed(&store, remote, &new) {
                        self.refused(remote, why)?;
                    }
                }
            }
            // Published (or, outside CI, kept in this clone): the record exists, so the call
            // reports it even if this clone's ref cannot follow; the next read merges it.
            if let Err(err) = self.integrate(&store, &new) {
                tracing::debug!(%err, "ledger written; the local notes ref did not follow");
            }
            return Ok((result, records));
        }
        Err(LedgerError::Contended {
            target: match &self.remote {
                Some(remote) => format!("{NOTES_REF} on `{remote}`"),
                None => NOTES_REF.to_string(),
            },
            attempts: self.contention.attempts,
            last: last_race,
        })
    }

    /// Takes this clone's write lock (released when the file is dropped, or the process dies).
    /// Parallel jobs in one clone then queue instead of racing each other for the refs and the
    /// remote, which spends no processes on lost races; writers in other clones still race
    /// through the remote, as the write protocol allows.
    fn lock_writes(&self) -> Result<std::fs::File, LedgerError> {
        let common = self.git.run(["rev-parse", "--git-common-dir"])?;
        let path = self.git.dir().join(common.trim()).join(WRITE_LOCK);
        let failed = |e: std::io::Error| {
            LedgerError::Task(format!(
                "cannot take the ledger's write lock {}: {e}; check that the checkout is writable",
                path.display()
            ))
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(failed)?;
        file.lock().map_err(failed)?;
        Ok(file)
    }

    /// Appends `appends` to `notes` (each to the note of its commit) and writes the notes commit
    /// on top of `notes.commit`; returns it.
    fn append(
        &self,
        store: &Store<'_>,
        notes: &mut Notes,
        appends: &[Event],
        what: &str,
    ) -> Result<String, LedgerError> {
        let message = format!("shipline: {what} {}", appends[0].id);
        let mut by_commit: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for event in appends {
            by_commit
                .entry(event.sha.to_ascii_lowercase())
                .or_default()
                .push(event.to_line());
        }
        for (commit, lines) in by_commit {
            let text = notes.texts.entry(commit.clone()).or_default();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            for line in lines {
                text.push_str(&line);
                text.push('\n');
            }
            let blob = store.write_blob(text)?;
            notes.blobs.insert(commit, blob);
        }
        let parents: Vec<&str> = notes.commit.as_deref().into_iter().collect();
        let new = store.commit(&notes.blobs, &parents, &message)?;
        notes.commit = Some(new.clone());
        Ok(new)
    }

    /// Whether the remote has `commit` after all (a push whose answer was lost).
    fn landed(&self, store: &Store<'_>, remote: &str, commit: &str) -> bool {
        if !matches!(store.fetch(remote), Ok(Fetched::Done)) {
            return false;
        }
        match store.refs() {
            Ok((_, Some(fetched))) => store.is_ancestor(commit, &fetched).unwrap_or(false),
            _ => false,
        }
    }

    /// A push the remote refused: in CI an error (jobs share records only through the remote);
    /// outside CI the record stays in this clone, and the caller hears so once.
    fn refused(&self, remote: &str, why: String) -> Result<(), LedgerError> {
        let store = self.store();
        match &self.on_refusal {
            OnRefusal::Fail => Err(store.push_refused(remote, why)),
            OnRefusal::KeepLocal(notice) => {
                if !notice.told.swap(true, Ordering::SeqCst) {
                    let why = gist(&why);
                    (notice.sink)(&format!(
                        "`{remote}` did not take the ledger push ({why}): the deployment is recorded in this clone only ({NOTES_REF}); other clones will not see it until a push succeeds. Set SHIPLINE_LEDGER_REMOTE=none to stop trying, or give this clone push access"
                    ));
                }
                Ok(())
            }
        }
    }

    /// Makes the local ref include `commit`: moved forward to it, or merged with it when other
    /// writers of this clone moved the ref meanwhile.
    fn integrate(&self, store: &Store<'_>, commit: &str) -> Result<(), LedgerError> {
        for attempt in 0..self.contention.attempts {
            let (local, _) = store.refs()?;
            let target = match &local {
                Some(local) if store.is_ancestor(commit, local)? => return Ok(()),
                Some(local) if !store.is_ancestor(local, commit)? => {
                    match self.merged(store, Some(local.clone()), Some(commit.to_string()))? {
                        Some(merged) => merged,
                        None => return Ok(()),
                    }
                }
                _ => commit.to_string(),
            };
            if let Swap::Done = store.swap(&target, local.as_deref())? {
                return Ok(());
            }
            self.contention.pause(attempt);
        }
        Err(LedgerError::Contended {
            target: NOTES_REF.to_string(),
            attempts: self.contention.attempts,
            last: String::new(),
        })
    }

    /// Fetches the remote's notes, again after a race with another process of this clone.
    fn fetch(&self, store: &Store<'_>, remote: &str) -> Result<(), LedgerError> {
        for attempt in 0..self.contention.attempts {
            if let Fetched::Done = store.fetch(remote)? {
                return Ok(());
            }
            self.contention.pause(attempt);
        }
        Err(LedgerError::Contended {
            target: format!("{REMOTE_NOTES_REF} (fetching from `{remote}`)"),
            attempts: self.contention.attempts,
            last: String::new(),
        })
    }

    /// Fetches and merges the remote's notes (no-op without a remote) and returns the notes
    /// commit to read. The local ref is moved to it when no other process of this clone moves
    /// it at the same time; a reader does not wait for that.
    fn sync(&self) -> Result<Option<String>, LedgerError> {
        let store = self.store();
        let Some(remote) = &self.remote else {
            return Ok(store.refs()?.0);
        };
        self.fetch(&store, remote)?;
        let (local, fetched) = store.refs()?;
        let merged = self.merged(&store, local.clone(), fetched)?;
        if merged != local
            && let Some(merged) = &merged
        {
            self.integrate(&store, merged).ok();
        }
        Ok(merged)
    }

    /// The notes commit that holds both `local` and `remote`: one of them when it already
    /// holds the other, else a new union merge of the two (not referenced by any ref yet).
    fn merged(
        &self,
        store: &Store<'_>,
        local: Option<String>,
        remote: Option<String>,
    ) -> Result<Option<String>, LedgerError> {
        let (local, remote) = match (local, remote) {
            (None, other) | (other, None) => return Ok(other),
            (Some(local), Some(remote)) => (local, remote),
        };
        if local == remote {
            return Ok(Some(local));
        }
        let base = store.merge_base(&local, &remote)?;
        if base.as_deref() == Some(remote.as_str()) {
            return Ok(Some(local));
        }
        if base.as_deref() == Some(local.as_str()) {
            return Ok(Some(remote));
        }
        let ours = store.read(Some(local.clone()))?;
        let theirs = store.read(Some(remote.clone()))?;
        let mut blobs = ours.blobs.clone();
        for (object, their_blob) in &theirs.blobs {
            match ours.blobs.get(object) {
                Some(our_blob) if our_blob == their_blob => {}
                None => {
                    blobs.insert(object.clone(), their_blob.clone());
                }
                Some(_) => {
                    let ours_text = ours.texts.get(object).map(String::as_str).unwrap_or("");
                    let theirs_text = theirs.texts.get(object).map(String::as_str).unwrap_or("");
                    let merged = union_lines(ours_text, theirs_text);
                    blobs.insert(object.clone(), store.write_blob(&merged)?);
                }
            }
        }
        let message = format!("shipline: merge {remote}");
        Ok(Some(store.commit(&blobs, &[&local, &remote], &message)?))
    }

    /// Says once that lines were skipped, naming the first and how many there are.
    fn warn_skipped(&self, folded: &FoldedRecords) {
        let Some(first) = folded.skipped.first() else {
            return;
        };
        let text = format!(
            "{NOTES_REF}: {} line(s) could not be read and were left out; the first is line {} of the note on {}: {}. A newer shipline may have written them (update this one), or the note was edited by hand (`git notes --ref {} edit {}`)",
            folded.skipped.len(),
            first.line,
            first.commit,
            first.reason,
            NOTES_REF.trim_start_matches("refs/notes/"),
            first.commit,
        );
        tracing::debug!("{text}");
        if let Some(notice) = &self.unreadable
            && !notice.told.swap(true, Ordering::SeqCst)
        {
            (notice.sink)(&text);
        }
    }

    fn not_found(&self, id: &str) -> LedgerError {
        LedgerError::NotFound {
            id: id.to_string(),
            backend: "git",
            hint: match &self.remote {
                Some(remote) => format!(
                    "{NOTES_REF} (merged with `{remote}`) has no such deployment; check the id (`shipline-status show`), or the backend (`--backend`)"
                ),
                None => format!(
                    "{NOTES_REF} in this clone has no such deployment and no remote is configured to fetch it from; check the id, or add the `origin` remote"
                ),
            },
        }
    }
}

/// The lines of git's push output that say why: the remote's own words and the refusal,
/// without git's "failed to push some refs" and hints.
fn gist(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with("hint:")
                && !l.contains("failed to push some refs")
                && !l.starts_with("To ")
        })
        .collect();
    if lines.is_empty() {
        stderr.trim().to_string()
    } else {
        lines.join("; ")
    }
}

/// Parallel jobs finish in any order: a deployment that succeeded after the one kept is newer
/// than it and stays live (its own finish retires the kept one). `None`: no kept success to
/// compare with, so every live deployment goes.
fn succeeded_before(record: &DeploymentRecord, kept: Option<DateTime<Utc>>) -> bool {
    kept.is_none_or(|kept| record.succeeded_at().is_some_and(|at| at <= kept))
}

/// The live deployments of `environment` other than `id` that succeeded before `kept`.
fn retired_by<'a>(
    records: &'a [DeploymentRecord],
    environment: &'a str,
    id: &'a str,
    kept: DateTime<Utc>,
) -> impl Iterator<Item = &'a DeploymentRecord> + 'a {
    records.iter().filter(move |r| {
        same_environment(&r.environment, environment)
            && r.is_live()
            && r.id != id
            && succeeded_before(r, Some(kept))
    })
}

/// Lines of `ours`, then the lines of `theirs` not already there; every line newline-ended.
fn union_lines(ours: &str, theirs: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::with_capacity(ours.len() + theirs.len());
    for line in ours.lines().chain(theirs.lines()) {
        if !line.trim().is_empty() && seen.insert(line) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn fold_notes(notes: &Notes) -> FoldedRecords {
    record::fold(
        notes
            .texts
            .iter()
            .map(|(commit, text)| (commit.as_str(), text.as_str())),
    )
}

fn state_event(record: &DeploymentRecord, request: &TransitionRequest) -> Event {
    Event {
        v: record::EVENT_VERSION,
        id: record.id.clone(),
        event: EventKind::State,
        environment: record.environment.clone(),
        sha: record.sha.clone(),
        git_ref: None,
        version: None,
        state: request.state,
        at: record::next_event_time(Some(record)),
        by: request.by.clone(),
        url: request.environment_url.clone(),
        log_url: request.log_url.clone(),
        description: non_empty(&request.description),
        run_id: None,
        production: None,
        transient: None,
        risk_score: None,
        risk_level: None,
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_string())
}

fn find_in<'a>(records: &'a [DeploymentRecord], id: &str) -> Option<&'a DeploymentRecord> {
    records.iter().find(|r| r.id == id)
}

fn find(
    records: Vec<DeploymentRecord>,
    id: &str,
    ledger: &NotesLedger,
) -> Result<DeploymentRecord, LedgerError> {
    records
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ledger.not_found(id))
}

/// Applies a [`ListQuery`] to records sorted newest first.
pub(crate) fn select(records: Vec<DeploymentRecord>, query: &ListQuery) -> Vec<DeploymentRecord> {
    records
        .into_iter()
        .filter(|r| {
            query
                .environment
                .as_deref()
                .is_none_or(|env| same_environment(&r.environment, env))
        })
        .filter(|r| query.since.is_none_or(|since| r.created_at >= since))
        .take(query.limit.unwrap_or(usize::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_keeps_both_sides_once() {
        let merged = union_lines("a\nb\n", "b\nc\na\n");
        assert_eq!(merged, "a\nb\nc\n");
        assert_eq!(union_lines("a", ""), "a\n");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = Contention {
            attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
        };
        let started = std::time::Instant::now();
        c.pause(10);
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(2), "{waited:?}");
    }
}
