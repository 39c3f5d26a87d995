//! How a change landed, as far as the forge knows: through a PR/MR or not, reviewed or not, with
//! green, red or skipped checks. These are the process signals.
//!
//! A change that skipped review, was merged by its own author, or went in with red or skipped
//! checks has bypassed the safeguards a team relies on; git alone cannot tell. The forge can, and
//! on GitHub the answer rides along with the pull request lookup that fills in PR numbers, so it
//! costs no extra request; on GitLab one GraphQL query per 100 merge requests brings them. These
//! signals add small fixed amounts to a change's raw score: they say something about the process,
//! not about the code, and must not outweigh what the code says.
//!
//! | code | when | weight |
//! |---|---|---|
//! | `direct_push` | the forge knows no PR/MR for the commit | 0.5 |
//! | `self_merged` | the PR/MR was merged by its author | 0.5 |
//! | `unapproved` | no approving review (GitHub's review decision not `APPROVED` either) | 0.5 |
//! | `red_checks` | checks failed on the PR's head or merge commit (GitLab: head pipeline) | 1.0 |
//! | `skipped_checks` | every check on the head or merge commit was skipped | 0.3 |

use shipline_core::forge::{CheckState, PrState, PullRequest, ReviewDecision};

use crate::model::Reason;

/// Weight of a change that reached the branch without a PR/MR.
pub const DIRECT_PUSH: f64 = 0.5;
/// Weight of a PR/MR merged by its own author.
pub const SELF_MERGED: f64 = 0.5;
/// Weight of a PR without an approving review.
pub const UNAPPROVED: f64 = 0.5;
/// Weight of red checks on the PR's head or merge commit.
pub const RED_CHECKS: f64 = 1.0;
/// Weight of checks that were all skipped.
pub const SKIPPED_CHECKS: f64 = 0.3;

/// The process reasons of a change: `pr` is the PR/MR the forge returned for it, `None` when
/// the forge knows none (a direct push).
pub fn reasons(pr: Option<&PullRequest>) -> Vec<Reason> {
    let Some(pr) = pr else {
        return vec![Reason {
            code: "direct_push".into(),
            message: "reached the branch without a PR/MR".into(),
            weight: DIRECT_PUSH,
        }];
    };
    let mut out = Vec::new();
    let self_merged = pr.state == PrState::Merged
        && !pr.author.is_empty()
        && pr.merged_by.as_deref() == Some(pr.author.as_str());
    if self_merged {
        out.push(Reason {
            code: "self_merged".into(),
            message: format!("#{} was merged by its author {}", pr.number, pr.author),
            weight: SELF_MERGED,
        });
    }
    let unapproved =
        pr.approvals == Some(0) && pr.review_decision != Some(ReviewDecision::Approved);
    if unapproved {
        let message = match pr.review_decision {
            Some(ReviewDecision::ChangesRequested) => {
                format!(
                    "#{} has no approving review; changes were requested",
                    pr.number
                )
            }
            _ => format!("#{} has no approving review", pr.number),
        };
        out.push(Reason {
            code: "unapproved".into(),
            message,
            weight: UNAPPROVED,
        });
    }
    let checks = [("head", pr.head_checks), ("merge", pr.merge_checks)];
    let red: Vec<&str> = checks
        .iter()
        .filter(|(_, s)| *s == Some(CheckState::Failure))
        .map(|(what, _)| *what)
        .collect();
    let skipped: Vec<&str> = checks
        .iter()
        .filter(|(_, s)| *s == Some(CheckState::Skipped))
        .map(|(what, _)| *what)
        .collect();
    if !red.is_empty() {
        out.push(Reason {
            code: "red_checks".into(),
            message: format!(
                "checks failed on #{}'s {} commit",
                pr.number,
                red.join(" and ")
            ),
            weight: RED_CHECKS,
        });
    } else if !skipped.is_empty() {
        out.push(Reason {
            code: "skipped_checks".into(),
            message: format!(
                "every check was skipped on #{}'s {} commit",
                pr.number,
                skipped.join(" and ")
            ),
            weight: SKIPPED_CHECKS,
        });
    }
    out
}

/// The PR/MR to judge a change by among those the forge returned for its commit: the one its
/// message names, else a merged one, else the first.
pub fn pick(number: Option<u64>, prs: &[PullRequest]) -> Option<&PullRequest> {
    match number {
        Some(n) => prs.iter().find(|p| p.number == n),
        None => prs
            .iter()
            .find(|p| p.state == PrState::Merged)
            .or_else(|| prs.first()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr() -> PullRequest {
        PullRequest {
            number: 7,
            title: "t".into(),
            body: String::new(),
            state: PrState::Merged,
            draft: false,
            author: "ada".into(),
            head_ref: "b".into(),
            head_sha: "1".repeat(40),
            base_ref: "main".into(),
            merge_commit_sha: Some("2".repeat(40)),
            merged_by: Some("bob".into()),
            merged_at: None,
            url: String::new(),
            labels: Vec::new(),
            node_id: None,
            approvals: Some(1),
            review_decision: None,
            head_checks: Some(CheckState::Success),
            merge_checks: None,
        }
    }

    fn codes(pr: Option<&PullRequest>) -> Vec<String> {
        reasons(pr).into_iter().map(|r| r.code).collect()
    }

    #[test]
    fn a_reviewed_green_pr_merged_by_someone_else_has_no_process_reasons() {
        assert!(codes(Some(&pr())).is_empty());
    }

    #[test]
    fn each_signal_on_its_own() {
        assert_eq!(codes(None), ["direct_push"]);
        let mut p = pr();
        p.merged_by = Some("ada".into());
        assert_eq!(codes(Some(&p)), ["self_merged"]);
        let mut p = pr();
        p.approvals = Some(0);
        assert_eq!(codes(Some(&p)), ["unapproved"]);
        // Approved under the rules although the count says otherwise (dismissed reviews).
        p.review_decision = Some(ReviewDecision::Approved);
        assert!(codes(Some(&p)).is_empty());
        let mut p = pr();
        p.merge_checks = Some(CheckState::Failure);
        p.head_checks = Some(CheckState::Skipped);
        assert_eq!(codes(Some(&p)), ["red_checks"]);
        p.merge_checks = None;
        assert_eq!(codes(Some(&p)), ["skipped_checks"]);
    }

    #[test]
    fn unknown_review_and_checks_say_nothing() {
        let mut p = pr();
        p.approvals = None;
        p.head_checks = None;
        assert!(codes(Some(&p)).is_empty());
    }

    #[test]
    fn the_named_pr_is_picked_over_others() {
        let mut open = pr();
        open.number = 9;
        open.state = PrState::Open;
        let prs = vec![open, pr()];
        assert_eq!(pick(Some(7), &prs).map(|p| p.number), Some(7));
        assert_eq!(pick(None, &prs).map(|p| p.number), Some(7));
        assert_eq!(pick(Some(3), &prs).map(|p| p.number), None);
    }
}
