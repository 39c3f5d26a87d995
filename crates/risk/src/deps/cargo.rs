//! `Cargo.lock`: one `[[package]]` table per resolved crate (name, version, source).
//!
//! Packages without a `source` are the workspace's own members and path dependencies: their
//! versions are the project's, not a dependency's, so they are left out.

use super::lockfile::{Entry, Package, Syntax, toml_packages};

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, Syntax> {
    let packages: Vec<Package<String, String>> = toml_packages(text)?;
    Ok(packages
        .into_iter()
        .filter(|p| p.source.is_some())
        .map(|p| Entry::new(p.name, p.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_workspace_members_and_keeps_duplicates() {
        let text = r#"
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["syn 1.0.109", "syn 2.0.48"]

[[package]]
name = "syn"
version = "1.0.109"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "2.0.48"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        let entries = parse(text).unwrap();
        assert_eq!(
            entries,
            vec![Entry::new("syn", "1.0.109"), Entry::new("syn", "2.0.48")]
        );
    }

    #[test]
    fn errors_carry_a_line() {
        let error = parse("[[package]]\nname = \"a\"\nversion = 1.0.0\n").unwrap_err();
        assert_eq!(error.line, Some(3));
    }
}
