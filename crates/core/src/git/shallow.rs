//! Shallow clones: detecting them and deepening what is needed.
//!
//! CI checkouts are shallow by default (`actions/checkout` fetches one commit, GitLab 20 or 50),
//! which silently truncates any history walk: a release range would look like one commit. Before
//! reading a range, [`ensure_range`] makes sure the history it needs is present, fetching more from
//! `origin` in growing steps, and otherwise fails with the setting that fixes the pipeline.

use super::{Git, GitError};

/// Depths tried with `git fetch --deepen` before giving up and fetching everything.
const DEEPEN_STEPS: [u32; 3] = [50, 500, 5_000];

/// What a pipeline has to change so its clone holds the history shipline reads.
const FIX: &str = "set `fetch-depth: 0` on actions/checkout (GitLab: set `GIT_DEPTH: 0`, or \
                   `GIT_STRATEGY: clone` with depth 0)";

/// Makes sure the history of `base..head` (all of `head`'s history when `base` is `None`) is
/// present. In a complete clone this costs one `git rev-parse`. In a shallow clone it fetches from
/// `origin` with `--deepen` in growing steps, then `--unshallow`, checking after each step that
/// `base` exists and has a merge base with `head`.
///
/// Fails with [`GitError::Shallow`] (naming the checkout setting to change) when there is no
/// `origin`, a fetch fails, or the history is still incomplete after unshallowing.
pub fn ensure_range(git: &Git, base: Option<&str>, head: &str) -> Result<(), GitError> {
    if !git.is_shallow()? {
        return Ok(());
    }
    let range = match base {
        Some(base) => format!("{base}..{head}"),
        None => format!("the full history of {head}"),
    };
    if base.is_some() && range_complete(git, base, head)? {
        return Ok(());
    }
    if git.remote_url("origin")?.is_none() {
        return Err(GitError::Shallow(format!(
            "this is a shallow clone without an `origin` remote, so {range} cannot be fetched: {FIX}"
        )));
    }
    // The full history needs everything: fetching in steps would only add round trips.
    let steps: &[u32] = if base.is_some() { &DEEPEN_STEPS } else { &[] };
    for depth in steps {
        fetch(git, &[format!("--deepen={depth}")], &range)?;
        if !git.is_shallow()? || range_complete(git, base, head)? {
            return finish(git, base, head, &range);
        }
    }
    fetch(git, &["--unshallow".to_string()], &range)?;
    finish(git, base, head, &range)
}

/// Like [`ensure_range`], and resolves both ends to commit SHAs: `(base, head)`. In a complete
/// clone (the usual case) that is a single `git rev-parse`.
pub fn ensure_resolved(
    git: &Git,
    base: Option<&str>,
    head: &str,
) -> Result<(Option<String>, String), GitError> {
    let mut args = vec![
        "rev-parse".to_string(),
        "--is-shallow-repository".into(),
        format!("{head}^{{commit}}"),
    ];
    if let Some(base) = base {
        args.push(format!("{base}^{{commit}}"));
    }
    if let Ok(out) = git.run(&args) {
        let mut lines = out.lines().map(str::trim);
        if lines.next() == Some("false") {
            let head_sha = lines.next().filter(|s| super::is_full_sha(s));
            let base_sha = lines.next().filter(|s| super::is_full_sha(s));
            if let Some(head_sha) = head_sha
                && (base.is_none() || base_sha.is_some())
            {
                return Ok((base_sha.map(str::to_string), head_sha.to_string()));
            }
        }
    }
    // Shallow, or a revision that does not resolve: the long way, with its clear errors.
    ensure_range(git, base, head)?;
    let base = base.map(|b| git.resolve(b)).transpose()?;
    Ok((base, git.resolve(head)?))
}

/// After fetching: a clone that is no longer shallow holds everything there is, so only an unknown
/// revision remains possible; one that is still shallow must at least cover the range.
fn finish(git: &Git, base: Option<&str>, head: &str, range: &str) -> Result<(), GitError> {
    if !git.is_shallow()? {
        git.resolve(head)?;
        if let Some(base) = base {
            git.resolve(base)?;
        }
        return Ok(());
    }
    if base.is_some() && range_complete(git, base, head)? {
        return Ok(());
    }
    Err(GitError::Shallow(format!(
        "this is a shallow clone and {range} is still incomplete after fetching from origin: {FIX}"
    )))
}

/// Both ends exist and meet: walking from `head` reaches the merge base before the shallow edge.
fn range_complete(git: &Git, base: Option<&str>, head: &str) -> Result<bool, GitError> {
    let Some(base) = base else {
        return Ok(false);
    };
    let exists = |rev: &str| {
        git.check([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ])
    };
    if !exists(base)? || !exists(head)? {
        return Ok(false);
    }
    git.check(["merge-base", base, head])
}

fn fetch(git: &Git, how: &[String], range: &str) -> Result<(), GitError> {
    let mut args = vec!["fetch".to_string(), "--quiet".into()];
    args.extend(how.iter().cloned());
    args.push("origin".into());
    match git.output(&args) {
        Ok(_) => Ok(()),
        Err(GitError::Command { stderr, .. }) => Err(GitError::Shallow(format!(
            "this is a shallow clone and fetching {range} from origin failed (`git {}`: {stderr}): {FIX}",
            args.join(" ")
        ))),
        Err(other) => Err(other),
    }
}
