//! The Markdown summary: one screen on top (level, score, bump, next version, where the risk is,
//! top risks), the details folded into `<details>` sections, always within a size limit: GitHub's
//! comment limit for the comment and stdout, the step summary's larger one for the step summary.
//!
//! Trimming never drops a section: every section keeps its header with its count, and long lists
//! are cut to their riskiest entries, the cut said first ("… and N more"). The JSON report always
//! has everything.

use std::fmt::Write;

use shipline_commits::{Basis, Bump, GroupBy, GroupKey, Section, group_by_key};
use shipline_core::sha::short;

use crate::aggregate::Area;
use crate::range::BaseSource;
use crate::report::{Change, Report, count_of, list_with_more};

/// The hidden marker that identifies the sticky comment.
pub const MARKER: &str = "<!-- shipline-risk -->";

/// GitHub's limit on a comment body, in characters (GitLab's notes allow more; the same budget is
/// used there). Bytes are counted, which is never fewer.
pub const COMMENT_LIMIT: usize = 65_536;

/// GitHub's limit on a step summary: 1 MiB (`$GITHUB_STEP_SUMMARY upload aborted, supports
/// content up to a size of 1024k`).
pub const SUMMARY_LIMIT: usize = 1_048_576;

/// Room kept for the trimming note and the closing tags.
const RESERVE: usize = 1_024;

/// Changes named in the top risks.
const TOP_CHANGES: usize = 3;

/// Areas named on top.
const TOP_AREAS: usize = 3;

/// Past releases drawn in the chart besides this one.
pub const CHART_RELEASES: usize = 12;

/// Longest title shown in full on top; longer ones are cut with "…".
const TOP_TITLE: usize = 80;

/// Longest title shown in full in a list.
const LIST_TITLE: usize = 200;

fn badge(level: shipline_core::config::RiskLevel) -> &'static str {
    use shipline_core::config::RiskLevel::*;
    match level {
        Low => "🟢 low",
        Medium => "🟡 medium",
        High => "🟠 high",
        Critical => "🔴 critical",
    }
}

/// Markdown-safe one-line text (no table breaks, no HTML, no control characters).
fn cell(text: &str) -> String {
    // Mentions in commit messages and titles go into code spans: the sticky comment is
    // rewritten on every push, and must not notify the people they name each time.
    shipline_core::text::cell(text)
}

/// `text` on one line with the characters a table cell cannot hold escaped.
fn escaped(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r', '\t'], " ")
        .replace(|c: char| c.is_control(), "")
}

/// `text` cut to `max` characters, "…" marking the cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A change's title for a list: escaped and cut to `max` characters.
fn title(change: &Change, max: usize) -> String {
    cell(&cut(&change.title, max))
}

/// Untrusted text as an inline code span that also survives a table cell.
fn code(text: &str) -> String {
    format!("`{}`", escaped(&cut(text, LIST_TITLE)).replace('`', "'"))
}

/// Text inside a quoted Mermaid label: only plain characters, at most 16 (see
/// [`shipline_core::text::chart_label`]).
fn chart_label(text: &str) -> String {
    shipline_core::text::chart_label(text, 16)
}

/// Where the range starts, in words: the first thing a reader needs to trust the rest.
fn since(report: &Report) -> String {
    let at = report
        .base
        .as_deref()
        .map(|base| format!(" (`{}`)", short(base)))
        .unwrap_or_default();
    match &report.base_source {
        BaseSource::Tag { tag } if report.component.is_some() => {
            format!("since its tag {}{at}", code(tag))
        }
        BaseSource::Tag { tag } => format!("since tag {}{at}", code(tag)),
        BaseSource::Flag { rev, tag } => {
            let sha = report.base.as_deref().map(short).unwrap_or_default();
            if *tag {
                format!("since tag {} (`{sha}`, given with --base)", code(rev))
            } else if short(rev) == sha || rev.starts_with(sha) {
                format!("since `{sha}` (given with --base)")
            } else {
                format!("since {} (`{sha}`, given with --base)", code(rev))
            }
        }
        BaseSource::Deployment { id, environment } => format!(
            "since the {} deployment {}{at}",
            code(environment),
            code(id)
        ),
        BaseSource::ChangeRequest { number } => format!("since the base of #{number}{at}"),
        BaseSource::WholeHistory => {
            "whole history: no tag or deployment found; pass --base".to_string()
        }
    }
}

