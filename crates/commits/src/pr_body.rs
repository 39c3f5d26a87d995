//! PR/MR numbers in message bodies: GitLab's merge request line, the trailers review tools add,
//! and the `PR #123` maintainers write on a line of references.
//!
//! A body mentions many numbers that are not the change's own PR: issues it fixes (`Fixes #12`,
//! `Closes #12`), earlier PRs it builds on (`PR #16246 introduced a regression`), other
//! repositories' PRs (`PR rust-lang/cargo#12`), release notes quoted by a dependency bot
//! (`[PR#116](…)`). So a `PR #N` counts only on a line made of nothing but references, such as
//! `Closes #3158, PR #3162`, and only when the body names one PR that way.

use crate::pr::{PrRef, PrSource, parse_number};

/// The last `See merge request group/project!42` line of the body.
pub(crate) fn gitlab_merge_request(body: &str) -> Option<PrRef> {
    body.lines().rev().find_map(|line| {
        let reference = line.trim().strip_prefix("See merge request ")?;
        let (project, number) = reference.rsplit_once('!')?;
        let mut pr = PrRef::bare(
            parse_number(number.trim_end_matches('.'))?,
            PrSource::GitlabMerge,
        );
        pr.project = Some(project.to_owned()).filter(|p| !p.is_empty());
        Some(pr)
    })
}

/// The last trailer that gives the PR's address: `PR-URL: https://github.com/o/r/pull/12`
/// (Node.js), `Pull Request resolved: https://github.com/o/r/pull/12` (ghstack),
/// `Reviewed-on: https://codeberg.org/o/r/pulls/12` (Gitea, Forgejo; Gerrit's `Reviewed-on`
/// names a change, not a PR, and is left alone), `GitHub-Pull-Request: o/r#12` (gerritbot).
pub(crate) fn trailer(body: &str) -> Option<PrRef> {
    body.lines().rev().find_map(|line| {
        let (key, value) = line.trim().split_once(':')?;
        let key = key.trim();
        let value = value.trim();
        let (project, number) = if ["PR-URL", "Pull Request resolved", "Reviewed-on"]
            .iter()
            .any(|k| key.eq_ignore_ascii_case(k))
        {
            pull_url(value)?
        } else if key.eq_ignore_ascii_case("GitHub-Pull-Request") {
            let (project, number) = value.rsplit_once('#')?;
            (repository(project)?, parse_number(number)?)
        } else {
            return None;
        };
        let mut pr = PrRef::bare(number, PrSource::Trailer);
        pr.project = Some(project.to_owned());
        Some(pr)
    })
}

/// `https://host/owner/repo/pull/12` or `…/pulls/12`: the project path and the number.
fn pull_url(url: &str) -> Option<(&str, u64)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.split(['#', '?']).next()?.trim_end_matches('/');
    let (_host, path) = rest.split_once('/')?;
    let (before, number) = path.rsplit_once('/')?;
    let project = before
        .strip_suffix("/pull")
        .or_else(|| before.strip_suffix("/pulls"))?;
    Some((repository(project)?, parse_number(number)?))
}

/// An `owner/repo` path: no spaces, at least one `/`, no empty segment.
fn repository(path: &str) -> Option<&str> {
    let valid = path.contains('/')
        && !path.contains(char::is_whitespace)
        && path.split('/').all(|segment| !segment.is_empty());
    valid.then_some(path)
}

/// The one PR that lines of references in the body name with `PR #N`; `None` when there is
/// none or they name several.
pub(crate) fn pr_lines(body: &str) -> Option<PrRef> {
    let mut found: Option<u64> = None;
    for line in body.lines() {
        for number in line_prs(line) {
            match found {
                Some(seen) if seen != number => return None,
                _ => found = Some(number),
            }
        }
    }
    Some(PrRef::bare(found?, PrSource::PrLine))
}

/// The PR numbers of a line made only of references (`Fixes #1, PR #2`); none for any other
/// line.
fn line_prs(line: &str) -> Vec<u64> {
    let mut prs = Vec::new();
    for item in line.trim().split([',', ';']) {
        let item = item.trim().trim_end_matches('.');
        if item.is_empty() {
            continue;
        }
        match reference_item(item) {
            Some(Item::Pr(number)) => prs.push(number),
            Some(Item::Other) => {}
            None => return Vec::new(),
        }
    }
    prs
}

