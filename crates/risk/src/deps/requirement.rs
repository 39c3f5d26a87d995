//! The lower bound of a version requirement, in each ecosystem's syntax.
//!
//! A manifest does not say which version a build uses, only which it accepts. What a reader
//! needs to know from a requirement change is whether the oldest accepted version moved, and
//! whether it moved into another compatible series (a "major move": Cargo `"1"` → `"2"`, npm
//! `^4.2.0` → `^5.0.0`, PEP 440 `>=1.2,<2` → `>=2`). The lower bound is the highest of the
//! comparators' bounds in one set (all must hold) and the lowest over `||` alternatives (any may
//! hold); `<`, `<=` and `!=` set none. A requirement without any (`*`, `<2`) has no lower bound,
//! and a change to or from one is reported as changed, never as a major move.
//!
//! Cargo requirements are read with the `semver` crate, which implements Cargo's syntax exactly.
//! node-semver ranges (space-separated comparators, `1.2 - 2.0`, `1.x`) are handed to `semver`
//! where they fit its syntax once the comparators are separated by commas, and otherwise read
//! comparator by comparator. PEP 440 specifiers, Poetry constraints (`^1.2`, `~1.2`) and RubyGems
//! requirements (`~> 7.0`) are read comparator by comparator, with the versions parsed under the
//! ecosystem's own scheme ([`super::compare`]).

use semver::{Op, Version, VersionReq};

use super::compare::{Parsed, Scheme};

/// How a requirement is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReqSyntax {
    /// Cargo.toml: `"1.2"`, `"^1.2"`, `">=1, <3"`.
    Cargo,
    /// package.json: node-semver ranges.
    Npm,
    /// PEP 440 specifiers and Poetry constraints.
    Pep440,
    /// RubyGems requirements (`~> 7.0`, several joined by commas).
    Gem,
    /// go.mod's `go` directive: a Go version such as `1.21` or `1.21.3`.
    Go,
}

impl ReqSyntax {
    /// The scheme the versions inside the requirement follow.
    fn scheme(self) -> Scheme {
        match self {
            ReqSyntax::Cargo | ReqSyntax::Npm => Scheme::Semver,
            ReqSyntax::Pep440 | ReqSyntax::Go => Scheme::Pep440,
            ReqSyntax::Gem => Scheme::Gem,
        }
    }
}

/// The lowest version `text` accepts, when it sets one.
pub(crate) fn lower_bound(syntax: ReqSyntax, text: &str) -> Option<Parsed> {
    let text = text.trim();
    if syntax == ReqSyntax::Cargo
        && let Ok(req) = VersionReq::parse(text)
    {
        return semver_lower(&req);
    }
    text.split("||")
        .map(|alternative| alternative_lower(syntax, alternative))
        .try_fold(None::<Parsed>, |lowest, bound| {
            // One alternative without a lower bound leaves the union without one.
            let bound = bound?;
            Some(Some(match lowest {
                Some(l) if l.precedence(&bound).is_le() => l,
                _ => bound,
            }))
        })
        .flatten()
}

/// The lower bound of one set of comparators that must all hold.
fn alternative_lower(syntax: ReqSyntax, text: &str) -> Option<Parsed> {
    let text = text.trim();
    // A hyphen range `1.2 - 2.0` starts at its left end.
    let text = text.split(" - ").next().unwrap_or(text);
    if syntax == ReqSyntax::Npm {
        let joined = comparators(text).join(", ");
        if let Ok(req) = VersionReq::parse(&joined) {
            return semver_lower(&req);
        }
    }
    comparators(text)
        .iter()
        .filter_map(|c| comparator_lower(syntax, c))
        .reduce(|a, b| if a.precedence(&b).is_ge() { a } else { b })
}

