//! The whole configuration file: where it is looked for, how it is read and checked, and what
//! the tools ask of it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::components::{Component, Components};
use super::environment::{Environment, Environments};
use super::error::{ConfigError, SourceLocation};
use super::revert::RevertConfig;
use super::risk::RiskConfig;
use super::versions::VersionsConfig;

/// The file names looked for at the repository root, in order of preference.
pub const FILE_NAMES: [&str; 2] = [".shipline.yml", ".shipline.yaml"];

/// A configuration file found by [`Config::find`].
#[derive(Debug, Clone)]
pub struct Found {
    /// The file as errors name it: relative to the repository root when found there, else as
    /// given with `--config`.
    pub shown: PathBuf,
    /// Its text.
    pub text: String,
}

/// How long a deployment may stay open before it counts as stale, unless `stale_after` says.
pub const DEFAULT_STALE_AFTER: super::Duration = super::Duration::from_secs(6 * 3600);

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "shipline configuration (.shipline.yml)",
    description = "Environments and their promotion gates and rollouts, risk scoring and \
                   revert policy. Every section is optional."
)]
pub struct Config {
    /// Deployment environments by name, upstream first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub environments: Environments,
    /// Things that ship separately from this repository (a monorepo's services, a workspace's
    /// crates), by name. Default: none, the repository is one thing that ships.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Components::is_empty"
    )]
    pub components: Components,
    /// Risk scoring.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<RiskConfig>")]
    pub risk: RiskConfig,
    /// Automatic reverts.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<RevertConfig>")]
    pub revert: RevertConfig,
    /// Version tags, as every tool reads and writes them.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(with = "Option<VersionsConfig>")]
    pub versions: VersionsConfig,
    /// How long a deployment may stay in progress (or queued) before it counts as stale: shown
    /// as stale by `shipline-status show`, closed as `error` by the next `start` in its
    /// environment, left out of the metrics. Default `6h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_after: Option<super::Duration>,
    #[serde(skip)]
    source: Option<PathBuf>,
}

/// The text of the configuration file at `path` (`shown` names it in errors).
fn read(path: &Path, shown: &Path) -> Result<String, ConfigError> {
    let bytes = std::fs::read(path).map_err(|cause| match cause.kind() {
        std::io::ErrorKind::NotFound => ConfigError::NotFound {
            path: path.to_path_buf(),
        },
        _ => ConfigError::Read {
            path: path.to_path_buf(),
            cause,
        },
    })?;
    String::from_utf8(bytes).map_err(|err| {
        let before = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = String::from_utf8_lossy(
            &before[before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |at| at + 1)..],
        )
        .chars()
        .count()
            + 1;
        ConfigError::Invalid {
            location: SourceLocation {
                path: shown.to_path_buf(),
                line: line as u64,
                column: column as u64,
            },
            message: "the file is not UTF-8 text".into(),
            hint: Some("save it as UTF-8 (any text editor can)".into()),
        }
    })
}

/// A section written with nothing under it (`risk:`) configures nothing, like one left out.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

impl Config {
    /// Reads the configuration for the repository at `repo_root`.
    ///
    /// With `explicit` (`--config PATH`), that file must exist; a relative path is taken as
    /// given (relative to the working directory), like any other command-line path. Without it,
    /// `.shipline.yml` or `.shipline.yaml` at the root is read, and if neither exists the
    /// defaults apply. Both existing is an error, since only one would be honoured.
    pub fn load(repo_root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        match Config::find(repo_root, explicit)? {
            Some(found) => Config::parse(&found.text, &found.shown),
            None => Ok(Config::default()),
        }
    }

    /// The configuration file [`Config::load`] would read and its text, or `None` when there is
    /// none and the defaults apply.
    pub fn find(repo_root: &Path, explicit: Option<&Path>) -> Result<Option<Found>, ConfigError> {
        if let Some(path) = explicit {
            let text = read(path, path)?;
            return Ok(Some(Found {
                shown: path.to_path_buf(),
                text,
            }));
        }
        let present: Vec<&str> = FILE_NAMES
            .into_iter()
            .filter(|name| repo_root.join(name).is_file())
            .collect();
        match present.as_slice() {
            [] => Ok(None),
            [name] => {
                // Named relative to the repository root, as CI annotations expect.
                let text = read(&repo_root.join(name), Path::new(name))?;
                Ok(Some(Found {
                    shown: PathBuf::from(name),
                    text,
                }))
            }
            [first, second, ..] => Err(ConfigError::Ambiguous {
                first: repo_root.join(first),
                second: repo_root.join(second),
            }),
        }
    }

