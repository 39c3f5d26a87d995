//! Freeze windows: periods in which promotion is blocked, written as GitLab freeze periods are:
//! a cron expression for when the freeze starts, one for when it ends, and an IANA time zone.
//!
//! Evaluating a window means asking which came last before "now", a start or an end. Both are
//! computed on the wall clock of the window's zone, so "Friday 18:00 Berlin" stays 18:00 local
//! across daylight-saving changes. A start or end that falls in the hour skipped when clocks go
//! forward happens at the first instant after the gap (03:00 for a 02:30 start in Berlin on the
//! last Sunday of March); an occurrence in the hour repeated when clocks go back happens once,
//! at its first instance. Both rules come from croner's scheduling of fixed-time jobs.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, TimeZone as _, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::invalid;
use super::zone::TimeZone;

/// A five-field cron expression (minute, hour, day of month, month, day of week), or a
/// nickname such as `@daily`.
#[derive(Debug, Clone)]
pub struct CronExpr {
    text: String,
    cron: Cron,
}

/// How far ahead an expression must fire to be accepted.
const HORIZON_YEARS: i32 = 8;

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
}

fn fires_within_horizon(cron: &Cron) -> bool {
    let from = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
    let Some(from) = from else { return false };
    let until = Utc
        .with_ymd_and_hms(2000 + HORIZON_YEARS, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(from);
    cron.find_next_occurrence(&from, true)
        .is_ok_and(|next| next < until)
}

const FIELD_NAMES: [&str; 5] = ["minute", "hour", "day-of-month", "month", "day-of-week"];
const FIELD_RANGES: [&str; 5] = ["0-59", "0-23", "1-31", "1-12 or JAN-DEC", "0-7 or SUN-SAT"];

/// The fields of a five-field expression that, replaced by `*`, make `good` hold.
fn culprits(text: &str, good: impl Fn(&Cron) -> bool) -> Vec<usize> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() != 5 {
        return Vec::new();
    }
    (0..5)
        .filter(|&at| fields[at] != "*")
        .filter(|&at| {
            let mut loosened = fields.clone();
            loosened[at] = "*";
            parser()
                .parse(&loosened.join(" "))
                .is_ok_and(|cron| good(&cron))
        })
        .collect()
}

/// croner's complaint about an expression, in our words, naming the field at fault.
fn describe(err: &croner::errors::CronError, text: &str) -> String {
    use croner::errors::CronError as C;
    if matches!(err, C::EmptyPattern) {
        return "is empty".to_string();
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    let named: Vec<String> = culprits(text, |_| true)
        .into_iter()
        .map(|at| {
            format!(
                "{} `{}` (write {}, a range `a-b`, a list `a,b` or a step `*/n`)",
                FIELD_NAMES[at], fields[at], FIELD_RANGES[at]
            )
        })
        .collect();
    if named.is_empty() {
        "is not a cron expression: a field holds something other than numbers, ranges \
         `a-b`, lists `a,b`, steps `*/n` or names such as `MON` and `JAN`"
            .to_string()
    } else {
        format!("has an invalid {}", named.join(" and an invalid "))
    }
}

const CRON_HINT: &str = "write five fields: minute hour day-of-month month day-of-week, \
                         e.g. `0 18 * * FRI` for Fridays at 18:00";

impl CronExpr {
    /// Parses and checks an expression; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let fields = trimmed.split_whitespace().count();
        if !trimmed.starts_with('@') && fields != 5 {
            return Err(format!("has {fields} fields, expected 5"));
        }
        let cron = parser()
            .parse(trimmed)
            .map_err(|err| describe(&err, trimmed))?;
        let expr = Self {
            text: trimmed.to_string(),
            cron,
        };
        if expr.fires_within_horizon() {
            return Ok(expr);
        }
        Err(expr.never_fires())
    }

    /// Whether the expression has an occurrence within [`HORIZON_YEARS`] of a fixed date. A
    /// fixed date keeps the answer the same on every run; eight years cover every leap day and
    /// every weekday a date can fall on.
    fn fires_within_horizon(&self) -> bool {
        fires_within_horizon(&self.cron)
    }

    /// Why an expression that never fires does not: the fields that rule every time out.
    fn never_fires(&self) -> String {
        let fields: Vec<&str> = self.text.split_whitespace().collect();
        let named: Vec<String> = culprits(&self.text, fires_within_horizon)
            .into_iter()
            .map(|at| format!("{} `{}`", FIELD_NAMES[at], fields[at]))
            .collect();
        if named.is_empty() {
            format!("never fires (checked over {HORIZON_YEARS} years)")
        } else {
            format!(
                "never fires: no date has {} (checked over {HORIZON_YEARS} years)",
                named.join(" together with ")
            )
        }
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The most recent occurrence at or before `at`, on `at`'s wall clock.
    fn previous<Tz: chrono::TimeZone>(&self, at: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        self.cron.find_previous_occurrence(at, true).ok()
    }

    /// The next occurrence strictly after `at`, on `at`'s wall clock.
    fn next<Tz: chrono::TimeZone>(&self, at: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        self.cron.find_next_occurrence(at, false).ok()
    }
}

impl PartialEq for CronExpr {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for CronExpr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for CronExpr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CronExpr::parse(&text).map_err(|reason| {
            let hint = if reason.starts_with("never fires") {
                "pick days that exist in the months given (February has 28 or 29 days; April, \
                 June, September and November 30), or `L` for a month's last day"
            } else {
                CRON_HINT
            };
            serde::de::Error::custom(invalid(
                format_args!("invalid cron expression `{text}`: {reason}"),
                hint,
            ))
        })
    }
}

