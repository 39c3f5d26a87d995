#!/usr/bin/env python3
"""Whether `shipline-risk --component` reads one crate of a workspace as git does.

For one component of a fetched repository (a crate directory and the prefix of its tags, such as
tokio-rs/tracing's `tracing-subscriber/` and `tracing-subscriber-`), it runs, over consecutive
version tags A, B of that prefix (B's history holding A), `shipline-risk --component NAME --base A
--head B --format json` with a configuration of its own (the repository is not touched) and checks
its claims against git:

- the changes are exactly the non-merge commits `git log A..B -- DIR` lists;
- the current version is A's, the next version B's, and the bump the move between them;
- the crate's manifest (`DIR/Cargo.toml`) states A's and B's versions at the two tags (a check of
  the range itself: a tag that does not match its manifest is reported, not counted against the
  tool).

Exit status 1 when a claim of the tool differs from git.

usage: risk-component-audit.py --bin PATH --dir DIR --prefix PREFIX [--limit N] REPO
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def versions(repo, prefix):
    """The tags of the prefix with a plain x.y.z version, oldest version first."""
    found = []
    for tag in git(repo, "tag", "--list", f"{prefix}*").split():
        match = VERSION.match(tag[len(prefix):])
        if match:
            found.append((tuple(int(p) for p in match.groups()), tag))
    return sorted(found)


def bumps(a, b):
    """The bumps that name the move from a to b (before 1.0 a 0.y move is minor or major)."""
    if a[0] != b[0]:
        return {"major"}
    if a[1] != b[1]:
        return {"minor"} if a[0] > 0 else {"minor", "major"}
    return {"patch"}


def manifest_version(repo, tag, directory):
    try:
        text = git(repo, "show", f"{tag}:{directory}/Cargo.toml")
    except subprocess.CalledProcessError:
        return None
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
    return match.group(1) if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("repo")
    args = parser.parse_args()
    name = args.dir.strip("/").replace("/", "-")
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as config:
        config.write(f"components:\n  {name}:\n    paths: [{args.dir}]\n"
                     f"    tag_prefix: {args.prefix}\n    manifest: {args.dir}/Cargo.toml\n")
    tags = versions(args.repo, args.prefix)
    pairs = [(a, b) for a, b in zip(tags, tags[1:])][-args.limit:]
    wrong = 0
    for (va, a), (vb, b) in pairs:
        ancestor = subprocess.run(["git", "-C", args.repo, "merge-base", "--is-ancestor", a, b]).returncode == 0
        if not ancestor:
            print(f"{a}..{b}: skipped, {a} is not in {b}'s history")
            continue
        out = subprocess.run([args.bin, "--repo", args.repo, "--config", config.name, "--component", name,
                              "--base", a, "--head", b, "--format", "json"], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{a}..{b}: shipline-risk exited {out.returncode}: {out.stderr.strip()}")
            wrong += 1
            continue
        report = json.loads(out.stdout)
        expected = git(args.repo, "log", "--no-merges", "--format=%H", f"{a}..{b}", "--", args.dir).split()
        got = [c["sha"] for c in report["changes"]]
        claims = {
            "changes": (len(got), len(expected), sorted(got) == sorted(expected)),
            "current": (report["current_version"], ".".join(map(str, va)), None),
            "next": (report["next_version"], ".".join(map(str, vb)), None),
            "bump": (report["bump"], report["bump"] if report["bump"] in bumps(va, vb) else bumps(va, vb), None),
        }
        bad = [key for key, (tool, real, same) in claims.items() if (same is False) or (same is None and tool != real)]
        manifests = (manifest_version(args.repo, a, args.dir), manifest_version(args.repo, b, args.dir))
        note = "" if manifests == (claims["current"][1], claims["next"][1]) else f" (manifests say {manifests})"
        print(f"{a}..{b}: {len(got)} change(s), git {len(expected)}; {report['current_version']} -> "
              f"{report['next_version']} {report['bump']}: {'WRONG ' + ', '.join(bad) if bad else 'ok'}{note}")
        wrong += bool(bad)
    os.unlink(config.name)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
