//! `finish --comment`: tells each PR a successful deployment delivered where it now runs.
//!
//! One sticky comment per PR and environment (found again by its marker), updated on later
//! deployments instead of repeated, so a PR that goes to staging and then production carries
//! two short comments however often the job re-runs. The PRs are read from the merge and squash
//! subjects of the commits between the previous successful deployment and this one.

use shipline_core::app::App;
use shipline_core::ledger::{DeploymentRecord, Ledger, ListQuery};
use shipline_core::sha::short;

use crate::error::StatusError;
use crate::range;

/// The hidden marker of the comment for `environment`.
pub(crate) fn marker(environment: &str) -> String {
    format!(
        "<!-- shipline:status:{} -->",
        environment.to_ascii_lowercase()
    )
}

/// The comment for a deployment.
pub(crate) fn body(record: &DeploymentRecord) -> String {
    let mut text = format!("Deployed to **{}**", record.environment);
    if let Some(url) = &record.environment_url {
        text.push_str(&format!(" at {url}"));
    }
    text.push_str(&format!(
        " (commit `{}`, deployment {}",
        short(&record.sha),
        record.id
    ));
    if let Some(version) = &record.version {
        text.push_str(&format!(
            ", version {}",
            shipline_core::text::inline(version)
        ));
    }
    text.push_str(").");
    format!("{}\n{text}\n", marker(&record.environment))
}

/// The PRs `record` delivered: those merged after the previous successful deployment of another
/// commit to its environment. Empty for the first deployment (it would name the whole history).
/// With them, the record as the ledger lists it (with the commit and version of the deployment
/// itself, which a transition that did not read it only assumed).
async fn delivered(
    app: &App,
    ledger: &Ledger,
    record: &DeploymentRecord,
) -> Result<(Vec<u64>, Option<DeploymentRecord>), StatusError> {
    let query = ListQuery {
        environment: Some(record.environment.clone()),
        ..ListQuery::default()
    };
    // Newest first: the deployments listed after this one are older (forge timestamps have
    // one-second resolution, so the ledger's order is better than comparing times).
    let mut listed = ledger
        .list(&query)
        .await?
        .into_iter()
        .skip_while(|r| r.id != record.id);
    let this = listed.next();
    // The listing reads the deployment itself: its commit beats the one `finish` assumed.
    let sha = this.as_ref().map_or(&record.sha, |r| &r.sha).clone();
    let previous = listed
        // A redeploy of the same commit names the same PRs as the deployment it repeats.
        .find(|r| r.succeeded_at().is_some() && r.sha != sha);
    let Some(previous) = previous else {
        return Ok((Vec::new(), this));
    };
    let git = app.git()?;
    let commits = range::commits(&git, Some(&previous.sha), &sha)?;
    Ok((range::pull_requests(&commits), this))
}

/// Creates or updates the comment on each PR; returns the PRs commented on.
pub(crate) async fn comment(
    app: &App,
    ledger: &Ledger,
    record: &DeploymentRecord,
) -> Result<Vec<u64>, StatusError> {
    let (prs, listed) = delivered(app, ledger, record).await?;
    if prs.is_empty() {
        return Ok(prs);
    }
    let mut record = record.clone();
    if let Some(listed) = listed {
        record.sha = listed.sha;
        record.version = record.version.or(listed.version);
    }
    let record = &record;
    let forge = app.forge()?;
    let (marker, body) = (marker(&record.environment), body(record));
    for pr in &prs {
        forge.upsert_sticky_comment(*pr, &marker, &body).await?;
    }
    Ok(prs)
}