impl JsonSchema for CronExpr {
    fn schema_name() -> Cow<'static, str> {
        "CronExpr".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A five-field cron expression: minute hour day-of-month month \
                            day-of-week (0-7 or SUN-SAT, 0 and 7 are Sunday), or a nickname \
                            (`@daily`, `@weekly`, ...). Evaluated in the window's time zone.",
            "pattern": "^\\s*(@[a-zA-Z]+|\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+)\\s*$",
            "examples": ["0 18 * * FRI", "0 8 * * MON"]
        })
    }
}

/// A recurring period in which promotion to the environment is blocked.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "FreezeSpec")]
pub struct FreezeWindow {
    /// When the freeze begins (cron, in `timezone`).
    pub start: CronExpr,
    /// When the freeze ends (cron, in `timezone`).
    pub end: CronExpr,
    /// The zone whose wall clock `start` and `end` follow. Default: `UTC`.
    #[serde(default)]
    pub timezone: TimeZone,
}

// A freeze window as written, before it is checked into a [`FreezeWindow`]; the schema (and its
// name in it) is the window's.
/// A recurring period in which promotion to the environment is blocked.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "FreezeWindow")]
struct FreezeSpec {
    /// When the freeze begins (cron, in `timezone`).
    start: CronExpr,
    /// When the freeze ends (cron, in `timezone`).
    end: CronExpr,
    /// The zone whose wall clock `start` and `end` follow. Default: `UTC`.
    #[serde(default)]
    timezone: TimeZone,
}

impl TryFrom<FreezeSpec> for FreezeWindow {
    type Error = String;

    fn try_from(spec: FreezeSpec) -> Result<Self, String> {
        // The same schedule twice: every start is also an end, so the window is never active.
        if spec.start == spec.end {
            return Err(super::error::invalid(
                format!(
                    "`start` and `end` are both `{}`, so the freeze never begins",
                    spec.start
                ),
                "give `end` the time the freeze is lifted",
            ));
        }
        Ok(Self {
            start: spec.start,
            end: spec.end,
            timezone: spec.timezone,
        })
    }
}

/// An active freeze: when it began and when it will end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrozenUntil {
    /// The start occurrence that opened the freeze.
    pub since: DateTime<Utc>,
    /// The next end occurrence; `None` when the end expression has no occurrence within the
    /// search horizon (about a year), in which case the freeze is open-ended.
    pub until: Option<DateTime<Utc>>,
}

impl FreezeWindow {
    /// Whether the window is active at `now`: the latest `start` occurrence (at or before
    /// `now`) is later than the latest `end` occurrence. The window covers its start instant and
    /// ends at its end instant (half-open). Returns when it began and when it ends.
    pub fn active_at(&self, now: DateTime<Utc>) -> Option<FrozenUntil> {
        let local = now.with_timezone(&self.timezone.wall());
        let started = self.start.previous(&local)?;
        if let Some(ended) = self.end.previous(&local)
            && ended >= started
        {
            return None;
        }
        Some(FrozenUntil {
            since: started.with_timezone(&Utc),
            until: self.end.next(&local).map(|end| end.with_timezone(&Utc)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_needs_five_fields() {
        assert!(CronExpr::parse("0 18 * * FRI").is_ok());
        assert!(CronExpr::parse("@daily").is_ok());
        assert_eq!(
            CronExpr::parse("0 0 18 * * FRI").unwrap_err(),
            "has 6 fields, expected 5"
        );
        assert!(CronExpr::parse("61 18 * * FRI").is_err());
        assert!(CronExpr::parse("0 18 * * FRIDAY").is_err());
    }

    #[test]
    fn cron_that_never_fires_names_the_fields() {
        let reason = CronExpr::parse("0 0 30 2 *").unwrap_err();
        assert_eq!(
            reason,
            "never fires: no date has day-of-month `30` together with month `2` (checked over 8 years)"
        );
        assert!(
            CronExpr::parse("0 0 29 2 *").is_ok(),
            "leap days come every 4 years"
        );
        assert!(CronExpr::parse("0 0 31 4,6 *").is_err());
        let reason = CronExpr::parse("61 18 * * FRI").unwrap_err();
        assert!(reason.contains("minute `61`"), "{reason}");
        assert!(!reason.contains("Component"), "{reason}");
    }
}
