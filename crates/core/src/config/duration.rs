//! Durations written the way people say them: `30s`, `5m`, `1h30m`, `2d`, `250ms`.
//!
//! A bare number is refused: `soak: 30` could mean seconds or minutes, and guessing wrong either
//! promotes too early or blocks for hours. The unit-suffixed form is also what the schema and the
//! documentation show, and what [`Duration`] prints back.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::error::invalid;

/// A span of time from the configuration, with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(std::time::Duration);

/// Units in the order they must appear, with their length in milliseconds. Weeks are read but
/// never printed: `14d` reads the same in every log, whichever way it was written.
const UNITS: [(&str, u64); 6] = [
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Why a duration string was refused; [`DurationError::hint`] says how to write it instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Nothing was written.
    #[error("empty duration")]
    Empty,
    /// A number without a unit.
    #[error("duration `{0}` has no unit")]
    MissingUnit(String),
    /// A unit other than ms, s, m, h, d.
    #[error("duration `{text}` has an unknown unit `{unit}`")]
    UnknownUnit {
        /// The whole input.
        text: String,
        /// The unit that was not understood.
        unit: String,
    },
    /// Something other than digits followed by units (a decimal point, a sign, a space).
    #[error("duration `{0}` is not digits followed by units")]
    Malformed(String),
    /// A unit repeated or out of order (`30m1h`).
    #[error("duration `{0}` repeats a unit or lists them out of order")]
    Order(String),
    /// Longer than [`Duration::MAX`].
    #[error("duration `{0}` is longer than {max}", max = Duration::MAX)]
    TooLong(String),
}

impl DurationError {
    /// How to write the duration correctly.
    pub fn hint(&self) -> String {
        match self {
            DurationError::MissingUnit(text) => format!(
                "a bare number is ambiguous: write `{text}s` for seconds or `{text}m` for minutes"
            ),
            DurationError::TooLong(_) => format!(
                "durations go up to {} (ten years); no wait, window or timeout is longer",
                Duration::MAX
            ),
            DurationError::Order(_) => {
                "write each unit once, largest first, e.g. `1h30m`".to_string()
            }
            DurationError::Malformed(text) if text.contains('.') => {
                "fractions are not supported: combine units instead, e.g. `1h30m` rather than `1.5h`"
                    .to_string()
            }
            _ => "use digits followed by a unit (ms, s, m, h, d, w), e.g. `30s`, `5m`, `1h30m`, `2d`, `2w`"
                .to_string(),
        }
    }
}

impl Duration {
    /// The longest duration accepted: ten years. Longer ones are typing slips (`100000000d`),
    /// and the bound keeps every date computed from a duration and a real date in range.
    pub const MAX: Duration = Duration::from_secs(3650 * 86_400);

    /// A duration of `seconds` seconds.
    pub const fn from_secs(seconds: u64) -> Self {
        Self(std::time::Duration::from_secs(seconds))
    }

