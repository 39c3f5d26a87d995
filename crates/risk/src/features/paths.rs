//! What kind of file a path is: code, tests, docs, CI, migrations, lockfiles, binaries.
//!
//! The risk model treats a change to production code very differently from one to a README or a
//! test, and some files carry risk whatever their size (a migration, a deploy pipeline). Telling
//! them apart from the path alone keeps the history pass cheap: no file contents are read.

/// The role of a file in the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathKind {
    /// Source code that ships.
    Code,
    /// Tests, fixtures, benchmarks and examples.
    Test,
    /// Documentation and prose.
    Docs,
    /// CI pipelines, infrastructure and deployment definitions.
    Infra,
    /// Dependency manifests and lockfiles.
    Deps,
    /// Everything else: configuration, data, assets.
    Other,
}

const CODE_EXTENSIONS: &[&str] = &[
    "rs", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "go", "py", "pyx", "js", "jsx", "mjs", "cjs",
    "ts", "tsx", "java", "kt", "kts", "scala", "swift", "m", "mm", "rb", "php", "cs", "fs", "vb",
    "ex", "exs", "erl", "hs", "ml", "clj", "lua", "pl", "pm", "r", "dart", "zig", "nim", "sh",
    "bash", "zsh", "ps1", "sql", "vue", "svelte", "groovy", "elm", "jl", "f90", "asm", "s",
];

const DOC_EXTENSIONS: &[&str] = &["md", "rst", "txt", "adoc", "asciidoc", "org", "tex", "man"];

const DOC_NAMES: &[&str] = &[
    "readme",
    "changelog",
    "changes",
    "history",
    "authors",
    "contributors",
    "license",
    "licence",
    "copying",
    "notice",
    "contributing",
    "code_of_conduct",
    "security",
    "news",
];

/// Classifies `path` (relative to the repository root, `/`-separated).
pub fn classify(path: &str) -> PathKind {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let stem = name.split('.').next().unwrap_or(name);
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");

    if crate::deps::DepFormat::detect(path).is_some()
        || matches!(
            name,
            "cargo.toml"
                | "package.json"
                | "pyproject.toml"
                | "setup.cfg"
                | "gemfile"
                | "pipfile"
                | "pom.xml"
                | "build.gradle"
                | "build.gradle.kts"
        )
    {
        return PathKind::Deps;
    }
    if is_infra(&lower, name) {
        return PathKind::Infra;
    }
    if is_test(&lower, name) {
        return PathKind::Test;
    }
    // Code is code wherever it sits: a docs build script or an example breaks like any other.
    if CODE_EXTENSIONS.contains(&ext) {
        return PathKind::Code;
    }
    if DOC_EXTENSIONS.contains(&ext)
        || DOC_NAMES.contains(&stem)
        || lower.starts_with("docs/")
        || lower.starts_with("doc/")
        || lower.contains("/docs/")
    {
        return PathKind::Docs;
    }
    PathKind::Other
}

fn is_test(lower: &str, name: &str) -> bool {
    let segments: Vec<&str> = lower.split('/').collect();
    let dirs = &segments[..segments.len().saturating_sub(1)];
    // Any directory named for tests (`tests`, `testsuite`, `test_utils`) holds test code.
    dirs.iter().any(|d| {
        d.contains("test")
            || matches!(
                *d,
                "spec" | "specs" | "fixtures" | "benches" | "bench" | "benchmarks" | "e2e"
            )
    }) || name.starts_with("test_")
        || name.contains("_test.")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.contains("_spec.")
        || name.starts_with("conftest.")
        || name.ends_with("tests.rs")
        || name.ends_with("test.java")
        || name.ends_with("tests.java")
}

fn is_infra(lower: &str, name: &str) -> bool {
    lower.starts_with(".github/workflows/")
        || lower.starts_with(".github/actions/")
        || lower.starts_with(".circleci/")
        || lower.starts_with(".buildkite/")
        || name == ".gitlab-ci.yml"
        || name == ".travis.yml"
        || name == "appveyor.yml"
        || name == "azure-pipelines.yml"
        || name == "jenkinsfile"
        || name == "dockerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
        || name.starts_with("docker-compose")
        || name.ends_with(".tf")
        || name.ends_with(".tfvars")
        || lower.starts_with("k8s/")
        || lower.starts_with("helm/")
        || lower.starts_with("charts/")
        || lower.starts_with("deploy/")
        || lower.contains("/deploy/")
        || lower.starts_with("terraform/")
        || lower.starts_with("ansible/")
}

/// Whether `path` is a database migration (by the directory conventions of common frameworks).
pub fn is_migration(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower
        .split('/')
        .any(|s| s == "migrations" || s == "migrate" || s == "alembic")
        || lower.ends_with(".sql") && lower.contains("migrat")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(classify("src/main.rs"), PathKind::Code);
        assert_eq!(classify("tests/cli.rs"), PathKind::Test);
        assert_eq!(classify("src/foo_test.go"), PathKind::Test);
        assert_eq!(classify("test_api.py"), PathKind::Test);
        assert_eq!(classify("README.md"), PathKind::Docs);
        assert_eq!(classify("docs/guide.md"), PathKind::Docs);
        assert_eq!(classify("docs/conf.py"), PathKind::Code);
        assert_eq!(classify("setup.py"), PathKind::Code);
        assert_eq!(classify("flask/testsuite/basic.py"), PathKind::Test);
        assert_eq!(classify(".github/workflows/ci.yml"), PathKind::Infra);
        assert_eq!(classify("Cargo.lock"), PathKind::Deps);
        assert_eq!(classify("crates/x/Cargo.toml"), PathKind::Deps);
        assert_eq!(classify("assets/logo.png"), PathKind::Other);
        assert!(is_migration("db/migrations/0001_init.sql"));
        assert!(!is_migration("src/migrate_helper.rs"));
    }
}
