//! The JSON Schema of `.shipline.yml`, generated from the configuration types so it cannot
//! disagree with what the parser accepts about shapes, names and defaults.
//!
//! Editors use it for completion and inline errors (YAML language servers read it through a
//! `# yaml-language-server: $schema=...` comment). A copy is committed as
//! `docs/shipline.schema.json`; a test fails when it drifts. Checks that need more than one
//! value or a compiler (increasing steps, cycles, cron and glob syntax) are described in the
//! schema's text but enforced only by [`Config::parse`].

use super::file::Config;

/// The JSON Schema (draft 2020-12) of the configuration file.
pub fn schema() -> schemars::Schema {
    schemars::schema_for!(Config)
}

/// [`schema`] as pretty-printed JSON with a trailing newline: the committed file's contents.
pub fn schema_json() -> String {
    let mut text = serde_json::to_string_pretty(&schema())
        .unwrap_or_else(|err| unreachable!("a schema is always serialisable JSON: {err}"));
    text.push('\n');
    text
}
