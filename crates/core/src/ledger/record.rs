//! Deployment records and the event lines they are folded from.
//!
//! A record is what the tools reason about ("what runs in production, since when, who put it
//! there"). The git notes backend does not store records: it stores an append-only log of
//! [`Event`]s, one JSON line each, and folds them into records when reading. An append-only log
//! merges without conflicts (the union of two logs is a valid log), which is what lets two CI
//! jobs write to the same ledger at once.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::forge::DeploymentState;

/// One deployment of one commit to one environment, with its whole state history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentRecord {
    /// Ledger id: `<environment>-<short sha>-<unix time>-<4 hex>` on the git backend, the forge's
    /// numeric deployment id (as text) on the forge backend.
    pub id: String,
    /// Environment name, as given when the deployment started.
    pub environment: String,
    /// Full SHA of the deployed commit.
    pub sha: String,
    /// Ref the deployment was made from (branch, tag, or the SHA itself).
    pub git_ref: String,
    /// Version deployed, when the pipeline named one.
    pub version: Option<String>,
    /// Current state (the state of the newest transition).
    pub state: DeploymentState,
    /// When the deployment started.
    pub created_at: DateTime<Utc>,
    /// When the newest transition happened.
    pub updated_at: DateTime<Utc>,
    /// Who started it (CI actor or user).
    pub creator: String,
    /// Where the deployed thing is reachable (the newest one given).
    pub environment_url: Option<String>,
    /// Where the deployment's log is (the newest one given).
    pub log_url: Option<String>,
    /// Description given at start.
    pub description: String,
    /// Every state reached, oldest first. Records returned by the forge backend's `start` and
    /// `transition` carry only the transitions known without another request; `get` and `list`
    /// carry the whole history.
    pub history: Vec<Transition>,
    /// The forge's numeric id (forge backend only).
    pub forge_id: Option<u64>,
    /// The CI run that made the deployment, so a re-run job can find and reuse it.
    pub run_id: Option<String>,
    /// The environment serves end users.
    pub production: bool,
    /// The environment goes away (review apps).
    pub transient: bool,
    /// The release's risk as rated when the deployment started, where the backend keeps it
    /// (git notes and GitHub; GitLab deployments have no place for it).
    #[serde(default)]
    pub risk: Option<Risk>,
}

/// The lowest score of each risk level, low first: the level names the risk report uses.
pub const RISK_LEVELS: [&str; 4] = ["low", "medium", "high", "critical"];

/// A release's risk as the risk step rated it: a score from 0 to 100 and its level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    /// 0 to 100, rounded to a whole number.
    pub score: u8,
    /// `low`, `medium`, `high` or `critical` (one of [`RISK_LEVELS`]).
    pub level: String,
}

impl Risk {
    /// Checks a score and level given on the command line; the error says what is wrong in
    /// plain words. Scores with decimals (the risk step writes `86.58`) are rounded.
    pub fn parse(score: &str, level: &str) -> Result<Self, String> {
        let value: f64 = score.trim().parse().map_err(|_| {
            format!("the risk score `{score}` is not a number; pass the `score` output of the risk step (0 to 100)")
        })?;
        if !value.is_finite() || !(0.0..=100.0).contains(&value) {
            return Err(format!(
                "the risk score {score} is outside 0 to 100; pass the `score` output of the risk step"
            ));
        }
        let level = level.trim().to_ascii_lowercase();
        if !RISK_LEVELS.contains(&level.as_str()) {
            return Err(format!(
                "the risk level `{level}` is not one of {}; pass the `level` output of the risk step",
                RISK_LEVELS.join(", ")
            ));
        }
        Ok(Self {
            // In range and finite: the cast cannot truncate.
            score: value.round() as u8,
            level,
        })
    }
}

/// One state change of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// State reached.
    pub state: DeploymentState,
    /// When.
    pub at: DateTime<Utc>,
    /// Free text given with the change (may be empty).
    pub description: String,
    /// Who made the change, when known.
    pub by: Option<String>,
}

