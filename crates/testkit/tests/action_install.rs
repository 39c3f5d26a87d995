//! The GitHub Action's install script (`scripts/install-action.sh`) under a simulated runner.
//!
//! The action is only as trustworthy as this script: it must fetch the archive for the runner's own
//! OS and architecture, install nothing whose hash is not in the action ref's `checksums.sha256`,
//! reuse the tool cache instead of downloading again, and build from source when the ref has no
//! release. Each test runs the real script with bash in a cleared environment (temp
//! `RUNNER_TOOL_CACHE`, `GITHUB_PATH`, `GITHUB_OUTPUT`, `RUNNER_OS`, `RUNNER_ARCH`) against an HTTP
//! server on 127.0.0.1 that serves release archives built here with tar and zip. The last test
//! covers the second step (`scripts/run-action.sh`), which turns inputs into the tools' variables.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use shipline_testkit::releases::{FileServer, TOOLS, pack};

const VERSION: &str = "1.2.3";
/// Runner OS, runner arch, the release target, the archive extension.
const PLATFORMS: [(&str, &str, &str, &str); 5] = [
    ("Linux", "X64", "x86_64-unknown-linux-musl", "tar.gz"),
    ("Linux", "ARM64", "aarch64-unknown-linux-musl", "tar.gz"),
    ("macOS", "X64", "x86_64-apple-darwin", "tar.gz"),
    ("macOS", "ARM64", "aarch64-apple-darwin", "tar.gz"),
    ("Windows", "X64", "x86_64-pc-windows-msvc", "zip"),
];

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/install-action.sh")
}

/// A release server on loopback plus one simulated runner (action tree, tool cache, runner files).
struct Runner {
    dir: tempfile::TempDir,
    server: FileServer,
}

impl Runner {
    fn start() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["action", "cache", "temp", "bin", "archives"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let runner = Runner {
            dir,
            server: FileServer::start(),
        };
        runner.write_checksums(&[]);
        runner
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn cache(&self) -> PathBuf {
        self.path("cache")
    }

    fn write_checksums(&self, lines: &[String]) {
        let mut text = String::from("# release archives of this version\n");
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        fs::write(self.path("action/checksums.sha256"), text).unwrap();
    }

    /// Builds `shipline-<VERSION>-<target>.<ext>` whose binaries print their name and target, and
    /// serves it under `/releases/v<VERSION>/`. Returns the archive's file name and its sha256.
    fn publish(&self, target: &str, ext: &str) -> (String, String) {
        let archives = self.path("archives");
        let (file, hash) = pack(&archives, VERSION, target, ext, |tool| {
            format!("echo {tool} {target}")
        });
        let bytes = fs::read(archives.join(&file)).unwrap();
        self.server
            .put(&format!("/releases/v{VERSION}/{file}"), bytes);
        (file, hash)
    }

    /// Publishes every release target and lists them all in the action's checksums file, as the
    /// release workflow does.
    fn publish_all(&self) {
        let lines: Vec<String> = PLATFORMS
            .iter()
            .map(|(_, _, target, ext)| {
                let (file, hash) = self.publish(target, ext);
                format!("{hash}  {file}")
            })
            .collect();
        self.write_checksums(&lines);
    }

    fn requests(&self) -> Vec<String> {
        self.server.requests()
    }

    /// Runs the install script as the action's first step does.
    fn install(&self, os: &str, arch: &str, version: &str) -> Run {
        let github_path = self.path("github_path");
        let github_output = self.path("github_output");
        fs::write(&github_path, "").unwrap();
        fs::write(&github_output, "").unwrap();
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let output = Command::new("bash")
            .arg(script())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("GITHUB_ACTION_PATH", self.path("action"))
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env("RUNNER_TOOL_CACHE", self.cache())
            .env("RUNNER_TEMP", self.path("temp"))
            .env("GITHUB_PATH", &github_path)
            .env("GITHUB_OUTPUT", &github_output)
            .env("SHIPLINE_INSTALL_VERSION", version)
            .env(
                "SHIPLINE_DOWNLOAD_BASE",
                format!("{}/releases/", self.server.url()),
            )
            .output()
            .unwrap();
        let outputs = fs::read_to_string(&github_output)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Run {
            github_path: fs::read_to_string(&github_path).unwrap(),
            outputs,
            output,
        }
    }

    /// A `cargo` first on PATH that records its arguments and writes the four binaries where
    /// `--target-dir` says, instead of compiling.
    fn fake_cargo(&self) -> PathBuf {
        let record = self.path("cargo-args");
        let cargo = self.path("bin/cargo");
        fs::write(
            &cargo,
            format!(
                r#"#!/bin/sh
printf '%s\n' "$@" >> '{record}'
echo --- >> '{record}'
dir=""
prev=""
for a in "$@"; do
  [ "$prev" = --target-dir ] && dir="$a"
  prev="$a"
done
mkdir -p "$dir/release"
for t in {tools}; do
  printf '#!/bin/sh\necho %s built\n' "$t" > "$dir/release/$t"
  chmod +x "$dir/release/$t"
done
"#,
                record = record.display(),
                tools = TOOLS.join(" ")
            ),
        )
        .unwrap();
        chmod_x(&cargo);
        // The action's own source, as a checkout of the action at a branch has it.
        fs::write(
            self.path("action/Cargo.toml"),
            "[workspace]\nmembers = [\"crates/*\"]\n",
        )
        .unwrap();
        fs::write(self.path("action/Cargo.lock"), "version = 4\n").unwrap();
        fs::create_dir_all(self.path("action/crates/risk/src")).unwrap();
        fs::write(
            self.path("action/crates/risk/src/main.rs"),
            "fn main() {}\n",
        )
        .unwrap();
        record
    }
}

struct Run {
    github_path: String,
    outputs: HashMap<String, String>,
    output: Output,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    fn assert_ok(&self) {
        assert!(
            self.output.status.success(),
            "install failed: {}\n{}",
            String::from_utf8_lossy(&self.output.stdout),
            self.stderr()
        );
    }

