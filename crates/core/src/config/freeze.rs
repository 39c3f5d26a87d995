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

use chrono::{DateTime, Utc};
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
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(trimmed)
            .map_err(|err| err.to_string())?;
        Ok(Self {
            text: trimmed.to_string(),
            cron,
        })
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
            serde::de::Error::custom(invalid(
                format_args!("invalid cron expression `{text}`: {reason}"),
                CRON_HINT,
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
#[serde(deny_unknown_fields)]
pub struct FreezeWindow {
    /// When the freeze begins (cron, in `timezone`).
    pub start: CronExpr,
    /// When the freeze ends (cron, in `timezone`).
    pub end: CronExpr,
    /// The zone whose wall clock `start` and `end` follow. Default: `UTC`.
    #[serde(default)]
    pub timezone: TimeZone,
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
}