    /// A duration of `millis` milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Self(std::time::Duration::from_millis(millis))
    }

    /// The standard library duration, for sleeping and timeouts.
    pub const fn as_std(self) -> std::time::Duration {
        self.0
    }

    /// The chrono duration, for arithmetic with timestamps (soak time since a deployment).
    /// Parsed durations are at most [`Duration::MAX`], so adding one to or subtracting one from
    /// a date between the years 1 and 9999 stays in chrono's range.
    pub fn as_chrono(self) -> chrono::TimeDelta {
        chrono::TimeDelta::from_std(self.0).unwrap_or(chrono::TimeDelta::MAX)
    }

    /// Whether this is zero.
    pub const fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl From<Duration> for std::time::Duration {
    fn from(value: Duration) -> Self {
        value.0
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(DurationError::Empty);
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DurationError::MissingUnit(text.to_string()));
        }
        let mut rest = text;
        let mut total: u64 = 0;
        // Index into UNITS of the next unit allowed, so units come largest first and once each.
        let mut next_unit = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(DurationError::Malformed(text.to_string()));
            }
            let (number, after) = rest.split_at(digits);
            let letters = after.bytes().take_while(u8::is_ascii_alphabetic).count();
            let (unit, after) = after.split_at(letters);
            if unit.is_empty() {
                return Err(if after.is_empty() {
                    DurationError::MissingUnit(text.to_string())
                } else {
                    DurationError::Malformed(text.to_string())
                });
            }
            let Some(position) = UNITS.iter().position(|(name, _)| *name == unit) else {
                return Err(DurationError::UnknownUnit {
                    text: text.to_string(),
                    unit: unit.to_string(),
                });
            };
            if position < next_unit {
                return Err(DurationError::Order(text.to_string()));
            }
            next_unit = position + 1;
            let overflow = || DurationError::TooLong(text.to_string());
            let value: u64 = number.parse().map_err(|_| overflow())?;
            total = value
                .checked_mul(UNITS[position].1)
                .and_then(|ms| total.checked_add(ms))
                .ok_or_else(overflow)?;
            rest = after;
        }
        let duration = Self::from_millis(total);
        if duration > Self::MAX {
            return Err(DurationError::TooLong(text.to_string()));
        }
        Ok(duration)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut millis = u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX);
        if millis == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in UNITS.into_iter().filter(|(unit, _)| *unit != "w") {
            if millis >= size {
                write!(f, "{}{unit}", millis / size)?;
                millis %= size;
            }
        }
        Ok(())
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl de::Visitor<'_> for Visitor {
            type Value = Duration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as `30s`, `5m` or `1h30m`")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
                text.parse()
                    .map_err(|err: DurationError| E::custom(invalid(&err, err.hint())))
            }

            fn visit_u64<E: de::Error>(self, number: u64) -> Result<Duration, E> {
                self.visit_str(&number.to_string())
            }

            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Duration, E> {
                Err(E::custom(invalid(
                    format_args!("duration `{number}` is negative"),
                    "durations are written like `30s`, `5m` or `1h30m`",
                )))
            }

            fn visit_f64<E: de::Error>(self, number: f64) -> Result<Duration, E> {
                self.visit_str(&number.to_string())
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A duration: digits followed by a unit (ms, s, m, h, d, w), units largest \
                            first and each at most once, e.g. `30s`, `5m`, `1h30m`, `2d`, `2w`, `250ms`, \
                            at most `3650d`. A bare number is refused because its unit would be \
                            a guess.",
            "pattern": "^(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?$",
            "minLength": 2,
            "examples": ["30s", "5m", "1h30m"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> u128 {
        text.parse::<Duration>().unwrap().as_std().as_millis()
    }

    #[test]
    fn parses_each_unit_and_combinations() {
        assert_eq!(ms("250ms"), 250);
        assert_eq!(ms("30s"), 30_000);
        assert_eq!(ms("5m"), 300_000);
        assert_eq!(ms("1h30m"), 5_400_000);
        assert_eq!(ms("2d"), 172_800_000);
        assert_eq!(ms("2w"), 1_209_600_000);
        assert_eq!(ms("1w1d"), 691_200_000);
        assert_eq!("2w".parse::<Duration>().unwrap().to_string(), "14d");
        assert_eq!(ms("1d2h3m4s5ms"), 93_784_005);
        assert_eq!(ms("0s"), 0);
        assert_eq!(ms("90m"), 5_400_000);
    }

    #[test]
    fn refuses_ambiguous_and_malformed_text() {
        assert_eq!(
            "30".parse::<Duration>(),
            Err(DurationError::MissingUnit("30".into()))
        );
        assert!(
            "30".parse::<Duration>()
                .unwrap_err()
                .hint()
                .contains("`30s`")
        );
        assert!(
            matches!("5x".parse::<Duration>(), Err(DurationError::UnknownUnit { unit, .. }) if unit == "x")
        );
        assert_eq!("".parse::<Duration>(), Err(DurationError::Empty));
        assert_eq!(
            "30m1h".parse::<Duration>(),
            Err(DurationError::Order("30m1h".into()))
        );
        assert_eq!(
            "5m5m".parse::<Duration>(),
            Err(DurationError::Order("5m5m".into()))
        );
        let fraction = "1.5h".parse::<Duration>().unwrap_err();
        assert_eq!(fraction, DurationError::Malformed("1.5h".into()));
        assert!(fraction.hint().contains("1h30m"));
        assert!(matches!(
            "-5s".parse::<Duration>(),
            Err(DurationError::Malformed(_))
        ));
        assert!(matches!(
            "5 m".parse::<Duration>(),
            Err(DurationError::Malformed(_))
        ));
        assert!(matches!(
            "99999999999999999999d".parse::<Duration>(),
            Err(DurationError::TooLong(_))
        ));
    }

    /// Regression: `100000000d` used to parse, then panicked in date arithmetic.
    #[test]
    fn refuses_durations_longer_than_ten_years() {
        assert_eq!("3650d".parse::<Duration>(), Ok(Duration::MAX));
        for text in ["3651d", "3650d1ms", "100000000d", "87601h"] {
            let err = text.parse::<Duration>().unwrap_err();
            assert_eq!(err, DurationError::TooLong(text.into()));
            assert!(err.to_string().ends_with("is longer than 3650d"), "{err}");
            assert!(err.hint().contains("3650d"));
        }
        // The longest duration moves any date of the years 1 to 9999 without overflow.
        let far = chrono::DateTime::<chrono::Utc>::MAX_UTC - chrono::TimeDelta::days(100 * 365);
        assert!(far.checked_add_signed(Duration::MAX.as_chrono()).is_some());
    }

    #[test]
    fn prints_back_in_the_written_form() {
        for text in ["250ms", "30s", "5m", "1h30m", "2d", "1d2h3m4s5ms", "0s"] {
            let duration: Duration = text.parse().unwrap();
            assert_eq!(duration.to_string(), text);
            assert_eq!(duration.to_string().parse::<Duration>().unwrap(), duration);
        }
        // Other spellings of the same span print canonically.
        assert_eq!("90m".parse::<Duration>().unwrap().to_string(), "1h30m");
        assert_eq!("1500ms".parse::<Duration>().unwrap().to_string(), "1s500ms");
    }
}