enum Item {
    /// `PR #12`, `PR: #12`, `PR#12`, `pull request #12`.
    Pr(u64),
    /// `Fixes #12`, `Ref owner/repo#12`, `#12`, `PR owner/repo#12` (another repository's).
    Other,
}

/// One reference: up to three words, optionally a repository, `#`, a number.
fn reference_item(item: &str) -> Option<Item> {
    let (label, number) = item.rsplit_once('#')?;
    let number = parse_number(number)?;
    let label = label.trim_end();
    let label = label.strip_suffix(':').unwrap_or(label);
    let mut words: Vec<&str> = label.split_whitespace().collect();
    let other_repository = match words.last() {
        Some(last) if last.contains('/') => {
            repository(last)?;
            words.pop();
            true
        }
        _ => false,
    };
    if words.len() > 3
        || !words
            .iter()
            .all(|w| w.chars().all(|c| c.is_alphabetic() || c == '-'))
    {
        return None;
    }
    let label = words.join(" ").to_ascii_lowercase();
    let is_pr = matches!(label.as_str(), "pr" | "pull request" | "pull");
    match (is_pr, other_repository) {
        (true, false) => Some(Item::Pr(number)),
        _ => Some(Item::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Vec<u64> {
        line_prs(text)
    }

    #[test]
    fn reference_lines() {
        assert_eq!(line("PR #3495"), [3495]);
        assert_eq!(line("PR #2774 "), [2774]);
        assert_eq!(line("Closes #3158, PR #3162"), [3162]);
        assert_eq!(line("Fixes #2565, PR #3496."), [3496]);
        assert_eq!(line("Ref #1911, PR #2000 "), [2000]);
        assert_eq!(line("PR: #12; Fixes owner/repo#3"), [12]);
        assert_eq!(line("PR#12"), [12]);
        assert!(line("Fixes #12").is_empty());
        assert!(line("Closes #12, #13").is_empty());
        assert!(line("PR rust-lang/cargo#12").is_empty());
    }

    #[test]
    fn prose_and_quotes_are_not_reference_lines() {
        for text in [
            "PR #16246 introduced a regression where submodules",
            "was submitted as part of PR #2483. Subsequent commits",
            "changelog: PR #1093",
            "[PR#116](https://redirect.github.com/EmbarkStudios/x/pull/116)",
            "> PR #12",
            "- PR #12",
            "see the discussion in PR #12 and PR #13, which",
            "PR #",
            "PR #0",
            "PR #12a",
        ] {
            assert!(line(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn one_pr_or_none() {
        let pr = pr_lines("Body text.\n\nFixes #1\nPR #5").expect("one PR");
        assert_eq!((pr.number, pr.source), (5, PrSource::PrLine));
        assert_eq!(pr_lines("PR #5\n\nPR #5").map(|p| p.number), Some(5));
        assert_eq!(pr_lines("PR #5\nPR #6"), None, "two PRs: ambiguous");
        assert_eq!(pr_lines("Fixes #5"), None);
    }

    #[test]
    fn trailers() {
        let pr =
            trailer("Body\n\nPR-URL: https://github.com/nodejs/node/pull/51234\nReviewed-By: A")
                .expect("PR-URL");
        assert_eq!(pr.number, 51234);
        assert_eq!(pr.project.as_deref(), Some("nodejs/node"));
        assert_eq!(
            trailer("Pull Request resolved: https://github.com/pytorch/pytorch/pull/99/")
                .map(|p| p.number),
            Some(99)
        );
        assert_eq!(
            trailer("Reviewed-on: https://codeberg.org/forgejo/forgejo/pulls/4321")
                .map(|p| p.number),
            Some(4321)
        );
        assert_eq!(
            trailer("GitHub-Pull-Request: golang/go#63544").map(|p| p.number),
            Some(63544)
        );
        // Gerrit's change address is not a PR.
        assert_eq!(
            trailer("Reviewed-on: https://go-review.googlesource.com/c/go/+/512345"),
            None
        );
        assert_eq!(trailer("Issue-URL: https://github.com/o/r/issues/3"), None);
        assert_eq!(trailer("PR-URL: https://github.com/pull/3"), None);
    }
}
