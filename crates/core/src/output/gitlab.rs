//! GitLab CI formats: the dotenv report file and collapsible log sections.
//!
//! GitLab passes a job's outputs to later jobs through an `artifacts:reports:dotenv` file, which
//! GitLab parses far more strictly than the dotenv convention (per its `artifacts:reports:dotenv`
//! documentation): keys of ASCII letters, digits and `_` only; no multi-line values, no empty
//! lines or comments, no quote processing; leading and trailing whitespace of values is stripped;
//! a 5 KB file size limit (instance setting) and a limit on the number of variables (20 by default
//! on self-managed, 50-150 on GitLab.com by tier). A file over a limit fails the whole artifact
//! upload, so shipline checks before writing:
//!
//! - names are normalised (upper-cased, `-` and `.` become `_`); any other character is an error;
//! - a value with a line break is an error (no escaping survives GitLab's parser);
//! - leading/trailing whitespace of a value is trimmed (GitLab would do the same);
//! - setting a name again replaces its line rather than appending a duplicate;
//! - going over the size or count limit is an error naming the limit and its variable;
//!   `SHIPLINE_DOTENV_MAX_BYTES` / `SHIPLINE_DOTENV_MAX_VARIABLES` raise them for instances
//!   configured with higher limits.

use std::path::Path;

use super::error::OutputError;

/// GitLab's documented default dotenv file size limit, in bytes (5 KB).
pub const DEFAULT_MAX_BYTES: usize = 5 * 1024;
/// GitLab's documented default number of dotenv variables on self-managed instances (the
/// lowest default, so a file that passes here passes everywhere).
pub const DEFAULT_MAX_VARIABLES: usize = 20;

/// The limits a dotenv report is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DotenvLimits {
    /// Maximum file size in bytes.
    pub max_bytes: usize,
    /// Maximum number of variables.
    pub max_variables: usize,
}

impl Default for DotenvLimits {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_variables: DEFAULT_MAX_VARIABLES,
        }
    }
}

/// Normalises an output name into a dotenv key (`deployment-id` → `DEPLOYMENT_ID`).
pub fn dotenv_key(name: &str) -> Result<String, OutputError> {
    let key: String = name
        .trim()
        .chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(OutputError::InvalidName {
            name: name.to_string(),
            rule: "GitLab dotenv keys may contain only ASCII letters, digits, `_` (and `-` or `.`, which become `_`)",
        });
    }
    Ok(key)
}

/// Reads the `KEY=value` lines of an existing dotenv file, in order.
pub fn read_dotenv(path: &Path) -> Result<Vec<(String, String)>, OutputError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(OutputError::Io {
                path: path.to_path_buf(),
                action: "read",
                source,
            });
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(index, line)| {
            line.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| OutputError::Corrupt {
                    path: path.to_path_buf(),
                    line: index + 1,
                    detail: format!("expected KEY=value, found {line:?}"),
                })
        })
        .collect()
}

/// Sets `key=value` in the entries and checks the result against the limits; returns the file
/// contents to write.
pub fn upsert(
    entries: &mut Vec<(String, String)>,
    name: &str,
    key: String,
    value: &str,
    limits: DotenvLimits,
) -> Result<String, OutputError> {
    if value.contains(['\n', '\r']) {
        return Err(OutputError::Unrepresentable {
            name: name.to_string(),
            reason: "GitLab dotenv reports cannot hold multi-line values; write the text to a file artifact and output its path instead".into(),
        });
    }
    let value = value.trim().to_string();
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key.clone(), value)),
    }
    if entries.len() > limits.max_variables {
        return Err(OutputError::Limit {
            name: name.to_string(),
            detail: format!(
                "the dotenv report would hold {} variables, over the limit of {} (raise SHIPLINE_DOTENV_MAX_VARIABLES if your instance allows more)",
                entries.len(),
                limits.max_variables
            ),
        });
    }
    let text: String = entries.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    if text.len() > limits.max_bytes {
        return Err(OutputError::Limit {
            name: name.to_string(),
            detail: format!(
                "the dotenv report would be {} bytes, over GitLab's limit of {} (raise SHIPLINE_DOTENV_MAX_BYTES if your instance allows more, or output a shorter value)",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    Ok(text)
}

/// A section name GitLab accepts (letters, digits, `_`, `.`, `-`).
pub fn section_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "section".into()
    } else {
        cleaned
    }
}

/// The line that opens a collapsed section.
pub fn section_start(name: &str, header: &str, unix_time: u64) -> String {
    format!("\x1b[0Ksection_start:{unix_time}:{name}[collapsed=true]\r\x1b[0K{header}")
}

/// The line that closes a section.
pub fn section_end(name: &str, unix_time: u64) -> String {
    format!("\x1b[0Ksection_end:{unix_time}:{name}\r\x1b[0K")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_normalised_or_rejected() {
        assert_eq!(dotenv_key("deployment-id").unwrap(), "DEPLOYMENT_ID");
        assert_eq!(dotenv_key("next.version").unwrap(), "NEXT_VERSION");
        assert!(dotenv_key("risk score").is_err());
        assert!(dotenv_key("sévère").is_err());
        assert!(dotenv_key("").is_err());
    }

    #[test]
    fn sections_use_gitlab_markers() {
        assert_eq!(section_name("Risk: range"), "risk__range");
        assert_eq!(
            section_start("risk", "Risk", 1700000000),
            "\x1b[0Ksection_start:1700000000:risk[collapsed=true]\r\x1b[0KRisk"
        );
        assert_eq!(
            section_end("risk", 1700000001),
            "\x1b[0Ksection_end:1700000001:risk\r\x1b[0K"
        );
    }
}
