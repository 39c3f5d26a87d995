//! The four tools' binaries as the workspace build left them, for the whole-pipeline tests.
//!
//! Those tests live in this package, which builds none of the tools, and `CARGO_BIN_EXE_<name>`
//! only names the binaries of the test's own package. `cargo test --workspace` builds every
//! tool (each has integration tests that run its binary) before it runs any test, into the same
//! profile directory as the test executables: `target/debug/deps/<test>-<hash>` runs the tools
//! in `target/debug`. These tests never build the tools themselves: building is the build's job,
//! and a `cargo build` started from inside a test runs silently, competes with the running
//! `cargo test` for the target directory and need not build what the workspace build would.
//!
//! With `cargo test -p shipline-testkit` the tools are whatever the last workspace build left
//! there; run `cargo build --bins` first to test current sources.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::releases::TOOLS;

/// The directory holding all four tools, looked up once per test binary. Panics, naming the
/// directories searched and the command to run, when no directory holds all four.
///
/// Searched in order: the profile directory of the running test executable (the parent of its
/// `deps` directory), then that profile under `CARGO_TARGET_DIR` and `CARGO_BUILD_TARGET_DIR`
/// when set (relative ones taken from the workspace root), then under the workspace's `target`.
pub fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test executable's path");
        let candidates = candidates(&exe, |name| std::env::var_os(name));
        match candidates.iter().find(|dir| missing(dir).is_empty()) {
            Some(dir) => dir.clone(),
            None => {
                let first = &candidates[0];
                panic!(
                    "{} not built (looked in {}): these tests run the four tools that `cargo \
                     test --workspace` builds; run them with `cargo test --workspace`, or run \
                     `cargo build --bins` first",
                    missing(first).join(", "),
                    candidates
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }
        }
    })
}

/// The path of one tool (`shipline-risk`, ...) in [`dir`].
pub fn exe(tool: &str) -> PathBuf {
    dir().join(file_name(tool))
}

fn file_name(tool: &str) -> String {
    format!("{tool}{}", std::env::consts::EXE_SUFFIX)
}

fn missing(dir: &Path) -> Vec<&'static str> {
    TOOLS
        .into_iter()
        .filter(|tool| !dir.join(file_name(tool)).is_file())
        .collect()
}

/// Where to look, first the likeliest, without duplicates.
fn candidates(exe: &Path, var: impl Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let parent = exe.parent().unwrap_or(Path::new("."));
    let (profile_dir, profile) = if parent.ends_with("deps") {
        let profile_dir = parent.parent().unwrap_or(parent);
        let profile = profile_dir.file_name().map(PathBuf::from);
        (profile_dir.to_path_buf(), profile)
    } else {
        (parent.to_path_buf(), None)
    };
    let profile = profile.unwrap_or_else(|| PathBuf::from("debug"));
    let mut dirs = vec![profile_dir];
    for name in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"] {
        if let Some(target) = var(name).filter(|v| !v.is_empty()) {
            dirs.push(workspace.join(target).join(&profile));
        }
    }
    dirs.push(workspace.join("target").join(&profile));
    let mut unique: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        let dir = dir.canonicalize().unwrap_or(dir);
        if !unique.contains(&dir) {
            unique.push(dir);
        }
    }
    unique
}
