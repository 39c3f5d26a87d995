//! Decides at build time whether the tests that run GitLab pipelines for real can run here:
//! `gitlab-ci-local` and `rsync` on PATH set `cfg(gitlab_ci_local)`. Without them those tests
//! are marked ignored, with the install command as the reason, so a plain `cargo test` reports
//! them as skipped instead of passing them. `SHIPLINE_REQUIRE_GITLAB_CI_LOCAL=1` (set by
//! `.ci/run`) sets the cfg whatever is found, so a missing tool fails those tests instead.

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(gitlab_ci_local)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=SHIPLINE_REQUIRE_GITLAB_CI_LOCAL");
    let required = std::env::var("SHIPLINE_REQUIRE_GITLAB_CI_LOCAL").as_deref() == Ok("1");
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if required || (runs("gitlab-ci-local") && runs("rsync")) {
        println!("cargo::rustc-cfg=gitlab_ci_local");
    }
}
