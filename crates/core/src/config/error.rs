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

    /// Adds `more` to the hint (or makes it the hint).
    pub(crate) fn add_hint(&mut self, more: &str) {
        if let ConfigError::Invalid { hint, .. } = self {
            *hint = Some(match hint.take() {
                Some(hint) => format!("{hint}; {more}"),
                None => more.to_string(),
            });
        }
    }

    /// Turns a serde-saphyr error into ours: its location, and a message and hint in our words
    /// for every kind of error it raises. Messages raised by our own checks (which carry the
    /// hint separator) pass through; the parser's own wording never reaches the user.
    pub(crate) fn from_yaml(path: &Path, text: &str, err: &serde_saphyr::Error) -> Self {
        let location = err.location().unwrap_or(serde_saphyr::Location::UNKNOWN);
        let mut inner = err.without_snippet();
        while let serde_saphyr::Error::AliasError { error, .. } = inner {
            inner = error.without_snippet();
        }
        let (message, hint) = yaml_message(inner, text, location);
        let mut location = SourceLocation::new(path, location);
        if let serde_saphyr::Error::MultipleDocuments { .. } = inner {
            // The parser points past the separator; the separator is what to remove.
            let before = usize::try_from(location.line).unwrap_or(0);
            let lines: Vec<&str> = text.lines().take(before).collect();
            if let Some(at) = lines
                .iter()
                .rposition(|line| line.starts_with("---") || line.starts_with("..."))
            {
                location.line = at as u64 + 1;
                location.column = 1;
            }
        }
        ConfigError::Invalid {
            location,
            message,
            hint: Some(hint),
        }
    }
}

/// The most problems one check reports: past this many, the rest are usually the same mistake.
pub const MAX_REPORTED: usize = 50;

const SEE_DOCS: &str = "compare with the examples in docs/configuration.md";

