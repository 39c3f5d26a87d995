//! A release download server on 127.0.0.1 for the template's `install: release`: archives named
//! and laid out as the release workflow builds them (`shipline-<version>-<target>.tar.gz`
//! holding a `shipline-<version>-<target>/` directory with the four binaries) and the release's
//! `checksums.sha256`, under `/releases/v<version>/`, with a log of every path asked for.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::TOOLS;

/// The targets the release workflow builds `.tar.gz` archives for (Windows gets a `.zip`,
/// which the template does not install).
pub const TARGETS: [&str; 4] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

/// The release target of the machine running the test, as the template's `uname` mapping
/// chooses it.
pub fn this_target() -> String {
    let os = match std::env::consts::OS {
        "linux" => "unknown-linux-musl",
        "macos" => "apple-darwin",
        other => panic!("no shipline release archive for {other}"),
    };
    format!("{}-{os}", std::env::consts::ARCH)
}

#[derive(Clone, Default)]
struct Served {
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    log: Arc<Mutex<Vec<String>>>,
}

async fn serve(State(served): State<Served>, uri: Uri) -> Response {
    let path = uri.path().to_string();
    served.log.lock().unwrap().push(path.clone());
    match served.files.lock().unwrap().get(&path) {
        Some(body) => body.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A running release server; dropping it stops the server.
pub struct ReleaseServer {
    /// `http://127.0.0.1:PORT/releases`: the template's `download-url`.
    pub url: String,
    version: String,
    served: Served,
    dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl ReleaseServer {
    /// Serves release `version` with an archive for every target, each of whose binaries is a
    /// script that appends `<tool> <target> <args>` to `$CI_PROJECT_DIR/installed.log`, so a
    /// job shows which archive it got. `checksums.sha256` lists them all.
    pub fn start(version: &str) -> ReleaseServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("release server runtime");
        let served = Served::default();
        let app = Router::new().fallback(serve).with_state(served.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the release server on loopback");
        let url = format!(
            "http://{}/releases",
            listener.local_addr().expect("release server address")
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
        let server = ReleaseServer {
            url,
            version: version.to_string(),
            served,
            dir: tempfile::tempdir().expect("archive dir"),
            _runtime: runtime,
        };
        let lines: Vec<String> = TARGETS
            .iter()
            .map(|target| {
                let (file, hash) = server.publish(target);
                format!("{hash}  {file}")
            })
            .collect();
        server.set_checksums(&lines.join("\n"));
        server
    }

    /// The archive's file name for `target`.
    pub fn archive(&self, target: &str) -> String {
        format!("shipline-{}-{target}.tar.gz", self.version)
    }

    /// The SHA-256 of the archive served for `target`.
    pub fn sha256(&self, target: &str) -> String {
        sha256_hex(&self.dir.path().join(self.archive(target)))
    }

    /// Replaces the release's `checksums.sha256`.
    pub fn set_checksums(&self, text: &str) {
        self.put("checksums.sha256", format!("{text}\n").into_bytes());
    }

    /// The paths asked for so far, then forgets them.
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.served.log.lock().unwrap())
    }

    /// The path of `file` of this release on the server.
    pub fn path_of(&self, file: &str) -> String {
        format!("/releases/v{}/{file}", self.version)
    }

    fn put(&self, file: &str, bytes: Vec<u8>) {
        self.served
            .files
            .lock()
            .unwrap()
            .insert(self.path_of(file), bytes);
    }

    fn publish(&self, target: &str) -> (String, String) {
        let name = format!("shipline-{}-{target}", self.version);
        let root: PathBuf = self.dir.path().join(&name);
        std::fs::create_dir_all(&root).unwrap();
        for tool in TOOLS {
            let bin = root.join(tool);
            std::fs::write(
                &bin,
                format!(
                    "#!/bin/sh\necho \"{tool} {target} $*\" >> \"$CI_PROJECT_DIR/installed.log\"\n"
                ),
            )
            .unwrap();
            let status = Command::new("chmod").arg("+x").arg(&bin).status().unwrap();
            assert!(status.success());
        }
        let file = self.archive(target);
        let status = Command::new("tar")
            .args(["-czf", &file, &name])
            .current_dir(self.dir.path())
            .status()
            .unwrap_or_else(|e| panic!("packing {file} needs `tar` on PATH: {e}"));
        assert!(status.success(), "packing {file}");
        let bytes = std::fs::read(self.dir.path().join(&file)).unwrap();
        self.put(&file, bytes);
        let hash = self.sha256(target);
        (file, hash)
    }
}

fn sha256_hex(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}