/// ` for `api`` in a component's titles; empty for the whole repository.
fn for_component(report: &Report) -> String {
    report
        .component
        .as_deref()
        .map(|name| format!(" for {}", code(name)))
        .unwrap_or_default()
}

/// The summary of an empty range.
pub fn nothing_to_ship(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{MARKER}\n## shipline-risk{}: nothing to ship\n",
        for_component(report)
    );
    let under = match &report.component {
        Some(name) => format!(" under the paths of {}", code(name)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "No commits{under} between `{}` and `{}`.",
        report.base.as_deref().map(short).unwrap_or("(root)"),
        short(&report.head)
    );
    out
}

/// Renders the report for a comment: never longer than [`COMMENT_LIMIT`] bytes.
#[cfg(test)]
pub fn markdown(report: &Report) -> String {
    markdown_within(report, COMMENT_LIMIT)
}

/// Renders the report in at most `limit` bytes: every section is there; when everything does not
/// fit, the long lists are cut to as many of their riskiest entries as fit.
pub fn markdown_within(report: &Report, limit: usize) -> String {
    if report.changes.is_empty() {
        return nothing_to_ship(report);
    }
    render(report, limit, Heading::Comment)
}

/// How a rendered report starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Heading {
    /// The comment's marker and its `## shipline-risk` title.
    Comment,
    /// A component's section inside the PR/MR's comment: `### api: 🟠 high (64/100)`.
    Component,
}

/// Renders the PR/MR's report, then a section per component it touches (`touched`, each the
/// PR/MR's range limited to that component), then one line naming the `unchanged` components,
/// all in at most `limit` bytes.
///
/// The whole PR/MR comes first: its score is the one the outputs, the label and `--fail-above`
/// use, and it is the only place a change outside every component shows up. When everything
/// does not fit, the whole PR/MR keeps up to half the budget and the components share the rest
/// equally, each trimmed as [`markdown_within`] trims.
pub fn markdown_with_components(
    whole: &Report,
    touched: &[Report],
    unchanged: &[&str],
    limit: usize,
) -> String {
    if whole.changes.is_empty() || (touched.is_empty() && unchanged.is_empty()) {
        return markdown_within(whole, limit);
    }
    let intro = if touched.is_empty() {
        String::new()
    } else {
        "\n---\n\n**Per component**: the same range, only the changes under each component's paths and shared paths.\n\n".to_string()
    };
    let tail = if unchanged.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = unchanged.iter().map(|n| cell(n)).collect();
        format!("\nUnchanged: {}.\n", names.join(", "))
    };
    let section = |report: &Report, limit: usize| {
        if report.changes.is_empty() {
            String::new()
        } else {
            render(report, limit, Heading::Component)
        }
    };
    let room = limit.saturating_sub(intro.len() + tail.len());
    let mut head = markdown_within(whole, limit);
    let mut parts: Vec<String> = touched.iter().map(|r| section(r, limit)).collect();
    let total = head.len() + parts.iter().map(|p| p.len() + 1).sum::<usize>();
    if total > room {
        if head.len() > room / 2 {
            head = markdown_within(whole, room / 2);
        }
        let share = room.saturating_sub(head.len()) / touched.len().max(1);
        let share = share.saturating_sub(1);
        parts = touched.iter().map(|r| section(r, share)).collect();
    }
    let mut out = head;
    out.push_str(&intro);
    out.push_str(&parts.join("\n"));
    out.push_str(&tail);
    out
}

