//! Sections of the release summary, in the order a reader wants them, and how a range's changes
//! are grouped into them.
//!
//! Breaking changes come first because they ask something of the reader; then what is new, what was
//! repaired, what got faster, what was taken back; the housekeeping and the unclassified last. The
//! order is fixed so that two summaries of the same range read the same.
//!
//! Sections by type only help where the messages name types. Many projects write "area: subject"
//! instead (`printer: fix …`, `ignore/types: add …`), and many write plain sentences; grouped by
//! type, the first land under "Other changes" and the second under "Not conventional", which
//! says nothing. So [`Grouping::decide`] measures what a range's messages do and groups by type
//! where most name a kind, by area where most start with an area or a kind, and otherwise by the
//! top-level component of the files changed ([`crate::component_of`]).

use std::cmp::Reverse;
use std::collections::HashMap;

use serde::{Serialize, Serializer};

use crate::component::TOP_LEVEL;
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

/// What a range's changes are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The conventional type (the [`Section`]s).
    Type,
    /// The area a message starts with (`printer: …`), kind words (`docs: …`) as areas too.
    Area,
    /// The top-level component of the files changed.
    Component,
}

/// How a range is grouped, and the measure it was decided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grouping {
    /// What the changes are grouped by.
    pub by: GroupBy,
    /// Messages read.
    pub messages: usize,
    /// Messages whose type is a kind word (`feat`, `docs(x)`, `test/y`, `deps`...).
    pub typed: usize,
    /// Messages that start with an area instead (`printer: …`, `ignore/types: …`).
    pub areas: usize,
}

/// The group of one change: a section, an area or a component.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupKey {
    /// A section of the summary ([`Section::Other`] for what fits no area or component).
    Section(Section),
    /// An area, lower-cased, its first path segment (`ignore/types` is `ignore`).
    Area(String),
    /// A component ([`crate::component_of`]).
    Component(String),
}

impl GroupKey {
    /// The heading shown in the summary.
    pub fn title(&self) -> &str {
        match self {
            GroupKey::Section(section) => section.title(),
            GroupKey::Area(name) | GroupKey::Component(name) => name,
        }
    }

    /// Where the group goes: breaking changes and the sections by type first (reverts among
    /// them), then areas and components, then what fits none.
    fn rank(&self) -> usize {
        match self {
            GroupKey::Section(section) => 2 * (*section as usize),
            GroupKey::Area(_) | GroupKey::Component(_) => 2 * (Section::Reverts as usize) + 1,
        }
    }
}

impl Serialize for GroupKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.title())
    }
}

impl Grouping {
    /// At least this share of the messages must name a kind for grouping by type, or name a
    /// kind or an area for grouping by area.
    pub const MAJORITY: f64 = 0.5;

    /// Decides how to group a range from its (non-merge) messages.
    pub fn decide<'a>(messages: impl IntoIterator<Item = &'a CommitMessage>) -> Grouping {
        let (mut count, mut typed, mut areas) = (0, 0, 0);
        for message in messages {
            count += 1;
            if message.kind.as_ref().is_some_and(CommitType::is_kind_word) {
                typed += 1;
            } else if message.area.is_some() {
                areas += 1;
            }
        }
        let share = |n: usize| n as f64 / count.max(1) as f64;
        let by = if count == 0 || share(typed) >= Self::MAJORITY {
            GroupBy::Type
        } else if share(typed + areas) >= Self::MAJORITY {
            GroupBy::Area
        } else {
            GroupBy::Component
        };
        Grouping {
            by,
            messages: count,
            typed,
            areas,
        }
    }

    /// The group of a change with `message` whose files put it in `component`.
    pub fn key(&self, message: &CommitMessage, component: Option<&str>) -> GroupKey {
        let section = Section::of(message);
        if self.by == GroupBy::Type || matches!(section, Section::Breaking | Section::Reverts) {
            return GroupKey::Section(section);
        }
        let other = GroupKey::Section(Section::Other);
        match self.by {
            GroupBy::Area => {
                let kind = message.kind.as_ref().filter(|k| k.is_kind_word());
                let area = kind.map(CommitType::as_str).or(message.area.as_deref());
                area.map_or(other, |area| {
                    let first = area.split('/').next().unwrap_or(area);
                    GroupKey::Area(first.to_ascii_lowercase())
                })
            }
            _ => component.map_or(other, |c| GroupKey::Component(c.to_owned())),
        }
    }

    /// One line for the section header: what was grouped by, and why.
    pub fn describe(&self) -> String {
        let percent = |n: usize| (100.0 * n as f64 / self.messages.max(1) as f64).round();
        match self.by {
            GroupBy::Type => format!(
                "by type: {:.0}% of the messages name one (`feat:`, `fix:`, `docs:` …)",
                percent(self.typed)
            ),
            GroupBy::Area => format!(
                "by area: {:.0}% of the messages start with one (`area: subject`), {:.0}% with a type",
                percent(self.areas),
                percent(self.typed)
            ),
            GroupBy::Component => format!(
                "by the top-level directory changed most (\"{TOP_LEVEL}\" for files at the root): only {:.0}% of the messages name a type and {:.0}% an area",
                percent(self.typed),
                percent(self.areas)
            ),
        }
    }
}

/// Folds areas and components that only one change belongs to into "Other changes", where the
/// line still names its area: thirty headings of one change each are no grouping.
pub fn fold_single_groups(keys: &mut [GroupKey]) {
    let mut counts: HashMap<GroupKey, usize> = HashMap::new();
    for key in keys.iter() {
        *counts.entry(key.clone()).or_default() += 1;
    }
    for key in keys.iter_mut() {
        let named = matches!(key, GroupKey::Area(_) | GroupKey::Component(_));
        if named && counts[key] == 1 {
            *key = GroupKey::Section(Section::Other);
        }
    }
}

/// Groups items by key: breaking changes and the type sections in [`Section::ORDER`], areas and
/// components largest first (then by name), "Other changes" last; items keep their input order
/// within a group (a stable grouping).
pub fn group_by_key<T>(
    items: impl IntoIterator<Item = T>,
    key_of: impl Fn(&T) -> GroupKey,
) -> Vec<(GroupKey, Vec<T>)> {
    let mut groups: Vec<(GroupKey, Vec<T>)> = Vec::new();
    for item in items {
        let key = key_of(&item);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(item),
            None => groups.push((key, vec![item])),
        }
    }
    groups.sort_by(|(a, x), (b, y)| {
        (a.rank(), Reverse(x.len()), a.title()).cmp(&(b.rank(), Reverse(y.len()), b.title()))
    });
    groups
}
