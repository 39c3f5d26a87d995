//! The whole configuration file: where it is looked for, how it is read and checked, and what
//! the tools ask of it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::environment::{Environment, Environments};
use super::error::ConfigError;
use super::revert::RevertConfig;
use super::risk::RiskConfig;
use super::versions::VersionsConfig;

/// The file names looked for at the repository root, in order of preference.
pub const FILE_NAMES: [&str; 2] = [".shipline.yml", ".shipline.yaml"];

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
    #[serde(skip)]
    source: Option<PathBuf>,
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
        if let Some(path) = explicit {
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    return Err(ConfigError::NotFound {
                        path: path.to_path_buf(),
                    });
                }
                Err(cause) => {
                    return Err(ConfigError::Read {
                        path: path.to_path_buf(),
                        cause,
                    });
                }
            };
            return Config::parse(&text, path);
        }
        let present: Vec<&str> = FILE_NAMES
            .into_iter()
            .filter(|name| repo_root.join(name).is_file())
            .collect();
        match present.as_slice() {
            [] => Ok(Config::default()),
            [name] => {
                let text = std::fs::read_to_string(repo_root.join(name)).map_err(|cause| {
                    ConfigError::Read {
                        path: repo_root.join(name),
                        cause,
                    }
                })?;
                // Named relative to the repository root, as CI annotations expect.
                Config::parse(&text, Path::new(name))
            }
            [first, second, ..] => Err(ConfigError::Ambiguous {
                first: repo_root.join(first),
                second: repo_root.join(second),
            }),
        }
    }

    /// Parses and checks configuration text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        // An empty file, or one with only comments, is a file that configures nothing.
        let blank = text
            .lines()
            .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
        let mut config = if blank {
            Config::default()
        } else {
            serde_saphyr::from_str::<Config>(text)
                .map_err(|err| ConfigError::from_yaml(path, text, &err))?
        };
        config.environments.check(path)?;
        config.check_tag_prefix(path)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
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
        self.environments
            .get(name)
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
