//! What a person or an event asks to revert, before it is read from the commit graph.

/// What to revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One commit on the default branch (a merge, squash or pushed commit).
    Sha(String),
    /// A merged pull/merge request.
    Pr(u64),
    /// First-parent commits in `from..to`, newest first.
    Range {
        /// Last good commit (excluded).
        from: String,
        /// Newest commit to revert.
        to: String,
    },
    /// What a deployment added since the last good deployment of its environment: the id the
    /// ledger printed (a forge's number, or a git notes ledger id).
    Deployment(String),
}

impl Target {
    /// Parses `A..B` for `--range`.
    pub fn parse_range(text: &str) -> Result<Target, String> {
        match text.split_once("..") {
            Some((from, to)) if !from.is_empty() && !to.is_empty() && !to.starts_with('.') => {
                Ok(Target::Range {
                    from: from.to_string(),
                    to: to.to_string(),
                })
            }
            _ => Err(format!(
                "--range `{text}` is not `A..B`: give the last good commit and the newest commit to revert"
            )),
        }
    }
}
