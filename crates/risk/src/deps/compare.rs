//! Ordering versions the way each ecosystem does, to tell an upgrade from a downgrade and a major
//! bump from a compatible one.
//!
//! - Cargo and npm-family lockfiles hold semver versions.
//! - Go modules are semver with a `v` prefix; pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
//!   `v1.2.4-0.20191109021931-daa7c04131f5`) are semver pre-releases whose timestamp sorts
//!   lexically, and `+incompatible` is build metadata.
//! - Python versions follow PEP 440: epoch, release, `a`/`b`/`rc` pre-releases, `.post`, `.dev`,
//!   local labels; trailing zeros do not count (`1.0 == 1.0.0`).
//! - RubyGems versions are dot-separated segments where a letter starts a pre-release
//!   (`1.0.0.rc1 < 1.0.0`), as `Gem::Version` compares them.
//!
//! "Major" follows Cargo's compatibility rule in every ecosystem: the left-most non-zero of
//! major, minor, patch names the compatible series (`1.x`, `0.3.x`, `0.0.4`); moving to another
//! series is a major change.

use std::cmp::Ordering;

use semver::Version;

/// How one ecosystem spells and orders versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Semver,
    Go,
    Pep440,
    Gem,
}

/// A version parsed under one scheme; values of one scheme compare with each other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Parsed {
    Semver(Version),
    Pep440(Pep440),
    Gem(GemVersion),
}

impl Scheme {
    pub(crate) fn parse(self, text: &str) -> Option<Parsed> {
        let text = text.trim();
        match self {
            Scheme::Semver => Version::parse(text.strip_prefix('v').unwrap_or(text))
                .ok()
                .map(Parsed::Semver),
            Scheme::Go => Version::parse(text.strip_prefix('v')?)
                .ok()
                .map(Parsed::Semver),
            Scheme::Pep440 => Pep440::parse(text).map(Parsed::Pep440),
            Scheme::Gem => GemVersion::parse(text).map(Parsed::Gem),
        }
    }
}

impl Parsed {
    /// Orders by precedence: semver build metadata does not count.
    pub(crate) fn precedence(&self, other: &Parsed) -> Ordering {
        match (self, other) {
            (Parsed::Semver(a), Parsed::Semver(b)) => a.cmp_precedence(b),
            _ => self.cmp(other),
        }
    }

    /// The compatible series: the left-most non-zero release number and everything before it.
    pub(crate) fn series(&self) -> (u64, u64, u64) {
        let (major, minor, patch) = match self {
            Parsed::Semver(v) => (v.major, v.minor, v.patch),
            Parsed::Pep440(v) => (v.release_at(0), v.release_at(1), v.release_at(2)),
            Parsed::Gem(v) => (v.number_at(0), v.number_at(1), v.number_at(2)),
        };
        if major != 0 {
            (major, 0, 0)
        } else if minor != 0 {
            (0, minor, 0)
        } else {
            (0, 0, patch)
        }
    }
}

/// A PEP 440 version, with its fields arranged so that the derived order is PEP 440's order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pep440 {
    epoch: u64,
    /// Release numbers without trailing zeros.
    release: Vec<u64>,
    pre: PreKey,
    post: Option<u64>,
    dev: DevKey,
    local: Option<String>,
}

/// Where a release sits relative to its pre-releases: `1.0.dev0 < 1.0a1 < 1.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PreKey {
    DevOnly,
    Pre(u8, u64),
    Final,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DevKey {
    Dev(u64),
    None,
}

impl Pep440 {
    fn parse(text: &str) -> Option<Pep440> {
        let lower = text.trim().to_ascii_lowercase();
        let mut rest = lower.strip_prefix('v').unwrap_or(&lower);
        let mut local = None;
        if let Some((public, label)) = rest.split_once('+') {
            if label.is_empty() {
                return None;
            }
            local = Some(label.to_owned());
            rest = public;
        }
        let mut epoch = 0;
        if let Some((e, after)) = rest.split_once('!') {
            epoch = e.parse().ok()?;
            rest = after;
        }
        let mut release = Vec::new();
        loop {
            let (n, after) = leading_number(rest)?;
            release.push(n);
            rest = after;
            match rest.strip_prefix('.') {
                Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
                _ => break,
            }
        }
        let mut pre = None;
        let mut post = None;
        let mut dev = None;
        for (names, slot) in [
            (
                &["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"][..],
                0,
            ),
            (&["post", "rev", "r"][..], 1),
            (&["dev"][..], 2),
        ] {
            let trimmed = rest.trim_start_matches(['.', '-', '_']);
            let Some(name) = names.iter().find(|name| trimmed.starts_with(**name)) else {
                // `1.0-1` is an implicit post-release.
                let implicit_post = (slot == 1)
                    .then(|| rest.strip_prefix('-'))
                    .flatten()
                    .and_then(leading_number);
                if let Some((n, after)) = implicit_post {
                    post = Some(n);
                    rest = after;
                }
                continue;
            };
            let after = trimmed[name.len()..].trim_start_matches(['.', '-', '_']);
            let (n, after) = leading_number(after).unwrap_or((0, after));
            rest = after;
            match slot {
                0 => {
                    let rank = match *name {
                        "alpha" | "a" => 0,
                        "beta" | "b" => 1,
                        _ => 2,
                    };
                    pre = Some((rank, n));
                }
                1 => post = Some(n),
                _ => dev = Some(n),
            }
        }
        if !rest.is_empty() {
            return None;
        }
        while release.len() > 1 && release.last() == Some(&0) {
            release.pop();
        }
        let pre = match (pre, post, dev) {
            (Some((rank, n)), _, _) => PreKey::Pre(rank, n),
            (None, None, Some(_)) => PreKey::DevOnly,
            _ => PreKey::Final,
        };
        Some(Pep440 {
            epoch,
            release,
            pre,
            post,
            dev: dev.map_or(DevKey::None, DevKey::Dev),
            local,
        })
    }

