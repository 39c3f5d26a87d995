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
    let scored: Vec<(&str, &Features, f64)> = scanned
        .iter()
        .filter_map(|s| Some((s.commit.sha.as_str(), s.features.as_ref()?)))
        .map(|(sha, features)| (sha, features, raw_score(features).0))
        .collect();
    let dist = Distribution::new(scored.iter().map(|(_, _, raw)| *raw).collect());
    let mut written = 0;
    let mut text = Vec::with_capacity(1024);
    for (sha, features, raw) in scored {
        let score = dist.percentile(raw);
        let line = Line {
            sha,
            score,
            level: config.levels.level(score.round() as u8).as_str(),
            features,
        };
        text.clear();
        serde_json::to_writer(&mut text, &line).map_err(|e| RiskError::Io(e.to_string()))?;
        text.push(b'\n');
        out.write_all(&text).map_err(RiskError::Write)?;
        written += 1;
    }
    Ok(written)
}
