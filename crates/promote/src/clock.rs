//! The time gates are evaluated at.
//!
//! Freeze windows and soak times depend on "now". `SHIPLINE_NOW` (an RFC 3339 time) replaces
//! the system clock for those decisions only, so a pipeline can be replayed ("would this have
//! been promoted on Friday evening?") and tests are deterministic across daylight-saving
//! changes. Step commands, bake times and health checks always run in real time.

use chrono::{DateTime, Utc};

use crate::error::PromoteError;

/// The variable that overrides the clock.
pub const NOW_VAR: &str = "SHIPLINE_NOW";

/// `SHIPLINE_NOW` when set (`value`), else the system clock.
pub fn now(value: Option<&str>) -> Result<DateTime<Utc>, PromoteError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Utc::now()),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|err| PromoteError::Now {
                value: text.to_string(),
                reason: err.to_string(),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_is_rfc3339() {
        let t = now(Some("2026-03-29T03:30:00+02:00")).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-29T01:30:00+00:00");
        assert!(
            now(Some("tomorrow"))
                .unwrap_err()
                .to_string()
                .contains("SHIPLINE_NOW")
        );
        assert!(now(None).is_ok());
    }
}
