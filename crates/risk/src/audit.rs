//! `shipline-risk history`: every non-merge commit with its score, level and features, one JSON
//! object a line, for audits and for checking the model against a repository's own past.

use std::io::Write;

use serde::Serialize;
use shipline_core::config::RiskConfig;
use shipline_core::git::Git;

use crate::RiskError;
use crate::calibrate::Distribution;
use crate::features::Features;
use crate::model::raw_score;
use crate::scan::scan;

#[derive(Serialize)]
struct Line<'a> {
    sha: &'a str,
    score: f64,
    level: &'static str,
    features: &'a Features,
}

/// Writes one line per non-merge commit reachable from `head` (newest `max_commits` commits at
/// most), oldest first. Scores are percentiles against the commits read.
pub fn write_history(
    git: &Git,
    head: &str,
    max_commits: Option<usize>,
    config: &RiskConfig,
    out: &mut dyn Write,
) -> Result<usize, RiskError> {
    let scanned = scan(git, head, max_commits, config)?;
    let raws: Vec<f64> = scanned
        .iter()
        .filter_map(|s| s.features.as_ref())
        .map(|f| raw_score(f).0)
        .collect();
    let dist = Distribution::new(raws);
    let mut written = 0;
    for s in &scanned {
        let Some(features) = &s.features else {
            continue;
        };
        let score = dist.percentile(raw_score(features).0);
        let line = Line {
            sha: &s.commit.sha,
            score,
            level: config.levels.level(score.round() as u8).as_str(),
            features,
        };
        let text = serde_json::to_string(&line).map_err(|e| RiskError::Io(e.to_string()))?;
        writeln!(out, "{text}").map_err(RiskError::Write)?;
        written += 1;
    }
    Ok(written)
}
