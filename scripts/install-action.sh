#!/usr/bin/env bash
# Installs the shipline binaries for the GitHub Action (action.yml, first step).
#
# The action's own tree carries `checksums.sha256`, so pinning the action (tag or SHA) pins the
# binaries' hashes too: an archive whose hash is not in that file is never installed. A ref without a
# release (a branch or a commit between releases: the file lists no archive) builds the binaries from
# the action's own source with cargo instead.
#
# Inputs (environment):
#   GITHUB_ACTION_PATH     the action's tree (checksums.sha256, Cargo.toml, crates/)
#   SHIPLINE_INSTALL_VERSION  empty: the release listed in checksums.sha256, or a source build when it
#                          lists none; `source`: always build from source; X.Y.Z: that release (must
#                          be listed in checksums.sha256)
#   SHIPLINE_DOWNLOAD_BASE where releases are downloaded from (GitHub Enterprise Server: your mirror),
#                          default https://github.com/shipline/shipline/releases/download
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT  (the runner's)
# Outputs (GITHUB_OUTPUT): bin-dir, version, target, source (release | cache | build)
set -euo pipefail

fail() {
  printf '::error title=shipline install::%s\n' "$*" >&2
  exit 1
}

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this script as the action step}"
tool_cache="${RUNNER_TOOL_CACHE:?RUNNER_TOOL_CACHE is not set: run this script on a GitHub Actions runner}"
download_base="${SHIPLINE_DOWNLOAD_BASE:-https://github.com/shipline/shipline/releases/download}"
download_base="${download_base%/}"
requested="${SHIPLINE_INSTALL_VERSION:-}"
requested="${requested#v}"
checksums="$action_path/checksums.sha256"

# The release targets; anything else has no prebuilt archive.
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) target="" ;;
esac
exe=""
archive_ext=tar.gz
if [ "${RUNNER_OS:-}" = Windows ]; then
  exe=.exe
  archive_ext=zip
fi
tools=(shipline-risk shipline-status shipline-promote shipline-revert)

# sha256sum on Linux and Windows (Git Bash), shasum on macOS images without coreutils.
if command -v sha256sum >/dev/null 2>&1; then
  hasher=(sha256sum)
else
  hasher=(shasum -a 256)
fi
sha256_of() {
  "${hasher[@]}" "$1" | cut -d' ' -f1
}

emit() {
  # $1 bin dir, $2 version, $3 how it was obtained
  echo "$1" >>"${GITHUB_PATH:?GITHUB_PATH is not set: run this script on a GitHub Actions runner}"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
      echo "bin-dir=$1"
      echo "version=$2"
      echo "target=${target:-source}"
      echo "source=$3"
    } >>"$GITHUB_OUTPUT"
  fi
  echo "shipline $2 ($3) in $1"
}

complete() {
  # A cache entry counts only when every binary is there and the marker written last exists.
  local dir=$1 tool
  [ -f "$dir.complete" ] || return 1
  for tool in "${tools[@]}"; do
    [ -x "$dir/$tool$exe" ] || return 1
  done
}

# Which release this action ref was published with: the version in the archive names listed.
listed_version() {
  [ -f "$checksums" ] || return 0
  sed -En 's/^[0-9a-f]{64} [ *]?shipline-(.+)-(x86_64|aarch64)-[a-z0-9_-]+\.(tar\.gz|zip)$/\1/p' "$checksums" | head -n 1
}

build_from_source() {
  command -v cargo >/dev/null 2>&1 ||
    fail "this action ref ($action_path) has no shipline release to download, and cargo is not installed to build it: pin the action to a release tag (uses: shipline/shipline@v1) or install Rust (rustup) before this step"
  [ -f "$action_path/Cargo.toml" ] || fail "no Cargo.toml in $action_path: cannot build shipline from source"
  # Key the cache on the source itself, so a new commit of the action rebuilds.
  local key dir build tool
  key=$(cd "$action_path" && find Cargo.toml Cargo.lock crates -type f -not -path '*/target/*' -print0 |
    LC_ALL=C sort -z | xargs -0 "${hasher[@]}" | "${hasher[@]}" | cut -c1-16)
  dir="$tool_cache/shipline/source-$key/$(uname -m)"
  if complete "$dir"; then
    emit "$dir" "source-$key" cache
    return
  fi
  build="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/shipline-build"
  echo "building shipline from $action_path (no release for this ref)"
  cargo build --release --locked --manifest-path "$action_path/Cargo.toml" --target-dir "$build" \
    -p shipline-risk -p shipline-status -p shipline-promote -p shipline-revert
  rm -rf "$dir" "$dir.complete"
  mkdir -p "$dir"
  for tool in "${tools[@]}"; do
    cp "$build/release/$tool$exe" "$dir/" || fail "cargo finished but $build/release/$tool$exe is missing"
  done
  touch "$dir.complete"
  emit "$dir" "source-$key" build
}

version="$requested"
if [ "$requested" = source ]; then
  build_from_source
  exit 0
fi
if [ -z "$version" ]; then
  version=$(listed_version)
  if [ -z "$version" ]; then
    build_from_source
    exit 0
  fi
fi
[ -n "$target" ] ||
  fail "no prebuilt shipline for RUNNER_OS=${RUNNER_OS:-} RUNNER_ARCH=${RUNNER_ARCH:-} (releases cover Linux X64/ARM64, macOS X64/ARM64, Windows X64): set the input version: source to build it with cargo"

archive="shipline-$version-$target.$archive_ext"
expected=""
if [ -f "$checksums" ]; then
  expected=$(awk -v f="$archive" '($2 == f || $2 == "*" f) { print $1; exit }' "$checksums")
fi
[ -n "$expected" ] ||
  fail "checksums.sha256 of this action ref lists no $archive, so it cannot be verified: pin the action to the tag v$version (uses: shipline/shipline@v$version), or leave the version input empty"

dir="$tool_cache/shipline/$version/$target"
if complete "$dir"; then
  emit "$dir" "$version" cache
  exit 0
fi

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/shipline-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
url="$download_base/v$version/$archive"
echo "downloading $url"
curl --fail --silent --show-error --location --retry 3 --output "$work/$archive" "$url" ||
  fail "download of $url failed: check the download-base input (GitHub Enterprise Server: a mirror of the release assets) and that release v$version exists"
actual=$(sha256_of "$work/$archive")
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $archive from $url: expected $expected (checksums.sha256 of this action ref), got $actual; nothing was installed. The download was altered or the mirror holds a different build: fix the mirror, never the checksum"
fi

mkdir -p "$work/x"
if [ "$archive_ext" = zip ]; then
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$work/$archive" -d "$work/x"
  else
    7z x -y -o"$work/x" "$work/$archive" >/dev/null
  fi
else
  tar -xzf "$work/$archive" -C "$work/x"
fi
unpacked="$work/x/shipline-$version-$target"
for tool in "${tools[@]}"; do
  [ -f "$unpacked/$tool$exe" ] || fail "$archive has no shipline-$version-$target/$tool$exe: the release archive is incomplete"
done
rm -rf "$dir" "$dir.complete"
mkdir -p "$dir"
for tool in "${tools[@]}"; do
  cp "$unpacked/$tool$exe" "$dir/"
  chmod +x "$dir/$tool$exe"
done
touch "$dir.complete"
emit "$dir" "$version" release
