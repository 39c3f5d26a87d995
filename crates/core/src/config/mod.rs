//! The `.shipline.yml` configuration: environments and their promotion gates and rollouts, risk
//! scoring knobs, revert policy, and how version tags are spelled.
//!
//! Every tool reads the same file through [`Config::load`], so a key means the same thing to all
//! of them and a mistake is reported once, the same way, before anything runs: with the file,
//! line and column, what is wrong and the fix. Every section is optional; no file at all means
//! [`Config::default`].
//!
//! Locations come from serde-saphyr. Values that can be checked on their own (durations, cron
//! expressions, time zones, globs, regular expressions, URLs, rollout steps, thresholds, health
//! check kinds) are checked while deserializing, so the parser's location of the value is the
//! error's location; for mappings checked as a whole (a health check, the risk levels, the
//! canary settings) it is the first key of the mapping. The checks across environments
//! (`after:` names and cycles) run after parsing and use the locations serde-saphyr records for
//! each `after:` entry ([`serde_saphyr::Spanned`]).

mod bounds;
mod check;
mod compare;
mod components;
mod duration;
mod environment;
mod error;
mod file;
mod freeze;
mod health;
mod revert;
mod risk;
mod rollout;
mod scalars;
mod schema;
mod versions;
mod zone;

pub use check::{CheckReport, check};
pub use compare::{CanarySettings, CompareCheck, CompareSides, Direction};
pub use components::{Component, Components, MANIFESTS, PathRule};
pub use duration::{Duration, DurationError};
pub use environment::{Environment, Environments, ReleaseConfig};
pub use error::{ConfigError, MAX_REPORTED, SourceLocation};
pub use file::{Config, FILE_NAMES, Found};
pub use freeze::{CronExpr, FreezeWindow, FrozenUntil};
pub use health::{CommandCheck, HealthCheck, HttpCheck, PrometheusCheck};
pub use revert::{RevertConfig, RevertTrigger};
pub use risk::{RiskConfig, RiskLevel, RiskLevels, SensitivePath};
pub use rollout::{Rollout, Steps};
pub use scalars::{GlobPattern, HttpUrl, RegexPattern};
pub use schema::{schema, schema_json};
pub use versions::VersionsConfig;
pub use zone::TimeZone;
