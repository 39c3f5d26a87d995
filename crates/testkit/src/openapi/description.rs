//! GitHub's description of the operations shipline calls, as committed in
//! `fixtures/github-openapi.json`: what the checks validate against and what the fake GitHub
//! takes its example answers from.

use std::sync::OnceLock;

use serde_json::Value;

/// The extracted description (`fixtures/github-openapi.json`), parsed once.
pub fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        serde_json::from_str(include_str!("../../fixtures/github-openapi.json"))
            .expect("fixtures/github-openapi.json is not JSON; regenerate it with scripts/openapi-subset.mjs")
    })
}

/// Where the description came from (`@octokit/openapi@<version>`).
pub fn source() -> &'static str {
    fixture()["source"].as_str().unwrap_or("unknown")
}
