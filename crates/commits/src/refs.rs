//! PR/MR numbers and revert targets, as the forges and git write them into commit messages.
//!
//! Reading the number from the message saves one API call per commit, so only the commits without
//! one are looked up on the forge later; without a forge it is all there is to know. Only the
//! shapes that forges, merge bots and review tools write are recognised ([`crate::pr_subject`],
//! [`crate::pr_body`]), and a maintainer's `PR #N` on a line of references; an issue reference
//! such as `Fixes #12` or a `(#12)` in the middle of a subject names an issue or a mention, not
//! the PR the commit came from, and is left alone.

use serde::Serialize;

use crate::pr::{PrRef, parse_number};
use crate::{pr_body, pr_subject};

/// Something a commit says it reverts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reverted {
    /// `This reverts commit <sha>` (git revert), the sha as written (abbreviated or full).
    Commit {
        /// The reverted commit.
        sha: String,
    },
    /// `Reverts owner/repo#12` (GitHub's revert PR) or `This reverts merge request !42` (GitLab).
    PullRequest {
        /// `owner/repo` or `group/project` when the reference names it.
        repo: Option<String>,
        /// The reverted PR/MR number.
        number: u64,
    },
}

/// The references found in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct References {
    /// The PR/MR the commit came from, if the message says.
    pub pr: Option<PrRef>,
    /// What the commit reverts, in message order, without duplicates.
    pub reverts: Vec<Reverted>,
}

/// Finds the PR/MR number and the revert targets in a full commit message.
///
/// Precedence for the PR: a merge tool's subject ([`PrSource`](crate::PrSource) lists them),
/// then GitLab's `See merge request` line (the last one), then a squash marker ending the
/// subject, then a trailer with the PR's address, then a maintainer's `(PR #N)` ending the
/// subject or `PR #N` on a line of references in the body.
pub fn references(message: &str) -> References {
    let (subject, body) = crate::text::split_message(message);
    let pr = pr_subject::merge_subject(subject)
        .or_else(|| pr_body::gitlab_merge_request(body))
        .or_else(|| pr_subject::squash_marker(subject))
        .or_else(|| pr_body::trailer(body))
        .or_else(|| pr_subject::pr_marker(subject))
        .or_else(|| pr_body::pr_lines(body));
    let pr = pr.map(|mut pr| {
        if pr.head.is_none() {
            pr.head = pr_subject::gitlab_merge(subject).map(str::to_owned);
        }
        pr
    });
    References {
        pr,
        reverts: reverts(body),
    }
}

fn reverts(body: &str) -> Vec<Reverted> {
    let mut found = Vec::new();
    for line in body.lines() {
        let line = line.trim();
        let mut rest = line;
        while let Some(at) = rest.find("This reverts commit ") {
            let after = &rest[at + "This reverts commit ".len()..];
            let len = after
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(after.len());
            if (7..=64).contains(&len) {
                push_unique(
                    &mut found,
                    Reverted::Commit {
                        sha: after[..len].to_ascii_lowercase(),
                    },
                );
            }
            rest = &after[len..];
        }
        let github = line
            .strip_prefix("Reverts ")
            .and_then(|reference| pr_reference(reference, '#'));
        let gitlab = line
            .strip_prefix("This reverts merge request ")
            .and_then(|reference| pr_reference(reference, '!'));
        for target in github.into_iter().chain(gitlab) {
            push_unique(&mut found, target);
        }
    }
    found
}

/// `owner/repo#12`, `#12`, `group/project!42`, `!42` (a trailing period is allowed).
fn pr_reference(text: &str, sigil: char) -> Option<Reverted> {
    let text = text.trim().trim_end_matches('.');
    let (repo, number) = text.rsplit_once(sigil)?;
    if repo.contains(char::is_whitespace) {
        return None;
    }
    Some(Reverted::PullRequest {
        repo: Some(repo.to_owned()).filter(|r| !r.is_empty()),
        number: parse_number(number)?,
    })
}