    fn release_at(&self, index: usize) -> u64 {
        self.release.get(index).copied().unwrap_or(0)
    }
}

fn leading_number(text: &str) -> Option<(u64, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n = text[..end].parse().ok()?;
    Some((n, &text[end..]))
}

/// A RubyGems version: numeric and alphabetic segments, trailing zeros dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GemVersion {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    // Declared first so a letter segment (a pre-release) sorts below any number.
    Text(String),
    Number(u64),
}

impl GemVersion {
    fn parse(text: &str) -> Option<GemVersion> {
        let text = text.trim();
        if text.is_empty()
            || !text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return None;
        }
        let mut segments = Vec::new();
        for part in text.split(['.', '-']) {
            let mut rest = part;
            while !rest.is_empty() {
                let digits = rest.starts_with(|c: char| c.is_ascii_digit());
                let end = rest
                    .find(|c: char| c.is_ascii_digit() != digits)
                    .unwrap_or(rest.len());
                let run = &rest[..end];
                segments.push(if digits {
                    Segment::Number(run.parse().ok()?)
                } else {
                    Segment::Text(run.to_owned())
                });
                rest = &rest[end..];
            }
        }
        if !matches!(segments.first(), Some(Segment::Number(_))) {
            return None;
        }
        while segments.len() > 1 && segments.last() == Some(&Segment::Number(0)) {
            segments.pop();
        }
        Some(GemVersion { segments })
    }

    fn number_at(&self, index: usize) -> u64 {
        match self.segments.get(index) {
            Some(Segment::Number(n)) => *n,
            _ => 0,
        }
    }
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // Missing segments count as zero, as `Gem::Version#<=>` pads them.
        let zero = Segment::Number(0);
        let len = self.segments.len().max(other.segments.len());
        (0..len)
            .map(|i| {
                let a = self.segments.get(i).unwrap_or(&zero);
                let b = other.segments.get(i).unwrap_or(&zero);
                a.cmp(b)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(scheme: Scheme, a: &str, b: &str) -> Ordering {
        let a = scheme.parse(a).expect(a);
        let b = scheme.parse(b).expect(b);
        a.precedence(&b)
    }

    #[test]
    fn pep440_order() {
        let ordered = [
            "1.0.dev0",
            "1.0a1",
            "1.0a2.dev1",
            "1.0a2",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0.post1.dev0",
            "1.0.post1",
            "1.0.1",
            "1.1",
            "2!0.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(
                cmp(Scheme::Pep440, pair[0], pair[1]),
                Ordering::Less,
                "{pair:?}"
            );
        }
        assert_eq!(cmp(Scheme::Pep440, "1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp(Scheme::Pep440, "2.0.0RC1", "2.0.0rc1"), Ordering::Equal);
        assert_eq!(cmp(Scheme::Pep440, "1.0-1", "1.0.post1"), Ordering::Equal);
        assert!(Scheme::Pep440.parse("1.0+").is_none());
        assert!(Scheme::Pep440.parse("banana").is_none());
        assert!(Scheme::Pep440.parse("1.0 extra").is_none());
    }

    #[test]
    fn gem_order() {
        let ordered = [
            "1.0.0.pre1",
            "1.0.0.rc1",
            "1.0.0",
            "1.0.1",
            "7.0.4.3",
            "7.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(
                cmp(Scheme::Gem, pair[0], pair[1]),
                Ordering::Less,
                "{pair:?}"
            );
        }
        assert_eq!(cmp(Scheme::Gem, "1.0", "1.0.0"), Ordering::Equal);
    }

    #[test]
    fn go_pseudo_versions() {
        assert_eq!(
            cmp(
                Scheme::Go,
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-0123456789ab"
            ),
            Ordering::Less
        );
        assert_eq!(
            cmp(Scheme::Go, "v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5"),
            Ordering::Less
        );
        assert_eq!(
            cmp(Scheme::Go, "v2.0.0+incompatible", "v2.0.0"),
            Ordering::Equal
        );
        assert!(Scheme::Go.parse("1.2.3").is_none());
    }

    #[test]
    fn series_follow_cargo() {
        let s = |v: &str| Scheme::Semver.parse(v).unwrap().series();
        assert_eq!(s("1.2.3"), s("1.9.0"));
        assert_ne!(s("1.2.3"), s("2.0.0"));
        assert_ne!(s("0.3.1"), s("0.4.0"));
        assert_eq!(s("0.3.1"), s("0.3.9"));
        assert_ne!(s("0.0.3"), s("0.0.4"));
        let p = |v: &str| Scheme::Pep440.parse(v).unwrap().series();
        assert_eq!(p("2.31"), p("2.32.3"));
        assert_ne!(p("2.31"), p("3.0"));
    }
}