/// Renders a report that has changes in at most `limit` bytes (see [`markdown_within`]).
fn render(report: &Report, limit: usize, heading: Heading) -> String {
    let mut riskiest: Vec<&Change> = report.changes.iter().collect();
    riskiest.sort_by(|a, b| b.score.total_cmp(&a.score));
    let top = top(report, &riskiest, heading);

    let sections = |shown: Option<usize>| -> String {
        let mut parts = Vec::new();
        if let Some(chart) = chart_section(report) {
            parts.push(chart);
        }
        parts.push(changes_section(report, shown));
        parts.push(scores_section(&riskiest, report.lookback, shown));
        if !report.dependencies.is_empty() {
            parts.push(deps_section(report, shown));
        }
        if let Some(direct) = direct_section(report, &riskiest, shown) {
            parts.push(direct);
        }
        parts.join("\n")
    };
    let budget = limit.saturating_sub(RESERVE + top.len());
    let mut body = sections(None);
    let mut trimmed = false;
    if body.len() > budget {
        trimmed = true;
        // The most entries per list that fit; the length grows with it.
        let longest = report.changes.len().max(report.dependencies.len());
        let (mut fits, mut over) = (0, longest);
        while over - fits > 1 {
            let mid = fits + (over - fits) / 2;
            if sections(Some(mid)).len() <= budget {
                fits = mid;
            } else {
                over = mid;
            }
        }
        body = sections(Some(fits));
    }
    let mut out = top;
    out.push('\n');
    out.push_str(&body);
    if trimmed {
        let _ = writeln!(
            out,
            "\n_Trimmed to stay under the {limit}-byte limit: long lists show their riskiest entries. `shipline-risk --format json` has everything{}._",
            if limit < SUMMARY_LIMIT {
                ", and so does the step summary in CI"
            } else {
                ""
            }
        );
    }
    if out.len() > limit {
        // Only titles and names far beyond any real one get here: cut at a line, close the
        // open section.
        let mut end = limit.saturating_sub(RESERVE);
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        let end = out[..end].rfind('\n').map_or(end, |i| i + 1);
        out.truncate(end);
        if out.matches("<details>").count() > out.matches("</details>").count() {
            out.push_str("\n</details>\n");
        }
    }
    out
}

/// What a reader sees without opening anything: the first table, where the risk is, and the top
/// risks, each change named once.
fn top(report: &Report, riskiest: &[&Change], heading: Heading) -> String {
    let mut top = String::new();
    match heading {
        Heading::Comment => {
            let _ = writeln!(top, "{MARKER}");
            let _ = writeln!(
                top,
                "## shipline-risk{}: {} ({:.0}/100)\n",
                for_component(report),
                badge(report.level),
                report.score
            );
        }
        Heading::Component => {
            let _ = writeln!(
                top,
                "### {}: {} ({:.0}/100)\n",
                cell(report.component.as_deref().unwrap_or_default()),
                badge(report.level),
                report.score
            );
        }
    }
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
        .map_or_else(
            || "no history to compare with: the score of its riskiest change".to_string(),
            |r| cell(&r.message),
        );
    let _ = writeln!(
        top,
        "| | |\n|---|---|\n| Base | {since} |\n| Changes | {} in {range} |\n| Bump | {bump} |\n| Version | {version} |\n| How | {} |\n| Risk | {} · {:.0}/100: {basis} |",
        report.changes.len(),
        cell(&report.version.explanation),
        badge(report.level),
        report.score,
    );
    if let Some(areas) = areas_row(&report.areas) {
        let _ = writeln!(top, "| Risk areas | {areas} |");
    }
    if !report.forge_checked {
        let _ = writeln!(top, "\n{}", review_unknown(report));
    }
    let _ = writeln!(top, "\n**Top risks**\n");
    let breaking = report.changes.iter().filter(|c| c.breaking).count();
    if breaking > 0 {
        let _ = writeln!(
            top,
            "- ⚠️ **{} marked breaking**",
            count_of(breaking, "change", "changes")
        );
    }
    // The riskiest change is listed below with the others, not twice.
    let drivers = report
        .reasons
        .iter()
        .filter(|r| !matches!(r.code.as_str(), "compared_with_history" | "riskiest_change"));
    for r in drivers {
        let _ = writeln!(top, "- {}", cell(&r.message));
    }
    for c in riskiest.iter().take(TOP_CHANGES) {
        let why: Vec<String> = c.reasons.iter().map(|r| cell(&r.message)).collect();
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(
                ": {}",
                list_with_more(&why, 2, "; ", Some(("reason", "reasons")))
            )
        };
        let _ = writeln!(
            top,
            "- `{}` {} — {:.0} ({}){why}",
            short(&c.sha),
            title(c, TOP_TITLE),
            c.score,
            c.level,
        );
    }
    top
}

