//! The Markdown summary: one screen on top (level, score, bump, next version, top risks), the
//! details folded into `<details>` sections, always under GitHub's comment size limit.

use std::fmt::Write;

use shipline_commits::{Basis, Bump, GroupBy, GroupKey, Section, group_by_key};
use shipline_core::sha::short;

use crate::range::BaseSource;
use crate::report::{Change, Report};

/// The hidden marker that identifies the sticky comment.
pub const MARKER: &str = "<!-- shipline-risk -->";

/// GitHub's limit on a comment body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept for the trimming note and the closing tags.
const RESERVE: usize = 1_024;

fn badge(level: shipline_core::config::RiskLevel) -> &'static str {
    use shipline_core::config::RiskLevel::*;
    match level {
        Low => "🟢 low",
        Medium => "🟡 medium",
        High => "🟠 high",
        Critical => "🔴 critical",
    }
}

/// Markdown-safe one-line text (no table breaks, no HTML).
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// Untrusted text for inside backticks: no backticks, no control characters.
fn code(text: &str) -> String {
    cell(&text.replace('`', "'"))
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// Where the range starts, in words: the first thing a reader needs to trust the rest.
fn since(report: &Report) -> String {
    let at = report
        .base
        .as_deref()
        .map(|base| format!(" (`{}`)", short(base)))
        .unwrap_or_default();
    match &report.base_source {
        BaseSource::Tag { tag } => format!("since tag `{}`{at}", code(tag)),
        BaseSource::Flag { rev, tag } => {
            let sha = report.base.as_deref().map(short).unwrap_or_default();
            if *tag {
                format!("since tag `{}` (`{sha}`, given with --base)", code(rev))
            } else if short(rev) == sha || rev.starts_with(sha) {
                format!("since `{sha}` (given with --base)")
            } else {
                format!("since `{}` (`{sha}`, given with --base)", code(rev))
            }
        }
        BaseSource::Deployment { id, environment } => format!(
            "since the {} deployment `{}`{at}",
            code(environment),
            code(id)
        ),
        BaseSource::ChangeRequest { number } => format!("since the base of #{number}{at}"),
        BaseSource::WholeHistory => {
            "whole history: no tag or deployment found; pass --base".to_string()
        }
    }
}

/// The summary of an empty range.
pub fn nothing_to_ship(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}\n## shipline-risk: nothing to ship\n");
    let _ = writeln!(
        out,
        "No commits between `{}` and `{}`: nothing is new {}.",
        report.base.as_deref().map(short).unwrap_or("(root)"),
        short(&report.head),
        since(report)
    );
    out
}