fn push_unique(found: &mut Vec<Reverted>, item: Reverted) {
    if !found.contains(&item) {
        found.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PrSource;

    fn pr_of(message: &str) -> Option<(u64, PrSource)> {
        references(message).pr.map(|p| (p.number, p.source))
    }

    #[test]
    fn github_merge_commit() {
        let r = references("Merge pull request #123 from octo-org/feature/new-thing\n\nAdd thing");
        let pr = r.pr.expect("a PR");
        assert_eq!(pr.number, 123);
        assert_eq!(pr.source, PrSource::GithubMerge);
        assert_eq!(pr.head.as_deref(), Some("octo-org/feature/new-thing"));
        assert_eq!(pr_of("Merge pull request #7abc from x"), None);
    }

    #[test]
    fn squash_marker_is_the_last_one_at_the_end() {
        assert_eq!(
            pr_of("Add retries to the client (#456)"),
            Some((456, PrSource::GithubSquash))
        );
        assert_eq!(
            pr_of("Port fix from (#12) to v2 (#34)  "),
            Some((34, PrSource::GithubSquash))
        );
        assert_eq!(pr_of("Follow-up to (#12) for the parser"), None);
        assert_eq!(pr_of("Title(#12)"), None);
        assert_eq!(pr_of("(#12)"), None);
        assert_eq!(pr_of("Title (#)"), None);
        assert_eq!(pr_of("Title (#12a)"), None);
        // A squash marker in the body (a squashed commit list) is not this commit's PR.
        assert_eq!(pr_of("Release prep\n\n* Fix thing (#3)"), None);
    }

    #[test]
    fn issue_references_are_not_prs() {
        assert_eq!(pr_of("Fixes #12"), None);
        assert_eq!(
            pr_of("fix: crash on start\n\nFixes #12\nCloses owner/repo#13"),
            None
        );
        assert_eq!(pr_of("Handle #12 properly"), None);
    }

    #[test]
    fn gitlab_merge_commit() {
        let message = "Merge branch 'feature/search' into 'main'\n\nAdd search\n\nCloses #4\n\nSee merge request group/sub/project!42";
        let pr = references(message).pr.expect("an MR");
        assert_eq!(pr.number, 42);
        assert_eq!(pr.source, PrSource::GitlabMerge);
        assert_eq!(pr.project.as_deref(), Some("group/sub/project"));
        assert_eq!(pr.head.as_deref(), Some("feature/search"));
        // The bare subject without the trailer names no MR.
        assert_eq!(pr_of("Merge branch 'feature/search' into 'main'"), None);
        assert_eq!(
            pr_subject::gitlab_merge("Merge branch 'a' into 'main' later"),
            None
        );
    }

    #[test]
    fn github_revert_pr_squashed_and_merged() {
        let squashed = references("Revert \"Add cache (#12)\" (#13)\n\nReverts octo/app#12");
        assert_eq!(squashed.pr.map(|p| p.number), Some(13));
        assert_eq!(
            squashed.reverts,
            vec![Reverted::PullRequest {
                repo: Some("octo/app".into()),
                number: 12
            }]
        );
        let merged = references(
            "Merge pull request #13 from octo/revert-12-cache\n\nRevert \"Add cache\"\n\nReverts octo/app#12",
        );
        assert_eq!(merged.pr.map(|p| p.number), Some(13));
        assert_eq!(merged.reverts.len(), 1);
    }

    #[test]
    fn git_revert_messages() {
        let sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
        let r = references(&format!(
            "Revert \"Add cache (#12)\"\n\nThis reverts commit {sha}."
        ));
        assert_eq!(r.pr, None, "the quoted (#12) does not end the subject");
        assert_eq!(r.reverts, vec![Reverted::Commit { sha: sha.into() }]);

        let r = references(&format!(
            "Revert \"Merge pull request #5 from o/b\"\n\nThis reverts commit {sha}, reversing\nchanges made to 0123456789abcdef0123456789abcdef01234567."
        ));
        assert_eq!(r.reverts, vec![Reverted::Commit { sha: sha.into() }]);
        assert_eq!(r.pr, None);

        let r = references(
            "Squashed\n\n* Revert x\nThis reverts commit abc1234.\n* Revert y\nThis reverts commit ABCDEF0.\nThis reverts commit abc1234.",
        );
        assert_eq!(
            r.reverts,
            vec![
                Reverted::Commit {
                    sha: "abc1234".into()
                },
                Reverted::Commit {
                    sha: "abcdef0".into()
                }
            ]
        );
        // Too short to be a commit name.
        assert!(
            references("x\n\nThis reverts commit abc.")
                .reverts
                .is_empty()
        );
    }

    #[test]
    fn gitlab_revert_mr() {
        let r = references(
            "Revert \"Merge branch 'search' into 'main'\"\n\nThis reverts merge request !42\n\nSee merge request group/app!43",
        );
        assert_eq!(r.pr.map(|p| p.number), Some(43));
        assert_eq!(
            r.reverts,
            vec![Reverted::PullRequest {
                repo: None,
                number: 42
            }]
        );
    }
}
