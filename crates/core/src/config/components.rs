//! Components: several things that ship from one repository (a workspace's crates released
//! separately, a `services/*` monorepo, a web app beside its API).
//!
//! A component owns the paths its `paths:` entries match, minus those a `!` entry excludes;
//! `shared:` paths (a shared library, the root lockfile) are not its own but count for it: a
//! change there is a change of the component, for its range and for whether two commits carry
//! the same component content. Overlapping components are allowed: a path may belong to
//! several.
//!
//! A path entry without glob characters is a file or a directory and matches everything under
//! it (`services/api`); one with them is a glob in which `*` stays within a path segment and
//! `**` crosses segments (`services/api/**/*.rs`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use serde_saphyr::{Location, Spanned};

use super::environment::{Environments, check_tag_prefix};
use super::error::{ConfigError, MAX_REPORTED, closest, invalid};
use super::scalars::GlobPattern;

/// The manifests whose `version` field can be a component's version.
pub const MANIFESTS: [&str; 3] = ["Cargo.toml", "package.json", "pyproject.toml"];

/// One `paths:` or `shared:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRule {
    /// `!` entries take paths out.
    exclude: bool,
    /// Matches the path itself (a file, or a directory with everything under it).
    glob: GlobPattern,
    /// The same for what lies under a plain path (`dir/**`); `None` for a glob.
    under: Option<GlobPattern>,
}

impl PathRule {
    /// Parses one entry: `dir`, `dir/**/*.rs`, `!dir/generated/**`.
    pub fn new(text: &str) -> Result<Self, String> {
        let (exclude, pattern) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        if pattern.trim().is_empty() || pattern.starts_with('/') {
            return Err(invalid(
                format_args!("path `{text}` is empty or absolute"),
                "write a path relative to the repository root, such as `services/api` or \
                 `crates/net/**` (`!` in front excludes)",
            ));
        }
        if pattern.split('/').any(|part| part == "..") {
            return Err(invalid(
                format_args!("path `{text}` leaves the repository with `..`"),
                "write a path relative to the repository root, without `..`",
            ));
        }
        let compile = |pattern: &str| {
            GlobPattern::new(pattern).map_err(|err| {
                invalid(
                    format_args!("invalid glob `{text}`: {}", err.kind()),
                    "close every `[` and `{`, escape literal metacharacters with `\\`, and use \
                     `**` only as a whole path segment (`dir/**/file`)",
                )
            })
        };
        let is_glob = pattern.contains(['*', '?', '[', '{']);
        Ok(Self {
            exclude,
            glob: compile(pattern)?,
            under: if is_glob {
                None
            } else {
                Some(compile(&format!("{pattern}/**"))?)
            },
        })
    }

    fn is_match(&self, path: &str) -> bool {
        self.glob.is_match(path) || self.under.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// The same rule as a git pathspec (`:(top,literal)dir`, `:(top,glob)dir/**`, with
    /// `exclude` for a `!` entry), for asking git what changed under a component.
    pub fn pathspec(&self) -> String {
        let magic = if self.under.is_some() {
            "literal"
        } else {
            "glob"
        };
        let exclude = if self.exclude { ",exclude" } else { "" };
        format!(":(top,{magic}{exclude}){}", self.glob.as_str())
    }

    /// The entry as written (with its `!`).
    pub fn as_str(&self) -> String {
        format!(
            "{}{}",
            if self.exclude { "!" } else { "" },
            self.glob.as_str()
        )
    }
}

impl Serialize for PathRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for PathRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PathRule::new(&text).map_err(de::Error::custom)
    }
}

impl JsonSchema for PathRule {
    fn schema_name() -> Cow<'static, str> {
        "PathRule".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "description": "A path relative to the repository root: a file, a directory (with \
                            everything under it) or a glob (`*` within a segment, `**` across \
                            segments); `!` in front excludes what it matches.",
            "examples": ["services/api", "crates/net/**", "!services/api/docs/**"]
        })
    }
}

/// Whether `rules` take in `path`: some non-excluding rule matches and no excluding one does.
fn takes(rules: &[PathRule], path: &str) -> bool {
    let mut taken = false;
    for rule in rules {
        if rule.is_match(path) {
            if rule.exclude {
                return false;
            }
            taken = true;
        }
    }
    taken
}

/// One component.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    #[serde(skip)]
    name: String,
    #[serde(skip)]
    name_at: Option<Location>,
    /// What belongs to the component: files, directories or globs; `!` excludes. At least one
    /// entry that is not an exclusion.
    #[serde(default)]
    paths: Vec<PathRule>,
    /// Paths the component depends on without owning them (a shared library, the root
    /// lockfile): changes there count for its range and its content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    shared: Vec<PathRule>,
    /// What its version tags start with. Default `<name>-v` (`api-v1.4.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag_prefix: Option<String>,
    /// The environments it is deployed to (a subset of the top-level ones, whose settings it
    /// inherits). Default: all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    environments: Vec<Spanned<String>>,
    /// The file whose `version` is the component's version (`Cargo.toml`, `package.json` or
    /// `pyproject.toml`, at any depth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    manifest: Option<String>,
}