/// Renders the report; the result is never longer than [`COMMENT_LIMIT`] characters.
pub fn markdown(report: &Report) -> String {
    if report.changes.is_empty() {
        return nothing_to_ship(report);
    }
    let mut top = String::new();
    let _ = writeln!(top, "{MARKER}");
    let _ = writeln!(
        top,
        "## shipline-risk: {} ({:.0}/100)\n",
        badge(report.level),
        report.score
    );
    let range = match &report.base {
        Some(base) => format!("`{}..{}`", short(base), short(&report.head)),
        None => format!("the whole history up to `{}`", short(&report.head)),
    };
    let since = since(report);
    if report.base.is_none() {
        let _ = writeln!(
            top,
            "> ⚠️ **{since}**: all {} changes up to `{}` are counted as one release.\n",
            report.changes.len(),
            short(&report.head)
        );
    }
    let nothing = report.version.decided_by == Basis::NothingToRelease;
    let version = match (&report.current_version, &report.next_version) {
        (Some(cur), Some(next)) => format!("{cur} → **{next}**"),
        (None, Some(next)) => format!("**{next}** (first version tag)"),
        (Some(cur), None) if nothing => format!("{cur} (nothing to release)"),
        (Some(cur), None) => format!("{cur} → not stated"),
        (None, None) if nothing => "no release".into(),
        (None, None) => "no version tag; next not stated".into(),
    };
    let bump = match report.bump {
        Some(Bump::None) | None if nothing => "none".to_string(),
        Some(bump) => format!("{bump:?}").to_lowercase(),
        None => "not stated".to_string(),
    };
    let basis = report
        .reasons
        .iter()
        .find(|r| r.code == "compared_with_history")
        .map_or_else(|| "its riskiest change".to_string(), |r| cell(&r.message));
    let _ = writeln!(
        top,
        "| | |\n|---|---|\n| Base | {since} |\n| Changes | {} in {range} |\n| Bump | {bump} |\n| Version | {version} |\n| How | {} |\n| Risk | {} · {:.0}/100: {basis} (a change's score is its percentile among the last {} changes) |\n",
        report.changes.len(),
        cell(&report.version.explanation),
        badge(report.level),
        report.score,
        report.lookback
    );
    if !report.forge_checked {
        let _ = writeln!(top, "{}\n", review_unknown(report));
    }
    let _ = writeln!(top, "**Top risks**\n");
    let drivers = report
        .reasons
        .iter()
        .filter(|r| r.code != "compared_with_history");
    for r in drivers.take(3) {
        let _ = writeln!(top, "- {}", cell(&r.message));
    }
    let mut riskiest: Vec<&Change> = report.changes.iter().collect();
    riskiest.sort_by(|a, b| b.score.total_cmp(&a.score));
    for c in riskiest.iter().take(3) {
        let _ = writeln!(
            top,
            "- `{}` {} — {:.0} ({}): {}",
            short(&c.sha),
            cell(&c.title),
            c.score,
            c.level,
            c.reasons
                .first()
                .map(|r| cell(&r.message))
                .unwrap_or_default()
        );
    }
    let breaking: Vec<&Change> = report.changes.iter().filter(|c| c.breaking).collect();
    if !breaking.is_empty() {
        let _ = writeln!(top, "\n⚠️ **{} breaking change(s)**", breaking.len());
    }

    let mut sections = Vec::new();
    sections.push(changes_section(report));
    sections.push(scores_section(&riskiest));
    if !report.dependencies.is_empty() {
        sections.push(deps_section(report));
    }
    // Without a forge, a message that names no PR/MR says nothing about how the change landed.
    let direct: Vec<&Change> = report.changes.iter().filter(|c| c.pr.is_none()).collect();
    if report.forge_checked && !direct.is_empty() {
        let mut s = format!(
            "<details><summary>Direct pushes ({})</summary>\n\n",
            direct.len()
        );
        for c in direct {
            let _ = writeln!(
                s,
                "- `{}` {} ({})",
                short(&c.sha),
                cell(&c.title),
                cell(&c.author)
            );
        }
        s.push_str("\n</details>\n");
        sections.push(s);
    }

    let mut out = top;
    out.push('\n');
    let budget = COMMENT_LIMIT - RESERVE;
    let mut trimmed = false;
    for section in sections {
        if out.chars().count() + section.chars().count() <= budget {
            out.push_str(&section);
            out.push('\n');
        } else {
            // Keep as many whole lines of the section as fit, closed properly.
            let room = budget.saturating_sub(out.chars().count() + 32);
            let mut part = String::new();
            for line in section.lines() {
                if part.chars().count() + line.chars().count() + 1 > room {
                    break;
                }
                part.push_str(line);
                part.push('\n');
            }
            if part.contains("<details>") {
                out.push_str(&part);
                out.push_str("\n</details>\n");
            }
            trimmed = true;
            break;
        }
    }
    if trimmed {
        let _ = writeln!(
            out,
            "\n_Trimmed to stay under the {COMMENT_LIMIT}-character comment limit: run `shipline-risk --format json` for everything._"
        );
    }
    out
}

/// The one line that says what is not known without a forge (issue 14: no change is said to
/// have come without a PR/MR when only its message was read).
fn review_unknown(report: &Report) -> String {
    let named = report.changes.iter().filter(|c| c.pr.is_some()).count();
    format!(
        "_Review status unknown: no forge was asked ({named} of {} change(s) name their PR/MR in the message). Run in CI with a token (`GITHUB_TOKEN` or `GITLAB_TOKEN`) to see reviews, checks and direct pushes._",
        report.changes.len()
    )
}

fn changes_section(report: &Report) -> String {
    let by = match report.grouping.by {
        GroupBy::Type => "type",
        GroupBy::Area => "area",
        GroupBy::Component => "component",
    };
    let mut s = format!(
        "<details><summary>Changes by {by} ({})</summary>\n\n_Grouped {}._\n\n",
        report.changes.len(),
        report.grouping.describe()
    );
    for (key, list) in group_by_key(&report.changes, |c| c.group.clone()) {
        let _ = writeln!(s, "**{}**\n", cell(key.title()));
        // Where the heading does not say the type (breaking changes, the many housekeeping
        // types, areas and components), the line does.
        let typed = !matches!(
            key,
            GroupKey::Section(
                Section::Features | Section::Fixes | Section::Performance | Section::Reverts
            )
        );
        for c in list {
            let pr = c.pr.map(|n| format!(" (#{n})")).unwrap_or_default();
            let kind = match &c.kind {
                Some(kind) if typed => format!("{}: ", cell(kind)),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "- `{}` {kind}{}{pr} — {}",
                short(&c.sha),
                cell(&c.title),
                cell(&c.author)
            );
        }
        s.push('\n');
    }
    s.push_str("</details>\n");
    s
}