    /// Parses and checks configuration text; `path` names it in errors. The first problem
    /// is the error; when there are more, its hint says how many and how to list them.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Config::parse_all(text, path).map_err(|mut errors| {
            let more = errors.len() - 1;
            let mut first = errors.swap_remove(0);
            if more > 0 {
                first.add_hint(&format!(
                    "{more} more problem{} in this file: `shipline-status check` lists them all",
                    if more == 1 { "" } else { "s" }
                ));
            }
            first
        })
    }

    /// Parses and checks configuration text and returns every problem found, in file order
    /// (never an empty list). The parser stops at the first value it cannot read; the checks
    /// across the file (`after:` names and cycles, the tag prefix) report every finding, up to
    /// [`MAX_REPORTED`](super::MAX_REPORTED).
    pub fn parse_all(text: &str, path: &Path) -> Result<Config, Vec<ConfigError>> {
        // An empty file, or one with only comments, is a file that configures nothing.
        let blank = text
            .lines()
            .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
        let mut config = if blank {
            Config::default()
        } else {
            serde_saphyr::from_str::<Config>(text)
                .map_err(|err| vec![ConfigError::from_yaml(path, text, &err)])?
        };
        let mut errors = Vec::new();
        config.environments.check(path, &mut errors);
        config
            .components
            .check(&config.environments, path, &mut errors);
        if let Err(err) = config.check_tag_prefix(path) {
            errors.push(err);
        }
        if !errors.is_empty() {
            errors.sort_by_key(|err| err.location().map(|at| (at.line, at.column)));
            return Err(errors);
        }
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// `stale_after`, or its default of six hours.
    pub fn stale_after(&self) -> super::Duration {
        self.stale_after.unwrap_or(DEFAULT_STALE_AFTER)
    }

    /// The prefix of version tags, when configured: `versions.tag_prefix`, or the older
    /// `environments.<env>.release.tag_prefix`, still read when it is the only one given.
    pub fn tag_prefix(&self) -> Option<&str> {
        self.versions.tag_prefix.as_deref().or_else(|| {
            self.environments
                .iter()
                .find_map(|env| env.release.as_ref()?.tag_prefix.as_deref())
        })
    }

    /// Both tools must read one prefix: an older per-environment `release.tag_prefix` that
    /// disagrees with `versions.tag_prefix` or with another environment's is refused.
    fn check_tag_prefix(&self, path: &Path) -> Result<(), ConfigError> {
        let Some(prefix) = self.tag_prefix() else {
            return Ok(());
        };
        for env in self.environments.iter() {
            let Some(old) = env.release.as_ref().and_then(|r| r.tag_prefix.as_deref()) else {
                continue;
            };
            if old != prefix {
                return Err(ConfigError::invalid(
                    path,
                    serde_saphyr::Location::UNKNOWN,
                    format!(
                        "`environments.{}.release.tag_prefix` is `{old}` but the version tags' \
                         prefix is `{prefix}`",
                        env.name()
                    ),
                    Some(format!(
                        "version tags have one prefix for every tool and environment: set \
                         `versions: {{ tag_prefix: \"{prefix}\" }}` at the top level and remove \
                         `tag_prefix` from the environments' `release:`"
                    )),
                ));
            }
        }
        Ok(())
    }

    /// The file this configuration came from (as named in errors), or `None` for the defaults.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// The environment called `name`; the error lists the known ones.
    pub fn environment(&self, name: &str) -> Result<&Environment, ConfigError> {
        self.deployment_target(name)
            .map(|(env, _)| env)
            .ok_or_else(|| ConfigError::UnknownEnvironment {
                name: name.to_string(),
                known: self
                    .environments
                    .names()
                    .into_iter()
                    .map(String::from)
                    .collect(),
            })
    }

    /// What a ledger environment name stands for: a configured environment (`production`), or
    /// a component in one (`production/api`, when `api` is deployed to `production`), with the
    /// environment's settings either way.
    pub fn deployment_target(&self, name: &str) -> Option<(&Environment, Option<&Component>)> {
        if let Some(env) = self.environments.get(name) {
            return Some((env, None));
        }
        let (env, component) = name.rsplit_once('/')?;
        let env = self.environments.get(env)?;
        let component = self.components.get(component)?;
        component
            .deploys_to(env.name())
            .then_some((env, Some(component)))
    }

    /// Environment names ordered upstream first: each after everything in its `after:`, ties in
    /// file order.
    pub fn upstream_order(&self) -> Vec<&str> {
        self.environments
            .upstream_order()
            .into_iter()
            .map(Environment::name)
            .collect()
    }

    /// The production environment: the first one that [`Environment::is_production`].
    pub fn production(&self) -> Option<&Environment> {
        self.environments.iter().find(|env| env.is_production())
    }
}
