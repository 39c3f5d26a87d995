//! The report command: the report for a range, built, then published: printed, written to the
//! step summary and the outputs, posted on the PR/MR, labelled, and checked against
//! `--fail-above`.

use std::collections::BTreeMap;

use shipline_commits::Bump;
use shipline_core::app::{App, print_stdout};
use shipline_core::context::Runtime;
use shipline_core::exit;
use shipline_core::forge::{CommitRef, Forge, PullRequest};
use shipline_core::git::Git;

use crate::cli::{Cli, Format};
use crate::error::{Error, FlagError, PublishError};
use crate::range::{self, BaseSource, Range, Scope};
use crate::render::{COMMENT_LIMIT, MARKER, SUMMARY_LIMIT, markdown_with_components};
use crate::report::{Report, apply_forge, build};

/// Builds and publishes the report; returns the exit code (3 when above `--fail-above`).
pub async fn publish_report(app: &App, cli: &Cli, git: &Git) -> Result<u8, Error> {
    if matches!(cli.format, Some(Format::Jsonl)) {
        return Err(FlagError::JsonlOutsideHistory.into());
    }
    // Check everything a comment or label needs before doing any work, so nothing is half-posted.
    let target = if cli.comment || cli.label {
        Some(comment_target(app)?)
    } else {
        None
    };
    let forge = match &target {
        Some((forge, _)) => Some(forge.clone()),
        None => app.forge_with_token().unwrap_or(None),
    };

    let component = match cli.component.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => Some(
            app.config
                .components
                .find(name)
                .map_err(FlagError::Component)?,
        ),
        _ => None,
    };
    let range = range::resolve(
        app,
        git,
        cli.base.as_deref(),
        cli.head.as_deref(),
        component,
    )
    .await?;
    let mut report = {
        let (git, range, config) = (git.clone(), range.clone(), app.config.risk.clone());
        tokio::task::spawn_blocking(move || build(&git, &range, &config))
            .await
            .map_err(Error::ReportTask)??
    };
    let found = match &forge {
        Some(forge) => lookup_prs(app, forge, &report).await,
        None => None,
    };
    if let Some(found) = &found {
        apply_forge(&mut report, found, &app.config.risk);
    }
    let (touched, unchanged) = if component.is_none() {
        by_component(app, git, &range, found.as_ref()).await?
    } else {
        (Vec::new(), Vec::new())
    };
    let unchanged: Vec<&str> = unchanged.iter().map(String::as_str).collect();

    let md = markdown_with_components(&report, &touched, &unchanged, COMMENT_LIMIT);
    let text = match cli.format.unwrap_or(Format::Markdown) {
        Format::Json => {
            let json = serde_json::to_string_pretty(&report).map_err(PublishError::Encode)?;
            format!("{json}\n")
        }
        _ => md.clone(),
    };
    if app.outputs.runtime() != Runtime::Local {
        // The step summary holds far more than a comment: the full lists go there.
        let summary = markdown_with_components(&report, &touched, &unchanged, SUMMARY_LIMIT);
        app.outputs.summary(&summary).map_err(PublishError::from)?;
    }
    print_stdout(&text).map_err(PublishError::Stdout)?;
    set_outputs(app, &report)?;

    if let Some((forge, number)) = &target {
        if cli.comment {
            forge
                .upsert_sticky_comment(*number, MARKER, &md)
                .await
                .map_err(|source| PublishError::Comment {
                    number: *number,
                    source,
                })?;
        }
        if cli.label && !report.changes.is_empty() {
            set_level_label(forge, *number, &format!("risk:{}", report.level)).await?;
        }
    }
    match cli.fail_above {
        Some(limit) if report.level > limit => {
            app.outputs.error(&format!(
                "release risk is {} ({:.0}/100), above --fail-above {}",
                report.level, report.score, limit
            ));
            Ok(exit::BLOCKED)
        }
        _ => Ok(exit::OK),
    }
}

/// The `score`, `level`, `bump`, `next-version` and `changes` outputs; `bump` and
/// `next-version` are empty when the evidence states no version. `changes` is 0 when the range
/// holds nothing to ship (for a component: nothing under its paths), so a job can skip the
/// deployment.
fn set_outputs(app: &App, report: &Report) -> Result<(), PublishError> {
    app.outputs.set("score", &format!("{:.0}", report.score))?;
    app.outputs.set("level", report.level.as_str())?;
    app.outputs
        .set("changes", &report.changes.len().to_string())?;
    app.outputs
        .set("bump", report.bump.map(bump_name).unwrap_or(""))?;
    app.outputs
        .set("next-version", report.next_version.as_deref().unwrap_or(""))?;
    Ok(())
}

