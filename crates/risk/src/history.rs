//! `shipline-risk history`: every non-merge commit with its score, level and features, one JSON
//! object a line, for audits and for checking the model against a repository's own past.

use std::io::Write;

use serde::Serialize;
use shipline_core::app::App;
use shipline_core::config::RiskConfig;
use shipline_core::exit;
use shipline_core::git::{Git, shallow};

use crate::calibrate::Distribution;
use crate::cli::Format;
use crate::error::{Error, FlagError, RangeError, ReportError};
use crate::features::Features;
use crate::model::raw_score;
use crate::scan::scan;

/// Runs `shipline-risk history`: the lines for `head` (default `HEAD`) on stdout; with
/// `component`, only the changes under its paths and shared paths.
pub fn history_command(
    app: &App,
    git: &Git,
    head: Option<&str>,
    component: Option<&str>,
    format: Option<Format>,
    max_commits: Option<usize>,
) -> Result<u8, Error> {
    if matches!(format, Some(Format::Markdown | Format::Json)) {
        return Err(FlagError::HistoryNotJsonl.into());
    }
    let paths = match component.map(str::trim) {
        Some(name) if !name.is_empty() => app
            .config
            .components
            .find(name)
            .map_err(FlagError::Component)?
            .pathspecs(),
        _ => Vec::new(),
    };
    let (_, head) =
        shallow::ensure_resolved(git, None, head.unwrap_or("HEAD")).map_err(RangeError::Git)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write_history(git, &head, max_commits, &paths, &app.config.risk, &mut out)
        .map_err(Error::History)?;
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Line<'a> {
    sha: &'a str,
    score: f64,
    level: &'static str,
    features: &'a Features,
}

/// Writes one line per non-merge commit reachable from `head` (newest `max_commits` commits at
/// most), oldest first; with `paths` (git pathspecs), only the commits changing what they select,
/// measured on those files. Scores are percentiles against the commits read.
pub fn write_history(
    git: &Git,
    head: &str,
    max_commits: Option<usize>,
    paths: &[String],
    config: &RiskConfig,
    out: &mut dyn Write,
) -> Result<usize, ReportError> {
    let scanned = scan(git, head, max_commits, paths, config)?;
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
        serde_json::to_writer(&mut text, &line).map_err(ReportError::Encode)?;
        text.push(b'\n');
        out.write_all(&text).map_err(ReportError::Write)?;
        written += 1;
    }
    Ok(written)
}
