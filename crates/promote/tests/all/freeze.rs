//! Freeze windows through the binary across daylight-saving changes: "Friday 18:00 to Monday
//! 08:00" stays on the local wall clock when the UTC offset changes in between. The clock is
//! set with `SHIPLINE_NOW`; each case is a dry run, so only the gates are evaluated.

use crate::helpers::Setup;

fn window(timezone: &str, start: &str, end: &str) -> Setup {
    Setup::new(&format!(
        "environments:\n  production:\n    freeze:\n      - {{ start: \"{start}\", end: \"{end}\", timezone: {timezone} }}\n"
    ))
}

/// Asserts, for each (UTC instant, frozen?) pair, exit 3 when frozen and 0 when not.
fn assert_frozen(setup: &Setup, cases: &[(&str, bool)]) {
    for (now, frozen) in cases {
        let out = setup
            .promote()
            .args(["--to", "production", "--dry-run"])
            .env("SHIPLINE_NOW", now)
            .output()
            .unwrap();
        let expected = if *frozen { 3 } else { 0 };
        assert_eq!(
            out.status.code(),
            Some(expected),
            "at {now}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn berlin_weekend_freeze_across_spring_forward() {
    // Clocks go from CET (+1) to CEST (+2) on Sunday 2026-03-29: the freeze starts Friday
    // 18:00 CET (17:00 UTC) and ends Monday 08:00 CEST (06:00 UTC, not 07:00).
    let setup = window("Europe/Berlin", "0 18 * * FRI", "0 8 * * MON");
    assert_frozen(
        &setup,
        &[
            ("2026-03-27T16:59:00Z", false),
            ("2026-03-27T17:00:00Z", true),
            ("2026-03-29T01:30:00Z", true),
            ("2026-03-30T05:59:00Z", true),
            ("2026-03-30T06:00:00Z", false),
            ("2026-03-30T06:30:00Z", false),
        ],
    );
}

#[test]
fn berlin_weekend_freeze_across_fall_back() {
    // CEST (+2) to CET (+1) on Sunday 2026-10-25: starts Friday 16:00 UTC, ends Monday 07:00 UTC.
    let setup = window("Europe/Berlin", "0 18 * * FRI", "0 8 * * MON");
    assert_frozen(
        &setup,
        &[
            ("2026-10-23T15:59:00Z", false),
            ("2026-10-23T16:00:00Z", true),
            ("2026-10-26T06:30:00Z", true),
            ("2026-10-26T07:00:00Z", false),
        ],
    );
}

#[test]
fn new_york_weekend_freeze_across_both_changes() {
    let setup = window("America/New_York", "0 18 * * FRI", "0 8 * * MON");
    assert_frozen(
        &setup,
        &[
            // EST (-5) to EDT (-4) on 2026-03-08: Friday 23:00 UTC to Monday 12:00 UTC.
            ("2026-03-06T22:59:00Z", false),
            ("2026-03-06T23:00:00Z", true),
            ("2026-03-09T11:59:00Z", true),
            ("2026-03-09T12:00:00Z", false),
            // EDT to EST on 2026-11-01: Friday 22:00 UTC to Monday 13:00 UTC.
            ("2026-10-30T21:59:00Z", false),
            ("2026-10-30T22:00:00Z", true),
            ("2026-11-02T12:30:00Z", true),
            ("2026-11-02T13:00:00Z", false),
        ],
    );
}

#[test]
fn window_starting_in_the_skipped_hour_starts_when_the_gap_ends() {
    // 02:30 does not exist in Berlin on 2026-03-29; the freeze starts at 03:00 CEST (01:00 UTC).
    let setup = window("Europe/Berlin", "30 2 * * SUN", "0 12 * * SUN");
    assert_frozen(
        &setup,
        &[
            ("2026-03-29T00:59:00Z", false),
            ("2026-03-29T01:00:00Z", true),
            ("2026-03-29T09:59:00Z", true),
            ("2026-03-29T10:00:00Z", false),
        ],
    );
}
