//! Decides at build time whether the health-check tests against a real Prometheus server can run
//! here: a `prometheus` binary on PATH sets `cfg(prometheus_server)`. Without it those tests are
//! marked ignored, with the install command as the reason, so a plain `cargo test` reports them
//! as skipped instead of passing them. `SHIPLINE_REQUIRE_PROMETHEUS=1` (set by `.ci/run`) sets
//! the cfg whatever is found, so a missing server fails those tests instead.

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(prometheus_server)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=SHIPLINE_REQUIRE_PROMETHEUS");
    let required = std::env::var("SHIPLINE_REQUIRE_PROMETHEUS").as_deref() == Ok("1");
    let found = Command::new("prometheus")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if required || found {
        println!("cargo::rustc-cfg=prometheus_server");
    }
}
