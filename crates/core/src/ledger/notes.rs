//! The git notes ledger: deployments recorded in the repository itself.
//!
//! Each deployment event is one JSON line ([`Event`]) appended to the note of the
//! deployed commit in `refs/notes/shipline`, so `git log --notes=shipline` shows what was deployed
//! where next to the commits. No server, no token: the ledger travels with the repository.
//!
//! Writing: read the notes, validate, append the line, write a notes commit, and move the ref
//! with a compare-and-swap (a lost race is retried from a fresh read). With a remote, the
//! remote's notes are fetched and union-merged first, and the result is pushed; a rejected push
//! (someone else pushed first) fetches, merges and pushes again, with backoff, a bounded number
//! of times. Because the log is append-only and merged as a union of lines, every event of every
//! writer ends up recorded exactly once.
//!
//! Reading: fetch and merge (with a remote), then three git processes whatever the number of
//! notes: `for-each-ref`, `ls-tree -r`, `cat-file --batch`.
//!
//! Notes commits are made as `shipline <shipline@localhost>` so writing works on runners that
//! have no git identity configured. The ledger never deletes: a note deleted on one side of a
//! merge comes back from the other.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::forge::DeploymentState;
use crate::git::Git;

use super::error::LedgerError;
use super::names::NOTES_REF;
use super::record::{self, DeploymentRecord, Event, EventKind, FoldedRecords};
use super::request::{ListQuery, NewDeploymentRecord, TransitionRequest};
use super::rules::{TransitionEffect, check_new, check_transition, new_id, same_environment};
use super::store::{Notes, Pushed, Store, Swap};

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
    fn default() -> Self {
        Self {
            attempts: 12,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(2),
        }
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
        }
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
        self.sync()?;
        let (local, _) = self.store().refs()?;
        let notes = self.store().read(local)?;
        Ok(fold_notes(&notes))
    }

    fn records(&self) -> Result<Vec<DeploymentRecord>, LedgerError> {
        let folded = self.snapshot()?;
        warn_skipped(&folded);
        Ok(folded.records)
    }

    /// See [`super::Ledger::start`].
    pub fn start(&self, new: &NewDeploymentRecord) -> Result<DeploymentRecord, LedgerError> {
        check_new(new)?;
        let sha = self.git.resolve(&new.sha)?;
        let git_ref = if new.git_ref.trim().is_empty() {
            sha.clone()
        } else {
            new.git_ref.clone()
        };
        self.write("start", |_| {
            let at = record::next_event_time(None);
            let event = Event {
                v: record::EVENT_VERSION,
                id: new_id(&new.environment, &sha, at),
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
            };
            let id = event.id.clone();
            Ok(Plan {
                appends: vec![event],
                result: id,
            })
        })
        .and_then(|(id, records)| find(records, &id, self))
    }

    /// See [`super::Ledger::transition`].
    pub fn transition(
        &self,
        id: &str,
        request: &TransitionRequest,
    ) -> Result<DeploymentRecord, LedgerError> {
        self.write("state", |records| {
            let current = find_in(records, id).ok_or_else(|| self.not_found(id))?;
            let appends = match check_transition(current, request.state)? {
                TransitionEffect::Unchanged => vec![],
                TransitionEffect::Record => vec![state_event(current, request)],
            };
            Ok(Plan {
                appends,
                result: (),
            })
        })
        .and_then(|((), records)| find(records, id, self))
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
            let appends: Vec<Event> = records
                .iter()
                .filter(|r| {
                    same_environment(&r.environment, environment)
                        && r.is_live()
                        && Some(r.id.as_str()) != keep_id
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

    /// The write protocol (module docs): sync, then plan against a fresh read and swap the ref
    /// until the swap wins, then push until the push is accepted. Returns the plan's result and
    /// the records as written.
    fn write<T>(
        &self,
        what: &str,
        mut plan: impl FnMut(&[DeploymentRecord]) -> Result<Plan<T>, LedgerError>,
    ) -> Result<(T, Vec<DeploymentRecord>), LedgerError> {
        self.sync()?;
        let store = self.store();
        let mut attempt = 0;
        let (result, records, written, before) = loop {
            let (local, _) = store.refs()?;
            let mut notes = store.read(local)?;
            let folded = fold_notes(&notes);
            warn_skipped(&folded);
            let Plan { appends, result } = plan(&folded.records)?;
            if appends.is_empty() {
                return Ok((result, folded.records));
            }
            let message = format!("shipline: {what} {}", appends[0].id);
            let mut by_commit: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for event in &appends {
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
            match store.swap(&new, notes.commit.as_deref())? {
                Swap::Done => break (result, fold_notes(&notes).records, new, notes.commit),
                Swap::Lost if attempt + 1 < self.contention.attempts => {
                    attempt += 1;
                    self.contention.pause(attempt);
                }
                Swap::Lost => {
                    return Err(LedgerError::Contended {
                        target: NOTES_REF.to_string(),
                        attempts: self.contention.attempts,
                    });
                }
            }
        };
        if let Err(err) = self.publish() {
            // Nothing half-done: the record the remote refused is taken back out of the local
            // notes, unless a merge has built on it meanwhile.
            let _ = store.swap_back(&written, before.as_deref());
            return Err(err);
        }
        Ok((result, records))
    }

    /// Pushes the local notes; a rejected push fetches, merges and tries again.
    fn publish(&self) -> Result<(), LedgerError> {
        let Some(remote) = &self.remote else {
            return Ok(());
        };
        let store = self.store();
        for attempt in 0..self.contention.attempts {
            match store.push(remote)? {
                Pushed::Done => return Ok(()),
                Pushed::Rejected(why) => {
                    tracing::debug!(remote, attempt, why, "ledger push rejected; merging");
                    let seen = store.refs()?.1;
                    self.sync()?;
                    // Someone else's push moves the remote ref (or holds its lock for a
                    // moment); a refusal with the ref where it was is the remote's own (a
                    // protected ref, a hook), and retrying cannot change it.
                    if store.refs()?.1 == seen && !why.contains("lock") {
                        return Err(store.push_refused(remote, why));
                    }
                    self.contention.pause(attempt);
                }
            }
        }
        Err(LedgerError::Contended {
            target: format!("{NOTES_REF} on `{remote}`"),
            attempts: self.contention.attempts,
        })
    }

    /// Fetches the remote's notes and merges them into the local ref (no-op without a remote).
    fn sync(&self) -> Result<(), LedgerError> {
        let Some(remote) = &self.remote else {
            return Ok(());
        };
        let store = self.store();
        store.fetch(remote)?;
        for attempt in 0..self.contention.attempts {
            if let Swap::Done = self.merge_once(&store)? {
                return Ok(());
            }
            self.contention.pause(attempt);
        }
        Err(LedgerError::Contended {
            target: NOTES_REF.to_string(),
            attempts: self.contention.attempts,
        })
    }

    /// One attempt at merging the fetched remote notes into the local ref.
    fn merge_once(&self, store: &Store<'_>) -> Result<Swap, LedgerError> {
        let (local, remote) = store.refs()?;
        let Some(remote) = remote else {
            return Ok(Swap::Done);
        };
        let Some(local) = local else {
            return store.swap(&remote, None);
        };
        if local == remote {
            return Ok(Swap::Done);
        }
        let base = store.merge_base(&local, &remote)?;
        if base.as_deref() == Some(remote.as_str()) {
            return Ok(Swap::Done);
        }
        if base.as_deref() == Some(local.as_str()) {
            return store.swap(&remote, Some(&local));
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
        let merged = store.commit(&blobs, &[&local, &remote], &message)?;
        store.swap(&merged, Some(&local))
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

fn warn_skipped(folded: &FoldedRecords) {
    for skipped in &folded.skipped {
        tracing::warn!(
            "{NOTES_REF}: skipped line {} of the note on {}: {}",
            skipped.line,
            skipped.commit,
            skipped.reason
        );
    }
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