/// The one line that says what is not known without a forge: no change is said to have
/// come without a PR/MR when only its message was read.
fn review_unknown(report: &Report) -> String {
    let named = report.changes.iter().filter(|c| c.pr.is_some()).count();
    format!(
        "_Review status unknown: no forge was asked ({named} of {} change(s) name their PR/MR in the message). Run in CI with a token (`GITHUB_TOKEN` or `GITLAB_TOKEN`) to see reviews, checks and direct pushes._",
        report.changes.len()
    )
}

/// The top areas with their shares, and how many more there are.
fn areas_row(areas: &[Area]) -> Option<String> {
    if areas.is_empty() {
        return None;
    }
    let named: Vec<String> = areas
        .iter()
        .map(|a| {
            let name = match (a.files_only, a.path.is_empty()) {
                (true, true) => "top-level files".to_string(),
                (true, false) => format!("files directly in {}", code(&a.path)),
                (false, _) => code(&a.path),
            };
            format!("{name} {:.0}%", a.share)
        })
        .collect();
    let shown = named.len().min(TOP_AREAS);
    let mut row = format!("{} of the risk", named[..shown].join(", "));
    if named.len() > shown {
        let _ = write!(
            row,
            "; the rest is spread over {}",
            count_of(named.len() - shown, "more area", "more areas")
        );
    }
    Some(row)
}

/// The first line of a cut list: how many are not shown.
fn more_line(hidden: usize) -> String {
    format!("_… and {hidden} more, of lower risk: `--format json` lists them all_")
}

/// The `shown` riskiest of `list` (all with `None`), in their order in `list`, and how many are
/// left out.
fn riskiest_of<'a>(list: &[&'a Change], shown: Option<usize>) -> (Vec<&'a Change>, usize) {
    match shown {
        Some(n) if n < list.len() => {
            let mut order: Vec<usize> = (0..list.len()).collect();
            order.sort_by(|a, b| list[*b].score.total_cmp(&list[*a].score));
            let mut keep: Vec<usize> = order.into_iter().take(n).collect();
            keep.sort_unstable();
            (keep.into_iter().map(|i| list[i]).collect(), list.len() - n)
        }
        _ => (list.to_vec(), 0),
    }
}

/// This release's score and size against the last [`CHART_RELEASES`] releases, as Mermaid
/// `xychart-beta` charts; `None` without past releases to draw.
fn chart_section(report: &Report) -> Option<String> {
    if report.past_releases.is_empty() {
        return None;
    }
    let from = report.past_releases.len().saturating_sub(CHART_RELEASES);
    let past = &report.past_releases[from..];
    let mut labels: Vec<String> = past.iter().map(|p| chart_label(&p.tag)).collect();
    labels.push("this release".into());
    let labels = labels
        .iter()
        .map(|l| format!("\"{l}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut scores: Vec<String> = past.iter().map(|p| format!("{:.0}", p.score)).collect();
    scores.push(format!("{:.0}", report.score));
    let mut sizes: Vec<String> = past.iter().map(|p| p.changes.to_string()).collect();
    sizes.push(report.changes.len().to_string());
    let mut s = format!(
        "<details><summary>Against the last {} (chart)</summary>\n\n",
        count_of(past.len(), "release", "releases")
    );
    for (chart_title, axis, range, values) in [
        ("Risk score", "score", " 0 --> 100", scores),
        ("Changes", "changes", "", sizes),
    ] {
        let _ = writeln!(
            s,
            "```mermaid\nxychart-beta\n    title \"{chart_title}\"\n    x-axis [{labels}]\n    y-axis \"{axis}\"{range}\n    bar [{}]\n```\n",
            values.join(", ")
        );
    }
    s.push_str("</details>\n");
    Some(s)
}

fn changes_section(report: &Report, shown: Option<usize>) -> String {
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
        let _ = writeln!(s, "**{} ({})**\n", cell(key.title()), list.len());
        let list: Vec<&Change> = list.into_iter().collect();
        let (list, hidden) = riskiest_of(&list, shown);
        if hidden > 0 {
            let _ = writeln!(s, "- {}", more_line(hidden));
        }
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
                title(c, LIST_TITLE),
                cell(&c.author)
            );
        }
        s.push('\n');
    }
    s.push_str("</details>\n");
    s
}

