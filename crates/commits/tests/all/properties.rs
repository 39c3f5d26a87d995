//! Property tests of the message readers: commit messages are untrusted text, so any input must
//! read without a panic, and no issue reference or mention may become a PR number.

use proptest::prelude::*;
use shipline_commits::{CommitMessage, Grouping, PrSource, group_by_key, references};

/// Words of prose: letters only, so no reference can hide in them.
fn prose() -> impl Strategy<Value = String> {
    proptest::collection::vec("[A-Za-z]{1,10}", 1..8).prop_map(|words| words.join(" "))
}

/// An issue reference as people write them.
fn issue_reference() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "Fixes", "Fix", "Closes", "Close", "Resolves", "Ref", "Refs", "See", "Part of",
        ]),
        prop::option::of("[a-z]{1,8}/[a-z]{1,8}"),
        1u64..1_000_000,
    )
        .prop_map(|(word, repo, n)| format!("{word} {}#{n}", repo.unwrap_or_default()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_reads_without_panic(message in "\\PC{0,300}") {
        let refs = references(&message);
        if let Some(pr) = refs.pr {
            prop_assert!(pr.number > 0);
            prop_assert!(message.contains(&pr.number.to_string()));
        }
        let _ = CommitMessage::parse(&message);
    }

    #[test]
    fn any_bytes_as_lines_read_without_panic(lines in proptest::collection::vec("[ -~]{0,60}", 0..12)) {
        let _ = CommitMessage::parse(&lines.join("\n"));
    }

    #[test]
    fn issue_references_are_never_prs(
        subject in prose(),
        lines in proptest::collection::vec(issue_reference(), 0..6),
        joiner in prop::sample::select(vec!["\n", ", ", "; "]),
    ) {
        let message = format!("{subject}\n\n{}", lines.join(joiner));
        prop_assert_eq!(references(&message).pr, None, "{:?}", message);
    }

    #[test]
    fn a_pr_mentioned_in_prose_is_not_the_changes_pr(
        subject in prose(),
        before in prose(),
        after in prose(),
        n in 1u64..100_000,
    ) {
        let message = format!("{subject}\n\n{before} PR #{n} {after}\n\nFixes #{}", n + 1);
        prop_assert_eq!(references(&message).pr, None, "{:?}", message);
    }

    #[test]
    fn a_pr_line_among_issue_references_is_read(
        subject in prose(),
        issues in proptest::collection::vec(issue_reference(), 0..4),
        n in 1u64..100_000,
    ) {
        let mut items = issues;
        items.push(format!("PR #{n}"));
        let message = format!("{subject}\n\nSome prose.\n\n{}", items.join(", "));
        let pr = references(&message).pr.expect("a PR line");
        prop_assert_eq!((pr.number, pr.source), (n, PrSource::PrLine));
    }

    #[test]
    fn two_different_pr_lines_name_no_pr(subject in prose(), a in 1u64..1000, b in 1000u64..2000) {
        let message = format!("{subject}\n\nPR #{a}\n\nPR #{b}");
        prop_assert_eq!(references(&message).pr, None);
    }

    #[test]
    fn homu_merges_are_read(
        n in 1u64..1_000_000,
        owner in "[a-zA-Z0-9-]{1,12}",
        branch in "[a-z0-9/_.-]{1,20}",
        reviewer in "[a-z]{1,10}",
        title in prose(),
    ) {
        let message = format!("Auto merge of #{n} - {owner}:{branch}, r={reviewer}\n\n{title}");
        let pr = references(&message).pr.expect("a homu merge");
        prop_assert_eq!(pr.number, n);
        prop_assert_eq!(pr.source, PrSource::BotMerge);
        prop_assert_eq!(pr.head, Some(format!("{owner}/{branch}")));
        prop_assert_eq!(CommitMessage::parse(&message).description, title);
    }

    #[test]
    fn squash_markers_win_over_body_lines(subject in prose(), n in 1u64..1000, m in 1000u64..2000) {
        let message = format!("{subject} (#{n})\n\nPR #{m}");
        prop_assert_eq!(references(&message).pr.map(|p| p.number), Some(n));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn grouping_keeps_every_change_once(
        subjects in proptest::collection::vec("[ -~]{0,40}", 0..30),
        components in proptest::collection::vec(prop::option::of("[a-z]{1,6}"), 30),
    ) {
        let parsed: Vec<(usize, CommitMessage)> =
            subjects.iter().map(|s| CommitMessage::parse(s)).enumerate().collect();
        let grouping = Grouping::decide(parsed.iter().map(|(_, m)| m));
        prop_assert_eq!(grouping.messages, subjects.len());
        prop_assert!(grouping.typed + grouping.areas <= grouping.messages);
        let groups = group_by_key(parsed, |(i, m)| grouping.key(m, components[*i].as_deref()));
        let mut seen: Vec<usize> = groups.iter().flat_map(|(_, items)| items.iter().map(|(i, _)| *i)).collect();
        for (_, items) in &groups {
            prop_assert!(!items.is_empty());
            prop_assert!(items.windows(2).all(|w| w[0].0 < w[1].0), "input order kept");
        }
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..subjects.len()).collect::<Vec<_>>());
    }
}
