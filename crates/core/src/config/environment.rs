//! Environments, in the order the file lists them, and the `after:` graph between them.
//!
//! The order matters to people (the status table reads top to bottom as written), so the map
//! keeps it instead of sorting. `after:` names the environments a build must be healthy in
//! before it may be promoted here; it must name known environments and must not loop, both
//! checked at load with the location of the offending entry.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use serde_saphyr::{Location, Spanned};

use super::bounds;
use super::duration::Duration;
use super::error::{ConfigError, MAX_REPORTED, closest, invalid};
use super::freeze::{FreezeWindow, FrozenUntil};
use super::risk::RiskLevel;
use super::rollout::Rollout;
use super::scalars::{GlobPattern, HttpUrl};
use crate::ledger::{ENVIRONMENT_NAME_RULE, check_environment_name};

/// One deployment environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    #[serde(skip)]
    name: String,
    /// Where the name is written, for the checks across environments.
    #[serde(skip)]
    name_at: Option<Location>,
    /// Where the environment is reachable; shown in deployments and status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<HttpUrl>,
    /// Environments a commit must have succeeded in (at the same SHA) before promotion here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    after: Vec<Spanned<String>>,
    /// How long the commit must have been healthy upstream before promotion. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soak: Option<Duration>,
    /// Highest release risk promoted without a person approving. Default: no ceiling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_promote_max_risk: Option<RiskLevel>,
    /// Periods in which promotion is blocked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freeze: Vec<FreezeWindow>,
    /// Check (status/check run) names that must be green on the commit; none empty.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "required_checks"
    )]
    pub required_checks: Vec<String>,
    /// Branches or tags that may be promoted here (globs such as `main` or `v*`). Default: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_refs: Vec<GlobPattern>,
    /// Whether this is production (it anchors risk ranges and metrics). Default: true when the
    /// name is `production` or `prod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    production: Option<bool>,
    /// Short-lived (review apps, previews): left out of metrics. Default false.
    #[serde(default)]
    pub transient: bool,
    /// What to publish after a successful deployment here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseConfig>,
    /// How promotion deploys here. Without it, promotion only records the decision and the
    /// deployment is left to the CI job that follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
}

impl Environment {
    /// The environment's name (its key under `environments:`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The upstream environments named in `after:`, as written.
    pub fn after(&self) -> impl Iterator<Item = &str> {
        self.after.iter().map(|name| name.value.as_str())
    }

    /// Whether this environment is production: `production:` when set, else whether the name
    /// is `production` or `prod`.
    pub fn is_production(&self) -> bool {
        self.production
            .unwrap_or(matches!(self.name.as_str(), "production" | "prod"))
    }

    /// The freeze in force at `now`, if any; when several windows overlap, the one that ends
    /// last (an open-ended one wins).
    pub fn active_freeze(&self, now: DateTime<Utc>) -> Option<FrozenUntil> {
        self.freeze
            .iter()
            .filter_map(|window| window.active_at(now))
            .max_by_key(|frozen| {
                frozen
                    .until
                    .map_or((1, DateTime::<Utc>::MAX_UTC), |t| (0, t))
            })
    }

    /// Whether `git_ref` (a branch or tag name, or a full `refs/...` name) may be promoted here.
    pub fn allows_ref(&self, git_ref: &str) -> bool {
        if self.allowed_refs.is_empty() {
            return true;
        }
        let short = git_ref
            .strip_prefix("refs/heads/")
            .or_else(|| git_ref.strip_prefix("refs/tags/"))
            .unwrap_or(git_ref);
        self.allowed_refs
            .iter()
            .any(|glob| glob.is_match(git_ref) || glob.is_match(short))
    }
}

/// Publishing after a successful deployment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseConfig {
    /// Create the version tag on the deployed commit (spelled as `versions.tag_prefix` says).
    /// Default true.
    #[serde(default = "yes")]
    pub tag: bool,
    /// Deprecated: use the top-level `versions.tag_prefix`, which shipline-risk reads too. Still
    /// read when it is the only prefix given; a different value there is an error.
    #[serde(default, deserialize_with = "tag_prefix")]
    pub tag_prefix: Option<String>,
    /// Also publish a GitHub/GitLab release with the change summary as notes. Default false.
    #[serde(default)]
    pub publish: bool,
}

fn yes() -> bool {
    true
}

fn required_checks<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    bounds::word_list(
        deserializer,
        "required_checks",
        "the name of a status check or check run (such as `build`)",
        false,
    )
}

fn tag_prefix<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let Some(prefix) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    check_tag_prefix(&prefix).map_err(de::Error::custom)?;
    Ok(Some(prefix))
}

