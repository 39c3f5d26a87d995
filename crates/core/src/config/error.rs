//! Errors from reading and checking `.shipline.yml`.
//!
//! A configuration mistake is the most common way a pipeline breaks on its first run, so every
//! error points at the file, line and column, says what is wrong and how to fix it, in that
//! order: `.shipline.yml:12:5: unknown field `soke`, expected one of ...; did you mean `soak`?`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::{DefaultMessageFormatter, MessageFormatter};

/// Separates the problem from its fix inside messages raised while deserializing, where serde
/// only carries a string. [`ConfigError::from_yaml`] splits them again.
const HINT_SEPARATOR: char = '\u{1f}';

/// Builds the message of an error raised inside a `Deserialize` impl: the problem and its fix.
pub(crate) fn invalid(problem: impl fmt::Display, hint: impl fmt::Display) -> String {
    format!("{problem}{HINT_SEPARATOR}{hint}")
}

/// A message built with [`invalid`] as one line, `problem; fix`, for errors returned outside
/// deserialization.
pub(crate) fn plain(message: &str) -> String {
    message.replace(HINT_SEPARATOR, "; ")
}

/// Where in which file a problem sits. Line and column are 1-based; 0 means unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    /// The configuration file, as the user named it (relative to the repository root when found
    /// there), so it can go straight into a CI annotation.
    pub path: PathBuf,
    /// 1-based line, 0 when unknown.
    pub line: u64,
    /// 1-based column (in characters), 0 when unknown.
    pub column: u64,
}

impl SourceLocation {
    pub(crate) fn new(path: &Path, location: serde_saphyr::Location) -> Self {
        Self {
            path: path.to_path_buf(),
            line: location.line(),
            column: location.column(),
        }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong while finding, reading, parsing and checking the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("{}: {}", path.display(), read_problem(cause))]
    Read {
        /// The file that failed.
        path: PathBuf,
        /// The I/O failure (told in our words, so not a source of the chain).
        cause: std::io::Error,
    },

    /// A path given explicitly (`--config` / `SHIPLINE_CONFIG`) does not exist.
    #[error(
        "{}: the configuration file given with --config does not exist; fix the path or drop \
         the flag to use .shipline.yml at the repository root",
        path.display()
    )]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },

    /// Both `.shipline.yml` and `.shipline.yaml` exist, and it is unclear which one counts.
    #[error(
        "{} and {} both exist; keep one of them (shipline reads only one configuration file)",
        first.display(),
        second.display()
    )]
    Ambiguous {
        /// `.shipline.yml`.
        first: PathBuf,
        /// `.shipline.yaml`.
        second: PathBuf,
    },

    /// The YAML is malformed, has the wrong shape, or holds a value that fails a check.
    #[error("{location}: {message}{}", hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default())]
    Invalid {
        /// Where the problem is.
        location: SourceLocation,
        /// What is wrong.
        message: String,
        /// How to fix it, when there is something better to say than the message.
        hint: Option<String>,
    },

    /// A tool asked for an environment the configuration does not define.
    #[error(
        "unknown environment `{name}`; {}",
        if known.is_empty() {
            "the configuration defines no environments: add it under `environments:` in .shipline.yml".to_string()
        } else {
            format!("known environments: {}; check the spelling or add it under `environments:` in .shipline.yml", known.join(", "))
        }
    )]
    UnknownEnvironment {
        /// The name asked for.
        name: String,
        /// The names the configuration defines, in file order.
        known: Vec<String>,
    },
}

impl ConfigError {
    /// The location of the problem, for errors that have one (to annotate the file in CI).
    pub fn location(&self) -> Option<&SourceLocation> {
        match self {
            ConfigError::Invalid { location, .. } => Some(location),
            _ => None,
        }
    }

