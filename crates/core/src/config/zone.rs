//! IANA time zones for freeze windows, from the tz database bundled into the binary.
//!
//! The zone rules come from jiff's bundled copy of the tz database: the same rules on every
//! runner, whether or not its image ships `/usr/share/zoneinfo` (Alpine, distroless). The
//! database is stored as the compact binary files the tz project publishes, which costs the
//! binary about a tenth of what code generated from the same database did.
//!
//! Cron scheduling (croner) works on chrono's date types, so a zone is also a
//! [`chrono::TimeZone`]: [`Wall`] answers chrono's offset questions from jiff's rules.

use std::borrow::Cow;
use std::fmt;

use chrono::{
    Datelike, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, Offset, Timelike, Utc,
};
use jiff::tz::AmbiguousOffset;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{closest, invalid};

/// An IANA time zone such as `Europe/Berlin` or `UTC`.
#[derive(Debug, Clone)]
pub struct TimeZone {
    name: String,
    rules: jiff::tz::TimeZone,
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone {
            name: "UTC".to_string(),
            rules: jiff::tz::TimeZone::UTC,
        }
    }
}

impl PartialEq for TimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl TimeZone {
    /// Looks up a zone by its IANA name, spelled exactly; on failure, suggests the name closest
    /// to what was written (`europe/berlin` → `Europe/Berlin`, `Berlin` → `Europe/Berlin`).
    pub fn parse(text: &str) -> Result<Self, Option<String>> {
        let database = jiff::tz::db();
        // The database finds names whatever their case; a config says the name as the tz
        // project spells it, so that the same text reads the same everywhere it is shown.
        if let Ok(rules) = database.get(text)
            && rules.iana_name() == Some(text)
        {
            return Ok(TimeZone {
                name: text.to_string(),
                rules,
            });
        }
        let names: Vec<String> = database
            .available()
            .map(|name| name.as_str().to_string())
            .collect();
        let names = || names.iter().map(String::as_str);
        let lower = text.to_lowercase().replace(' ', "_");
        let suggestion = names()
            .find(|name| name.to_lowercase() == lower)
            .or_else(|| {
                names().find(|name| {
                    name.rsplit('/').next().map(str::to_lowercase).as_deref() == Some(&lower)
                })
            })
            .or_else(|| closest(text, names()));
        Err(suggestion.map(str::to_string))
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone as chrono sees it, for wall-clock arithmetic.
    pub(crate) fn wall(&self) -> Wall {
        Wall(self.rules.clone())
    }
}

impl Serialize for TimeZone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TimeZone::parse(&text).map_err(|suggestion| {
            let hint = match suggestion {
                Some(name) => format!("did you mean `{name}`?"),
                None => "use an IANA time zone name such as `Europe/Berlin`, \
                         `America/New_York` or `UTC`"
                    .to_string(),
            };
            serde::de::Error::custom(invalid(format_args!("unknown time zone `{text}`"), hint))
        })
    }
}

impl JsonSchema for TimeZone {
    fn schema_name() -> Cow<'static, str> {
        "TimeZone".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "An IANA time zone name (the tz database), e.g. `Europe/Berlin`, \
                            `America/New_York`, `UTC`.",
            "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
            "examples": ["Europe/Berlin", "America/New_York", "UTC"]
        })
    }
}

/// A zone's wall clock as a [`chrono::TimeZone`].
#[derive(Clone)]
pub(crate) struct Wall(jiff::tz::TimeZone);

impl fmt::Debug for Wall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.iana_name().unwrap_or("(unnamed zone)"))
    }
}

/// The offset in force at one instant of a [`Wall`], which chrono keeps with each date so that
/// arithmetic on the date stays in the zone.
#[derive(Clone, Debug)]
pub(crate) struct WallOffset {
    zone: Wall,
    fixed: FixedOffset,
}

impl Offset for WallOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl fmt::Display for WallOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fixed.fmt(f)
    }
}

impl Wall {
    fn offset(&self, offset: jiff::tz::Offset) -> WallOffset {
        // jiff's offsets stay within ±26 hours, chrono's within ±24: the tz database has none
        // beyond ±15, so the fallback to UTC is never taken for a real zone.
        let fixed = FixedOffset::east_opt(offset.seconds()).unwrap_or(Utc.fix());
        WallOffset {
            zone: self.clone(),
            fixed,
        }
    }
}