/// Refuses a tag prefix git could not put in a tag name.
pub(crate) fn check_tag_prefix(prefix: &str) -> Result<(), String> {
    let bad = prefix.chars().find(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    });
    let problem = match bad {
        Some(c) if c.is_whitespace() || c.is_control() => Some(format!(
            "contains whitespace or a control character ({})",
            c.escape_debug()
        )),
        Some(c) => Some(format!("contains `{c}`, which git refuses in tag names")),
        None if prefix.contains("..") => {
            Some("contains `..`, which git refuses in tag names".into())
        }
        None if prefix.starts_with('/') || prefix.starts_with('-') || prefix.starts_with('.') => {
            Some("starts with a character git refuses at the start of a tag name".into())
        }
        None => None,
    };
    match problem {
        Some(problem) => Err(invalid(
            format_args!("`tag_prefix: {}` {problem}", prefix.escape_debug()),
            "write the text every version tag starts with, e.g. `v`, `my-crate-` or `api/`",
        )),
        None => Ok(()),
    }
}

/// The `environments:` map, in file order.
#[derive(Debug, Clone, Default)]
pub struct Environments {
    entries: Vec<Environment>,
    /// Entry index by name, the first entry of a name winning, so lookups cost the same for
    /// ten environments or ten thousand.
    index: HashMap<String, usize>,
}

impl Environments {
    /// The environment called `name`.
    pub fn get(&self, name: &str) -> Option<&Environment> {
        self.index.get(name).map(|&at| &self.entries[at])
    }

    fn from_entries(entries: Vec<Environment>) -> Self {
        let mut index = HashMap::with_capacity(entries.len());
        for (at, env) in entries.iter().enumerate() {
            index.entry(env.name.clone()).or_insert(at);
        }
        Environments { entries, index }
    }

    /// Each entry's `after:` as entry indices; `None` for a name no entry has.
    fn upstream_indices(&self) -> Vec<Vec<Option<usize>>> {
        self.entries
            .iter()
            .map(|env| env.after().map(|up| self.index.get(up).copied()).collect())
            .collect()
    }