impl DeploymentRecord {
    /// When the deployment first reached `state`, if it ever did.
    pub fn reached(&self, state: DeploymentState) -> Option<DateTime<Utc>> {
        self.history.iter().find(|t| t.state == state).map(|t| t.at)
    }

    /// When the deployment first succeeded (the start of a soak period).
    pub fn succeeded_at(&self) -> Option<DateTime<Utc>> {
        self.reached(DeploymentState::Success)
    }

    /// When the deployment first reached a final state (for lead time and time to restore).
    pub fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .find(|t| t.state.is_final())
            .map(|t| t.at)
    }

    /// The deployment succeeded and has not been superseded or stopped since: it is what runs.
    pub fn is_live(&self) -> bool {
        self.state == DeploymentState::Success
    }

    /// Still open (queued or in progress) with no change for longer than `after` at `now`: the
    /// job that started it most likely died without finishing it.
    pub fn is_stale(&self, now: DateTime<Utc>, after: Duration) -> bool {
        !self.state.is_final() && now - self.updated_at > after
    }

    /// Closed as `error` by a later start because it had gone stale ([`STALE_SUPERSEDED`]): it
    /// ended without an outcome.
    pub fn was_superseded(&self) -> bool {
        self.history.iter().any(|t| {
            t.state == DeploymentState::Error && t.description.starts_with(STALE_SUPERSEDED)
        })
    }
}

/// How the description of a stale deployment closed by a later start begins.
pub const STALE_SUPERSEDED: &str = "superseded:";

/// What a stale deployment closed by the start of `by` records as the reason.
pub fn superseded_description(stale: &DeploymentRecord, after: Duration, by: &str) -> String {
    format!(
        "{STALE_SUPERSEDED} {} since {} (longer than stale_after, {}); closed by the start of {by}",
        stale.state,
        stale.updated_at.format("%Y-%m-%d %H:%M UTC"),
        human(after)
    )
}

/// `6h`, `90m`, `2d`: the largest unit that divides the span.
fn human(span: Duration) -> String {
    let secs = span.num_seconds();
    match secs {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The version of the event line format this code writes.
pub const EVENT_VERSION: u32 = 1;

/// What an event line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A deployment began: carries everything known about it.
    Start,
    /// The deployment moved to `state`.
    State,
    /// A kind written by a newer shipline; skipped when folding.
    #[serde(other)]
    Unknown,
}

/// One line of the git notes log (`refs/notes/shipline`), on the note of the deployed commit.
///
/// Unknown fields are ignored when reading so that newer writers can add fields without
/// breaking older readers; optional fields are left out when writing to keep lines short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Line format version ([`EVENT_VERSION`]).
    pub v: u32,
    /// Deployment id.
    pub id: String,
    /// Start or state change.
    pub event: EventKind,
    /// Environment name.
    pub environment: String,
    /// Deployed commit.
    pub sha: String,
    /// Ref deployed from.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Version deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// State reached.
    pub state: DeploymentState,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Environment URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Log URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_url: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// CI run id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Production environment (start events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production: Option<bool>,
    /// Transient environment (start events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient: Option<bool>,
    /// Risk score of the release, 0 to 100 (start events; absent from older lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_score: Option<u8>,
    /// Risk level of the release (start events; absent from older lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<String>,
}

impl Event {
    /// The event as one JSON line (without the newline).
    pub fn to_line(&self) -> String {
        // Serializing plain strings, numbers and enums cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A line of a note that could not be read as an event; reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    /// The commit whose note holds the line.
    pub commit: String,
    /// 1-based line number within the note.
    pub line: usize,
    /// Why it was skipped.
    pub reason: String,
}

/// Records folded from notes, plus what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoldedRecords {
    /// Every record, newest first (by `created_at`, then id).
    pub records: Vec<DeploymentRecord>,
    /// Lines and event groups that were ignored, with the reason.
    pub skipped: Vec<SkippedLine>,
}

