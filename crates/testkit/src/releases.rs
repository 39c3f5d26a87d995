//! Release archives laid out as the release workflow builds them, and a file server on 127.0.0.1
//! to download them from: what the action's install script and the GitLab template's
//! `install: release` are tested against.
//!
//! An archive `shipline-<version>-<target>.tar.gz` (`.zip` for Windows) holds one directory
//! `shipline-<version>-<target>/` with the four tools (`.exe` in a zip). The tools here are shell
//! scripts, so a test sees which archive a job installed by what they print or log.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::background::Background;

/// The binaries every release archive holds.
pub const TOOLS: [&str; 4] = [
    "shipline-risk",
    "shipline-status",
    "shipline-promote",
    "shipline-revert",
];

#[derive(Clone, Default)]
struct Served {
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    log: Arc<Mutex<Vec<String>>>,
}

async fn serve(State(served): State<Served>, uri: Uri) -> Response {
    let path = uri.path().to_string();
    lock(&served.log).push(path.clone());
    match lock(&served.files).get(&path) {
        Some(body) => body.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Serves fixed bytes by path (404 for anything else) on an ephemeral loopback port, on its own
/// thread and runtime, so it works from plain and from async tests alike. Every path asked for
/// is logged. Dropping it stops the server.
pub struct FileServer {
    server: Background,
    served: Served,
}

impl FileServer {
    /// Starts an empty server.
    pub fn start() -> FileServer {
        let served = Served::default();
        let app = Router::new().fallback(serve).with_state(served.clone());
        let server = Background::start("file-server", 1, |listener, stop| async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.await;
                })
                .await;
        });
        FileServer { server, served }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Serves `bytes` at `path` (`/releases/v1.2.3/checksums.sha256`).
    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        self.files().insert(path.to_string(), bytes);
    }

    /// What is served, by path: to tamper with a file or take it away.
    pub fn files(&self) -> MutexGuard<'_, HashMap<String, Vec<u8>>> {
        lock(&self.served.files)
    }

    /// The paths asked for so far.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.served.log).clone()
    }

    /// The paths asked for so far, then forgets them.
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.served.log))
    }
}

/// Packs the archive of `version` for `target` in `dir`, `ext` being `tar.gz` or `zip`; each
/// tool is a shell script whose body is `script(tool)`. Returns the archive's file name and its
/// SHA-256 in hex; the archive is left in `dir`.
pub fn pack(
    dir: &Path,
    version: &str,
    target: &str,
    ext: &str,
    script: impl Fn(&str) -> String,
) -> (String, String) {
    use std::os::unix::fs::PermissionsExt;

    let name = format!("shipline-{version}-{target}");
    let root = dir.join(&name);
    std::fs::create_dir_all(&root).expect("archive directory");
    let exe = if ext == "zip" { ".exe" } else { "" };
    for tool in TOOLS {
        let bin = root.join(format!("{tool}{exe}"));
        std::fs::write(&bin, format!("#!/bin/sh\n{}\n", script(tool))).expect("tool script");
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755))
            .expect("chmod +x the tool script");
    }
    let file = format!("{name}.{ext}");
    let mut pack = match ext {
        "zip" => {
            let mut zip = Command::new("zip");
            zip.args(["-qr", &file, &name]);
            zip
        }
        "tar.gz" => {
            let mut tar = Command::new("tar");
            tar.args(["-czf", &file, &name]);
            tar
        }
        other => panic!("no release archive is a .{other}"),
    };
    let status = pack
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("packing {file} needs `tar` and `zip` on PATH: {e}"));
    assert!(status.success(), "packing {file}");
    let hash = sha256_hex(&dir.join(&file));
    (file, hash)
}

/// The SHA-256 of a file in hex, as `sha256sum` prints it.
pub fn sha256_hex(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("sha256sum {}: {e}", path.display()));
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8(out.stdout).expect("sha256sum output")[..64].to_string()
}