    /// All environments in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Environment> {
        self.entries.iter()
    }

    /// All names in file order.
    pub fn names(&self) -> Vec<&str> {
        self.iter().map(Environment::name).collect()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Environments ordered so each comes after everything in its `after:`; among those free to
    /// go next, file order decides. Assumes the checks of
    /// [`Config::parse`](crate::config::Config::parse) passed (no cycles).
    pub fn upstream_order(&self) -> Vec<&Environment> {
        // Kahn's algorithm with the ready environments in a min-heap of file positions: the
        // environment placed next is the first in the file whose upstreams are all placed.
        let upstreams = self.upstream_indices();
        let mut waiting_on: Vec<usize> = upstreams.iter().map(Vec::len).collect();
        let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); self.len()];
        for (at, ups) in upstreams.iter().enumerate() {
            // An unknown upstream (unchecked data) is never placed, so neither is `at`.
            for up in ups.iter().flatten() {
                downstream[*up].push(at);
            }
        }
        let mut ready: BinaryHeap<Reverse<usize>> = (0..self.len())
            .filter(|&at| waiting_on[at] == 0)
            .map(Reverse)
            .collect();
        let mut placed = Vec::with_capacity(self.len());
        while let Some(Reverse(at)) = ready.pop() {
            placed.push(&self.entries[at]);
            for &down in &downstream[at] {
                waiting_on[down] -= 1;
                if waiting_on[down] == 0 {
                    ready.push(Reverse(down));
                }
            }
        }
        placed
    }

    /// Checks the `after:` graph: every name known, no environment after itself, no cycle.
    /// Every problem found goes into `errors`; a cycle is looked for only when every name is
    /// known.
    pub(crate) fn check(&self, path: &Path, errors: &mut Vec<ConfigError>) {
        let before = errors.len();
        self.check_names(path, errors);
        for env in &self.entries {
            for upstream in &env.after {
                if errors.len() >= MAX_REPORTED {
                    return;
                }
                let name = upstream.value.as_str();
                if name == env.name {
                    errors.push(ConfigError::invalid(
                        path,
                        upstream.referenced,
                        format!("environment `{name}` lists itself in `after:`"),
                        Some(
                            "remove it; `after:` names the environments that come before this one"
                                .into(),
                        ),
                    ));
                    continue;
                }
                if !self.index.contains_key(name) {
                    let names = self.names();
                    let hint = match closest(name, names.iter().copied()) {
                        Some(known) => format!("did you mean `{known}`?"),
                        None if names.len() > 1 => format!(
                            "known environments: {}; define `{name}` under `environments:` or fix the name",
                            names.join(", ")
                        ),
                        None => format!("define `{name}` under `environments:` or remove it"),
                    };
                    errors.push(ConfigError::invalid(
                        path,
                        upstream.referenced,
                        format!(
                            "`after:` of `{}` names unknown environment `{name}`",
                            env.name
                        ),
                        Some(hint),
                    ));
                }
            }
        }
        if errors.len() > before {
            return;
        }
        if let Some(cycle) = self.find_cycle() {
            let first = &self.entries[cycle[0]];
            let second = &self.entries[cycle[1 % cycle.len()]].name;
            let location = first
                .after
                .iter()
                .find(|up| &up.value == second)
                .map_or(Location::UNKNOWN, |up| up.referenced);
            let mut chain: Vec<&str> = cycle.iter().map(|&i| self.entries[i].name()).collect();
            chain.push(first.name());
            errors.push(ConfigError::invalid(
                path,
                location,
                format!("`after:` forms a cycle: {}", chain.join(" → ")),
                Some("`after:` must point upstream only; remove one of these entries".into()),
            ));
        }
    }

    /// Every name follows the one rule of the ledger and the tools, and no two differ only in
    /// case (GitHub and the ledger would take them for one environment).
    fn check_names(&self, path: &Path, errors: &mut Vec<ConfigError>) {
        let mut folded: HashMap<String, &str> = HashMap::with_capacity(self.len());
        for env in &self.entries {
            let at = env.name_at.unwrap_or(Location::UNKNOWN);
            if let Err(reason) = check_environment_name(&env.name) {
                errors.push(ConfigError::invalid(
                    path,
                    at,
                    format!("environment name `{}` {reason}", env.name.escape_debug()),
                    Some(ENVIRONMENT_NAME_RULE.to_string()),
                ));
                continue;
            }
            if let Some(first) = folded.insert(env.name.to_ascii_lowercase(), &env.name) {
                errors.push(ConfigError::invalid(
                    path,
                    at,
                    format!(
                        "environment `{}` differs from `{first}` only in case",
                        env.name
                    ),
                    Some(
                        "GitHub and the deployment ledger ignore case in environment names: \
                         merge the two entries or rename one"
                            .into(),
                    ),
                ));
            }
        }
    }

    /// A cycle in the `after:` graph as entry indices, each naming the next in its `after:`,
    /// starting from the earliest environment in the file that lies on one.
    fn find_cycle(&self) -> Option<Vec<usize>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let upstreams = self.upstream_indices();
        let mut marks = vec![Mark::New; self.len()];
        for start in 0..self.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // Depth-first without recursion (a chain of thousands of environments must not
            // exhaust the stack): the path, and for each entry on it the next `after:` to try.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            marks[start] = Mark::OnPath;
            while let Some(&mut (at, ref mut tried)) = path.last_mut() {
                let Some(next) = upstreams[at].get(*tried) else {
                    marks[at] = Mark::Done;
                    path.pop();
                    continue;
                };
                *tried += 1;
                let Some(next) = *next else { continue };
                match marks[next] {
                    Mark::OnPath => {
                        let from = path.iter().position(|&(i, _)| i == next).unwrap_or(0);
                        let mut cycle: Vec<usize> = path[from..].iter().map(|&(i, _)| i).collect();
                        // Rotate so the cycle starts at the environment written first.
                        let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                        cycle.rotate_left(first);
                        return Some(cycle);
                    }
                    Mark::New => {
                        marks[next] = Mark::OnPath;
                        path.push((next, 0));
                    }
                    Mark::Done => {}
                }
            }
        }
        None
    }
}

impl<'de> Deserialize<'de> for Environments {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Environments;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping from environment names to their settings")
            }

            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Environments, A::Error> {
                let mut entries: Vec<Environment> = Vec::new();
                while let Some(name) = map.next_key::<Spanned<String>>()? {
                    // `staging:` with nothing under it is an environment with all defaults.
                    let mut env = map.next_value::<Option<Environment>>()?.unwrap_or_default();
                    env.name = name.value;
                    env.name_at = Some(name.referenced);
                    entries.push(env);
                }
                Ok(Environments::from_entries(entries))
            }
        }

        deserializer.deserialize_map(Visitor)
    }
}

impl Serialize for Environments {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for env in self.iter() {
            map.serialize_entry(env.name(), env)?;
        }
        map.end()
    }
}

impl JsonSchema for Environments {
    fn schema_name() -> Cow<'static, str> {
        "Environments".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let environment = generator.subschema_for::<Environment>();
        json_schema!({
            "type": ["object", "null"],
            "description": "Deployment environments by name, listed upstream first (the order \
                            is kept for display).",
            "additionalProperties": {
                "anyOf": [environment, { "type": "null" }]
            }
        })
    }
}
