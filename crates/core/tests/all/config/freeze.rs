//! Freeze windows across daylight-saving changes in Europe/Berlin and America/New_York, probed
//! one second either side of each edge.

use chrono::{DateTime, TimeZone as _, Utc};
use shipline_core::config::{FreezeWindow, FrozenUntil};

use super::parse;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn window(start: &str, end: &str, timezone: &str) -> FreezeWindow {
    let text = format!(
        "environments:\n  production:\n    freeze:\n      - {{ start: \"{start}\", end: \"{end}\", timezone: {timezone} }}\n"
    );
    parse(&text)
        .unwrap()
        .environment("production")
        .unwrap()
        .freeze[0]
        .clone()
}

/// Asserts the window is open exactly on `[since, until)`, probing one second either side.
fn assert_open_between(window: &FreezeWindow, since: DateTime<Utc>, until: DateTime<Utc>) {
    let second = chrono::TimeDelta::seconds(1);
    let expected = Some(FrozenUntil {
        since,
        until: Some(until),
    });
    assert_eq!(
        window.active_at(since - second),
        None,
        "just before {since}"
    );
    assert_eq!(window.active_at(since), expected, "at start {since}");
    assert_eq!(
        window.active_at(since + second),
        expected,
        "just after start {since}"
    );
    assert_eq!(
        window.active_at(until - second),
        expected,
        "just before end {until}"
    );
    assert_eq!(window.active_at(until), None, "at end {until}");
    assert_eq!(
        window.active_at(until + second),
        None,
        "just after end {until}"
    );
}

#[test]
fn weekend_window_in_berlin_spans_the_spring_forward_change() {
    // Clocks go from 02:00 CET to 03:00 CEST on Sunday 2025-03-30: the freeze starts at 18:00
    // CET (17:00 UTC) and ends at 08:00 CEST (06:00 UTC), 61 hours of wall clock but 61 real
    // hours less the skipped one.
    let weekend = window("0 18 * * FRI", "0 8 * * MON", "Europe/Berlin");
    assert_open_between(
        &weekend,
        utc(2025, 3, 28, 17, 0, 0),
        utc(2025, 3, 31, 6, 0, 0),
    );
    // Mid-window, on the Sunday after the change.
    assert!(weekend.active_at(utc(2025, 3, 30, 12, 0, 0)).is_some());
}

#[test]
fn weekend_window_in_berlin_spans_the_fall_back_change() {
    // Clocks go from 03:00 CEST back to 02:00 CET on Sunday 2025-10-26.
    let weekend = window("0 18 * * FRI", "0 8 * * MON", "Europe/Berlin");
    assert_open_between(
        &weekend,
        utc(2025, 10, 24, 16, 0, 0),
        utc(2025, 10, 27, 7, 0, 0),
    );
    // 06:30 UTC Monday is 07:30 CET: still frozen (an offset fixed at Friday's would say open).
    assert!(weekend.active_at(utc(2025, 10, 27, 6, 30, 0)).is_some());
}

#[test]
fn weekend_window_in_new_york_spans_both_changes() {
    let weekend = window("0 18 * * FRI", "0 8 * * MON", "America/New_York");
    // Spring forward on Sunday 2025-03-09: 18:00 EST = 23:00 UTC, 08:00 EDT = 12:00 UTC.
    assert_open_between(
        &weekend,
        utc(2025, 3, 7, 23, 0, 0),
        utc(2025, 3, 10, 12, 0, 0),
    );
    // Fall back on Sunday 2025-11-02: 18:00 EDT = 22:00 UTC, 08:00 EST = 13:00 UTC.
    assert_open_between(
        &weekend,
        utc(2025, 10, 31, 22, 0, 0),
        utc(2025, 11, 3, 13, 0, 0),
    );
}

#[test]
fn starting_in_the_skipped_hour_starts_when_the_gap_ends() {
    // 02:30 does not exist on the spring-forward Sunday; the window opens at the first instant
    // after the gap, 03:00 local, and closes at 04:00 local.
    let berlin = window("30 2 * * SUN", "0 4 * * SUN", "Europe/Berlin");
    assert_open_between(
        &berlin,
        utc(2025, 3, 30, 1, 0, 0),
        utc(2025, 3, 30, 2, 0, 0),
    );
    // On an ordinary Sunday it opens at 02:30 CET (01:30 UTC).
    assert_open_between(
        &berlin,
        utc(2025, 3, 23, 1, 30, 0),
        utc(2025, 3, 23, 3, 0, 0),
    );

    let new_york = window("30 2 * * SUN", "0 4 * * SUN", "America/New_York");
    // 03:00 EDT = 07:00 UTC; 04:00 EDT = 08:00 UTC.
    assert_open_between(
        &new_york,
        utc(2025, 3, 9, 7, 0, 0),
        utc(2025, 3, 9, 8, 0, 0),
    );
}

#[test]
fn ending_in_the_repeated_hour_ends_at_its_first_instance() {
    // 02:30 happens twice in Berlin on 2025-10-26 (00:30 UTC in CEST, 01:30 UTC in CET); the
    // freeze that ends then ends at the first, and stays open after the second.
    let night = window("0 1 * * SUN", "30 2 * * SUN", "Europe/Berlin");
    assert_open_between(
        &night,
        utc(2025, 10, 25, 23, 0, 0),
        utc(2025, 10, 26, 0, 30, 0),
    );
    assert_eq!(night.active_at(utc(2025, 10, 26, 1, 45, 0)), None);
}

#[test]
fn overlapping_freezes_report_the_one_that_ends_last() {
    let config = parse(
        "environments:\n  production:\n    freeze:\n      - { start: \"0 18 * * FRI\", end: \"0 8 * * MON\" }\n      - { start: \"0 0 20 12 *\", end: \"0 0 2 1 *\" }\n",
    )
    .unwrap();
    let production = config.environment("production").unwrap();
    assert_eq!(production.freeze[0].timezone.name(), "UTC");
    let frozen = production
        .active_freeze(utc(2024, 12, 21, 12, 0, 0))
        .unwrap();
    assert_eq!(frozen.until, Some(utc(2025, 1, 2, 0, 0, 0)));
    assert_eq!(frozen.since, utc(2024, 12, 20, 0, 0, 0));
    assert_eq!(production.active_freeze(utc(2025, 1, 8, 12, 0, 0)), None);
}
