//! Commit messages as git and the forges write them: types, PR numbers, reverts, sections.

use shipline_commits::{
    CommitMessage, CommitType, GroupBy, GroupKey, Grouping, PrSource, Reverted, Section,
    fold_single_groups, group_by_key, group_by_section, references,
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

#[test]
fn kind_words_are_types_whatever_the_scope() {
    // Regression: kind words with path scopes or other spellings landed in "Not conventional".
    for (message, kind, scope) in [
        (
            "docs(ignore/types): list the R types",
            CommitType::Docs,
            Some("ignore/types"),
        ),
        ("doc: fix a link", CommitType::Docs, None),
        ("tests: cover globs", CommitType::Test, None),
        (
            "test/printer: cover JSON",
            CommitType::Test,
            Some("printer"),
        ),
        ("ci: pin the runner", CommitType::Ci, None),
        ("build(deps): bump x", CommitType::Build, Some("deps")),
        ("deps: bump regex", CommitType::Other("deps".into()), None),
    ] {
        let m = CommitMessage::parse(message);
        assert_eq!(m.kind.as_ref(), Some(&kind), "{message}");
        assert_eq!(m.scope.as_deref(), scope, "{message}");
        assert_eq!(m.area, None, "{message}");
        assert_ne!(m.section(), Section::NotConventional, "{message}");
    }
}

#[test]
fn areas_are_read_from_area_subject_headers() {
    for (message, area) in [
        ("printer: fix a crash", Some("printer")),
        ("ignore/types: add Seed7", Some("ignore/types")),
        ("drm/i915: fix the clock", Some("drm/i915")),
        ("net: ipv4: fix a leak", Some("net")),
        ("globset-0.4.16: release", Some("globset-0.4.16")),
        ("Update README: typo", None),
        ("2024: yearly cleanup", None),
        ("fix: crash", None),
        ("Add a flag", None),
    ] {
        assert_eq!(
            CommitMessage::parse(message).area.as_deref(),
            area,
            "{message}"
        );
    }
}

fn grouped(messages: &[(&str, Option<&str>)]) -> (GroupBy, Vec<(String, Vec<String>)>) {
    let parsed: Vec<CommitMessage> = messages
        .iter()
        .map(|(m, _)| CommitMessage::parse(m))
        .collect();
    let grouping = Grouping::decide(&parsed);
    let groups = group_by_key(messages.iter().zip(&parsed), |((_, component), m)| {
        grouping.key(m, *component)
    });
    let shape = groups
        .into_iter()
        .map(|(key, items)| {
            (
                key.title().to_string(),
                items.into_iter().map(|((m, _), _)| m.to_string()).collect(),
            )
        })
        .collect();
    (grouping.by, shape)
}

#[test]
fn area_subject_repositories_are_grouped_by_area() {
    // Regression: a ripgrep-style range put everything under "Other changes".
    let (by, groups) = grouped(&[
        ("printer: fix a crash", None),
        ("ignore/types: add Seed7", None),
        ("ignore: add min_depth", None),
        ("doc: fix a link", None),
        ("Bump the version", Some("crates/core")),
        ("deps: bump regex", None),
        ("printer: add hyperlinks", None),
        (
            "Revert \"printer: add hyperlinks\"\n\nThis reverts commit 0123456789abcdef.",
            None,
        ),
    ]);
    assert_eq!(by, GroupBy::Area);
    let titles: Vec<&str> = groups.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Reverts",
            "ignore",
            "printer",
            "deps",
            "docs",
            "Other changes"
        ]
    );
    assert_eq!(
        groups[1].1,
        ["ignore/types: add Seed7", "ignore: add min_depth"]
    );
}

#[test]
fn plain_sentences_are_grouped_by_component() {
    let (by, groups) = grouped(&[
        ("Add a flag", Some("src")),
        ("Fix the pager", Some("src")),
        ("Update the docs", Some("doc")),
        ("feat: themes", Some("assets")),
        ("Tidy up", None),
    ]);
    assert_eq!(by, GroupBy::Component);
    let titles: Vec<&str> = groups.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["src", "assets", "doc", "Other changes"]);
}

#[test]
fn conventional_repositories_keep_sections_by_type() {
    let (by, groups) = grouped(&[
        ("feat: a", Some("src")),
        ("fix(api): b", Some("src")),
        ("printer: c", Some("src")),
        ("Tweak", Some("src")),
    ]);
    assert_eq!(by, GroupBy::Type);
    let titles: Vec<&str> = groups.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        ["Features", "Fixes", "Other changes", "Not conventional"]
    );
    let grouping = Grouping::decide(&[CommitMessage::parse("feat: a")]);
    assert!(grouping.describe().starts_with("by type: 100%"));
    assert_eq!(
        grouping.key(&CommitMessage::parse("feat!: a"), None),
        GroupKey::Section(Section::Breaking)
    );
}

#[test]
fn areas_of_one_change_fold_into_other_changes() {
    let mut keys = vec![
        GroupKey::Area("printer".into()),
        GroupKey::Area("zsh".into()),
        GroupKey::Area("printer".into()),
        GroupKey::Component("src".into()),
        GroupKey::Section(Section::Fixes),
    ];
    fold_single_groups(&mut keys);
    assert_eq!(
        keys,
        [
            GroupKey::Area("printer".into()),
            GroupKey::Section(Section::Other),
            GroupKey::Area("printer".into()),
            GroupKey::Section(Section::Other),
            GroupKey::Section(Section::Fixes),
        ]
    );
}
