//! Scores relative to the repository's own history.
//!
//! A raw score means little on its own: a 300-line change is routine in one project and rare in
//! another. The 0–100 score is the raw score's percentile among the changes of a lookback window
//! (the `risk.lookback` commits before the range). Reading and scoring that window is the costly
//! part, so its sorted raw scores are cached under `.git/shipline/` keyed by the commit the window
//! ends at and the model version; a repeated run for the same base reads one small file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Changes to the model invalidate cached distributions.
pub const MODEL_VERSION: u32 = 1;

/// The sorted raw scores of a lookback window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    sorted: Vec<f64>,
}

impl Distribution {
    /// A distribution of `raws` (any order).
    pub fn new(mut raws: Vec<f64>) -> Self {
        raws.retain(|r| r.is_finite());
        raws.sort_by(f64::total_cmp);
        Self { sorted: raws }
    }

    /// How many changes it holds.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether it holds no changes.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The percentile of `raw` (0–100, two decimals): the share of the window below it, ties
    /// counted half. With an empty window, a fixed curve stands in.
    pub fn percentile(&self, raw: f64) -> f64 {
        let value = if self.sorted.is_empty() {
            100.0 * (1.0 - (-raw / 6.0).exp())
        } else {
            let below = self.sorted.partition_point(|x| *x < raw);
            let upto = self.sorted.partition_point(|x| *x <= raw);
            let rank = below as f64 + (upto - below) as f64 / 2.0;
            100.0 * rank / self.sorted.len() as f64
        };
        (value.clamp(0.0, 100.0) * 100.0).round() / 100.0
    }
}

/// Where the distribution for a window ending at `end` (a commit SHA) is cached.
pub fn cache_path(git_dir: &std::path::Path, end: &str, lookback: u32) -> PathBuf {
    git_dir
        .join("shipline")
        .join(format!("risk-v{MODEL_VERSION}-{end}-{lookback}.json"))
}

/// Reads a cached value; a missing or unreadable cache is simply recomputed.
pub fn load<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Option<T> {
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Writes the cache; failures are ignored (a read-only checkout still works, only slower).
pub fn store<T: Serialize>(path: &std::path::Path, value: &T) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(text) = serde_json::to_vec(value) {
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }
}