/// Folds notes (`(commit, note text)`) into records. Exact duplicate lines within a note count
/// once (a union merge may have brought the same line from both sides). Events of one id are
/// applied in time order, start first; an id without a readable start event is skipped.
pub fn fold<'a>(notes: impl IntoIterator<Item = (&'a str, &'a str)>) -> FoldedRecords {
    let mut skipped = Vec::new();
    let mut groups: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    let mut where_found: BTreeMap<String, String> = BTreeMap::new();
    for (commit, text) in notes {
        let mut seen = HashSet::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || !seen.insert(line) {
                continue;
            }
            match serde_json::from_str::<Event>(line) {
                Ok(event) if event.event == EventKind::Unknown => {
                    tracing::debug!(commit, line = index + 1, "ledger event of an unknown kind");
                }
                Ok(event) => {
                    where_found
                        .entry(event.id.clone())
                        .or_insert_with(|| commit.to_string());
                    groups.entry(event.id.clone()).or_default().push(event);
                }
                Err(err) => skipped.push(SkippedLine {
                    commit: commit.to_string(),
                    line: index + 1,
                    reason: err.to_string(),
                }),
            }
        }
    }
    let mut records = Vec::with_capacity(groups.len());
    for (id, events) in groups {
        match record_from_events(events) {
            Some(record) => records.push(record),
            None => skipped.push(SkippedLine {
                commit: where_found.remove(&id).unwrap_or_default(),
                line: 0,
                reason: format!("deployment `{id}` has state events but no readable start event"),
            }),
        }
    }
    sort_newest_first(&mut records);
    FoldedRecords { records, skipped }
}

fn record_from_events(mut events: Vec<Event>) -> Option<DeploymentRecord> {
    // Stable: events with the same time keep the order they were written in.
    events.sort_by_key(|e| (e.at, e.event != EventKind::Start));
    let start_at = events.iter().position(|e| e.event == EventKind::Start)?;
    let start = events[start_at].clone();
    let mut record = DeploymentRecord {
        id: start.id.clone(),
        environment: start.environment.clone(),
        sha: start.sha.clone(),
        git_ref: start.git_ref.clone().unwrap_or_else(|| start.sha.clone()),
        version: start.version.clone(),
        state: start.state,
        created_at: start.at,
        updated_at: start.at,
        creator: start.by.clone().unwrap_or_default(),
        environment_url: None,
        log_url: None,
        description: start.description.clone().unwrap_or_default(),
        history: Vec::with_capacity(events.len()),
        forge_id: None,
        run_id: start.run_id.clone(),
        production: start.production.unwrap_or(false),
        transient: start.transient.unwrap_or(false),
        risk: match (start.risk_score, &start.risk_level) {
            (Some(score), Some(level)) => Some(Risk {
                score: score.min(100),
                level: level.clone(),
            }),
            _ => None,
        },
    };
    // A second start line for the same id (not written by shipline) is ignored.
    for event in events
        .into_iter()
        .enumerate()
        .filter(|(i, e)| *i == start_at || e.event == EventKind::State)
        .map(|(_, e)| e)
    {
        record.state = event.state;
        record.updated_at = event.at;
        if event.url.is_some() {
            record.environment_url = event.url.clone();
        }
        if event.log_url.is_some() {
            record.log_url = event.log_url.clone();
        }
        record.history.push(Transition {
            state: event.state,
            at: event.at,
            description: event.description.unwrap_or_default(),
            by: event.by,
        });
    }
    Some(record)
}

/// Newest first by start time; ties broken by id so the order is stable across reads.
pub(crate) fn sort_newest_first(records: &mut [DeploymentRecord]) {
    records.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.id.cmp(&a.id))
    });
}

