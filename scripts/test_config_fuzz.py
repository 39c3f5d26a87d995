#!/usr/bin/env python3
"""Self-test of config-fuzz.py: mutants are reproducible from the seed and differ from the
example; fake binaries that panic, hang or exit with an odd code are each reported (a fuzzer
that cannot see a failure must not pass); and a small run against the real debug binary of
shipline-status finds nothing. No network.

Run: python3 scripts/test_config_fuzz.py   (after `cargo build -p shipline-status`;
SHIPLINE_STATUS_BIN names another binary)
"""

import contextlib
import importlib.util
import io
import os
import random
import stat
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.dont_write_bytecode = True

spec = importlib.util.spec_from_file_location("config_fuzz", os.path.join(HERE, "config-fuzz.py"))
fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fuzz)


def fake_binary(directory, body):
    path = os.path.join(directory, "fake-status")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def run(args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = fuzz.main(args)
    return code, out.getvalue()


class Mutants(unittest.TestCase):
    def test_the_documented_example_is_found(self):
        example = fuzz.example_config()
        self.assertIn("environments:", example)
        self.assertIn("rollout:", example)

    def test_mutants_follow_the_seed_and_change_the_text(self):
        example = fuzz.example_config()
        first = [fuzz.mutate(example, random.Random(7)) for _ in range(1)]
        again = [fuzz.mutate(example, random.Random(7)) for _ in range(1)]
        self.assertEqual(first, again)
        rng = random.Random(3)
        changed = sum(fuzz.mutate(example, rng) != example for _ in range(50))
        self.assertGreater(changed, 40)


class Verdicts(unittest.TestCase):
    def check_reported(self, body, verdict):
        with tempfile.TemporaryDirectory() as d:
            binary = fake_binary(d, body)
            code, out = run(["--bin", binary, "--count", "3", "--timeout", "1", "--jobs", "1"])
        self.assertEqual(code, 1, out)
        self.assertIn(f"{verdict}: 3", out)

    def test_a_panic_is_reported(self):
        self.check_reported("echo \"thread 'main' panicked at src/x.rs\" >&2; exit 101", "panics")

    def test_an_abort_is_reported(self):
        self.check_reported("exit 134", "panics")

    def test_a_hang_is_reported(self):
        self.check_reported("sleep 5", "hangs")

    def test_an_odd_exit_code_is_reported(self):
        self.check_reported("exit 1", "other exits")

    def test_a_refusal_without_a_location_is_reported(self):
        self.check_reported("echo 'something failed'; exit 2", "other exits")


class RealBinary(unittest.TestCase):
    def test_a_small_run_finds_nothing(self):
        binary = os.environ.get("SHIPLINE_STATUS_BIN") or os.path.join(
            ROOT, "target", "debug", "shipline-status")
        if not os.access(binary, os.X_OK):
            self.fail(f"{binary} is missing: run `cargo build -p shipline-status` first")
        code, out = run(["--bin", binary, "--count", "60", "--seed", "11"])
        self.assertEqual(code, 0, out)
        self.assertIn("panics: 0, hangs: 0, other exits: 0", out)


if __name__ == "__main__":
    unittest.main()
