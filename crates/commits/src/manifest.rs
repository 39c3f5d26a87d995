//! The version a project's own manifest states: `[package] version` in Cargo.toml (or the
//! workspace's, for `version.workspace = true`), `version` in package.json, `[project] version`
//! (or Poetry's `[tool.poetry] version`) in pyproject.toml.
//!
//! A release is often prepared by raising that field; when it changed in a range, it says what
//! the next version is meant to be better than any reading of commit messages.

use semver::Version;

/// The manifests read, at the repository root.
pub const MANIFESTS: [&str; 3] = ["Cargo.toml", "package.json", "pyproject.toml"];

/// The package name and version a manifest states, or `None` when it states no valid semver
/// version (or cannot be read as its format).
pub fn manifest_version(path: &str, text: &str) -> Option<(Option<String>, Version)> {
    let file = path.rsplit('/').next().unwrap_or(path);
    match file {
        "Cargo.toml" => {
            let doc: toml::Table = text.parse().ok()?;
            let package = doc.get("package")?.as_table()?;
            let name = package
                .get("name")
                .and_then(|v| v.as_str())
                .map(String::from);
            let version = match package.get("version")? {
                toml::Value::String(version) => version.as_str(),
                // `version.workspace = true`: the workspace states it.
                toml::Value::Table(_) => doc
                    .get("workspace")?
                    .get("package")?
                    .get("version")?
                    .as_str()?,
                _ => return None,
            };
            Some((name, Version::parse(version.trim()).ok()?))
        }
        "package.json" => {
            let doc: serde_json::Value = serde_json::from_str(text).ok()?;
            let name = doc.get("name").and_then(|v| v.as_str()).map(String::from);
            let version = doc.get("version")?.as_str()?;
            Some((name, Version::parse(version.trim()).ok()?))
        }
        "pyproject.toml" => {
            let doc: toml::Table = text.parse().ok()?;
            let table = doc
                .get("project")
                .and_then(|p| p.as_table())
                .filter(|p| p.contains_key("version"))
                .or_else(|| doc.get("tool")?.get("poetry")?.as_table())?;
            let name = table.get("name").and_then(|v| v.as_str()).map(String::from);
            let version = table.get("version")?.as_str()?;
            Some((name, Version::parse(version.trim()).ok()?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(path: &str, text: &str) -> Option<String> {
        manifest_version(path, text).map(|(_, v)| v.to_string())
    }

    #[test]
    fn cargo_package_and_workspace_versions() {
        let own = "[package]\nname = \"ripgrep\"\nversion = \"14.0.0\"\n";
        assert_eq!(version("Cargo.toml", own).as_deref(), Some("14.0.0"));
        let inherited = "[package]\nname = \"a\"\nversion.workspace = true\n\n[workspace.package]\nversion = \"2.1.0\"\n";
        assert_eq!(version("Cargo.toml", inherited).as_deref(), Some("2.1.0"));
        assert_eq!(version("Cargo.toml", "[workspace]\nmembers = []\n"), None);
        assert_eq!(version("Cargo.toml", "not toml ["), None);
    }

    #[test]
    fn package_json_and_pyproject_versions() {
        assert_eq!(
            version("package.json", r#"{"name": "x", "version": "1.3.0-rc.1"}"#).as_deref(),
            Some("1.3.0-rc.1")
        );
        assert_eq!(
            version(
                "pyproject.toml",
                "[project]\nname = \"p\"\nversion = \"0.4.0\"\n"
            )
            .as_deref(),
            Some("0.4.0")
        );
        assert_eq!(
            version(
                "pyproject.toml",
                "[project]\nname = \"p\"\ndynamic = [\"version\"]\n"
            ),
            None
        );
        assert_eq!(
            version(
                "pyproject.toml",
                "[tool.poetry]\nname = \"p\"\nversion = \"1.0.0\"\n"
            )
            .as_deref(),
            Some("1.0.0")
        );
    }
}