impl Component {
    /// The component's name (its key under `components:`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `path` (relative, slash-separated) is the component's own.
    pub fn owns(&self, path: &str) -> bool {
        takes(&self.paths, path)
    }

    /// Whether a change to `path` is a change of the component: its own paths or its shared
    /// ones, less every `!` entry of either list.
    pub fn counts(&self, path: &str) -> bool {
        let all: Vec<PathRule> = self.paths.iter().chain(&self.shared).cloned().collect();
        takes(&all, path)
    }

    /// Git pathspecs selecting what [`Component::counts`] takes in, for `git diff`, `git log`
    /// and [`Git::same_content`](crate::git::Git::same_content).
    pub fn pathspecs(&self) -> Vec<String> {
        self.paths
            .iter()
            .chain(&self.shared)
            .map(PathRule::pathspec)
            .collect()
    }

    /// The name its deployments to `environment` are recorded under: `production/api`, an
    /// environment folder on GitLab and a name of its own on GitHub.
    pub fn environment_key(&self, environment: &str) -> String {
        format!("{environment}/{}", self.name)
    }

    /// What its version tags start with: `tag_prefix`, or `<name>-v`.
    pub fn tag_prefix(&self) -> Cow<'_, str> {
        match &self.tag_prefix {
            Some(prefix) => Cow::Borrowed(prefix),
            None => Cow::Owned(format!("{}-v", self.name)),
        }
    }

    /// The environments it is deployed to, as written; empty: every environment.
    pub fn environments(&self) -> impl Iterator<Item = &str> {
        self.environments.iter().map(|e| e.value.as_str())
    }

    /// Whether it is deployed to `environment`.
    pub fn deploys_to(&self, environment: &str) -> bool {
        self.environments.is_empty() || self.environments().any(|e| e == environment)
    }

    /// The manifest holding its version, if configured.
    pub fn manifest(&self) -> Option<&str> {
        self.manifest.as_deref()
    }
}

/// The `components:` map, in file order.
#[derive(Debug, Clone, Default)]
pub struct Components {
    entries: Vec<Component>,
}

impl Components {
    /// The component called `name`.
    pub fn get(&self, name: &str) -> Option<&Component> {
        self.entries.iter().find(|c| c.name == name)
    }

    /// All components in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Component> {
        self.entries.iter()
    }

    /// All names in file order.
    pub fn names(&self) -> Vec<&str> {
        self.iter().map(Component::name).collect()
    }

    /// Whether there are none (the repository is one thing that ships).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The component called `name`, or an error naming the known ones (for `--component`).
    pub fn find(&self, name: &str) -> Result<&Component, String> {
        if let Some(component) = self.get(name) {
            return Ok(component);
        }
        let names = self.names();
        Err(
            match (names.is_empty(), closest(name, names.iter().copied())) {
                (true, _) => format!(
                    "unknown component `{name}`: the configuration defines no components; add \
                 `components:` to .shipline.yml (docs/configuration.md#components)"
                ),
                (false, Some(known)) => {
                    format!("unknown component `{name}`; did you mean `{known}`?")
                }
                (false, None) => format!(
                    "unknown component `{name}`; the configuration defines: {}",
                    names.join(", ")
                ),
            },
        )
    }

    /// The checks across the file: names, paths, prefixes, manifests and environments.
    pub(crate) fn check(
        &self,
        environments: &Environments,
        path: &Path,
        errors: &mut Vec<ConfigError>,
    ) {
        let mut folded: HashMap<String, &str> = HashMap::new();
        let mut prefixes: HashMap<String, &str> = HashMap::new();
        for component in &self.entries {
            if errors.len() >= MAX_REPORTED {
                return;
            }
            let at = component.name_at.unwrap_or(Location::UNKNOWN);
            let mut problem = |message: String, hint: &str| {
                errors.push(ConfigError::invalid(path, at, message, Some(hint.into())));
            };
            let name = component.name.as_str();
            if let Err(reason) = check_name(name) {
                problem(
                    format!("component name `{}` {reason}", name.escape_debug()),
                    "a component name is letters, digits, `.`, `_` and `-`, starting with a \
                     letter or digit, at most 40 characters; it becomes part of environment \
                     names (`production/api`) and tags (`api-v1.4.0`)",
                );
                continue;
            }
            if let Some(first) = folded.insert(name.to_ascii_lowercase(), name) {
                problem(
                    format!("component `{name}` differs from `{first}` only in case"),
                    "environment names and tags ignore case on some forges: rename one",
                );
            }
            if !component.paths.iter().any(|rule| !rule.exclude) {
                problem(
                    format!("component `{name}` has no paths"),
                    "list what belongs to it under `paths:`, such as `services/api` (`!` \
                     entries only take paths out)",
                );
            }
            let prefix = component.tag_prefix();
            if let Err(message) = check_tag_prefix(&prefix) {
                errors.push(ConfigError::invalid(
                    path,
                    at,
                    super::error::plain(&message),
                    None,
                ));
            } else if let Some(first) = prefixes.insert(prefix.to_string(), name) {
                errors.push(ConfigError::invalid(
                    path,
                    at,
                    format!("components `{first}` and `{name}` both use the tag prefix `{prefix}`"),
                    Some(
                        "each component's versions need tags of their own: give one of them \
                         another `tag_prefix`"
                            .into(),
                    ),
                ));
            }
            if let Some(manifest) = &component.manifest {
                let file = manifest.rsplit('/').next().unwrap_or(manifest);
                if !MANIFESTS.contains(&file) || manifest.starts_with('/') {
                    errors.push(ConfigError::invalid(
                        path,
                        at,
                        format!("component `{name}` has manifest `{manifest}`, whose version shipline cannot read"),
                        Some(format!(
                            "name a {} relative to the repository root, or remove `manifest:`",
                            MANIFESTS.join(", ")
                        )),
                    ));
                }
            }
            for environment in &component.environments {
                let wanted = environment.value.as_str();
                if environments.get(wanted).is_some() {
                    continue;
                }
                let names = environments.names();
                let hint = match closest(wanted, names.iter().copied()) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None if names.is_empty() => {
                        "a component deploys to environments defined under `environments:`; define them there".into()
                    }
                    None => format!("known environments: {}", names.join(", ")),
                };
                errors.push(ConfigError::invalid(
                    path,
                    environment.referenced,
                    format!("component `{name}` names unknown environment `{wanted}`"),
                    Some(hint),
                ));
            }
        }
    }
}

