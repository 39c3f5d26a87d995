//! The main command: the report for a range, printed, summarised, posted and checked.

use anyhow::Context as _;
use shipline_core::app::{App, exit, print_stdout};
use shipline_core::context::Runtime;
use shipline_core::forge::{CommitRef, Forge, ForgeKind};
use shipline_core::git::Git;

use crate::cli::{Cli, Format};
use crate::render::{MARKER, markdown};
use crate::report::{Report, apply_forge, build};

/// Runs the report and returns the exit code (3 when above `--fail-above`).
pub async fn publish_report(app: &App, cli: &Cli, git: &Git) -> anyhow::Result<u8> {
    if matches!(cli.format, Some(Format::Jsonl)) {
        anyhow::bail!("--format jsonl is for `shipline-risk history`; use markdown or json");
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

    let range = crate::range::resolve(app, git, cli.base.as_deref(), cli.head.as_deref()).await?;
    let mut report = {
        let (git, range, config) = (git.clone(), range.clone(), app.config.risk.clone());
        tokio::task::spawn_blocking(move || build(&git, &range, &config))
            .await
            .context("the report task stopped")??
    };
    if let Some(forge) = &forge {
        lookup_prs(app, forge, &mut report).await;
    }

    let md = markdown(&report);
    let text = match cli.format.unwrap_or(Format::Markdown) {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        _ => md.clone(),
    };
    if app.outputs.runtime() != Runtime::Local {
        app.outputs.summary(&md)?;
    }
    print_stdout(&text)?;
    app.outputs.set("score", &format!("{:.0}", report.score))?;
    app.outputs.set("level", report.level.as_str())?;
    app.outputs.set("bump", bump_name(&report))?;
    app.outputs
        .set("next-version", report.next_version.as_deref().unwrap_or(""))?;

    if let Some((forge, number)) = &target {
        if cli.comment {
            forge
                .upsert_sticky_comment(*number, MARKER, &md)
                .await
                .with_context(|| format!("posting the risk summary on #{number}"))?;
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

/// Leaves `label` as the PR/MR's only `risk:` label: the one from an earlier run at another
/// level would contradict it.
async fn set_level_label(forge: &Forge, number: u64, label: &str) -> anyhow::Result<()> {
    let pr = forge
        .pull_request(number)
        .await
        .with_context(|| format!("reading the labels of #{number}"))?;
    for old in pr
        .labels
        .iter()
        .filter(|l| l.starts_with("risk:") && *l != label)
    {
        forge
            .remove_label(number, old)
            .await
            .with_context(|| format!("removing the label `{old}` from #{number}"))?;
    }
    if !pr.labels.iter().any(|l| l == label) {
        forge
            .add_labels(number, &[label.to_string()])
            .await
            .with_context(|| format!("adding the label `{label}` to #{number}"))?;
    }
    Ok(())
}

fn bump_name(report: &Report) -> &'static str {
    match report.bump {
        shipline_commits::Bump::None => "none",
        shipline_commits::Bump::Patch => "patch",
        shipline_commits::Bump::Minor => "minor",
        shipline_commits::Bump::Major => "major",
    }
}

/// The forge and PR/MR number a comment or label goes to, or the reason there is none.
fn comment_target(app: &App) -> anyhow::Result<(Forge, u64)> {
    let number = match (app.ctx.is_change_request(), app.ctx.number) {
        (true, Some(number)) => number,
        _ => anyhow::bail!(
            "--comment and --label need a pull request (GitHub `pull_request` event) or a merge request pipeline (GitLab); this run is a {} event",
            app.ctx.event
        ),
    };
    let Some(forge) = app.forge_with_token()? else {
        let hint = match app.ctx.forge {
            Some(ForgeKind::GitLab) => {
                "set GITLAB_TOKEN to a project access token with the `api` scope (CI_JOB_TOKEN cannot write MR notes)"
            }
            _ => {
                "set GITHUB_TOKEN (env: GITHUB_TOKEN: ${{ github.token }}) and grant `permissions: pull-requests: write`"
            }
        };
        anyhow::bail!("--comment/--label need a token to write to #{number}: {hint}");
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
