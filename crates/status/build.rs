//! Decides at build time whether the dashboard tests that load the page in headless Chromium
//! can run here: a `chromium` binary on PATH (or `SHIPLINE_CHROMIUM`) sets `cfg(chromium)`.
//! Without it those tests are marked ignored, with the install command as the reason, so a
//! plain `cargo test` reports them as skipped instead of passing them.
//! `SHIPLINE_REQUIRE_CHROMIUM=1` (set by `.ci/run`) sets the cfg whatever is found, so a
//! missing browser fails those tests instead.

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(chromium)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=SHIPLINE_CHROMIUM");
    println!("cargo::rerun-if-env-changed=SHIPLINE_REQUIRE_CHROMIUM");
    let required = std::env::var("SHIPLINE_REQUIRE_CHROMIUM").as_deref() == Ok("1");
    let program = std::env::var_os("SHIPLINE_CHROMIUM").unwrap_or_else(|| "chromium".into());
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if required || found {
        println!("cargo::rustc-cfg=chromium");
    }
}
