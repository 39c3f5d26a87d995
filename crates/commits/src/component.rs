//! The top-level component a change belongs to, from the paths it changes: what a summary groups
//! by when the messages say neither a kind nor an area.
//!
//! A component is a path's first directory, or its first two where the first only holds
//! components (`crates/printer`, `packages/ui`, `src/requests`), so a workspace's crates and a
//! monorepo's packages stay apart. A change touching several goes with the one it changes most,
//! by weights the caller gives (changed lines, with generated files such as lockfiles at 0 so a
//! dependency update does not outweigh the code that needed it).

/// Directories whose children are the components.
const CONTAINERS: &[&str] = &[
    "apps",
    "cmd",
    "components",
    "crates",
    "internal",
    "lib",
    "libs",
    "modules",
    "packages",
    "pkg",
    "plugins",
    "services",
    "src",
];

/// The name of the group for files at the repository's root.
pub const TOP_LEVEL: &str = "top-level files";

/// The component of one path (`/`-separated, relative to the repository root).
pub fn component_of_path(path: &str) -> &str {
    let Some((first, rest)) = path.split_once('/') else {
        return TOP_LEVEL;
    };
    if CONTAINERS.contains(&first)
        && let Some((second, _)) = rest.split_once('/')
    {
        return &path[..first.len() + 1 + second.len()];
    }
    first
}

/// The component a change belongs to: the one whose files weigh most (each file's weight as
/// given; when all are 0, each file counts 1); ties go to the name that sorts first. `None`
/// when it changes no file.
pub fn component_of<'a>(files: impl IntoIterator<Item = (&'a str, u64)>) -> Option<String> {
    let mut weights: Vec<(&str, u64, u64)> = Vec::new();
    for (path, weight) in files {
        let component = component_of_path(path);
        match weights.iter_mut().find(|(c, _, _)| *c == component) {
            Some((_, total, count)) => {
                *total += weight;
                *count += 1;
            }
            None => weights.push((component, weight, 1)),
        }
    }
    let weighed = weights.iter().any(|(_, total, _)| *total > 0);
    let weights = weights
        .into_iter()
        .map(|(component, total, count)| (component, if weighed { total } else { count }));
    weights
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(component, _)| component.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_of_paths() {
        assert_eq!(
            component_of_path("crates/printer/src/lib.rs"),
            "crates/printer"
        );
        assert_eq!(component_of_path("src/requests/models.py"), "src/requests");
        assert_eq!(component_of_path("src/printer.rs"), "src");
        assert_eq!(component_of_path("tests/a.rs"), "tests");
        assert_eq!(component_of_path("README.md"), TOP_LEVEL);
        assert_eq!(component_of_path("crates/Cargo.toml"), "crates");
    }

    #[test]
    fn the_component_changed_most_wins() {
        let files = [
            ("crates/printer/src/lib.rs", 10),
            ("crates/searcher/src/lib.rs", 40),
            ("crates/printer/src/json.rs", 20),
            ("logo.png", 0),
            ("Cargo.lock", 0),
        ];
        assert_eq!(component_of(files).as_deref(), Some("crates/searcher"));
        assert_eq!(
            component_of([("Cargo.lock", 0), ("a/x.png", 0), ("a/y.png", 0)]).as_deref(),
            Some("a"),
            "without weights, files are counted"
        );
        assert_eq!(
            component_of([("b/x", 5), ("a/y", 5)]).as_deref(),
            Some("a"),
            "a tie goes to the name that sorts first"
        );
        assert_eq!(component_of([]), None);
    }
}