/// The time for a new event of `record`: now, to the microsecond, but strictly after the
/// record's newest transition so the fold order never depends on clock resolution.
pub(crate) fn next_event_time(record: Option<&DeploymentRecord>) -> DateTime<Utc> {
    let now = Utc::now().trunc_subsecs(6);
    match record {
        Some(r) if r.updated_at >= now => r.updated_at + Duration::microseconds(1),
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, event: &str, state: &str, at: &str) -> String {
        format!(
            r#"{{"v":1,"id":"{id}","event":"{event}","environment":"staging","sha":"abc","state":"{state}","at":"{at}","by":"ada"}}"#
        )
    }

    #[test]
    fn folds_events_in_time_order_whatever_the_line_order() {
        // A union merge sorts or interleaves lines; the fold must not care.
        let text = [
            line("d1", "state", "success", "2024-05-01T10:02:00Z"),
            line("d1", "start", "in_progress", "2024-05-01T10:00:00Z"),
            line("d1", "state", "inactive", "2024-05-01T11:00:00Z"),
        ]
        .join("\n");
        let folded = fold([("abc", text.as_str())]);
        assert!(folded.skipped.is_empty(), "{:?}", folded.skipped);
        let r = &folded.records[0];
        assert_eq!(r.state, DeploymentState::Inactive);
        let states: Vec<_> = r.history.iter().map(|t| t.state).collect();
        assert_eq!(
            states,
            [
                DeploymentState::InProgress,
                DeploymentState::Success,
                DeploymentState::Inactive
            ]
        );
        assert_eq!(
            r.succeeded_at().unwrap().to_rfc3339(),
            "2024-05-01T10:02:00+00:00"
        );
        assert_eq!(r.created_at.to_rfc3339(), "2024-05-01T10:00:00+00:00");
        assert!(!r.is_live());
    }

    #[test]
    fn duplicate_lines_count_once_and_bad_lines_are_reported_not_fatal() {
        let start = line("d1", "start", "in_progress", "2024-05-01T10:00:00Z");
        let text = format!(
            "{start}\n{start}\nnot json at all\n{}\n{}\n",
            r#"{"v":2,"id":"d1","event":"annotate","environment":"staging","sha":"abc","state":"success","at":"2024-05-01T10:01:00Z"}"#,
            r#"{"v":1,"id":"d1","event":"state","environment":"staging","sha":"abc","state":"rolled_sideways","at":"2024-05-01T10:01:00Z"}"#,
        );
        let folded = fold([("abc", text.as_str())]);
        assert_eq!(folded.records.len(), 1);
        assert_eq!(folded.records[0].history.len(), 1);
        let lines: Vec<_> = folded.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, [3, 5], "{:?}", folded.skipped);
    }

    #[test]
    fn state_events_without_a_start_are_skipped_with_a_reason() {
        let text = line("orphan", "state", "success", "2024-05-01T10:00:00Z");
        let folded = fold([("abc", text.as_str())]);
        assert!(folded.records.is_empty());
        assert!(folded.skipped[0].reason.contains("no readable start"));
        assert_eq!(folded.skipped[0].commit, "abc");
    }

    #[test]
    fn event_lines_leave_out_empty_fields_and_round_trip() {
        let event = Event {
            v: EVENT_VERSION,
            id: "prod-abc1234-1-beef".into(),
            event: EventKind::Start,
            environment: "prod".into(),
            sha: "abc".into(),
            git_ref: Some("main".into()),
            version: None,
            state: DeploymentState::InProgress,
            at: "2024-05-01T10:00:00.123456Z".parse().unwrap(),
            by: Some("ada".into()),
            url: None,
            log_url: None,
            description: None,
            run_id: Some("42".into()),
            production: Some(true),
            transient: None,
            risk_score: None,
            risk_level: None,
        };
        let text = event.to_line();
        assert_eq!(
            text,
            r#"{"v":1,"id":"prod-abc1234-1-beef","event":"start","environment":"prod","sha":"abc","ref":"main","state":"in_progress","at":"2024-05-01T10:00:00.123456Z","by":"ada","run_id":"42","production":true}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), event);
    }

    #[test]
    fn next_event_time_is_strictly_after_the_newest_transition() {
        let folded = fold([(
            "abc",
            line("d1", "start", "in_progress", "2999-01-01T00:00:00Z").as_str(),
        )]);
        let future = &folded.records[0];
        let at = next_event_time(Some(future));
        assert!(at > future.updated_at);
        assert!(next_event_time(None) <= Utc::now());
    }
}