/// Message and hint for one serde-saphyr error, in our words.
fn yaml_message(
    err: &serde_saphyr::Error,
    text: &str,
    location: serde_saphyr::Location,
) -> (String, String) {
    use serde_saphyr::Error as E;
    let pair = |message: &str, hint: &str| (message.to_string(), hint.to_string());
    match err {
        E::SerdeUnknownField {
            field, expected, ..
        } => unknown_name("field", field, expected),
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => unknown_name("value", variant, expected),
        E::SerdeMissingField { field, .. } => (
            format!("missing field `{field}`"),
            format!("add `{field}:` here"),
        ),
        E::DuplicateMappingKey { key, .. } => (
            match key {
                Some(key) => format!("duplicate key `{key}`"),
                None => "duplicate key".to_string(),
            },
            "each key may appear once in a mapping; remove or merge the repeated one".into(),
        ),
        E::InvalidScalar { ty, .. } => {
            let found = scalar_at(text, location)
                .map(|value| format!(" `{value}`"))
                .unwrap_or_default();
            (
                format!("expected {}, found{found}", describe_type(ty)),
                type_hint(ty).to_string(),
            )
        }
        E::InvalidBooleanStrict { .. } => pair(
            "expected `true` or `false` here",
            "write `true` or `false` (unquoted)",
        ),
        E::Unexpected { expected, .. } => {
            let (what, example) = match *expected {
                "mapping start" => (
                    "a mapping",
                    "`key: value` lines indented under the key, or `{ key: value }`",
                ),
                "sequence start" => ("a list", "`[a, b]`, or one `- item` line per entry"),
                _ => ("a different kind of value", SEE_DOCS),
            };
            (format!("expected {what} here"), format!("write {example}"))
        }
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => (
            format!(
                "expected {} here, found {}",
                friendly_expected(expected),
                friendly_found(unexpected)
            ),
            "write the value in the form docs/configuration.md gives for this key".into(),
        ),
        E::SerdeInvalidLength { len, expected, .. } => (
            format!(
                "found {len} entries, expected {}",
                friendly_expected(expected)
            ),
            SEE_DOCS.into(),
        ),
        E::NullIntoString { .. } | E::InvalidCharNull { .. } => pair(
            "this key has no value",
            "write the value after the colon (quote it if it is meant to be empty text), or \
             remove the key",
        ),
        E::MultipleDocuments { .. } => pair(
            "the file holds more than one YAML document (a `---` or `...` line starts another)",
            "a configuration is one document: remove the separator line and merge the parts, \
             or delete the second part",
        ),
        E::Budget { .. }
        | E::AliasReplayCounterOverflow { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => pair(
            "the file is too large or too repetitive for a configuration: too many aliases \
             (`*name`) per anchor (`&name`), or values nested too deeply",
            "write the repeated values out, or use fewer aliases and less nesting",
        ),
        E::UnknownAnchor { .. } => pair(
            "an alias (`*name`) refers to an anchor (`&name`) that is not defined before it",
            "define the anchor first, or write the value out",
        ),
        E::MergeValueNotMapOrSeqOfMaps { .. } | E::MergeKeyNotAllowed { .. } => pair(
            "a merge key (`<<`) must merge a mapping or a list of mappings",
            "point `<<: *name` at an anchored mapping, or write the keys out",
        ),
        E::Eof { .. } => pair(
            "the file ends in the middle of a value",
            "close the open quote, `[` or `{`, or finish the last entry",
        ),
        E::InvalidUtf8Input | E::BinaryNotUtf8 { .. } | E::IOError { .. } => pair(
            "the file is not UTF-8 text",
            "save it as UTF-8 (any text editor can)",
        ),
        E::IndentationError {
            required, actual, ..
        } => (
            format!("this line is indented by {actual} spaces where {required} are needed"),
            "indent the keys of one mapping by the same number of spaces".into(),
        ),
        E::QuotingRequired { .. } => pair(
            "this value must be quoted",
            "put the value in double quotes",
        ),
        E::UnsupportedTag { .. }
        | E::TaggedScalarCannotDeserializeIntoString { .. }
        | E::TaggedStructFieldName { .. }
        | E::TaggedEnumMismatch { .. }
        | E::InvalidBinaryBase64 { .. }
        | E::BytesNotSupportedMissingBinaryTag { .. } => pair(
            "YAML tags (`!name`, `!!type`) are not used in this file",
            "remove the tag and write the plain value",
        ),
        E::NonFiniteFloat { .. } => pair(
            "`.nan` and `.inf` are not numbers this file takes",
            "write a plain number such as `0.5`",
        ),
        E::ExternalMessage { msg, .. } => syntax_message(msg),
        E::Message { msg, .. } => match msg.split_once(HINT_SEPARATOR) {
            Some((message, hint)) => (message.to_string(), hint.to_string()),
            None => pair("this value cannot be read here", SEE_DOCS),
        },
        _ => syntax_message(&DefaultMessageFormatter.format_message(err)),
    }
}

/// A YAML syntax error from the scanner, recognised by what it is about.
fn syntax_message(parser_text: &str) -> (String, String) {
    let text = parser_text.to_ascii_lowercase();
    let (message, hint) = if text.contains("tab") {
        (
            "a tab is used for indentation or inside a plain value",
            "YAML indents with spaces only: replace the tab with spaces (and quote a value \
             that must contain a tab)",
        )
    } else if text.contains("quote") {
        (
            "a quoted value is not closed",
            "close the quote; inside double quotes write `\\\"` for a quote, inside single \
             quotes `''`",
        )
    } else if text.contains("flow") || text.contains("']'") || text.contains("'}'") {
        (
            "a `[...]` list or `{...}` mapping is not closed, or has a stray `,`",
            "close every `[` with `]` and every `{` with `}`, separating entries with `, `",
        )
    } else if text.contains("anchor") || text.contains("alias") {
        (
            "an anchor (`&name`) or alias (`*name`) is malformed",
            "write `&name` before a value and `*name` where it repeats, or write values out",
        )
    } else if text.contains("control") || text.contains("printable") || text.contains("bom") {
        (
            "the file contains a control character",
            "remove it; write it in double quotes as an escape (`\\t`, `\\u0007`) if it is meant",
        )
    } else {
        (
            "this line is not valid YAML: the indentation does not match the lines around it, \
             or a value holds `: `, ` #` or starts with a character YAML reserves",
            "indent the keys of one mapping by the same number of spaces, and quote values \
             that contain `: ` or start with `[`, `{`, `*`, `&`, `!`, `|`, `>`, `%`, `@` or a \
             backquote",
        )
    };
    (message.to_string(), hint.to_string())
}

/// serde's name for what was expected, in our words.
fn friendly_expected(expected: &str) -> String {
    let lower = expected.to_ascii_lowercase();
    if lower.starts_with("struct ") || lower.contains("map") {
        "a mapping (`key: value` lines)".into()
    } else if lower.contains("sequence") || lower.contains("list") || lower.contains("vec") {
        "a list".into()
    } else if lower.contains("string") || lower == "text" {
        "text".into()
    } else if lower.contains("bool") {
        "`true` or `false`".into()
    } else if lower.starts_with('u') || lower.starts_with('i') && lower[1..].parse::<u8>().is_ok() {
        "a whole number".into()
    } else if lower.starts_with('f') && lower[1..].parse::<u8>().is_ok() {
        "a number".into()
    } else if expected.contains('`') || expected.contains(' ') {
        // Our own visitors describe themselves in words already.
        expected.to_string()
    } else {
        "a different kind of value".into()
    }
}

/// serde's description of what was found, in our words.
fn friendly_found(found: &str) -> String {
    let lower = found.to_ascii_lowercase();
    if lower.starts_with("map") {
        "a mapping".into()
    } else if lower.starts_with("sequence") {
        "a list".into()
    } else if lower.starts_with("unit") || lower.starts_with("null") || lower.starts_with("none") {
        "nothing".into()
    } else if ["string", "integer", "floating", "boolean", "char"]
        .iter()
        .any(|kind| lower.starts_with(kind))
    {
        // `string "x"`, `integer `5``: keep the value, drop serde's type words.
        let value = found.split_once(' ').map_or(found, |(_, value)| value);
        let value = value.strip_prefix("point ").unwrap_or(value);
        format!("`{}`", value.trim_matches(|c| c == '"' || c == '`'))
    } else {
        "a different kind of value".into()
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
        "bool" | "boolean" => "`true` or `false`",
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
        "bool" | "boolean" => "write `true` or `false` (unquoted)",
        "f32" | "f64" => "write a plain number such as `0.5` (unquoted)",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "write digits only, e.g. `2`",
        _ => "see docs/configuration.md for the form this setting takes",
    }
}

/// Message and hint for an unknown key or enum value: list what is allowed, suggest the closest.
fn unknown_name(kind: &str, got: &str, expected: &[&str]) -> (String, String) {
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
    let hint = match closest(got, expected.iter().copied()) {
        Some(name) => format!("did you mean `{name}`?"),
        None if expected.is_empty() => "remove it".to_string(),
        None => "use one of the names listed".to_string(),
    };
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
        std::io::ErrorKind::IsADirectory => "is a directory, not a configuration file: name the \
             file itself (`--config path/to/.shipline.yml`)"
            .to_string(),
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