/// The comparators of one set, each with its operator attached (`>= 1.2` is one comparator).
fn comparators(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending = String::new();
    for token in text.split([',', ' ', '\t']).filter(|t| !t.is_empty()) {
        pending.push_str(token);
        if token.chars().all(|c| "<>=!~^".contains(c)) {
            continue;
        }
        out.push(std::mem::take(&mut pending));
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

/// The lower bound one comparator sets.
fn comparator_lower(syntax: ReqSyntax, comparator: &str) -> Option<Parsed> {
    let operator_end = comparator
        .find(|c: char| !"<>=!~^".contains(c))
        .unwrap_or(comparator.len());
    let (operator, version) = comparator.split_at(operator_end);
    if matches!(operator, "<" | "<=" | "!=") {
        return None;
    }
    let version = version.trim().trim_start_matches(['v', 'V']);
    // Wildcards (`1.2.*`, `1.x`) start at zero.
    let mut release = Vec::new();
    let mut rest = "";
    for (i, part) in version.split('.').enumerate() {
        if matches!(part, "*" | "x" | "X") {
            break;
        }
        if i >= 3 || !part.chars().all(|c| c.is_ascii_digit()) || part.is_empty() {
            // A pre-release or a fourth segment: keep the rest as written.
            let start = version
                .split('.')
                .take(i)
                .map(|p| p.len() + 1)
                .sum::<usize>();
            rest = &version[start.min(version.len())..];
            break;
        }
        release.push(part);
    }
    if release.is_empty() {
        return None;
    }
    let scheme = syntax.scheme();
    let text = match scheme {
        Scheme::Semver => {
            while release.len() < 3 {
                release.push("0");
            }
            let mut text = release.join(".");
            if !rest.is_empty() {
                text = format!("{text}-{}", rest.trim_start_matches(['-', '.']));
            }
            text
        }
        _ if rest.is_empty() => release.join("."),
        _ => format!("{}.{rest}", release.join(".")),
    };
    scheme
        .parse(&text)
        .or_else(|| scheme.parse(&release.join(".")))
}

/// The lower bound of a requirement `semver` parsed.
fn semver_lower(req: &VersionReq) -> Option<Parsed> {
    req.comparators
        .iter()
        .filter(|c| !matches!(c.op, Op::Less | Op::LessEq))
        .map(|c| Version {
            major: c.major,
            minor: c.minor.unwrap_or(0),
            patch: c.patch.unwrap_or(0),
            pre: c.pre.clone(),
            build: semver::BuildMetadata::EMPTY,
        })
        .max_by(|a, b| a.cmp_precedence(b))
        .map(Parsed::Semver)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(syntax: ReqSyntax, text: &str) -> Option<String> {
        lower_bound(syntax, text).map(|p| match p {
            Parsed::Semver(v) => v.to_string(),
            other => format!("{:?}", other.series()),
        })
    }

    #[test]
    fn cargo_requirements() {
        assert_eq!(lower(ReqSyntax::Cargo, "1").as_deref(), Some("1.0.0"));
        assert_eq!(lower(ReqSyntax::Cargo, "^0.8.5").as_deref(), Some("0.8.5"));
        assert_eq!(
            lower(ReqSyntax::Cargo, ">=1.2, <3").as_deref(),
            Some("1.2.0")
        );
        assert_eq!(lower(ReqSyntax::Cargo, "=2.0.1").as_deref(), Some("2.0.1"));
        assert_eq!(lower(ReqSyntax::Cargo, "*"), None);
        assert_eq!(lower(ReqSyntax::Cargo, "<2"), None);
    }

    #[test]
    fn npm_ranges() {
        assert_eq!(lower(ReqSyntax::Npm, "^4.2.0").as_deref(), Some("4.2.0"));
        assert_eq!(
            lower(ReqSyntax::Npm, ">= 1.2.3 < 2").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(lower(ReqSyntax::Npm, "1.x").as_deref(), Some("1.0.0"));
        assert_eq!(
            lower(ReqSyntax::Npm, "1.2 - 2.3.4").as_deref(),
            Some("1.2.0")
        );
        assert_eq!(
            lower(ReqSyntax::Npm, "^2.0.0 || ^3.0.0").as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            lower(ReqSyntax::Npm, "~1.2.3-beta.1").as_deref(),
            Some("1.2.3-beta.1")
        );
        assert_eq!(lower(ReqSyntax::Npm, "latest"), None);
        assert_eq!(lower(ReqSyntax::Npm, "* || ^2"), None);
    }

    #[test]
    fn pep440_and_poetry() {
        let series = |t: &str| lower(ReqSyntax::Pep440, t);
        assert_eq!(series(">=1.2,<2").as_deref(), Some("(1, 0, 0)"));
        assert_eq!(series(">=2").as_deref(), Some("(2, 0, 0)"));
        assert_eq!(series("~=0.4.2").as_deref(), Some("(0, 4, 0)"));
        assert_eq!(series("==1.2.*").as_deref(), Some("(1, 0, 0)"));
        assert_eq!(series("^0.3").as_deref(), Some("(0, 3, 0)"));
        assert_eq!(series(">=3.0.0rc1").as_deref(), Some("(3, 0, 0)"));
        assert_eq!(series("!=1.5,<3"), None);
        assert_eq!(series("*"), None);
    }

    #[test]
    fn gem_requirements() {
        let series = |t: &str| lower(ReqSyntax::Gem, t);
        assert_eq!(series("~> 7.0, >= 7.0.4").as_deref(), Some("(7, 0, 0)"));
        assert_eq!(series(">= 0").as_deref(), Some("(0, 0, 0)"));
    }
}
