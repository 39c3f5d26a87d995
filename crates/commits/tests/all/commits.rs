//! Commit messages as git and the forges write them: types, PR numbers, reverts, sections.

use shipline_commits::{
    CommitMessage, CommitType, PrSource, Reverted, Section, group_by_section, references,
};

const SHA: &str = "9fceb02d0ae598e95dc970b74767f19372d61af8";

#[test]
fn github_squash_merge_of_a_conventional_pr() {
    let m = CommitMessage::parse(
        "feat(billing)!: charge per seat (#1234)\n\n* feat: seats\n\n* fix: rounding (#12)\n\nBREAKING CHANGE: the `plan` field is gone\n\nCo-authored-by: A <a@example.com>",
    );
    assert_eq!(m.kind, Some(CommitType::Feat));
    assert_eq!(m.scope.as_deref(), Some("billing"));
    assert!(m.breaking);
    assert_eq!(m.description, "charge per seat (#1234)");
    assert_eq!(m.breaking_note.as_deref(), Some("the `plan` field is gone"));
    let pr = m.references.pr.clone().expect("squash marker");
    assert_eq!((pr.number, pr.source), (1234, PrSource::GithubSquash));
    assert_eq!(m.section(), Section::Breaking);
}

#[test]
fn github_merge_commit_with_a_plain_title() {
    let m = CommitMessage::parse(
        "Merge pull request #88 from someone/patch-1\n\nFix typo in the install guide",
    );
    assert_eq!(m.kind, None);
    assert_eq!(m.description, "Fix typo in the install guide");
    assert!(m.purpose.is_fix, "a non-conventional title with `Fix`");
    assert_eq!(m.section(), Section::NotConventional);
    let pr = m.references.pr.clone().unwrap();
    assert_eq!(pr.number, 88);
    assert_eq!(pr.head.as_deref(), Some("someone/patch-1"));
}

#[test]
fn gitlab_merge_commit_with_nested_groups() {
    let m = CommitMessage::parse(
        "Merge branch 'perf/cache-warmup' into 'main'\n\nperf(cache): warm up on boot\n\nCloses #51\n\nSee merge request platform/backend/api!342\n",
    );
    assert_eq!(m.kind, Some(CommitType::Perf));
    let pr = m.references.pr.clone().unwrap();
    assert_eq!(pr.number, 342);
    assert_eq!(pr.source, PrSource::GitlabMerge);
    assert_eq!(pr.project.as_deref(), Some("platform/backend/api"));
    assert_eq!(pr.head.as_deref(), Some("perf/cache-warmup"));
    assert_eq!(m.section(), Section::Performance);
}

#[test]
fn github_revert_button_then_squash() {
    let m = CommitMessage::parse(
        "Revert \"feat(billing): charge per seat (#1234)\" (#1240)\n\nReverts acme/shop#1234",
    );
    assert!(m.purpose.is_revert);
    assert_eq!(m.references.pr.as_ref().map(|p| p.number), Some(1240));
    assert_eq!(
        m.references.reverts,
        [Reverted::PullRequest {
            repo: Some("acme/shop".into()),
            number: 1234
        }]
    );
    assert_eq!(m.section(), Section::Reverts);
}

#[test]
fn git_revert_of_a_merge() {
    let m = CommitMessage::parse(&format!(
        "Revert \"Merge pull request #77 from acme/feature\"\n\nThis reverts commit {SHA}, reversing\nchanges made to 1111111111111111111111111111111111111111.\n"
    ));
    assert_eq!(
        m.references.pr, None,
        "the quoted merge subject is not this commit's PR"
    );
    assert_eq!(m.references.reverts, [Reverted::Commit { sha: SHA.into() }]);
    assert!(m.purpose.is_revert);
}

#[test]
fn issue_references_and_mid_subject_markers_are_not_prs() {
    for message in [
        "Fixes #12",
        "fix(api): handle nulls\n\nFixes #12",
        "Closes #3 and (#4) in one go",
        "Port (#12) to the 2.x branch",
        "docs: mention #12 (see issue)",
    ] {
        assert_eq!(references(message).pr, None, "{message:?}");
    }
}

#[test]
fn hotfix_from_the_branch_name() {
    let m = CommitMessage::parse(
        "Merge pull request #300 from acme/hotfix/checkout-500\n\nStop 500s in checkout",
    );
    assert!(m.purpose.is_hotfix);
    assert!(m.purpose.is_fix);
    assert!(!m.purpose.is_revert);
}

#[test]
fn sections_are_stable() {
    let messages = [
        "chore(deps): bump serde (#9)",
        "feat: search (#1)",
        "Quick tweak",
        "fix: crash (#2)",
        "refactor!: new storage layer (#3)",
        "feat(ui): dark mode (#4)",
        "revert: feat: search",
        "style: fmt",
    ];
    let groups = group_by_section(
        messages.iter().map(|m| (m, CommitMessage::parse(m))),
        |(_, m)| m.section(),
    );
    let shape: Vec<(&str, Vec<&str>)> = groups
        .iter()
        .map(|g| {
            (
                g.section.title(),
                g.items.iter().map(|(m, _)| **m).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (
                "Breaking changes",
                vec!["refactor!: new storage layer (#3)"]
            ),
            (
                "Features",
                vec!["feat: search (#1)", "feat(ui): dark mode (#4)"]
            ),
            ("Fixes", vec!["fix: crash (#2)"]),
            ("Reverts", vec!["revert: feat: search"]),
            (
                "Other changes",
                vec!["chore(deps): bump serde (#9)", "style: fmt"]
            ),
            ("Not conventional", vec!["Quick tweak"]),
        ]
    );
    assert_eq!(Section::ORDER.len(), 7);
}

#[test]
fn serialises_types_as_strings() {
    let m = CommitMessage::parse("Deps: bump x (#5)");
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["type"], "deps");
    assert_eq!(json["references"]["pr"]["number"], 5);
    assert_eq!(json["references"]["pr"]["source"], "github_squash");
}
