//! How version tags are spelled: the one key that shipline-risk (reading versions) and
//! shipline-promote (tagging releases) both read.

use serde::{Deserialize, Deserializer, Serialize};

use super::environment::check_tag_prefix;

fn tag_prefix<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let Some(prefix) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    check_tag_prefix(&prefix).map_err(serde::de::Error::custom)?;
    Ok(Some(prefix))
}

/// Version tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionsConfig {
    /// Text every version tag of this project starts with, before an optional `v` (`v`,
    /// `my-crate-`, `api/`). Default: the tag family with the most version tags reachable from
    /// the head (`1.2.3` and `v1.2.3` are one family); a new tag is spelled like the latest one
    /// of its family, and `v<version>` when there is none.
    #[serde(default, deserialize_with = "tag_prefix")]
    pub tag_prefix: Option<String>,
}
