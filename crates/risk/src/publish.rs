//! The report command: the report for a range, built, then published: printed, written to the
//! step summary and the outputs, posted on the PR/MR, labelled, and checked against
//! `--fail-above`.

use shipline_commits::Bump;
use shipline_core::app::{App, print_stdout};
use shipline_core::context::Runtime;
use shipline_core::exit;
use shipline_core::forge::{CommitRef, Forge};
use shipline_core::git::Git;

use crate::cli::{Cli, Format};
use crate::error::{Error, FlagError, PublishError};
use crate::range;
use crate::render::{MARKER, SUMMARY_LIMIT, markdown, markdown_within};
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
    if let Some(forge) = &forge {
        lookup_prs(app, forge, &mut report).await;
    }

    let md = markdown(&report);
    let text = match cli.format.unwrap_or(Format::Markdown) {
        Format::Json => {
            let json = serde_json::to_string_pretty(&report).map_err(PublishError::Encode)?;
            format!("{json}\n")
        }
        _ => md.clone(),
    };
    if app.outputs.runtime() != Runtime::Local {
        // The step summary holds far more than a comment: the full lists go there.
        let summary = markdown_within(&report, SUMMARY_LIMIT);
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

/// Asks the forge for the PRs of the changes: the PR numbers messages do not name, and the
/// process signals of the PRs found. A failure here only loses those, so it is reported and the
/// report goes on.
async fn lookup_prs(app: &App, forge: &Forge, report: &mut Report) {
    let changes: Vec<CommitRef> = report
        .changes
        .iter()
        .map(|c| CommitRef {
            sha: c.sha.clone(),
            number: c.pr,
        })
        .collect();
    if changes.is_empty() {
        return;
    }
    match forge.pull_requests_for_changes(&changes).await {
        Ok(found) => apply_forge(report, &found, &app.config.risk),
        Err(err) => app.outputs.log().warn(&format!(
            "could not look up the PRs/MRs of {} change(s): {err}",
            changes.len()
        )),
    }
}
