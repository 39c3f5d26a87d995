//! PR/MR numbers in subjects: what forges and merge bots write as the first line of the commits
//! they make.
//!
//! Only a subject in a tool's exact shape counts. A `#12` anywhere else in a subject (`Port (#12)
//! to 2.x`, `changelog: PR #12`) names something the change is about, not the PR it came from.

use crate::pr::{PrRef, PrSource, leading_number, parse_number};

/// The PR/MR a merge tool's subject names: GitHub (and Bitbucket Server), homu/bors and bors-ng,
/// Bitbucket Cloud, Azure DevOps, Gitea/Forgejo.
pub(crate) fn merge_subject(subject: &str) -> Option<PrRef> {
    github_merge(subject)
        .or_else(|| homu_merge(subject))
        .or_else(|| bors_ng_merge(subject))
        .or_else(|| bitbucket_merge(subject))
        .or_else(|| azure_merge(subject))
        .or_else(|| gitea_merge(subject))
}

/// Whether the subject is a merge tool's that puts the PR/MR title on the first body line
/// (bors-ng prefixes it with the number, so its merges are not among them).
pub(crate) fn title_in_body(subject: &str) -> bool {
    github_merge(subject).is_some()
        || gitlab_merge(subject).is_some()
        || homu_merge(subject).is_some()
        || bitbucket_merge(subject).is_some()
        || gitea_merge(subject).is_some()
}

/// `Merge pull request #123 from owner/branch`, or Bitbucket Server's `Merge pull request #123
/// in PROJ/repo from branch to main`.
pub(crate) fn github_merge(subject: &str) -> Option<PrRef> {
    let rest = subject.strip_prefix("Merge pull request #")?;
    let (number, after) = leading_number(rest)?;
    let mut pr = PrRef::bare(number, PrSource::GithubMerge);
    if let Some(head) = after.strip_prefix(" from ") {
        pr.head = non_empty(head);
    } else if let Some(spec) = after.strip_prefix(" in ") {
        let (project, head) = spec.split_once(" from ")?;
        let head = head.rsplit_once(" to ").map_or(head, |(head, _)| head);
        pr.project = non_empty(project).filter(|p| !p.contains(char::is_whitespace));
        pr.head = non_empty(head);
    } else if !after.trim().is_empty() {
        return None;
    }
    Some(pr)
}

/// `Merge branch 'source' into 'target'`: returns the source branch.
pub(crate) fn gitlab_merge(subject: &str) -> Option<&str> {
    let rest = subject.strip_prefix("Merge branch '")?;
    let (source, target) = rest.split_once("' into '")?;
    target.strip_suffix('\'')?;
    Some(source)
}

/// homu and bors: `Auto merge of #123 - owner:branch, r=reviewer` (rust-lang's repositories;
/// rollups add `Rollup merge of #123 - …`); the original bors wrote `auto merge of #123 :
/// owner/branch, r=reviewer`.
fn homu_merge(subject: &str) -> Option<PrRef> {
    let rest = ["auto merge of #", "rollup merge of #"]
        .iter()
        .find_map(|prefix| strip_prefix_ignore_case(subject, prefix))?;
    let (number, after) = leading_number(rest)?;
    let mut pr = PrRef::bare(number, PrSource::BotMerge);
    if !after.trim().is_empty() {
        let spec = after
            .strip_prefix(" - ")
            .or_else(|| after.strip_prefix(" : "))?;
        let branch = spec.split(", r=").next().unwrap_or(spec);
        pr.head = non_empty(&branch.replacen(':', "/", 1));
    }
    Some(pr)
}

/// bors-ng: `Merge #123`. A batch (`Merge #1 #2`) names no single PR.
fn bors_ng_merge(subject: &str) -> Option<PrRef> {
    let number = parse_number(subject.strip_prefix("Merge #")?.trim_end())?;
    Some(PrRef::bare(number, PrSource::BotMerge))
}

/// Bitbucket Cloud: `Merged in feature/x (pull request #123)`.
fn bitbucket_merge(subject: &str) -> Option<PrRef> {
    let inner = subject
        .strip_prefix("Merged in ")?
        .trim_end()
        .strip_suffix(')')?;
    let (branch, number) = inner.rsplit_once(" (pull request #")?;
    let mut pr = PrRef::bare(parse_number(number)?, PrSource::BitbucketMerge);
    pr.head = non_empty(branch);
    Some(pr)
}