    fn assert_refused(&self, message: &str) {
        assert!(!self.output.status.success(), "install should have failed");
        assert!(
            self.stderr().contains(message),
            "expected {message:?} in: {}",
            self.stderr()
        );
        assert_eq!(self.github_path, "", "nothing may be put on PATH");
        assert!(!self.outputs.contains_key("bin-dir"));
    }

    fn bin_dir(&self) -> PathBuf {
        let dir = PathBuf::from(&self.outputs["bin-dir"]);
        assert_eq!(self.github_path, format!("{}\n", dir.display()));
        dir
    }
}

fn chmod_x(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn run_tool(dir: &Path, file: &str) -> String {
    let out = Command::new("sh").arg(dir.join(file)).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn installs_the_archive_of_the_runners_os_and_arch() {
    let runner = Runner::start();
    runner.publish_all();
    for (os, arch, target, ext) in PLATFORMS {
        let before = runner.requests().len();
        let run = runner.install(os, arch, "");
        run.assert_ok();
        assert_eq!(
            runner.requests()[before..],
            [format!(
                "/releases/v{VERSION}/shipline-{VERSION}-{target}.{ext}"
            )],
            "{os}/{arch}"
        );
        let dir = run.bin_dir();
        assert_eq!(
            dir,
            runner.cache().join(format!("shipline/{VERSION}/{target}"))
        );
        assert_eq!(run.outputs["source"], "release");
        assert_eq!(run.outputs["version"], VERSION);
        assert_eq!(run.outputs["target"], target);
        let exe = if os == "Windows" { ".exe" } else { "" };
        for tool in TOOLS {
            assert_eq!(
                run_tool(&dir, &format!("{tool}{exe}")),
                format!("{tool} {target}"),
                "{os}/{arch}: the binary from the {target} archive"
            );
        }
    }

    let run = runner.install("Windows", "ARM64", "");
    run.assert_refused("no prebuilt shipline for RUNNER_OS=Windows RUNNER_ARCH=ARM64");
    assert!(run.stderr().contains("version: source"));
    assert_eq!(runner.requests().len(), PLATFORMS.len());
}

#[test]
fn refuses_an_archive_whose_checksum_does_not_match() {
    let runner = Runner::start();
    runner.publish_all();
    let path = format!("/releases/v{VERSION}/shipline-{VERSION}-x86_64-unknown-linux-musl.tar.gz");
    runner
        .server
        .files()
        .get_mut(&path)
        .unwrap()
        .extend_from_slice(b"tampered");

    let run = runner.install("Linux", "X64", "");
    run.assert_refused("checksum mismatch for shipline-1.2.3-x86_64-unknown-linux-musl.tar.gz");
    assert!(run.stderr().contains("nothing was installed"));
    assert_eq!(runner.requests(), [path]);
    assert!(
        !runner.cache().join("shipline").exists(),
        "the tool cache must stay empty"
    );

    // An archive that the checksums file does not list is refused before any download.
    let run = runner.install("Linux", "X64", "9.9.9");
    run.assert_refused("lists no shipline-9.9.9-x86_64-unknown-linux-musl.tar.gz");
    assert_eq!(runner.requests().len(), 1);

    // A listed archive that the server does not have: the download error names the URL.
    runner.server.files().clear();
    let run = runner.install("macOS", "ARM64", "");
    run.assert_refused("download of http://");
    assert!(run.stderr().contains("download-base"));
}

#[test]
fn second_run_uses_the_tool_cache() {
    let runner = Runner::start();
    runner.publish_all();
    let first = runner.install("Linux", "ARM64", "");
    first.assert_ok();
    assert_eq!(first.outputs["source"], "release");
    assert_eq!(runner.requests().len(), 1);

    let second = runner.install("Linux", "ARM64", "v1.2.3");
    second.assert_ok();
    assert_eq!(second.outputs["source"], "cache");
    assert_eq!(runner.requests().len(), 1, "no second download");
    assert_eq!(second.bin_dir(), first.bin_dir());

    // An interrupted install (no completion marker) is not a cache hit.
    let marker = PathBuf::from(format!("{}.complete", first.outputs["bin-dir"]));
    fs::remove_file(marker).unwrap();
    let third = runner.install("Linux", "ARM64", "");
    third.assert_ok();
    assert_eq!(third.outputs["source"], "release");
    assert_eq!(runner.requests().len(), 2);
}

#[test]
fn builds_from_source_when_the_ref_has_no_release() {
    let runner = Runner::start();
    let record = runner.fake_cargo();

    let run = runner.install("Linux", "X64", "");
    run.assert_ok();
    assert_eq!(run.outputs["source"], "build");
    assert!(runner.requests().is_empty(), "nothing to download");
    let args = fs::read_to_string(&record).unwrap();
    let action = runner.path("action");
    let target_dir = runner.path("temp/shipline-build");
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "build",
            "--release",
            "--locked",
            "--manifest-path",
            &format!("{}/Cargo.toml", action.display()),
            "--target-dir",
            &target_dir.display().to_string(),
            "-p",
            "shipline-risk",
            "-p",
            "shipline-status",
            "-p",
            "shipline-promote",
            "-p",
            "shipline-revert",
            "---",
        ]
    );
    let dir = run.bin_dir();
    assert!(dir.starts_with(runner.cache().join("shipline")));
    assert!(run.outputs["version"].starts_with("source-"));
    for tool in TOOLS {
        assert_eq!(run_tool(&dir, tool), format!("{tool} built"));
    }

    // Same source: the cache answers, cargo is not run again.
    let again = runner.install("Linux", "X64", "");
    again.assert_ok();
    assert_eq!(again.outputs["source"], "cache");
    assert_eq!(fs::read_to_string(&record).unwrap(), args);

    // Changed source: a new build.
    fs::write(
        runner.path("action/crates/risk/src/main.rs"),
        "fn main() { println!(); }\n",
    )
    .unwrap();
    let changed = runner.install("Linux", "X64", "");
    changed.assert_ok();
    assert_eq!(changed.outputs["source"], "build");
    assert_ne!(changed.outputs["version"], run.outputs["version"]);

    // `version: source` builds even when the ref has a release.
    runner.publish_all();
    let forced = runner.install("Linux", "X64", "source");
    forced.assert_ok();
    assert_eq!(forced.outputs["source"], "cache");
    assert!(runner.requests().is_empty());
    let released = runner.install("Linux", "X64", "");
    released.assert_ok();
    assert_eq!(released.outputs["source"], "release");
}

#[test]
fn source_fallback_without_cargo_says_how_to_fix_it() {
    let runner = Runner::start();
    // PATH without any cargo: only the basic tools the script needs.
    let bin = runner.path("bin");
    for tool in ["bash", "sed", "awk", "head", "mkdir", "find", "cut"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        let from = String::from_utf8(found.stdout).unwrap();
        std::os::unix::fs::symlink(from.trim(), bin.join(tool)).unwrap();
    }
    let output = Command::new(bin.join("bash"))
        .arg(script())
        .env_clear()
        .env("PATH", &bin)
        .env("GITHUB_ACTION_PATH", runner.path("action"))
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TOOL_CACHE", runner.cache())
        .env("GITHUB_PATH", runner.path("github_path"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("has no shipline release to download, and cargo is not installed"),
        "{stderr}"
    );
    assert!(stderr.contains("uses: shipline/shipline@v1"));
}

/// The action's second step: set inputs become `SHIPLINE_<FLAG>`, empty ones stay unset (the tools
/// read a set-but-empty variable as a flag without a value), `args` is split without globbing.
#[test]
fn run_step_passes_only_the_inputs_that_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let tool = dir.path().join("shipline-status");
    fs::write(
        &tool,
        "#!/bin/sh\nfor a in \"$@\"; do echo \"arg=$a\"; done\nenv | grep '^SHIPLINE_' | grep -v '^SHIPLINE_BIN_DIR=' | sort\n",
    )
    .unwrap();
    chmod_x(&tool);
    let run = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/run-action.sh");
    let output = Command::new("bash")
        .arg(&run)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .current_dir(dir.path())
        .env("SHIPLINE_BIN_DIR", dir.path())
        .env("IN_COMMAND", "status")
        .env("IN_SUBCOMMAND", "finish")
        .env("IN_ENV", "staging")
        .env("IN_COMPONENT", "api")
        .env("IN_STATE", "failure")
        .env("IN_COMMENT", "")
        .env("IN_DRY_RUN", "")
        .env("IN_ARGS", "  --url   https://x.example/*  ")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "arg=finish\narg=--url\narg=https://x.example/*\nSHIPLINE_COMPONENT=api\nSHIPLINE_ENV=staging\nSHIPLINE_STATE=failure\n"
    );

    let output = Command::new("bash")
        .arg(&run)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("IN_COMMAND", "deploy")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("use risk, status, promote or revert")
    );
}
