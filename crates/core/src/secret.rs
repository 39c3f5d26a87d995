//! Secrets that cannot be printed by accident.
//!
//! Tokens travel through the code as [`Secret`]: its `Debug` and `Display` print a fixed
//! placeholder, so an error chain, a log line or a `{:?}` of a config struct cannot leak the value.
//! The only way to read it is [`Secret::expose`], which is greppable and used only where a header
//! is built.

use std::fmt;

/// A secret string (an API token). Prints as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value. Empty or whitespace-only values are not secrets: `None`.
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let value = value.into();
        let trimmed = value.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(Self(trimmed.to_string()))
        }
    }

    /// The secret value itself: only for building an authentication header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::new("ghp_abc123").unwrap();
        assert_eq!(format!("{secret} {secret:?}"), "*** Secret(***)");
        assert_eq!(secret.expose(), "ghp_abc123");
    }

    #[test]
    fn blank_is_no_secret() {
        assert!(Secret::new("  \n").is_none());
    }
}