/// Azure DevOps: `Merged PR 123: title`.
fn azure_merge(subject: &str) -> Option<PrRef> {
    let (number, after) = leading_number(subject.strip_prefix("Merged PR ")?)?;
    after
        .starts_with(':')
        .then(|| PrRef::bare(number, PrSource::AzureMerge))
}

/// Gitea and Forgejo: `Merge pull request 'title' (#123) from branch into main`.
fn gitea_merge(subject: &str) -> Option<PrRef> {
    let rest = subject.strip_prefix("Merge pull request '")?;
    let (_, tail) = rest.rsplit_once("' (#")?;
    let (number, after) = leading_number(tail)?;
    let head = after.strip_prefix(") from ")?;
    let head = head.rsplit_once(" into ").map_or(head, |(head, _)| head);
    let mut pr = PrRef::bare(number, PrSource::GiteaMerge);
    pr.head = non_empty(head);
    Some(pr)
}

/// `Title (#123)`: only a marker that ends the subject and follows a space.
pub(crate) fn squash_marker(subject: &str) -> Option<PrRef> {
    let number = end_marker(subject, "(#")?;
    Some(PrRef::bare(number, PrSource::GithubSquash))
}

/// `Title (PR #123)`: a maintainer's marker ending the subject.
pub(crate) fn pr_marker(subject: &str) -> Option<PrRef> {
    let number = end_marker(subject, "(PR #")?;
    Some(PrRef::bare(number, PrSource::PrLine))
}

/// The number of an `open`…`)` marker that ends `subject` after a space and a title.
fn end_marker(subject: &str, open: &str) -> Option<u64> {
    let inner = subject.trim_end().strip_suffix(')')?;
    let at = inner.rfind(open)?;
    let number = parse_number(&inner[at + open.len()..])?;
    let title = &inner[..at];
    if !title.ends_with([' ', '\t']) || title.trim().is_empty() {
        return None;
    }
    Some(number)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn non_empty(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(pr: Option<PrRef>) -> Option<(u64, PrSource, Option<String>)> {
        pr.map(|p| (p.number, p.source, p.head))
    }

    #[test]
    fn homu_and_bors() {
        assert_eq!(
            number(merge_subject(
                "Auto merge of #14793 - epage:test-compare, r=weihanglo"
            )),
            Some((14793, PrSource::BotMerge, Some("epage/test-compare".into())))
        );
        assert_eq!(
            number(merge_subject("Rollup merge of #131 - a:b/c, r=x")),
            Some((131, PrSource::BotMerge, Some("a/b/c".into())))
        );
        assert_eq!(
            number(merge_subject("auto merge of #9 : alex/fix, r=brson")),
            Some((9, PrSource::BotMerge, Some("alex/fix".into())))
        );
        assert_eq!(
            number(merge_subject("Merge #4512")),
            Some((4512, PrSource::BotMerge, None))
        );
        assert_eq!(merge_subject("Merge #4512 #4513"), None);
        assert_eq!(merge_subject("Auto merge of #12x - a:b"), None);
        assert_eq!(merge_subject("Auto merge of #12 and more"), None);
        assert_eq!(merge_subject("Auto merge of #0 - a:b"), None);
    }

    #[test]
    fn other_forges() {
        assert_eq!(
            number(merge_subject("Merged in feature/login (pull request #42)")),
            Some((42, PrSource::BitbucketMerge, Some("feature/login".into())))
        );
        assert_eq!(
            number(merge_subject("Merged PR 1234: Add login")),
            Some((1234, PrSource::AzureMerge, None))
        );
        assert_eq!(merge_subject("Merged PR 1234 and more"), None);
        assert_eq!(
            number(merge_subject(
                "Merge pull request 'Fix (#3) crash' (#57) from ada/fix into main"
            )),
            Some((57, PrSource::GiteaMerge, Some("ada/fix".into())))
        );
        let server = github_merge("Merge pull request #8 in PROJ/app from feature/x to master")
            .expect("Bitbucket Server");
        assert_eq!(server.project.as_deref(), Some("PROJ/app"));
        assert_eq!(server.head.as_deref(), Some("feature/x"));
        assert_eq!(github_merge("Merge pull request #8 into main"), None);
    }

    #[test]
    fn markers_end_the_subject() {
        assert_eq!(
            pr_marker("Fix the parser (PR #77)").map(|p| p.number),
            Some(77)
        );
        assert_eq!(pr_marker("(PR #77)"), None);
        assert_eq!(pr_marker("Follow-up to (PR #77) for x"), None);
        assert_eq!(squash_marker("Title (#12)").map(|p| p.number), Some(12));
        assert_eq!(squash_marker("Title(#12)"), None);
    }
}
