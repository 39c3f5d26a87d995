#!/usr/bin/env python3
"""Writes crates/promote/tests/fixtures/mannwhitneyu.json: SciPy's Mann-Whitney U results.

The canary tests check shipline's Mann-Whitney U test against these cases (U exactly, p to a
relative 1e-9). SciPy is only needed to regenerate the file, never by the build or CI:

    python3 -m venv /tmp/scipy-venv && /tmp/scipy-venv/bin/pip install scipy
    /tmp/scipy-venv/bin/python scripts/mannwhitney-fixtures.py
"""

import json
import math
import pathlib

import numpy as np
import scipy
from scipy.stats import mannwhitneyu

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/promote/tests/fixtures/mannwhitneyu.json"
ALTERNATIVES = ["two-sided", "greater", "less"]


def samples():
    """(name, x, y, methods) for each pair of samples; the methods valid for the pair (exact needs no ties)."""
    rng = np.random.default_rng(20261206)
    both = ["exact", "asymptotic"]
    asym = ["asymptotic"]
    yield "one each", [1.0], [2.0], both
    yield "one against three", [2.5], [1.0, 2.0, 3.0], both
    yield "two against two, separated", [5.0, 6.0], [1.0, 2.0], both
    yield "three against three, interleaved", [1.0, 4.0, 5.0], [2.0, 3.0, 6.0], both
    yield "three against two, ties", [1.0, 2.0, 2.0], [2.0, 3.0], asym
    yield "all equal", [3.0, 3.0, 3.0], [3.0, 3.0], asym
    yield "equal samples", [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], asym
    yield "negative and zero", [-1.5, 0.0, -0.25, 2.0], [-3.0, -2.0, 0.5], both
    yield "seven against eight, no ties", list(rng.normal(0.0, 1.0, 7)), list(rng.normal(1.0, 1.0, 8)), both
    yield "eight against twenty, no ties", list(rng.normal(0.5, 1.0, 8)), list(rng.normal(0.0, 1.0, 20)), both
    yield "twelve against ten, no ties", list(rng.normal(0.0, 2.0, 12)), list(rng.normal(0.0, 2.0, 10)), both
    yield "thirty Poisson counts each", [float(v) for v in rng.poisson(5.0, 30)], [float(v) for v in rng.poisson(6.0, 30)], asym
    yield "thirty rounded latencies each", [round(float(v), 1) for v in rng.lognormal(3.0, 0.3, 30)], [round(float(v), 1) for v in rng.lognormal(3.1, 0.3, 30)], asym
    yield "large, 400 against 350", list(rng.exponential(1.0, 400)), list(rng.exponential(1.1, 350)), asym
    yield "large, shifted far apart", list(rng.normal(10.0, 1.0, 200)), list(rng.normal(0.0, 1.0, 200)), asym
    yield "mostly zeros", [0.0] * 25 + [1.0, 2.0, 1.0], [0.0] * 20 + [3.0, 1.0, 4.0, 2.0, 5.0], asym


def main():
    pairs = []
    count = 0
    for name, x, y, methods in samples():
        # Six decimals keep the file small; random normals stay free of ties.
        x = [round(float(v), 6) for v in x]
        y = [round(float(v), 6) for v in y]
        cases = []
        for method in methods:
            for alternative in ALTERNATIVES:
                continuities = [True, False] if method == "asymptotic" else [True]
                for use_continuity in continuities:
                    res = mannwhitneyu(x, y, use_continuity=use_continuity, alternative=alternative, method=method)
                    u, p = float(res.statistic), float(res.pvalue)
                    if math.isnan(p):
                        # SciPy has no p-value when every value is equal and there is no
                        # continuity correction; shipline says 1 (tested on its own).
                        continue
                    cases.append({
                        "method": method,
                        "alternative": alternative,
                        "use_continuity": use_continuity,
                        "u": u,
                        "p": p,
                    })
        count += len(cases)
        pairs.append({"name": name, "x": x, "y": y, "cases": cases})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {"generated_by": "scripts/mannwhitney-fixtures.py", "scipy": scipy.__version__, "samples": pairs}
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{count} cases written to {OUT}")


if __name__ == "__main__":
    main()
