#!/usr/bin/env python3
"""Fuzzes the configuration check through the binary: mutates the complete example of
docs/configuration.md and runs `shipline-status check --config FILE` on each mutant.

Mutations (one to four per configuration, chosen by the seed): delete a token, duplicate a line,
swap the values of two keys, replace a scalar with an extreme or a value of another type, and
change a line's indentation. Every run must end with exit 0 (valid) or 2 (refused, in our
words); anything else is reported:

- panic: exit 101 or 134, or "panicked" on stderr;
- hang: no answer within --timeout seconds;
- other: any other exit code, or an answer on stdout that names no file location or "ok".

Prints the counts and the wall time; with --keep DIR, each reported configuration is written
there. The exit status is 1 when anything was reported, else 0.

Usage: scripts/config-fuzz.py [--bin PATH] [--count N] [--seed S] [--jobs J] [--timeout T]
                              [--keep DIR] [--example FILE]
Default binary: target/debug/shipline-status (build it with `cargo build -p shipline-status`).
Python 3 standard library only.
"""

import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

EXTREMES = [
    '""', '" "', "~", "null", "0", "-1", "1", "100", "101", "255", "256", "65536",
    "4294967296", "99999999999999999999", "1e400", "0.5", "-0.0", ".nan", ".inf", "-.inf",
    "true", "false", "yes", "[]", "{}", "[[]]", "{a: b}", "0s", "0ms", "1ms", "3651d",
    "99999999999999999999d", "\"0 0 30 2 *\"", "\"* * * * *\"", "\"@yearly\"", "'\\t'",
    '"\\u0000"', "*a", "&a x", "!!binary AAAA", "!!str", "'", '"', "[", "{", "- x", ": x",
    "#", "|", ">", "\"review/app\"", "\"/x\"", "\"a/../b\"", "\"\\n\"", "x" * 300,
]


def example_config(path=None):
    """The complete example of docs/configuration.md (or the file at `path`)."""
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read()
    with open(os.path.join(ROOT, "docs", "configuration.md"), encoding="utf-8") as f:
        doc = f.read()
    section = doc[doc.index("## A complete example"):]
    body = section[section.index("```yaml\n") + len("```yaml\n"):]
    return body[: body.index("```")]


KEY_VALUE = re.compile(r"^(\s*(?:- )?)([A-Za-z_][A-Za-z0-9_/]*):[ ]+(.+)$")


def mutate(text, rng):
    """One mutant of `text`: 1-4 mutations drawn from `rng`."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        kind = rng.choice(["delete_token", "duplicate_line", "swap_values", "replace_scalar",
                           "indent"])
        at = rng.randrange(len(lines))
        line = lines[at]
        if kind == "delete_token":
            tokens = re.split(r"(\s+|[\[\]{},:])", line)
            tokens = [t for t in tokens if t]
            if tokens:
                del tokens[rng.randrange(len(tokens))]
                lines[at] = "".join(tokens)
        elif kind == "duplicate_line":
            lines.insert(at, line)
        elif kind == "swap_values":
            pairs = [i for i, l in enumerate(lines) if KEY_VALUE.match(l)]
            if len(pairs) >= 2:
                a, b = rng.sample(pairs, 2)
                ma, mb = KEY_VALUE.match(lines[a]), KEY_VALUE.match(lines[b])
                lines[a] = f"{ma.group(1)}{ma.group(2)}: {mb.group(3)}"
                lines[b] = f"{mb.group(1)}{mb.group(2)}: {ma.group(3)}"
        elif kind == "replace_scalar":
            match = KEY_VALUE.match(line)
            if match:
                lines[at] = f"{match.group(1)}{match.group(2)}: {rng.choice(EXTREMES)}"
            else:
                # A flow entry or list item: replace one word.
                words = re.findall(r"[A-Za-z0-9_.*/\"'-]+", line)
                if words:
                    lines[at] = line.replace(rng.choice(words), rng.choice(EXTREMES), 1)
        else:
            stripped = line.lstrip(" ")
            lines[at] = " " * rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 10, 12]) + stripped
    return "\n".join(lines)


def run_one(binary, text, timeout, workdir, index):
    """Runs the check on `text`; returns (verdict, code, stderr)."""
    path = os.path.join(workdir, f"c{index}.yml")
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
    try:
        done = subprocess.run(
            [binary, "check", "--config", path],
            capture_output=True,
            timeout=timeout,
            cwd=workdir,
            env={"PATH": os.environ.get("PATH", ""), "HOME": workdir},
        )
    except subprocess.TimeoutExpired:
        return "hang", None, ""
    finally:
        os.unlink(path)
    out = done.stdout.decode("utf-8", "replace")
    err = done.stderr.decode("utf-8", "replace")
    if done.returncode in (101, 134) or "panicked" in err:
        return "panic", done.returncode, err
    if done.returncode == 0 and out.startswith("ok: "):
        return "ok", 0, err
    if done.returncode == 2 and out.startswith(path):
        return "refused", 2, err
    return "other", done.returncode, err + out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "shipline-status"))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--keep", help="write each reported configuration into this directory")
    parser.add_argument("--example", help="mutate this file instead of the documented example")
    args = parser.parse_args(argv)
    if not os.access(args.bin, os.X_OK):
        print(f"{args.bin} is not an executable; build it with `cargo build -p shipline-status` "
              "or pass --bin", file=sys.stderr)
        return 2
    example = example_config(args.example)
    rng = random.Random(args.seed)
    mutants = [mutate(example, rng) for _ in range(args.count)]
    counts = {"ok": 0, "refused": 0, "panic": 0, "hang": 0, "other": 0}
    reported = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {
                pool.submit(run_one, args.bin, text, args.timeout, workdir, i): i
                for i, text in enumerate(mutants)
            }
            for future in concurrent.futures.as_completed(futures):
                verdict, code, detail = future.result()
                counts[verdict] += 1
                if verdict in ("panic", "hang", "other"):
                    reported.append((futures[future], verdict, code, detail))
    elapsed = time.monotonic() - started
    if args.keep and reported:
        os.makedirs(args.keep, exist_ok=True)
        for index, verdict, _, _ in reported:
            with open(os.path.join(args.keep, f"{verdict}-{index}.yml"), "w",
                      encoding="utf-8") as f:
                f.write(mutants[index])
    for index, verdict, code, detail in sorted(reported)[:20]:
        first = detail.strip().splitlines()[:2]
        print(f"{verdict} (exit {code}) on mutant {index}: {' / '.join(first)}")
    print(f"configurations: {args.count} (seed {args.seed}); ok: {counts['ok']}, "
          f"refused: {counts['refused']}, panics: {counts['panic']}, hangs: {counts['hang']}, "
          f"other exits: {counts['other']}; wall time {elapsed:.1f}s")
    return 1 if reported else 0


if __name__ == "__main__":
    sys.exit(main())
