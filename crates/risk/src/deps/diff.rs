//! The multiset diff behind every format: packages by name, versions paired within a compatible
//! series first, then from the highest down (see the parent module for the rules).

use std::collections::{HashMap, VecDeque};

use super::change::{ChangeKind, DependencyChange, Ecosystem, Origin};
use super::compare::{Parsed, Scheme};
use super::lockfile::Entry;
use super::requirement::{ReqSyntax, lower_bound};

/// Diffs two package multisets (see the module documentation for the pairing rules).
pub(crate) fn diff_entries(
    ecosystem: Ecosystem,
    file: &str,
    old: Vec<Entry>,
    new: Vec<Entry>,
) -> Vec<DependencyChange> {
    let scheme = ecosystem.scheme();
    let mut by_name: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
    for entry in old {
        by_name.entry(entry.name).or_default().0.push(entry.version);
    }
    for entry in new {
        by_name.entry(entry.name).or_default().1.push(entry.version);
    }
    let mut changes = Vec::new();
    for (name, (mut olds, mut news)) in by_name {
        if olds.len() == 1 && news.len() == 1 && olds[0] == news[0] {
            continue;
        }
        olds.sort_unstable();
        news.sort_unstable();
        let (only_old, only_new) = multiset_difference(&olds, &news);
        for (from, to) in pair(scheme, only_old, only_new) {
            // An unpaired copy whose version is still on the other side was deduplicated or
            // duplicated, not changed.
            let duplicate = match (from, to) {
                (Some(from), None) => news.binary_search(from).is_ok(),
                (None, Some(to)) => olds.binary_search(to).is_ok(),
                _ => false,
            };
            if !duplicate {
                changes.push(change(ecosystem, scheme, file, &name, from, to));
            }
        }
    }
    changes.sort_by(|a, b| (&a.name, &a.from, &a.to).cmp(&(&b.name, &b.from, &b.to)));
    // Several copies making the same move (nested node_modules) are one change to a reader.
    changes.dedup_by(|a, b| (&a.name, &a.from, &a.to) == (&b.name, &b.from, &b.to));
    changes
}

/// The elements of two sorted lists that the other does not match one for one.
fn multiset_difference<'v>(
    olds: &'v [String],
    news: &'v [String],
) -> (Vec<&'v String>, Vec<&'v String>) {
    let (mut i, mut j) = (0, 0);
    let (mut only_old, mut only_new) = (Vec::new(), Vec::new());
    while i < olds.len() || j < news.len() {
        match (olds.get(i), news.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                only_old.push(a);
                i += 1;
            }
            (Some(a), None) => {
                only_old.push(a);
                i += 1;
            }
            (_, Some(b)) => {
                only_new.push(b);
                j += 1;
            }
            (None, None) => break,
        }
    }
    (only_old, only_new)
}

type Versioned<'v> = (&'v String, Option<Parsed>);

