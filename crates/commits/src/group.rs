//! Sections of the release summary, in the order a reader wants them.
//!
//! Breaking changes come first because they ask something of the reader; then what is new, what was
//! repaired, what got faster, what was taken back; the housekeeping and the unclassified last. The
//! order is fixed so that two summaries of the same range read the same.

use serde::Serialize;

use crate::message::{CommitMessage, CommitType};

/// One section of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Any breaking change, whatever its type.
    Breaking,
    /// `feat`.
    Features,
    /// `fix`.
    Fixes,
    /// `perf`.
    Performance,
    /// `revert`, and git's `Revert "..."` commits.
    Reverts,
    /// `docs`, `test`, `ci`, `build`, `chore`, `refactor`, `style` and types the team invented.
    Other,
    /// Messages that do not follow the conventional form.
    NotConventional,
}

impl CommitMessage {
    /// The summary section this commit belongs to.
    pub fn section(&self) -> Section {
        Section::of(self)
    }
}

impl Section {
    /// Every section, in summary order.
    pub const ORDER: [Section; 7] = [
        Section::Breaking,
        Section::Features,
        Section::Fixes,
        Section::Performance,
        Section::Reverts,
        Section::Other,
        Section::NotConventional,
    ];

    /// The heading shown in the summary.
    pub fn title(self) -> &'static str {
        match self {
            Section::Breaking => "Breaking changes",
            Section::Features => "Features",
            Section::Fixes => "Fixes",
            Section::Performance => "Performance",
            Section::Reverts => "Reverts",
            Section::Other => "Other changes",
            Section::NotConventional => "Not conventional",
        }
    }

    /// The section of one commit. A breaking change is listed under breaking changes only, and a
    /// non-conventional message that git or a forge wrote as a revert goes under reverts.
    pub fn of(message: &CommitMessage) -> Section {
        if message.breaking {
            return Section::Breaking;
        }
        match &message.kind {
            Some(CommitType::Feat) => Section::Features,
            Some(CommitType::Fix) => Section::Fixes,
            Some(CommitType::Perf) => Section::Performance,
            Some(CommitType::Revert) => Section::Reverts,
            Some(_) => Section::Other,
            None if message.purpose.is_revert => Section::Reverts,
            None => Section::NotConventional,
        }
    }
}

/// The items of one section, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group<T> {
    /// The section.
    pub section: Section,
    /// Its items, in the order they were given.
    pub items: Vec<T>,
}

/// Groups items by section: sections in [`Section::ORDER`], empty ones left out, items keeping
/// their input order within a section (a stable grouping).
pub fn group_by_section<T>(
    items: impl IntoIterator<Item = T>,
    section_of: impl Fn(&T) -> Section,
) -> Vec<Group<T>> {
    let mut buckets: Vec<Vec<T>> = Section::ORDER.iter().map(|_| Vec::new()).collect();
    for item in items {
        let section = section_of(&item);
        // ORDER lists every variant in declaration order, so the discriminant is the index.
        buckets[section as usize].push(item);
    }
    Section::ORDER
        .into_iter()
        .zip(buckets)
        .filter(|(_, items)| !items.is_empty())
        .map(|(section, items)| Group { section, items })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_matches_discriminants() {
        for (index, section) in Section::ORDER.iter().enumerate() {
            assert_eq!(*section as usize, index);
        }
    }

    #[test]
    fn groups_in_fixed_order_and_stable_within() {
        let messages = [
            "docs: readme",
            "Tweak things",
            "fix: b",
            "feat: a",
            "feat!: c",
            "fix: d",
            "Revert \"feat: a\"\n\nThis reverts commit 0123456789abcdef.",
            "perf: e",
            "ci: f",
        ];
        let parsed: Vec<(usize, CommitMessage)> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| (i, CommitMessage::parse(m)))
            .collect();
        let groups = group_by_section(parsed, |(_, m)| m.section());
        let shape: Vec<(Section, Vec<usize>)> = groups
            .into_iter()
            .map(|g| (g.section, g.items.into_iter().map(|(i, _)| i).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (Section::Breaking, vec![4]),
                (Section::Features, vec![3]),
                (Section::Fixes, vec![2, 5]),
                (Section::Performance, vec![7]),
                (Section::Reverts, vec![6]),
                (Section::Other, vec![0, 8]),
                (Section::NotConventional, vec![1]),
            ]
        );
    }
}
