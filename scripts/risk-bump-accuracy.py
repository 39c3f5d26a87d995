#!/usr/bin/env python3
"""How often shipline-risk states the right semver bump before a release is tagged.

Over the consecutive release-tag pairs A, B of each repository (every tag family; see
risk-audit.py), it runs `shipline-risk --base A --head H` in local mode, where H is the commit
before the release commit: the parent of the oldest commit of A..B that writes B's version into a
manifest or version file (Cargo.toml, package.json, pyproject.toml, setup.py/cfg, __init__.py,
__version__.py, version.py), else the parent of B's commit. The bump the Markdown states as fact
(its Bump row without "not stated" or the like) is compared with the real move from A's version
to B's (before 1.0, a 0.y move may also be called major).

Reported per repository and overall: share of ranges with a stated bump, share correct among
those stated, share where a bump lower than the real one was stated as fact (goal: at most 5%),
and, on repositories where at least half the messages follow Conventional Commits, the share of
ranges with a stated and correct bump (goal: at least 80%). Exit status 1 when a goal is missed.

usage: risk-bump-accuracy.py --bin PATH [--limit N] [--json] REPO [REPO ...]   (REPO: PATH or NAME=PATH)
"""

import argparse
import importlib.util
import json
import os
import re
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from riskaudit import tool  # noqa: E402
from riskaudit.gitrepo import BUMP_RANK, Repo, is_conventional, real_bumps  # noqa: E402
from riskaudit.summary import Summary  # noqa: E402

_spec = importlib.util.spec_from_file_location("risk_audit", os.path.join(HERE, "risk-audit.py"))
risk_audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(risk_audit)
FORMAT = risk_audit.FORMAT

VERSION_FILES = [f":(glob)**/{n}" for n in ("Cargo.toml", "package.json", "pyproject.toml", "setup.py", "setup.cfg",
                                            "__init__.py", "__version__.py", "version.py", "_version.py")]
LOWER_GOAL, CC_GOAL = 0.05, 0.80


def release_head(repo, r):
    """The commit before the release commit of range r, None when the range would be empty."""
    version = r.head.version_text
    found = repo.run("log", "--format=%H", "--reverse", f"-G{re.escape(version)}",
                     f"{r.base.commit}..{r.head.commit}", "--", *VERSION_FILES).split()
    pattern = re.compile(r"(?<![\d.])" + re.escape(version) + r"(?![\d])")
    release = None
    for sha in found:
        diff = repo.run("show", "-U0", "--format=", sha, "--", *VERSION_FILES)
        if any(line.startswith("+") and "version" in line.lower() and pattern.search(line)
               for line in diff.split("\n")):
            release = sha
            break
    head = repo.resolve(f"{release or r.head.commit}^")
    if not head or head == r.base.commit or not repo.is_ancestor(r.base.commit, head):
        return None
    return head


def stated_bump(md, report):
    """The bump stated as fact, None when the summary does not state one."""
    row = Summary(md, FORMAT).row(FORMAT["row_bump"])
    if row is None:
        value = report.get(FORMAT["json"]["bump"])
        return value if value in BUMP_RANK else None
    if any(re.search(h, row, re.I) for h in FORMAT["bump_hedges"]):
        return None
    words = re.findall(r"\b(major|minor|patch|none)\b", row.lower())
    return max(words, key=BUMP_RANK.get) if words else None


def measure(repo, binary, limit, log):
    ranges = sorted(repo.release_ranges(), key=lambda r: -r.head.time)
    if limit:
        ranges = ranges[:limit]
    rows, messages, conventional = [], 0, 0
    for r in ranges:
        head = release_head(repo, r)
        if head is None:
            continue
        args = ["--base", r.base.name, "--head", head]
        code, out, err, _ = tool.run(binary, repo.path, [*args, "--format", "json"])
        code2, md, _, _ = tool.run(binary, repo.path, [*args, "--format", "markdown"])
        if code != 0 or code2 != 0:
            rows.append({"range": f"{r.base.name}..{r.head.name}", "error": err.strip()[-200:]})
            continue
        report = json.loads(out)
        stated = stated_bump(md, report)
        real = real_bumps(r.base.version, r.head.version)
        lowest = min(BUMP_RANK[b] for b in real)
        rows.append({"range": f"{r.base.name}..{r.head.name}", "head": head, "stated": stated,
                     "real": sorted(real), "correct": stated in real,
                     "lower": stated is not None and BUMP_RANK[stated] < lowest})
        for c in repo.commits(r.base.commit, head):
            if not c.is_merge:
                messages += 1
                conventional += is_conventional(c.message)
        print(f"{repo.name} {rows[-1]['range']}: stated {stated}, real {'/'.join(sorted(real))}", file=log, flush=True)
    return {"name": repo.name, "head": repo.head(), "ranges": rows,
            "cc_share": conventional / messages if messages else 0.0}


def stats(rows):
    ok = [r for r in rows if "error" not in r]
    n = len(ok)
    stated = [r for r in ok if r["stated"] is not None]
    return {
        "ranges": n,
        "errors": len(rows) - n,
        "stated": len(stated) / n if n else 0.0,
        "correct_among_stated": sum(r["correct"] for r in stated) / len(stated) if stated else 0.0,
        "lower_as_fact": sum(r["lower"] for r in ok) / n if n else 0.0,
        "stated_and_correct": sum(r["correct"] for r in stated) / n if n else 0.0,
    }


def pct(x):
    return f"{100 * x:.0f}%"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="+", metavar="REPO")
    ap.add_argument("--bin", required=True, help="the shipline-risk binary")
    ap.add_argument("--limit", type=int, default=0, help="only the newest N ranges per repository (default: all)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    if not os.access(args.bin, os.X_OK):
        print(f"error: {args.bin} is not an executable (--bin)", file=sys.stderr)
        return 2
    results = []
    for name, path in risk_audit.parse_repos(args.repos):
        repo = Repo(path, name)
        results.append(measure(repo, os.path.abspath(args.bin), args.limit, sys.stderr))
        repo.close()
    everything = [r for res in results for r in res["ranges"]]
    cc = [r for res in results if res["cc_share"] >= 0.5 for r in res["ranges"]]
    total, cc_total = stats(everything), stats(cc)
    if args.json:
        json.dump({"repositories": [dict(res, **stats(res["ranges"])) for res in results], "all": total,
                   "conventional": cc_total}, sys.stdout, indent=1)
        print()
    else:
        print("| repository | ranges | CC share | stated | correct among stated | lower stated as fact | stated and correct |")
        print("|---|---|---|---|---|---|---|")
        for res in results:
            s = stats(res["ranges"])
            print(f"| {res['name']} | {s['ranges']} | {pct(res['cc_share'])} | {pct(s['stated'])} | "
                  f"{pct(s['correct_among_stated'])} | {pct(s['lower_as_fact'])} | {pct(s['stated_and_correct'])} |")
        for label, s in (("all", total), ("Conventional Commits (≥ 50%)", cc_total)):
            print(f"| {label} | {s['ranges']} | | {pct(s['stated'])} | {pct(s['correct_among_stated'])} | "
                  f"{pct(s['lower_as_fact'])} | {pct(s['stated_and_correct'])} |")
    missed = total["lower_as_fact"] > LOWER_GOAL or (cc_total["ranges"] and cc_total["stated_and_correct"] < CC_GOAL)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