    /// The suggested fix, for errors that carry one separately from the message.
    pub fn hint(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn invalid(
        path: &Path,
        location: serde_saphyr::Location,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        ConfigError::Invalid {
            location: SourceLocation::new(path, location),
            message: message.into(),
            hint,
        }
    }

    /// Turns a serde-saphyr error into ours: its location, its message without the snippet and
    /// the "at line" suffix, and a hint (a spelling suggestion for unknown keys and values).
    pub(crate) fn from_yaml(path: &Path, text: &str, err: &serde_saphyr::Error) -> Self {
        let location = err.location().unwrap_or(serde_saphyr::Location::UNKNOWN);
        let mut inner = err.without_snippet();
        while let serde_saphyr::Error::AliasError { error, .. } = inner {
            inner = error.without_snippet();
        }
        let (message, hint) = match inner {
            serde_saphyr::Error::SerdeUnknownField {
                field, expected, ..
            } => unknown_name("field", field, expected),
            serde_saphyr::Error::SerdeUnknownVariant {
                variant, expected, ..
            } => unknown_name("value", variant, expected),
            serde_saphyr::Error::SerdeMissingField { field, .. } => (
                format!("missing field `{field}`"),
                Some(format!("add `{field}:` here")),
            ),
            serde_saphyr::Error::DuplicateMappingKey { key, .. } => (
                match key {
                    Some(key) => format!("duplicate key `{key}`"),
                    None => "duplicate key".to_string(),
                },
                Some(
                    "each key may appear once in a mapping; remove or merge the repeated one"
                        .into(),
                ),
            ),
            serde_saphyr::Error::InvalidScalar { ty, .. } => {
                let found = scalar_at(text, location)
                    .map(|value| format!(" `{value}`"))
                    .unwrap_or_default();
                (
                    format!("expected {}, found{found}", describe_type(ty)),
                    Some(type_hint(ty).to_string()),
                )
            }
            serde_saphyr::Error::Unexpected { expected, .. } => {
                let (what, example) = match *expected {
                    "mapping start" => (
                        "a mapping",
                        "`key: value` lines indented under the key, or `{ key: value }`",
                    ),
                    "sequence start" => ("a list", "`[a, b]`, or one `- item` line per entry"),
                    _ => (
                        *expected,
                        "see docs/configuration.md for the form this setting takes",
                    ),
                };
                (
                    format!("expected {what} here"),
                    Some(format!("write {example}")),
                )
            }
            other => {
                let text = DefaultMessageFormatter.format_message(other).into_owned();
                match text.split_once(HINT_SEPARATOR) {
                    Some((message, hint)) => (message.to_string(), Some(hint.to_string())),
                    None => (text, None),
                }
            }
        };
        ConfigError::Invalid {
            location: SourceLocation::new(path, location),
            message,
            hint,
        }
    }
}

/// The scalar starting at `location` in `text` (up to the end of the line, or of the flow item),
/// to quote the offending value when the parser's error does not carry it.
fn scalar_at(text: &str, location: serde_saphyr::Location) -> Option<&str> {
    let line = text
        .lines()
        .nth(usize::try_from(location.line()).ok()?.checked_sub(1)?)?;
    let start = line
        .char_indices()
        .nth(usize::try_from(location.column()).ok()?.checked_sub(1)?)?
        .0;
    let rest = &line[start..];
    let end = rest.find([',', ']', '}', '#']).unwrap_or(rest.len());
    let value = rest[..end].trim();
    (!value.is_empty()).then_some(value)
}

fn describe_type(ty: &str) -> &'static str {
    match ty {
        "bool" => "`true` or `false`",
        "f32" | "f64" => "a number",
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "u128" | "usize" => "a whole number of at least 0",
        t if t.starts_with('i') => "a whole number",
        _ => "a different kind of value",
    }
}

fn type_hint(ty: &str) -> &'static str {
    match ty {
        "bool" => "write `true` or `false` (unquoted)",
        "f32" | "f64" => "write a plain number such as `0.5` (unquoted)",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "write digits only, e.g. `2`",
        _ => "see docs/configuration.md for the form this setting takes",
    }
}

/// Message and hint for an unknown key or enum value: list what is allowed, suggest the closest.
fn unknown_name(kind: &str, got: &str, expected: &[&str]) -> (String, Option<String>) {
    let listed = expected
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let message = if expected.is_empty() {
        format!("unknown {kind} `{got}`, this mapping takes no keys")
    } else {
        format!("unknown {kind} `{got}`, expected one of {listed}")
    };
    let hint = closest(got, expected.iter().copied()).map(|name| format!("did you mean `{name}`?"));
    (message, hint)
}

/// The candidate closest to `got` by edit distance, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    got: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let got_lower = got.to_lowercase();
    // Two edits covers the usual slips (a swapped or doubled letter) even in short keys.
    let limit = (got.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                edit_distance(&got_lower, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters; the inputs are short keys, so the quadratic cost is nil.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Why a configuration file could not be read, and the fix.
fn read_problem(cause: &std::io::Error) -> String {
    match cause.kind() {
        std::io::ErrorKind::InvalidData => {
            "the configuration file is not UTF-8 text: save it as UTF-8".to_string()
        }
        std::io::ErrorKind::PermissionDenied => {
            "cannot read the configuration file: permission denied; check its permissions"
                .to_string()
        }
        _ => format!("cannot read the configuration file: {cause}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("soak", "soak"), 0);
        assert_eq!(edit_distance("soke", "soak"), 2);
        assert_eq!(edit_distance("stpes", "steps"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("rollbak", "rollback"), 1);
    }

    #[test]
    fn closest_suggests_only_plausible_typos() {
        let keys = ["url", "after", "soak", "rollout", "freeze"];
        assert_eq!(closest("soke", keys), Some("soak"));
        assert_eq!(closest("rolout", keys), Some("rollout"));
        assert_eq!(closest("Freeze", keys), Some("freeze"));
        assert_eq!(closest("completely_different", keys), None);
    }

    #[test]
    fn location_renders_file_line_column() {
        let location = SourceLocation {
            path: PathBuf::from(".shipline.yml"),
            line: 12,
            column: 5,
        };
        assert_eq!(location.to_string(), ".shipline.yml:12:5");
        let unknown = SourceLocation {
            line: 0,
            column: 0,
            ..location
        };
        assert_eq!(unknown.to_string(), ".shipline.yml");
    }
}