/// A component name: one environment-name segment, short enough to sit inside names and tags.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("is empty");
    }
    if name.chars().count() > 40 {
        return Err("is longer than 40 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("does not start with a letter or digit");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("has a character other than letters, digits, `.`, `_` and `-`");
    }
    Ok(())
}

impl<'de> Deserialize<'de> for Components {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Components;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping from component names to their paths and settings")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Components, A::Error> {
                let mut entries = Vec::new();
                while let Some(name) = map.next_key::<Spanned<String>>()? {
                    let mut component = map.next_value::<Option<Component>>()?.unwrap_or_default();
                    component.name = name.value;
                    component.name_at = Some(name.referenced);
                    entries.push(component);
                }
                Ok(Components { entries })
            }
        }

        deserializer.deserialize_map(Visitor)
    }
}

impl Serialize for Components {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for component in &self.entries {
            map.serialize_entry(component.name(), component)?;
        }
        map.end()
    }
}

impl JsonSchema for Components {
    fn schema_name() -> Cow<'static, str> {
        "Components".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let component = generator.subschema_for::<Component>();
        json_schema!({
            "type": ["object", "null"],
            "description": "Things that ship separately from this repository, by name: each \
                            with its paths, shared paths, tag prefix, environments and manifest.",
            "propertyNames": { "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$" },
            "additionalProperties": component
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(texts: &[&str]) -> Vec<PathRule> {
        texts.iter().map(|t| PathRule::new(t).unwrap()).collect()
    }

    #[test]
    fn plain_paths_take_what_is_under_them_and_exclusions_win() {
        let paths = rules(&["services/api", "!services/api/docs/**"]);
        assert!(takes(&paths, "services/api/src/main.rs"));
        assert!(takes(&paths, "services/api"));
        assert!(!takes(&paths, "services/api-gateway/main.rs"));
        assert!(!takes(&paths, "services/api/docs/intro.md"));
        assert!(!takes(&paths, "services/web/index.ts"));
        let globs = rules(&["crates/*/src/**/*.rs"]);
        assert!(takes(&globs, "crates/net/src/lib.rs"));
        assert!(!takes(&globs, "crates/net/Cargo.toml"));
        assert!(takes(&rules(&["./Cargo.lock"]), "Cargo.lock"));
    }

    #[test]
    fn bad_paths_are_refused_with_the_fix() {
        for bad in ["", "!", "/etc", "../other", "a/../../b", "crates/[net"] {
            let err = PathRule::new(bad).unwrap_err();
            assert!(err.contains(&format!("`{bad}`")), "{bad}: {err}");
        }
    }

    #[test]
    fn names_fit_inside_environment_names_and_tags() {
        for good in ["api", "net-util", "web.app", "a_b", "v2"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", "-api", "api/v2", "ap i", "ü", &"x".repeat(41)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