/// Pairs old and new versions: within a compatible series first, then from the highest down.
fn pair<'v>(
    scheme: Scheme,
    olds: Vec<&'v String>,
    news: Vec<&'v String>,
) -> Vec<(Option<&'v String>, Option<&'v String>)> {
    let mut olds: Vec<Versioned<'v>> = olds.into_iter().map(|v| (v, scheme.parse(v))).collect();
    let mut news: Vec<Versioned<'v>> = news.into_iter().map(|v| (v, scheme.parse(v))).collect();
    // Highest first; unparsable versions after the parsable ones, by text.
    let order = |a: &Versioned<'_>, b: &Versioned<'_>| match (&a.1, &b.1) {
        (Some(x), Some(y)) => y.cmp(x).then_with(|| b.0.cmp(a.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(b.0),
    };
    olds.sort_by(order);
    news.sort_by(order);

    let mut pairs = Vec::new();
    if olds.len() == 1 && news.len() == 1 {
        pairs.push((Some(olds[0].0), Some(news[0].0)));
        return pairs;
    }
    // Old versions by series, highest first, so each new version finds its partner in O(1).
    let mut by_series: HashMap<(u64, u64, u64), VecDeque<usize>> = HashMap::new();
    for (o, old) in olds.iter().enumerate() {
        if let Some(parsed) = &old.1 {
            by_series.entry(parsed.series()).or_default().push_back(o);
        }
    }
    let mut old_taken = vec![false; olds.len()];
    let mut new_taken = vec![false; news.len()];
    for (n, new) in news.iter().enumerate() {
        let Some(series) = new.1.as_ref().map(Parsed::series) else {
            continue;
        };
        if let Some(o) = by_series.get_mut(&series).and_then(VecDeque::pop_front) {
            old_taken[o] = true;
            new_taken[n] = true;
            pairs.push((Some(olds[o].0), Some(new.0)));
        }
    }
    let mut rest_old = olds
        .iter()
        .zip(&old_taken)
        .filter(|(_, taken)| !**taken)
        .map(|(v, _)| v.0);
    let mut rest_new = news
        .iter()
        .zip(&new_taken)
        .filter(|(_, taken)| !**taken)
        .map(|(v, _)| v.0);
    loop {
        match (rest_old.next(), rest_new.next()) {
            (None, None) => break,
            (old, new) => pairs.push((old, new)),
        }
    }
    pairs
}

fn change(
    ecosystem: Ecosystem,
    scheme: Scheme,
    file: &str,
    name: &str,
    from: Option<&String>,
    to: Option<&String>,
) -> DependencyChange {
    // A requirements line that pins no version holds a specifier (`>=2.0,<3`): read its lower
    // bound.
    let specifiers = (ecosystem == Ecosystem::Pypi).then_some(ReqSyntax::Pep440);
    let (kind, major) = movement(scheme, specifiers, from, to);
    DependencyChange {
        ecosystem,
        name: name.to_owned(),
        from: from.cloned(),
        to: to.cloned(),
        kind,
        major,
        file: file.to_owned(),
        origin: Origin::Lockfile,
        scope: None,
    }
}

/// How a package moved from `from` to `to`: versions under `scheme`, or, where one does not
/// parse as a version and `requirements` is given, the lower bounds of requirements.
pub(crate) fn movement(
    scheme: Scheme,
    requirements: Option<ReqSyntax>,
    from: Option<&String>,
    to: Option<&String>,
) -> (ChangeKind, bool) {
    let read = |text: &str| {
        scheme
            .parse(text)
            .or_else(|| requirements.and_then(|syntax| lower_bound(syntax, text)))
    };
    match (from, to) {
        (None, _) => (ChangeKind::Added, false),
        (_, None) => (ChangeKind::Removed, false),
        (Some(from), Some(to)) => match (read(from), read(to)) {
            (Some(a), Some(b)) => {
                let kind = match a.precedence(&b) {
                    std::cmp::Ordering::Less => ChangeKind::Upgraded,
                    std::cmp::Ordering::Greater => ChangeKind::Downgraded,
                    std::cmp::Ordering::Equal => ChangeKind::Changed,
                };
                (kind, a.series() != b.series())
            }
            _ => (ChangeKind::Changed, false),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(list: &[(&str, &str)]) -> Vec<Entry> {
        list.iter().map(|(n, v)| Entry::new(*n, *v)).collect()
    }

    fn summary(changes: &[DependencyChange]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                format!(
                    "{} {:?} {}->{}{}",
                    c.name,
                    c.kind,
                    c.from.as_deref().unwrap_or("-"),
                    c.to.as_deref().unwrap_or("-"),
                    if c.major { " major" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn multiset_pairs_within_series_first() {
        let old = entries(&[("syn", "1.0.109"), ("syn", "2.0.10"), ("rand", "0.8.5")]);
        let new = entries(&[("syn", "1.0.109"), ("syn", "2.0.48"), ("rand", "0.9.0")]);
        let changes = diff_entries(Ecosystem::Cargo, "Cargo.lock", old, new);
        assert_eq!(
            summary(&changes),
            [
                "rand Upgraded 0.8.5->0.9.0 major",
                "syn Upgraded 2.0.10->2.0.48"
            ]
        );

        let old = entries(&[("a", "1.0.0"), ("a", "2.0.0")]);
        let new = entries(&[("a", "1.0.1")]);
        assert_eq!(
            summary(&diff_entries(Ecosystem::Cargo, "Cargo.lock", old, new)),
            ["a Upgraded 1.0.0->1.0.1", "a Removed 2.0.0->-"]
        );

        let old = entries(&[("a", "1.0.0"), ("a", "2.0.0")]);
        let new = entries(&[("a", "3.0.0")]);
        assert_eq!(
            summary(&diff_entries(Ecosystem::Cargo, "Cargo.lock", old, new)),
            ["a Removed 1.0.0->-", "a Upgraded 2.0.0->3.0.0 major"]
        );
    }

    #[test]
    fn deduplicated_copies_are_not_changes() {
        let old = entries(&[("ms", "2.1.3"), ("ms", "2.1.3"), ("ms", "2.0.0")]);
        let new = entries(&[("ms", "2.1.3"), ("ms", "2.1.3"), ("ms", "2.1.3")]);
        assert_eq!(
            summary(&diff_entries(Ecosystem::Npm, "package-lock.json", old, new)),
            ["ms Upgraded 2.0.0->2.1.3"]
        );
        let old = entries(&[("ms", "2.1.3"), ("ms", "2.1.3")]);
        let new = entries(&[("ms", "2.1.3")]);
        assert!(diff_entries(Ecosystem::Npm, "package-lock.json", old, new).is_empty());
    }

    #[test]
    fn kinds() {
        let old = entries(&[
            ("a", "1.2.0"),
            ("b", "2.0.0"),
            ("c", "git-sha-1"),
            ("d", "1.0.0"),
        ]);
        let new = entries(&[
            ("a", "1.1.0"),
            ("b", "1.0.0"),
            ("c", "git-sha-2"),
            ("e", "0.1.0"),
        ]);
        assert_eq!(
            summary(&diff_entries(Ecosystem::Npm, "package-lock.json", old, new)),
            [
                "a Downgraded 1.2.0->1.1.0",
                "b Downgraded 2.0.0->1.0.0 major",
                "c Changed git-sha-1->git-sha-2",
                "d Removed 1.0.0->-",
                "e Added -->0.1.0",
            ]
        );
    }

    #[test]
    fn requirement_specifiers_move_by_their_lower_bound() {
        let old = entries(&[("django", ">=4.2,<5"), ("rich", "13.7.1")]);
        let new = entries(&[("django", ">=5.0"), ("rich", ">=13.8")]);
        assert_eq!(
            summary(&diff_entries(Ecosystem::Pypi, "requirements.txt", old, new)),
            [
                "django Upgraded >=4.2,<5->>=5.0 major",
                "rich Upgraded 13.7.1->>=13.8"
            ]
        );
    }
}
