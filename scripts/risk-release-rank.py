#!/usr/bin/env python3
"""Does shipline-risk's release score rank releases by what later needed fixing better than
their size alone?

Over the consecutive release ranges of the given repositories (every tag family, each commit
pair once; see risk-audit.py), leaving out ranges whose head is within the last 180 days before
the repository's last commit (their fixes may not have happened yet), it computes the Spearman
correlation of the release score (`shipline-risk --base A --head B --format json`, local mode)
with the number of fix-inducing changes in the range, and the same correlation for the number of
changes in the range. Fix-inducing labels come from the risk lab's B-SZZ labeller, called by path
(`szz.py GITDIR OUT.csv --max-commits N`) and cached per repository and HEAD; ranges holding a
commit the labels do not cover (older than the newest N) are left out.

Prints one row per repository and one over all ranges; exit status 1 when the score's
correlation is below the size's over all ranges.

usage: risk-release-rank.py --bin PATH [--szz PATH] [--max-commits N] [--cache DIR] [--json]
                            REPO [REPO ...]    (REPO: PATH or NAME=PATH)
"""

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from riskaudit import tool  # noqa: E402
from riskaudit.gitrepo import Repo  # noqa: E402

_spec = importlib.util.spec_from_file_location("risk_audit", os.path.join(HERE, "risk-audit.py"))
risk_audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(risk_audit)
FORMAT = risk_audit.FORMAT

SZZ = os.path.join(HERE, "..", "..", "shared", "risk-lab", "szz.py")
RECENT = 180 * 86400


def ranks(values):
    """Average ranks (1-based), ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x, y):
    """Spearman's rho (Pearson correlation of the ranks); None when undefined."""
    if len(x) < 3:
        return None
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else None


def labels(repo, szz, max_commits, cache):
    """{sha: inducing (bool)} from szz.py, cached by repository, HEAD and --max-commits."""
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, f"{repo.name}-{repo.head()[:12]}-{max_commits}.csv")
    if not os.path.exists(path):
        gitdir = repo.run("rev-parse", "--absolute-git-dir").strip()
        subprocess.run([sys.executable, szz, gitdir, path + ".tmp", "--max-commits", str(max_commits)], check=True)
        os.replace(path + ".tmp", path)
    with open(path, newline="") as f:
        return {row["sha"]: row["inducing"] == "1" for row in csv.DictReader(f)}


def measure(repo, binary, szz, max_commits, cache, log):
    labelled = labels(repo, szz, max_commits, cache)
    last = int(repo.run("log", "-1", "--format=%ct", "HEAD").strip())
    seen, rows = set(), []
    for r in sorted(repo.release_ranges(), key=lambda r: r.head.time):
        if (r.base.commit, r.head.commit) in seen or r.head.time > last - RECENT:
            continue
        seen.add((r.base.commit, r.head.commit))
        changes = [c.sha for c in repo.commits(r.base.commit, r.head.commit) if not c.is_merge]
        if not changes or any(sha not in labelled for sha in changes):
            continue
        code, out, err, _ = tool.run(binary, repo.path, ["--base", r.base.name, "--head", r.head.name, "--format", "json"])
        if code != 0:
            print(f"{repo.name} {r.base.name}..{r.head.name}: exit {code}: {err.strip()[-200:]}", file=log)
            continue
        score = json.loads(out).get("score")
        rows.append({"range": f"{r.base.name}..{r.head.name}", "score": score, "changes": len(changes),
                     "inducing": sum(labelled[sha] for sha in changes)})
        print(f"{repo.name} {rows[-1]['range']}: score {score}, {len(changes)} changes, "
              f"{rows[-1]['inducing']} fix-inducing", file=log, flush=True)
    return {"name": repo.name, "head": repo.head(), "ranges": rows}


def correlations(rows):
    inducing = [r["inducing"] for r in rows]
    return {"ranges": len(rows),
            "score": spearman([r["score"] for r in rows], inducing),
            "size": spearman([r["changes"] for r in rows], inducing)}


def fmt(x):
    return "–" if x is None else f"{x:.2f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="+", metavar="REPO")
    ap.add_argument("--bin", required=True, help="the shipline-risk binary")
    ap.add_argument("--szz", default=os.path.abspath(SZZ), help="the risk lab's szz.py (default: ../shared/risk-lab)")
    ap.add_argument("--max-commits", type=int, default=3000, help="newest commits szz.py labels (default 3000)")
    ap.add_argument("--cache", default="/tmp/risk-release-rank", help="where labels are kept between runs")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    if not os.access(args.bin, os.X_OK) or not os.path.exists(args.szz):
        print(f"error: need an executable --bin ({args.bin}) and szz.py (--szz {args.szz})", file=sys.stderr)
        return 2
    results = []
    for name, path in risk_audit.parse_repos(args.repos):
        repo = Repo(path, name)
        results.append(measure(repo, os.path.abspath(args.bin), args.szz, args.max_commits, args.cache, sys.stderr))
        repo.close()
    total = correlations([r for res in results for r in res["ranges"]])
    if args.json:
        json.dump({"repositories": [dict(res, **correlations(res["ranges"])) for res in results], "all": total},
                  sys.stdout, indent=1)
        print()
    else:
        print("| repository | ranges | Spearman: release score | Spearman: number of changes |")
        print("|---|---|---|---|")
        for res in results:
            c = correlations(res["ranges"])
            print(f"| {res['name']} | {c['ranges']} | {fmt(c['score'])} | {fmt(c['size'])} |")
        print(f"| all | {total['ranges']} | {fmt(total['score'])} | {fmt(total['size'])} |")
    if total["score"] is None or total["size"] is None:
        return 1
    return 1 if total["score"] < total["size"] else 0


if __name__ == "__main__":
    sys.exit(main())
