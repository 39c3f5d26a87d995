//! A release download server on 127.0.0.1 for the template's `install: release`: the archives of
//! one version for the `.tar.gz` targets and the release's `checksums.sha256`, under
//! `/releases/v<version>/`, with a log of every path asked for.

use shipline_testkit::releases::{FileServer, pack, sha256_hex};

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

/// A running release server; dropping it stops the server.
pub struct ReleaseServer {
    /// `http://127.0.0.1:PORT/releases`: the template's `download-url`.
    pub url: String,
    version: String,
    server: FileServer,
    dir: tempfile::TempDir,
}

impl ReleaseServer {
    /// Serves release `version` with an archive for every target, each of whose binaries is a
    /// script that appends `<tool> <target> <args>` to `$CI_PROJECT_DIR/installed.log`, so a
    /// job shows which archive it got. `checksums.sha256` lists them all.
    pub fn start(version: &str) -> ReleaseServer {
        let server = FileServer::start();
        let release = ReleaseServer {
            url: format!("{}/releases", server.url()),
            version: version.to_string(),
            server,
            dir: tempfile::tempdir().expect("archive dir"),
        };
        let lines: Vec<String> = TARGETS
            .iter()
            .map(|target| {
                let (file, hash) = pack(release.dir.path(), version, target, "tar.gz", |tool| {
                    format!("echo \"{tool} {target} $*\" >> \"$CI_PROJECT_DIR/installed.log\"")
                });
                let bytes = std::fs::read(release.dir.path().join(&file)).unwrap();
                release.server.put(&release.path_of(&file), bytes);
                format!("{hash}  {file}")
            })
            .collect();
        release.set_checksums(&lines.join("\n"));
        release
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
        self.server.put(
            &self.path_of("checksums.sha256"),
            format!("{text}\n").into_bytes(),
        );
    }

    /// The paths asked for so far, then forgets them.
    pub fn take_requests(&self) -> Vec<String> {
        self.server.take_requests()
    }

    /// The path of `file` of this release on the server.
    pub fn path_of(&self, file: &str) -> String {
        format!("/releases/v{}/{file}", self.version)
    }
}
