//! The variables detection reads, with the helpers every runtime needs: trimmed values, flags,
//! required variables, SHAs with git's all-zeros "no commit", refs split into branch or tag.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::ContextError;
use super::runtime::Runtime;
use crate::forge::{ForgeKind, RepoId};
use crate::variable::InvalidVar;

/// The SHA git and the forges use for "no commit" (a new branch's `before`).
pub const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

/// A read-only view over the variables with the helpers detection needs.
pub(crate) struct Vars<'a>(pub(super) &'a BTreeMap<String, String>);

impl Vars<'_> {
    /// The value, trimmed; empty counts as unset.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub(crate) fn owned(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    pub(crate) fn require(
        &self,
        key: &'static str,
        runtime: Runtime,
        hint: &'static str,
    ) -> Result<&str, ContextError> {
        self.get(key).ok_or(ContextError::MissingVar {
            var: key,
            runtime,
            hint,
        })
    }

    /// A SHA variable, with the all-zeros "no commit" value mapped to `None`; a value that is
    /// not a full commit id (40 or 64 hex digits) is refused.
    pub(crate) fn sha(&self, key: &'static str) -> Result<Option<String>, ContextError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) if is_sha(value) => Ok(non_zero_sha(&value.to_ascii_lowercase())),
            Some(value) => Err(ContextError::InvalidVar(InvalidVar {
                var: key,
                value: value.to_string(),
                expected: "a full commit SHA (40 or 64 hex digits)",
            })),
        }
    }

    /// A repository path variable: `owner/name`, or with `nested`, `group/subgroup/project`;
    /// each part made of letters, digits, `.`, `_` and `-`.
    pub(crate) fn repo(
        &self,
        key: &'static str,
        value: &str,
        nested: bool,
    ) -> Result<RepoId, ContextError> {
        let parts: Vec<&str> = value.split('/').collect();
        let part_ok = |p: &&str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        let shape_ok = if nested {
            parts.len() >= 2
        } else {
            parts.len() == 2
        };
        match RepoId::parse(value) {
            Some(repo) if shape_ok && parts.iter().all(part_ok) => Ok(repo),
            _ => Err(ContextError::InvalidVar(InvalidVar {
                var: key,
                value: value.to_string(),
                expected: if nested {
                    "`group/project` (nested groups allowed), each part letters, digits, `.`, `_` or `-`"
                } else {
                    "`owner/name` with exactly one `/`, each part letters, digits, `.`, `_` or `-`"
                },
            })),
        }
    }

    /// The checkout directory the runner names in `key`, which must exist; unset: `cwd`.
    pub(crate) fn workspace(&self, key: &'static str, cwd: &Path) -> Result<PathBuf, ContextError> {
        match self.get(key) {
            None => Ok(cwd.to_path_buf()),
            Some(dir) if Path::new(dir).is_dir() => Ok(PathBuf::from(dir)),
            Some(dir) => Err(ContextError::InvalidVar(InvalidVar {
                var: key,
                value: dir.to_string(),
                expected: "an existing directory, the job's checkout (run shipline as a step of the job that checked out the repository)",
            })),
        }
    }
}

/// Whether `value` is a full commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub(crate) fn is_sha(value: &str) -> bool {
    matches!(value.len(), 40 | 64) && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `None` for the all-zeros SHA (and empty strings).
pub(crate) fn non_zero_sha(sha: &str) -> Option<String> {
    let sha = sha.trim();
    if sha.is_empty() || sha.bytes().all(|b| b == b'0') {
        None
    } else {
        Some(sha.to_string())
    }
}

/// `refs/heads/x` → branch `x`; `refs/tags/v1` → tag `v1`.
pub(crate) fn split_ref(git_ref: &str) -> (Option<String>, Option<String>) {
    if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        (Some(branch.to_string()), None)
    } else if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        (None, Some(tag.to_string()))
    } else {
        (None, None)
    }
}

/// `SHIPLINE_FORGE`, when set: which forge hosts the repository, whatever the remote says.
pub(super) fn parse_forge_override(vars: &Vars<'_>) -> Result<Option<ForgeKind>, ContextError> {
    match vars.get("SHIPLINE_FORGE") {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("github") => Ok(Some(ForgeKind::GitHub)),
        Some(v) if v.eq_ignore_ascii_case("gitlab") => Ok(Some(ForgeKind::GitLab)),
        Some(v) => Err(ContextError::InvalidVar(InvalidVar {
            var: "SHIPLINE_FORGE",
            value: v.to_string(),
            expected: "`github` or `gitlab`",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sha_means_none() {
        assert_eq!(non_zero_sha(ZERO_SHA), None);
        assert_eq!(non_zero_sha(""), None);
        assert_eq!(non_zero_sha("abc123").as_deref(), Some("abc123"));
    }

    #[test]
    fn refs_split_into_branch_or_tag() {
        assert_eq!(
            split_ref("refs/heads/feat/x"),
            (Some("feat/x".into()), None)
        );
        assert_eq!(split_ref("refs/tags/v1.0.0"), (None, Some("v1.0.0".into())));
        assert_eq!(split_ref("refs/pull/2/merge"), (None, None));
    }

    #[test]
    fn forge_override_is_validated() {
        let mut map = BTreeMap::new();
        map.insert("SHIPLINE_FORGE".to_string(), "GitLab".to_string());
        assert_eq!(
            parse_forge_override(&Vars(&map)).unwrap(),
            Some(ForgeKind::GitLab)
        );
        map.insert("SHIPLINE_FORGE".to_string(), "gitea".to_string());
        let err = parse_forge_override(&Vars(&map)).unwrap_err().to_string();
        assert!(
            err.contains("SHIPLINE_FORGE") && err.contains("gitea"),
            "{err}"
        );
    }
}
