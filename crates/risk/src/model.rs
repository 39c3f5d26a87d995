//! From features to a risk score, with the reasons behind it.
//!
//! The raw score is a sum of log-scaled contributions, each with a plain-words reason, chosen
//! for signals that carry over between repositories rather than weights fitted to one history:
//! changes that touch no shipped code (docs, tests, CI only) start near zero; for code changes the
//! size of the new code counts most, on a log scale, then the files' record of past fixes, how
//! scattered the change is, whether the code came without tests, and how well the author knows
//! the files. Content signals (migrations, sensitive paths, infrastructure, dependency majors,
//! binaries) add fixed amounts. The raw score is then turned into a 0–100 percentile against the
//! repository's own recent history ([`crate::calibrate`]).

use serde::Serialize;

use crate::features::Features;

/// One reason a change is risky: a stable code, the words shown to people, and its share of the
/// raw score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Stable identifier (`code_size`, `fix_prone_files`, ...).
    pub code: String,
    /// Plain words.
    pub message: String,
    /// Contribution to the raw score.
    pub weight: f64,
}

impl Reason {
    fn new(code: &str, message: String, weight: f64) -> Self {
        Self {
            code: code.to_string(),
            message,
            weight,
        }
    }
}

/// Where code changes start on the raw scale: above any docs- or tests-only change.
const CODE_BASE: f64 = 2.0;

fn ln1(x: f64) -> f64 {
    (1.0 + x.max(0.0)).ln()
}

/// The raw (unbounded, ≥ 0) score of a change and every reason that contributed, largest first.
pub fn raw_score(f: &Features) -> (f64, Vec<Reason>) {
    let mut reasons = Vec::new();
    let code = f.code_la + f.code_ld;
    if code > 0 {
        // A change that touches shipped code starts above every change that does not.
        reasons.push(Reason::new(
            "code_size",
            format!(
                "changes {} line(s) of code (+{} −{}) in {} file(s)",
                code, f.code_la, f.code_ld, f.code_nf
            ),
            CODE_BASE + ln1(f.code_la as f64) + 0.1 * ln1(f.code_ld as f64),
        ));
        if f.code_nf > 1 {
            reasons.push(Reason::new(
                "scattered",
                format!(
                    "spread over {} code files in {} directories",
                    f.code_nf, f.nd
                ),
                0.15 * ln1(f.code_nf as f64),
            ));
        }
        if f.code_fixes > 0 {
            reasons.push(Reason::new(
                "fix_prone_files",
                format!("touches code that needed {} fix(es) before", f.code_fixes),
                0.1 * ln1(f.code_fixes as f64),
            ));
        }
        if f.fix {
            reasons.push(Reason::new(
                "fix",
                "is itself a fix: fixes are often followed by more fixes".into(),
                0.3,
            ));
        }
        if f.untested_code && f.code_la > 0 {
            reasons.push(Reason::new(
                "untested_code",
                "changes code without changing tests".into(),
                0.1,
            ));
        }
    } else {
        let other = f.la + f.ld;
        if other > 0 {
            reasons.push(Reason::new(
                "non_code_size",
                format!("changes {other} line(s) of docs, comments, tests or configuration only"),
                0.05 * ln1(other as f64),
            ));
        }
    }
    if f.migrations > 0 {
        reasons.push(Reason::new(
            "migration",
            format!("changes {} database migration file(s)", f.migrations),
            1.5,
        ));
    }
    if f.infra_files > 0 {
        reasons.push(Reason::new(
            "infra",
            format!(
                "changes {} CI, infrastructure or deployment file(s)",
                f.infra_files
            ),
            0.5,
        ));
    }
    if f.binaries > 0 {
        reasons.push(Reason::new(
            "binary",
            format!(
                "changes {} binary file(s) that cannot be reviewed as text",
                f.binaries
            ),
            0.3,
        ));
    }
    for (reason, weight) in &f.sensitive {
        reasons.push(Reason::new(
            "sensitive",
            format!("touches a sensitive path: {reason}"),
            f64::from(*weight) / 10.0,
        ));
    }
    if f.dep_majors > 0 {
        let named = match f.dep_major_moves.as_slice() {
            [] => String::new(),
            [one] => format!(": {one}"),
            [a, b] => format!(": {a}, {b}"),
            [a, b, rest @ ..] => format!(": {a}, {b} and {} more", rest.len()),
        };
        let count = match f.dep_majors {
            1 => "a dependency".to_string(),
            n => format!("{n} dependencies"),
        };
        reasons.push(Reason::new(
            "dependency_major",
            format!("moves {count} across a major version{named}"),
            1.0,
        ));
    }
    reasons.retain(|r| r.weight > 0.0);
    reasons.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let total = reasons.iter().map(|r| r.weight).sum();
    (total, reasons)
}