impl chrono::TimeZone for Wall {
    type Offset = WallOffset;

    fn from_offset(offset: &WallOffset) -> Self {
        offset.zone.clone()
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<WallOffset> {
        self.offset_from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<WallOffset> {
        let Some(civil) = civil(local) else {
            return MappedLocalTime::None;
        };
        match self.0.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => MappedLocalTime::Single(self.offset(offset)),
            AmbiguousOffset::Gap { .. } => MappedLocalTime::None,
            // Earlier instant first, as chrono orders an ambiguous local time.
            AmbiguousOffset::Fold { before, after } => {
                MappedLocalTime::Ambiguous(self.offset(before), self.offset(after))
            }
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> WallOffset {
        self.offset_from_utc_datetime(&utc.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> WallOffset {
        let utc = utc.and_utc();
        // Beyond jiff's years (±9999) the rules in force at the nearer end still hold.
        let instant = jiff::Timestamp::new(utc.timestamp(), 0).unwrap_or(if utc.timestamp() < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        });
        self.offset(self.0.to_offset(instant))
    }
}

/// chrono's local date and time as jiff's; `None` beyond jiff's years.
fn civil(local: &NaiveDateTime) -> Option<jiff::civil::DateTime> {
    let nanosecond = i32::try_from(local.nanosecond()).ok()?;
    jiff::civil::DateTime::new(
        i16::try_from(local.year()).ok()?,
        i8::try_from(local.month()).ok()?,
        i8::try_from(local.day()).ok()?,
        i8::try_from(local.hour()).ok()?,
        i8::try_from(local.minute()).ok()?,
        // A leap second (chrono's 60th second) is read as the second before it.
        i8::try_from(local.second().min(59)).ok()?,
        nanosecond.min(999_999_999),
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn time_zone_suggests_the_iana_spelling() {
        assert_eq!(
            TimeZone::parse("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        let suggestion = |text: &str| TimeZone::parse(text).unwrap_err();
        assert_eq!(
            suggestion("europe/berlin").as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(suggestion("Berlin").as_deref(), Some("Europe/Berlin"));
        assert_eq!(suggestion("New York").as_deref(), Some("America/New_York"));
        assert_eq!(suggestion("Europe/Berln").as_deref(), Some("Europe/Berlin"));
        assert_eq!(suggestion("Nowhere/Special Place Here"), None);
    }

    #[test]
    fn wall_clock_follows_daylight_saving() {
        let berlin = TimeZone::parse("Europe/Berlin").unwrap().wall();
        let winter = berlin.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap();
        assert_eq!(winter.offset().fix().local_minus_utc(), 3600);
        let summer = berlin.with_ymd_and_hms(2026, 7, 15, 12, 0, 0).unwrap();
        assert_eq!(summer.offset().fix().local_minus_utc(), 7200);
        // Clocks go forward at 02:00 on 29 March 2026: 02:30 does not exist.
        assert!(
            berlin
                .with_ymd_and_hms(2026, 3, 29, 2, 30, 0)
                .single()
                .is_none()
        );
        // Clocks go back at 03:00 on 25 October 2026: 02:30 happens twice, summer time first.
        let MappedLocalTime::Ambiguous(first, second) =
            berlin.with_ymd_and_hms(2026, 10, 25, 2, 30, 0)
        else {
            panic!("02:30 on the night clocks go back is ambiguous");
        };
        assert!(first < second);
        assert_eq!(first.offset().fix().local_minus_utc(), 7200);
        // A UTC instant maps back to the same zone.
        let instant = Utc.with_ymd_and_hms(2026, 7, 15, 10, 0, 0).unwrap();
        assert_eq!(instant.with_timezone(&berlin), summer);
    }

    #[test]
    fn instants_beyond_the_database_years_keep_the_nearest_rules() {
        let berlin = TimeZone::parse("Europe/Berlin").unwrap().wall();
        let far = NaiveDate::from_ymd_opt(200_000, 1, 1)
            .unwrap()
            .and_time(chrono::NaiveTime::MIN);
        assert_eq!(
            berlin
                .offset_from_utc_datetime(&far)
                .fix()
                .local_minus_utc(),
            3600
        );
        assert!(matches!(
            berlin.offset_from_local_datetime(&far),
            MappedLocalTime::None
        ));
    }
}