/// Leaves `label` as the PR/MR's only `risk:` label: the one from an earlier run at another
/// level would contradict it.
async fn set_level_label(forge: &Forge, number: u64, label: &str) -> Result<(), PublishError> {
    let pr = forge
        .pull_request(number)
        .await
        .map_err(|source| PublishError::ReadLabels { number, source })?;
    for old in pr
        .labels
        .iter()
        .filter(|l| l.starts_with("risk:") && *l != label)
    {
        forge
            .remove_label(number, old)
            .await
            .map_err(|source| PublishError::RemoveLabel {
                number,
                label: old.clone(),
                source,
            })?;
    }
    if !pr.labels.iter().any(|l| l == label) {
        forge
            .add_labels(number, &[label.to_string()])
            .await
            .map_err(|source| PublishError::AddLabel {
                number,
                label: label.to_string(),
                source,
            })?;
    }
    Ok(())
}

fn bump_name(bump: Bump) -> &'static str {
    match bump {
        Bump::None => "none",
        Bump::Patch => "patch",
        Bump::Minor => "minor",
        Bump::Major => "major",
    }
}

/// The forge and PR/MR number a comment or label goes to, or the reason there is none.
fn comment_target(app: &App) -> Result<(Forge, u64), PublishError> {
    let number = match (app.ctx.is_change_request(), app.ctx.number) {
        (true, Some(number)) => number,
        _ => {
            return Err(PublishError::NotAChangeRequest {
                event: app.ctx.event.clone(),
            });
        }
    };
    let Some(forge) = app.forge_with_token()? else {
        return Err(PublishError::NoToken {
            number,
            forge: app.ctx.forge,
        });
    };
    Ok((forge, number))
}

/// What the forge knows of each change's PRs: the PR numbers messages do not name, and the
/// process signals of the PRs found. A failure here only loses those, so it is reported and the
/// report goes on.
async fn lookup_prs(
    app: &App,
    forge: &Forge,
    report: &Report,
) -> Option<BTreeMap<String, Vec<PullRequest>>> {
    let changes: Vec<CommitRef> = report
        .changes
        .iter()
        .map(|c| CommitRef {
            sha: c.sha.clone(),
            number: c.pr,
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    match forge.pull_requests_for_changes(&changes).await {
        Ok(found) => Some(found),
        Err(err) => {
            app.outputs.log().warn(&format!(
                "could not look up the PRs/MRs of {} change(s): {err}",
                changes.len()
            ));
            None
        }
    }
}

/// On a PR/MR in a repository with `components:`: the report of each component the PR/MR's
/// range touches (that range limited to the component's paths and shared paths, as
/// `--component` limits it, but from the PR/MR's base), and the names of the components it
/// leaves alone, both in configuration order. Elsewhere, nothing: a release's components each
/// start at their own deployment or tag, which `--component` reports on.
///
/// The forge's answers for the whole range (`found`) are reused: every component's change is
/// one of the whole range's, so no component asks again.
async fn by_component(
    app: &App,
    git: &Git,
    range: &Range,
    found: Option<&BTreeMap<String, Vec<PullRequest>>>,
) -> Result<(Vec<Report>, Vec<String>), Error> {
    if app.config.components.is_empty() || !matches!(range.source, BaseSource::ChangeRequest { .. })
    {
        return Ok((Vec::new(), Vec::new()));
    }
    let ranges: Vec<Range> = app
        .config
        .components
        .iter()
        .map(|component| Range {
            tag_prefix: Some(component.tag_prefix().into_owned()),
            component: Some(Scope::of(component)),
            ..range.clone()
        })
        .collect();
    let reports = {
        let (git, config) = (git.clone(), app.config.risk.clone());
        tokio::task::spawn_blocking(move || {
            ranges
                .iter()
                .map(|range| build(&git, range, &config))
                .collect::<Result<Vec<Report>, _>>()
        })
        .await
        .map_err(Error::ReportTask)??
    };
    let (mut touched, mut unchanged) = (Vec::new(), Vec::new());
    for mut report in reports {
        if report.changes.is_empty() {
            unchanged.push(report.component.clone().unwrap_or_default());
            continue;
        }
        if let Some(found) = found {
            apply_forge(&mut report, found, &app.config.risk);
        }
        touched.push(report);
    }
    Ok((touched, unchanged))
}
