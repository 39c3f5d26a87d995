//! The names the ledger fixes: where the git backend keeps its notes, which environment names
//! every tool accepts, and how a name appears inside a git-ledger id.
//!
//! One rule for environment names ([`check_environment_name`]) serves the configuration, every
//! tool's flags and every ledger backend, so a name that loads from `.shipline.yml` is one the
//! ledger records and the other way round. Slashes are allowed: GitLab files `review/app` in an
//! environment folder, and monorepos name components as `production/api`. Each segment between
//! slashes starts with an ASCII letter or digit and goes on with letters, digits, `.`, `_` and
//! `-`; that keeps names safe unescaped in URLs, dotenv values, shell commands and file names,
//! and away from anything a path could climb out with (`..`, a leading `/`).

use std::borrow::Cow;

/// The notes ref holding the git ledger.
pub const NOTES_REF: &str = "refs/notes/shipline";
/// Where the remote's notes are fetched to before they are merged.
pub const REMOTE_NOTES_REF: &str = "refs/notes/shipline-remote";
/// Longest accepted environment name.
pub const MAX_ENVIRONMENT_LEN: usize = 64;

/// What an environment name may look like, for messages: the rule in one sentence.
pub const ENVIRONMENT_NAME_RULE: &str = "use ASCII letters, digits, `.`, `_`, `-` and `/` \
     (GitLab environment folders, components), each part between slashes starting with a letter \
     or digit, at most 64 characters (e.g. `production`, `staging-eu`, `review/app`)";

/// Why `name` is not an environment name, in words that complete "it ...", or `Ok`.
///
/// Refused: an empty or blank name, whitespace or control characters, a leading or trailing
/// slash, an empty part (`a//b`), `..`, a part starting with anything but a letter or digit,
/// characters outside ASCII letters, digits, `.`, `_`, `-` and `/`, and more than
/// [`MAX_ENVIRONMENT_LEN`] characters.
pub fn check_environment_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(if name.is_empty() {
            "is empty".to_string()
        } else {
            "is blank".to_string()
        });
    }
    if let Some(bad) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(match bad {
            ' ' => "contains a space".to_string(),
            c if c.is_control() => format!("contains a control character ({})", c.escape_debug()),
            c => format!("contains whitespace ({})", c.escape_unicode()),
        });
    }
    let length = name.chars().count();
    if length > MAX_ENVIRONMENT_LEN {
        return Err(format!("is {length} characters long"));
    }
    if name.starts_with('/') {
        return Err("starts with a slash".to_string());
    }
    if name.ends_with('/') {
        return Err("ends with a slash".to_string());
    }
    if name.contains("//") {
        return Err("has an empty part between two slashes".to_string());
    }
    if name.contains("..") {
        return Err("contains `..`".to_string());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')))
    {
        return Err(format!("contains `{bad}`"));
    }
    for part in name.split('/') {
        let first = part.chars().next().unwrap_or('/');
        if !first.is_ascii_alphanumeric() {
            return Err(if part.len() == name.len() {
                format!("starts with `{first}`")
            } else {
                format!("has a part (`{part}`) starting with `{first}`")
            });
        }
    }
    Ok(())
}

/// How an environment name appears in a git-ledger id: slashes become `+`, which no name
/// contains, so an id stays one path segment and one shell word and never collides with the id
/// of another environment.
pub(crate) fn id_segment(environment: &str) -> Cow<'_, str> {
    if environment.contains('/') {
        Cow::Owned(environment.replace('/', "+"))
    } else {
        Cow::Borrowed(environment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slashes_are_folders_not_paths() {
        for ok in [
            "production",
            "staging-eu",
            "review_42",
            "v1.2",
            "A",
            "9lives",
            "review/app",
            "production/api",
            "review/feature-1/web",
        ] {
            assert_eq!(check_environment_name(ok), Ok(()), "{ok}");
        }
        let refused = [
            ("", "is empty"),
            ("   ", "is blank"),
            ("prod uction", "a space"),
            ("a\tb", "control character"),
            ("a\u{a0}b", "whitespace"),
            ("/review", "starts with a slash"),
            ("review/", "ends with a slash"),
            ("review//app", "empty part"),
            ("review/../prod", "`..`"),
            ("a..b", "`..`"),
            ("review/.app", "part (`.app`) starting with `.`"),
            ("-lead", "starts with `-`"),
            ("caf\u{e9}", "`\u{e9}`"),
            ("x$y", "`$`"),
        ];
        for (name, why) in refused {
            let reason = check_environment_name(name).unwrap_err();
            assert!(reason.contains(why), "{name:?}: {reason}");
        }
        let long = "e".repeat(MAX_ENVIRONMENT_LEN + 1);
        assert!(check_environment_name(&long).is_err());
        assert!(check_environment_name(&long[1..]).is_ok());
    }

    #[test]
    fn ids_keep_slashes_out() {
        assert_eq!(id_segment("production"), "production");
        assert_eq!(id_segment("review/app"), "review+app");
        assert!(matches!(id_segment("staging"), Cow::Borrowed(_)));
    }
}
