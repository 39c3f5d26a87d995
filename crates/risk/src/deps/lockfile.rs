//! What every lockfile parser returns: the installed packages, or where the text breaks the
//! format; and the `[[package]]` tables that the TOML lockfiles (Cargo.lock, poetry.lock,
//! uv.lock) share.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A format error inside one parser, before the file and revision are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Syntax {
    pub(crate) line: Option<usize>,
    pub(crate) column: Option<usize>,
    pub(crate) reason: String,
}

impl Syntax {
    pub(crate) fn at(line: usize, reason: impl Into<String>) -> Syntax {
        Syntax {
            line: Some(line),
            column: None,
            reason: reason.into(),
        }
    }

    /// An error at a byte offset into `text` (as TOML parsers report them).
    pub(crate) fn at_offset(text: &str, offset: usize, reason: impl Into<String>) -> Syntax {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        Syntax {
            line: Some(line),
            column: Some(before.len() - line_start + 1),
            reason: reason.into(),
        }
    }
}

/// One installed package, as a parser reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) version: String,
}

impl Entry {
    pub(crate) fn new(name: impl Into<String>, version: impl Into<String>) -> Entry {
        Entry {
            name: name.into(),
            version: version.into(),
        }
    }
}

/// One `[[package]]` table of a TOML lockfile. `V` is how the format gives the version (Cargo.lock
/// always has one; poetry.lock and uv.lock may not), `S` its `source` (a string in Cargo.lock, a
/// table in poetry.lock and uv.lock).
#[derive(Deserialize)]
pub(crate) struct Package<V, S> {
    pub(crate) name: String,
    pub(crate) version: V,
    pub(crate) source: Option<S>,
}

#[derive(Deserialize)]
struct Tables<P> {
    #[serde(default = "Vec::new")]
    package: Vec<P>,
}

/// The `[[package]]` tables of a TOML lockfile, in file order.
pub(crate) fn toml_packages<V, S>(text: &str) -> Result<Vec<Package<V, S>>, Syntax>
where
    V: DeserializeOwned,
    S: DeserializeOwned,
{
    let tables: Tables<Package<V, S>> = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    Ok(tables.package)
}

/// A TOML error with its line and column, and its message on one line.
pub(crate) fn toml_error(text: &str, error: &toml::de::Error) -> Syntax {
    let reason = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => Syntax::at_offset(text, span.start, reason),
        None => Syntax {
            line: None,
            column: None,
            reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_locations() {
        let text = "a\nbc\ndef";
        let s = Syntax::at_offset(text, 6, "x");
        assert_eq!((s.line, s.column), (Some(3), Some(2)));
    }
}
