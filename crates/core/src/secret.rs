//! Secrets that cannot be printed by accident.
//!
//! Tokens travel through the code as [`Secret`]: its `Debug` and `Display` print a fixed
//! placeholder, so an error chain, a log line or a `{:?}` of a config struct cannot leak the value.
//! The only way to read it is [`Secret::expose`], which is greppable and used only where a header
//! is built.
//!
//! Which variables hold secrets is decided here too ([`is_secret_var`]): the redactor every
//! tool starts with scrubs their values from anything printed, from the first error on.

use std::fmt;

/// Variables whose values are secrets shipline may see; scrubbed from everything it prints.
pub const TOKEN_VARS: &[&str] = &[
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",
    "SHIPLINE_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "CI_REGISTRY_PASSWORD",
    "CI_DEPLOY_PASSWORD",
];

/// Whether the variable `name` holds a secret: one of [`TOKEN_VARS`], or a `SHIPLINE_` variable
/// whose name says it is one (`SHIPLINE_GITLAB_TOKEN`, `SHIPLINE_DEPLOY_PASSWORD`).
pub fn is_secret_var(name: &str) -> bool {
    TOKEN_VARS.contains(&name)
        || name.strip_prefix("SHIPLINE_").is_some_and(|rest| {
            ["TOKEN", "PASSWORD", "SECRET"]
                .iter()
                .any(|word| rest.split('_').any(|part| part == *word))
        })
}

/// The values of every secret variable in `vars` (see [`is_secret_var`]).
pub fn secret_values<'a>(
    vars: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> impl Iterator<Item = &'a str> {
    vars.into_iter()
        .filter(|(name, _)| is_secret_var(name))
        .map(|(_, value)| value.as_str())
}

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
    fn token_variables_and_shipline_secrets_are_secret_and_settings_are_not() {
        for name in [
            "GITHUB_TOKEN",
            "CI_JOB_TOKEN",
            "SHIPLINE_GITLAB_TOKEN",
            "SHIPLINE_DEPLOY_PASSWORD",
        ] {
            assert!(is_secret_var(name), "{name}");
        }
        for name in [
            "SHIPLINE_FORMAT",
            "SHIPLINE_TOKENS_FILE",
            "GITHUB_REPOSITORY",
            "TOKEN",
        ] {
            assert!(!is_secret_var(name), "{name}");
        }
    }

    #[test]
    fn blank_is_no_secret() {
        assert!(Secret::new("  \n").is_none());
    }
}
