#!/usr/bin/env python3
"""Claims audit of shipline-risk on real repositories: every claim of its JSON and Markdown
checked against git itself.

For each repository (a full clone; never the project's own tree) it picks the newest release
ranges (release tags in version order per tag family, `v1.2.3`, `1.2.3`, `name-1.2.3`,
`name/v1.2.3`; the families taken in turn, newest first) and two probes with no `--base`: the
commit before the newest release (the tool picks the base) and the commit before the oldest
version tag (no tag behind it: the whole history). It runs
`shipline-risk [--base A] --head B --format json|markdown` in local mode (no GITHUB_*, GITLAB_*,
CI or SHIPLINE_* variables) and, for release ranges, `--base B --head A` (must exit 2).

Classes of false claims, what is checked:
  version     head at a release tag: next_version is that tag's version, current_version the
              base tag's, the bump the real one (0.x: minor or major for 0.y moves); the
              Markdown's Version and Bump rows say the same. Head not at a tag: a bump stated as
              fact needs evidence (a Conventional Commits or breaking-change message, or a
              manifest version change); current_version is the version of the base tag chosen.
  reasons     each change's "N lines of code (+a −b) in k files" lies between its own non-comment
              code lines with and without whitespace-only edits; "moves N dependencies across a
              major" between the majors its own lockfile/manifest diff surely and possibly moves;
              "docs, tests or configuration only" holds no code line; in JSON, the risk table and
              the top risks.
  pr          every PR number is named by the commit's message (`(#N)`, `Merge pull request #N`,
              `See merge request g/p!N`, `PR #N`, `Auto merge of #N`, `PR-URL: …/pull/N`) or by the merge that brought
              it in; no direct-push claim anywhere (local mode knows no review status).
  base        the first table names the base tag; the whole history is said there, with --base.
  comments    a change whose code files changed only in comments, doc comments, blank lines or
              whitespace (Rust, Go, Python, JS/TS, Java, C/C++, shell, Ruby) gets no lines-of-code
              reason.
  deps        every requirement changed in Cargo.toml, package.json, pyproject.toml is listed, and
              toolchain floors (rust-version, engines.node, requires-python) are noted; the
              lockfile entries are exactly the lockfile diff's, with true from/to and major marks.
  length      at most 65,536 characters; every section present; a cut list says "and N more"
              (the counts add up), the top-risk list of major moves too.
  top         at most 25 lines before the first <details>; no change twice among the top risks;
              no dangling colon; no unexplained average.
  grouping    "area: subject" changes are not all under "Other changes" / "Not conventional";
              `docs(x/y):`-style kind words are not under "Not conventional".
  reversed    `--base B --head A` exits 2.
  duplicates  a change or dependency listed twice (JSON, change list, risk table, dependencies).
  run         the tool failed or printed something that does not parse.

The output format the checks read is described once, in FORMAT below: update it there when the
JSON or Markdown changes. Exit status 1 when the binary under test (--bin) has any violation.

usage: risk-audit.py --bin PATH [--compare PATH] [--ranges N] [--no-probes] [--json]
                     [--examples N] REPO [REPO ...]     (REPO: PATH or NAME=PATH)
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from riskaudit import tool  # noqa: E402
from riskaudit.claims import CLASSES, Check, Facts  # noqa: E402
from riskaudit.gitrepo import GitError, Repo  # noqa: E402
from riskaudit.lines import LineCounter  # noqa: E402

# What shipline-risk's output looks like: the one place to update when the format changes.
FORMAT = {
    # JSON field names (docs/risk.md).
    "json": {
        "base": "base", "head": "head", "base_source": "base_source", "base_kind": "kind", "base_tag": "tag",
        "bump": "bump", "current_version": "current_version", "next_version": "next_version",
        "changes": "changes", "sha": "sha", "pr": "pr", "reasons": "reasons", "code": "code", "message": "message",
        "dependencies": "dependencies", "dep_name": "name", "dep_from": "from", "dep_to": "to", "dep_file": "file",
        "dep_major": "major",
    },
    "whole_history_kind": "whole_history",
    "reason_codes": {"code_size": "code_size", "direct_push": "direct_push"},
    # The claims read from reasons, wherever they are written (regexes; named groups are numbers).
    "claims": {
        "code_lines": r"(?<![\w.])(?P<n>\d[\d,]*) lines?(?:\(s\))? of code(?: \(\+(?P<add>\d[\d,]*) [−-](?P<del>\d[\d,]*)\))?"
                      r"(?: in (?P<files>\d[\d,]*) files?(?:\(s\))?)?",
        "non_code": r"(?P<n>\d[\d,]*) lines?(?:\(s\))? of docs, (?:comments, )?tests or configuration only",
        "scattered": r"spread over (?P<n>\d[\d,]*) code files",
        "dep_majors": r"moves (?P<n>\d[\d,]*) dependenc(?:y|ies)(?:\(ies\))? across a major",
    },
    # Markdown.
    "marker": "<!-- shipline-risk -->",
    "row_bump": ("Bump",),
    "row_version": ("Version", "Next version"),
    "bump_hedges": (r"not stated", r"unknown", r"no evidence", r"not known"),
    "top_heading": "**Top risks**",
    "section_changes": ("Changes",),
    "section_scores": ("Risk per change",),
    "section_deps": ("Dependencies",),
    "other_changes": "Other changes",
    "not_conventional": "Not conventional",
    "whole_history": r"whole history",
    # A cut list's count; "and 2 more reasons" inside one entry is not a cut of the list.
    "more": r"and (\d[\d,]*) more(?! reasons?\b)",
    # The line that opens a cut list of the details.
    "more_line": r"… and (\d[\d,]*) more, of lower risk",
    "majors_line": r"(?P<n>\d[\d,]*) dependenc(?:y|ies)(?:\(ies\))? cross(?:es)? a major version: (?P<list>.*)",
    "direct_push_text": (r"<summary>\s*Direct pushes",
                         r"\d[\d,]* changes?(?:\(s\))? (?:reached|landed|came|went|were pushed)[^.\n]*without an? (?:PR|MR)"),
    "average": r"\bon average\b|\baverage (?:of|is|score|risk)\b",
    "limit": 65_536,
    "top_lines": 25,
}


def plan(repo, per_repo, probes=True):
    """The runs for one repository: its newest release ranges, the families taken in turn, and
    the two probes."""
    by_family = {}
    for r in repo.release_ranges():
        by_family.setdefault(r.head.family, []).append(r)
    queues = sorted((sorted(rs, key=lambda r: -r.head.time) for rs in by_family.values()),
                    key=lambda rs: -rs[0].head.time)
    picked = []
    while len(picked) < per_repo and any(queues):
        for q in queues:
            if q and len(picked) < per_repo:
                picked.append(q.pop(0))
    specs = [{"kind": "release", "base": r.base.name, "head": r.head.name, "base_tag": r.base, "head_tag": r.head,
              "label": f"{r.base.name}..{r.head.name}"} for r in picked]
    if probes:
        releases = [t for t in repo.tags() if t.pre is None]
        if releases:
            newest = max(releases, key=lambda t: (t.time, t.version))
            parent = repo.resolve(f"{newest.commit}^")
            if parent:
                specs.append({"kind": "default base", "base": None, "head": parent,
                              "label": f"(no --base) {newest.name}^"})
        if repo.tags():
            oldest = min(repo.tags(), key=lambda t: (t.time, t.version))
            parent = repo.resolve(f"{oldest.commit}^")
            if parent:
                specs.append({"kind": "whole history", "base": None, "head": parent,
                              "label": f"(no --base) {oldest.name}^"})
    return specs


def audit_run(repo, binary, spec, counter):
    """The violations of one run."""
    args = (["--base", spec["base"]] if spec["base"] else []) + ["--head", spec["head"]]
    code, out, err, _ = tool.run(binary, repo.path, [*args, "--format", "json"])
    if code != 0:
        return [{"class": "run", "message": f"--format json exited {code}: {err.strip()[-300:]}"}]
    try:
        report = json.loads(out)
    except ValueError as e:
        return [{"class": "run", "message": f"--format json printed no JSON: {e}"}]
    code, md, err, _ = tool.run(binary, repo.path, [*args, "--format", "markdown"])
    if code != 0:
        return [{"class": "run", "message": f"--format markdown exited {code}: {err.strip()[-300:]}"}]
    if spec["base"]:
        base = repo.resolve(spec["base"])
    else:
        base = report.get(FORMAT["json"]["base"]) or None
    head = repo.resolve(spec["head"])
    facts = Facts(repo, base, head, counter)
    violations = Check(FORMAT, facts, report, md, spec).run_all()
    if spec["kind"] == "release":
        code, _, err, _ = tool.run(binary, repo.path, ["--base", spec["head"], "--head", spec["base"], "--format", "json"])
        if code != 2:
            violations.append({"class": "reversed", "message": f"--base {spec['head']} --head {spec['base']} exited "
                                                               f"{code}, not 2"})
    return violations


def audit(repos, binary, per_repo, probes, log=sys.stderr, compare=None):
    results = []
    for name, path in repos:
        repo = Repo(path, name)
        counter = LineCounter(repo)
        entry = {"name": repo.name, "path": repo.path, "head": repo.head(), "runs": []}
        for spec in plan(repo, per_repo, probes):
            run = {"kind": spec["kind"], "label": spec["label"], "base": spec["base"], "head": spec["head"]}
            for key, bin_path in (("violations", binary), ("before", compare)):
                if bin_path:
                    run[key] = audit_run(repo, bin_path, spec, counter)
            print(f"{repo.name} {spec['label']}: {len(run['violations'])} violation(s)"
                  + (f", {len(run['before'])} before" if compare else ""), file=log, flush=True)
            entry["runs"].append(run)
        repo.close()
        results.append(entry)
    return results


def tally(runs, key):
    """{class: (runs checked, runs failing, violations)}."""
    out = {}
    for cls in CLASSES:
        checked = sum(1 for r in runs if cls != "reversed" or r["kind"] == "release")
        failing = sum(1 for r in runs if any(v["class"] == cls for v in r.get(key) or []))
        count = sum(1 for r in runs for v in r.get(key) or [] if v["class"] == cls)
        out[cls] = (checked, failing, count)
    return out


def tables(results, examples, compare):
    out = []
    for entry in results:
        out.append(f"### {entry['name']} ({entry['head'][:12]})\n")
        header = "| class | ranges | failing | violations |" + (" before: failing | before: violations |" if compare else "")
        out.append(header)
        out.append("|" + "---|" * (header.count("|") - 1))
        now = tally(entry["runs"], "violations")
        before = tally(entry["runs"], "before") if compare else None
        for cls in CLASSES:
            checked, failing, count = now[cls]
            row = f"| {cls} | {checked} | {failing} | {count} |"
            if compare:
                row += f" {before[cls][1]} | {before[cls][2]} |"
            out.append(row)
        out.append("")
        if examples:
            for cls in CLASSES:
                shown = [(r["label"], v["message"]) for r in entry["runs"] for v in r["violations"] if v["class"] == cls]
                for label, message in shown[:examples]:
                    out.append(f"- {cls} · {label}: {message}")
            out.append("")
    header = "| repository | ranges | violations |" + (" before |" if compare else "")
    out.append("### Summary\n")
    out.append(header)
    out.append("|" + "---|" * (header.count("|") - 1))
    totals = [0, 0, 0]
    for entry in results:
        v = sum(len(r["violations"]) for r in entry["runs"])
        b = sum(len(r.get("before") or []) for r in entry["runs"])
        totals = [totals[0] + len(entry["runs"]), totals[1] + v, totals[2] + b]
        out.append(f"| {entry['name']} | {len(entry['runs'])} | {v} |" + (f" {b} |" if compare else ""))
    out.append(f"| all | {totals[0]} | {totals[1]} |" + (f" {totals[2]} |" if compare else ""))
    return "\n".join(out)


def parse_repos(items):
    repos = []
    for item in items:
        name, sep, path = item.partition("=")
        if not sep:
            name, path = None, item
        if not os.path.isdir(path):
            raise SystemExit(f"error: {path} is not a directory: pass a git clone (PATH or NAME=PATH)")
        repos.append((name, path))
    return repos


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="+", metavar="REPO", help="a git clone: PATH or NAME=PATH")
    ap.add_argument("--bin", required=True, help="the shipline-risk binary under test")
    ap.add_argument("--compare", help="an earlier binary, shown in a 'before' column (not in the exit status)")
    ap.add_argument("--ranges", type=int, default=8, help="release ranges per repository (default 8)")
    ap.add_argument("--no-probes", action="store_true", help="leave out the two runs without --base")
    ap.add_argument("--examples", type=int, default=3, help="violations shown per repository and class")
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = ap.parse_args(argv)
    for b in (args.bin, args.compare):
        if b and not os.access(b, os.X_OK):
            print(f"error: {b} is not an executable (--bin/--compare)", file=sys.stderr)
            return 2
    try:
        results = audit(parse_repos(args.repos), os.path.abspath(args.bin), args.ranges, not args.no_probes,
                        compare=os.path.abspath(args.compare) if args.compare else None)
    except GitError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        json.dump({"binary": os.path.abspath(args.bin), "compare": args.compare, "repositories": results},
                  sys.stdout, indent=1, default=str)
        print()
    else:
        print(tables(results, args.examples, bool(args.compare)))
    return 1 if any(r["violations"] for e in results for r in e["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