fn scores_section(riskiest: &[&Change], lookback: usize, shown: Option<usize>) -> String {
    let mut s = format!(
        "<details><summary>Risk per change ({})</summary>\n\nA change's score is its percentile among the last {lookback} changes here.\n\n| Change | Score | Level | Reasons |\n|---|---|---|---|\n",
        riskiest.len()
    );
    let n = shown.unwrap_or(riskiest.len()).min(riskiest.len());
    if n < riskiest.len() {
        let _ = writeln!(s, "| {} | | | |", more_line(riskiest.len() - n));
    }
    for c in &riskiest[..n] {
        let reasons: Vec<String> = c
            .reasons
            .iter()
            .map(|r| format!("{} ({:+.1})", cell(&r.message), r.weight))
            .collect();
        let _ = writeln!(
            s,
            "| `{}` {} | {:.0} | {} | {} |",
            short(&c.sha),
            title(c, LIST_TITLE),
            c.score,
            c.level,
            list_with_more(&reasons, 3, "; ", Some(("reason", "reasons")))
        );
    }
    s.push_str("\n</details>\n");
    s
}

fn deps_section(report: &Report, shown: Option<usize>) -> String {
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
    let mut packages = packages;
    if !packages.is_empty() {
        s.push_str("| Package | Change | From | To | File |\n|---|---|---|---|---|\n");
    }
    let n = shown.unwrap_or(packages.len()).min(packages.len());
    if n < packages.len() {
        // Major moves are the risky ones: they stay.
        packages.sort_by_key(|d| !d.major);
        let _ = writeln!(s, "| {} | | | | |", more_line(packages.len() - n));
    }
    for d in &packages[..n] {
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

fn direct_section(report: &Report, riskiest: &[&Change], shown: Option<usize>) -> Option<String> {
    // Without a forge, a message that names no PR/MR says nothing about how the change landed.
    if !report.forge_checked {
        return None;
    }
    let direct: Vec<&Change> = riskiest
        .iter()
        .copied()
        .filter(|c| c.pr.is_none())
        .collect();
    if direct.is_empty() {
        return None;
    }
    let mut s = format!(
        "<details><summary>Direct pushes ({})</summary>\n\n",
        direct.len()
    );
    let n = shown.unwrap_or(direct.len()).min(direct.len());
    if n < direct.len() {
        let _ = writeln!(s, "- {}", more_line(direct.len() - n));
    }
    // In the range's order, newest first.
    let kept: std::collections::HashSet<&str> =
        direct[..n].iter().map(|c| c.sha.as_str()).collect();
    for c in report
        .changes
        .iter()
        .filter(|c| kept.contains(c.sha.as_str()))
    {
        let _ = writeln!(
            s,
            "- `{}` {} ({})",
            short(&c.sha),
            title(c, LIST_TITLE),
            cell(&c.author)
        );
    }
    s.push_str("\n</details>\n");
    Some(s)
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
            group: GroupKey::Section(Section::Features),
            files: vec![(format!("src/m{i}.rs"), 10)],
        }
    }

    fn report(n: usize) -> Report {
        Report {
            component: None,
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
            forge_checked: true,
            areas: Vec::new(),
            past_releases: Vec::new(),
            distribution: Default::default(),
            window: Vec::new(),
            release_ends: None,
            release_tags: Vec::new(),
        }
    }

    #[test]
    fn a_3000_change_release_is_trimmed_under_the_limit_with_a_note() {
        let md = markdown(&report(3_000));
        assert!(md.len() <= COMMENT_LIMIT);
        assert!(md.starts_with(MARKER));
        assert!(md.contains("Trimmed to stay under"));
        assert!(md.contains("<summary>Changes by type (3000)</summary>"));
        assert!(md.contains("<summary>Risk per change (3000)</summary>"));
        assert!(md.contains("<summary>Direct pushes (1500)</summary>"));
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
    }

    #[test]
    fn the_step_summary_budget_keeps_everything_that_fits() {
        let md = markdown_within(&report(3_000), SUMMARY_LIMIT);
        assert!(md.len() <= SUMMARY_LIMIT);
        assert!(!md.contains("… and"), "3,000 changes fit in 1 MiB");
    }

    #[test]
    fn a_small_release_is_not_trimmed() {
        let md = markdown(&report(3));
        assert!(!md.contains("Trimmed"));
        assert!(md.contains("1.0.0 → **1.1.0**"));
    }

    #[test]
    fn titles_far_beyond_any_real_one_still_fit() {
        let mut r = report(50);
        for c in &mut r.changes {
            c.title = "x".repeat(100_000);
        }
        let md = markdown(&r);
        assert!(md.len() <= COMMENT_LIMIT, "{}", md.len());
        assert!(md.contains("<summary>Direct pushes (25)</summary>"));
    }

    #[test]
    fn component_sections_share_the_comment_limit() {
        let whole = report(3_000);
        let touched: Vec<Report> = ["api", "web", "worker"]
            .into_iter()
            .map(|name| Report {
                component: Some(name.into()),
                ..report(1_000)
            })
            .collect();
        let md = markdown_with_components(&whole, &touched, &["docs", "cli"], COMMENT_LIMIT);
        assert!(md.len() <= COMMENT_LIMIT, "{}", md.len());
        assert!(md.starts_with(MARKER));
        assert_eq!(md.matches(MARKER).count(), 1);
        for name in ["api", "web", "worker"] {
            assert!(
                md.contains(&format!("\n### {name}: 🟠 high (70/100)\n")),
                "{name}"
            );
        }
        assert!(md.ends_with("\nUnchanged: docs, cli.\n"));
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
    }

    #[test]
    fn small_component_sections_are_not_trimmed() {
        let touched = [Report {
            component: Some("api".into()),
            ..report(2)
        }];
        let md = markdown_with_components(&report(3), &touched, &[], COMMENT_LIMIT);
        assert!(
            md.starts_with(&markdown(&report(3))),
            "the whole PR, untouched"
        );
        assert!(!md.contains("Trimmed"));
        assert!(!md.contains("Unchanged"));
        assert!(md.contains("### api: "));
    }

    #[test]
    fn chart_labels_keep_only_plain_characters() {
        assert_eq!(chart_label("v1.2.0"), "v1.2.0");
        assert_eq!(chart_label("a\"b%%{init}%%#quot;\n"), "__init____quot__");
        assert_eq!(
            chart_label("some-long-crate-name-1.39.0"),
            "rate-name-1.39.0"
        );
    }

    #[test]
    fn untrusted_text_loses_control_characters() {
        assert_eq!(cell("a\u{1b}[31mb|c<d>\n"), "a[31mb\\|c&lt;d&gt; ");
        assert_eq!(
            cell("thanks @octocat, cc @acme/ops"),
            "thanks `@octocat`, cc `@acme/ops`"
        );
        assert_eq!(cell("mail a@example.com"), "mail a@example.com");
        assert_eq!(code("a`b|c"), "`a'b\\|c`");
    }
}