fn scores_section(riskiest: &[&Change]) -> String {
    let mut s = String::from(
        "<details><summary>Risk per change</summary>\n\n| Change | Score | Level | Reasons |\n|---|---|---|---|\n",
    );
    for c in riskiest {
        let reasons = c
            .reasons
            .iter()
            .take(3)
            .map(|r| format!("{} ({:+.1})", cell(&r.message), r.weight))
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(
            s,
            "| `{}` {} | {:.0} | {} | {} |",
            short(&c.sha),
            cell(&c.title),
            c.score,
            c.level,
            reasons
        );
    }
    s.push_str("\n</details>\n");
    s
}

fn deps_section(report: &Report) -> String {
    use crate::deps::{ChangeKind, Origin};
    let (floors, packages): (Vec<_>, Vec<_>) = report
        .dependencies
        .iter()
        .partition(|d| d.origin == Origin::Toolchain);
    let mut s = format!(
        "<details><summary>Dependencies ({})</summary>\n\n",
        packages.len()
    );
    if !floors.is_empty() {
        let listed: Vec<String> = floors
            .iter()
            .map(|d| {
                let from_to = match (&d.from, &d.to) {
                    (Some(from), Some(to)) => format!("{} → {}", cell(from), cell(to)),
                    (None, Some(to)) => format!("now {}", cell(to)),
                    (Some(from), None) => format!("{} dropped", cell(from)),
                    (None, None) => String::new(),
                };
                format!("{} {from_to} ({})", cell(&d.name), cell(&d.file))
            })
            .collect();
        let _ = writeln!(s, "Toolchain floors: {}\n", listed.join("; "));
    }
    if !packages.is_empty() {
        s.push_str("| Package | Change | From | To | File |\n|---|---|---|---|---|\n");
    }
    for d in packages {
        let kind = match d.kind {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Upgraded => "upgraded",
            ChangeKind::Downgraded => "downgraded",
            ChangeKind::Changed => "changed",
        };
        // A manifest holds requirements (`^1.2`), not the versions installed.
        let kind = match d.origin {
            Origin::Manifest => format!("requirement {kind}"),
            _ => kind.to_string(),
        };
        let file = match &d.scope {
            Some(scope) => format!("{} ({})", cell(&d.file), cell(scope)),
            None => cell(&d.file),
        };
        let _ = writeln!(
            s,
            "| {}{} | {kind} | {} | {} | {file} |",
            cell(&d.name),
            if d.major { " ⚠️ major" } else { "" },
            cell(d.from.as_deref().unwrap_or("")),
            cell(d.to.as_deref().unwrap_or("")),
        );
    }
    s.push_str("\n</details>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Reason;
    use shipline_core::config::RiskLevel;

    fn change(i: usize) -> Change {
        Change {
            sha: format!("{i:040x}"),
            pr: i.is_multiple_of(2).then_some(i as u64),
            title: format!("change number {i} with a long enough title to fill the table rows"),
            kind: Some("feat".into()),
            breaking: false,
            author: "Ada".into(),
            score: (i % 100) as f64,
            level: RiskLevel::Medium,
            reasons: vec![Reason {
                code: "code_size".into(),
                message: "changes 10 line(s) of code".into(),
                weight: 4.2,
            }],
            raw: 4.2,
            group: shipline_commits::GroupKey::Section(shipline_commits::Section::Features),
        }
    }

    fn report(n: usize) -> Report {
        Report {
            base: Some("a".repeat(40)),
            head: "b".repeat(40),
            base_source: BaseSource::Flag {
                rev: "v1.0.0".into(),
                tag: true,
            },
            score: 70.0,
            level: RiskLevel::High,
            bump: Some(Bump::Minor),
            current_version: Some("1.0.0".into()),
            next_version: Some("1.1.0".into()),
            version: shipline_commits::VersionDecision {
                decided_by: Basis::ConventionalCommits,
                tag_family: String::new(),
                current: None,
                next: None,
                tag: Some("v1.1.0".into()),
                bump: Some(Bump::Minor),
                conventional_share: 1.0,
                messages_measured: 3,
                explanation: "next 1.1.0: minor from 1 `feat:` commit(s) (100% conventional)"
                    .into(),
            },
            changes: (0..n).map(change).collect(),
            reasons: Vec::new(),
            dependencies: Vec::new(),
            lookback: 1000,
            grouping: shipline_commits::Grouping::decide([]),
            forge_checked: false,
            distribution: Default::default(),
            window: Vec::new(),
            release_ends: None,
        }
    }

    #[test]
    fn a_3000_change_release_is_trimmed_under_the_limit_with_a_note() {
        let md = markdown(&report(3_000));
        assert!(md.chars().count() <= COMMENT_LIMIT);
        assert!(md.starts_with(MARKER));
        assert!(md.contains("Trimmed to stay under"));
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
    }

    #[test]
    fn a_small_release_is_not_trimmed() {
        let md = markdown(&report(3));
        assert!(!md.contains("Trimmed"));
        assert!(md.contains("1.0.0 → **1.1.0**"));
    }
}
