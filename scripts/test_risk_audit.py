#!/usr/bin/env python3
"""Self-test of risk-audit.py: a small git repository in a temp directory, a correct report of
one of its releases, and that report made false one class at a time. The audit must
pass the correct report and flag each false one under its class; a fake shipline-risk binary
runs the whole audit of a range, the reversed range included. No network.

Run: python3 scripts/test_risk_audit.py
"""

import copy
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

spec = importlib.util.spec_from_file_location("risk_audit", os.path.join(HERE, "risk-audit.py"))
risk_audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(risk_audit)

from riskaudit import lines as L  # noqa: E402
from riskaudit.claims import Check, Facts  # noqa: E402
from riskaudit.gitrepo import Repo, parse_tag, real_bumps  # noqa: E402

FORMAT = risk_audit.FORMAT

LIB_V1 = """\
/// Parses one line.
pub fn parse(line: &str) -> Option<u32> {
    line.trim().parse().ok()
}
"""
LIB_FIX = """\
/// Parses one line.
pub fn parse(line: &str) -> Option<u32> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    line.parse().ok()
}
"""
# Only doc comments and a blank line change: not code.
LIB_DOCS = """\
/// Parses one line.
///
/// Surrounding whitespace is ignored; an empty line is `None`.
pub fn parse(line: &str) -> Option<u32> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    line.parse().ok()
}
"""
LIB_FEAT = LIB_DOCS + """
/// Parses every line.
pub fn parse_all(text: &str) -> Vec<u32> {
    text.lines().filter_map(parse).collect()
}
"""


def cargo_toml(rand):
    return textwrap.dedent(f"""\
        [package]
        name = "demo"
        version = "1.0.0"
        rust-version = "1.70"

        [dependencies]
        rand = "{rand}"
        local = {{ path = "local" }}
        """)


def cargo_lock(rand):
    return textwrap.dedent(f"""\
        version = 3

        [[package]]
        name = "demo"
        version = "1.0.0"

        [[package]]
        name = "rand"
        version = "{rand}"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        """)


class GitFixture:
    def __init__(self, test):
        self.root = tempfile.mkdtemp(prefix="risk-audit-")
        test.addCleanup(lambda: subprocess.run(["rm", "-rf", self.root], check=False))
        self.time = 1_700_000_000
        self.git("init", "-q", "-b", "main")

    def git(self, *args):
        env = dict(os.environ, GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="ada@example.com",
                   GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="ada@example.com",
                   GIT_AUTHOR_DATE=f"{self.time} +0000", GIT_COMMITTER_DATE=f"{self.time} +0000")
        return subprocess.run(["git", "-C", self.root, *args], check=True, capture_output=True, text=True,
                              env=env).stdout.strip()

    def commit(self, message, files):
        for path, text in files.items():
            full = os.path.join(self.root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)
            self.git("add", path)
        self.time += 3600
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


def release_repo(test):
    """v1.0.0, then a fix (#12), a doc-comment-only change, a dependency major (#14) and a
    feature; v1.1.0 on the feature."""
    g = GitFixture(test)
    shas = {}
    shas["init"] = g.commit("Initial version", {"Cargo.toml": cargo_toml("0.7"), "Cargo.lock": cargo_lock("0.7.3"),
                                                "src/lib.rs": LIB_V1, "README.md": "demo\n"})
    g.git("tag", "v1.0.0")
    shas["fix"] = g.commit("fix: treat an empty line as no number (#12)", {"src/lib.rs": LIB_FIX})
    shas["docs"] = g.commit("docs: say what an empty line gives", {"src/lib.rs": LIB_DOCS})
    shas["deps"] = g.commit("build(deps): bump rand from 0.7.3 to 0.8.5 (#14)",
                            {"Cargo.toml": cargo_toml("0.8"), "Cargo.lock": cargo_lock("0.8.5")})
    shas["feat"] = g.commit("feat: parse every line of a text\n\nPR #15", {"src/lib.rs": LIB_FEAT})
    g.git("tag", "-a", "v1.1.0", "-m", "1.1.0")
    return g, shas


def reason(code, message, weight=1.0):
    return {"code": code, "message": message, "weight": weight}


def good_outputs(shas):
    """A report of v1.0.0..v1.1.0 in which every claim is true."""
    s = {k: v[:7] for k, v in shas.items()}
    changes = [
        {"sha": shas["feat"], "pr": 15, "title": "parse every line of a text", "type": "feat",
         "reasons": [reason("code_size", "changes 3 line(s) of code (+3 −0) in 1 file(s)")]},
        {"sha": shas["deps"], "pr": 14, "title": "bump rand from 0.7.3 to 0.8.5", "type": "build",
         "reasons": [reason("dependency_major", "moves 1 dependency(ies) across a major version"),
                     reason("non_code_size", "changes 4 line(s) of docs, tests or configuration only")]},
        {"sha": shas["docs"], "pr": None, "title": "say what an empty line gives", "type": "docs",
         "reasons": [reason("non_code_size", "changes 2 line(s) of docs, tests or configuration only")]},
        {"sha": shas["fix"], "pr": 12, "title": "treat an empty line as no number", "type": "fix",
         "reasons": [reason("code_size", "changes 6 line(s) of code (+5 −1) in 1 file(s)")]},
    ]
    report = {
        "base": None, "head": shas["feat"], "base_source": {"kind": "flag"},
        "score": 40.0, "level": "medium", "bump": "minor", "current_version": "1.0.0", "next_version": "1.1.0",
        "changes": changes,
        "reasons": [reason("riskiest_change", "riskiest change scores 70")],
        "dependencies": [
            {"ecosystem": "cargo", "name": "rand", "from": "0.7.3", "to": "0.8.5", "kind": "upgraded", "major": True,
             "file": "Cargo.lock"},
            {"ecosystem": "cargo", "name": "rust-version", "from": "1.70", "to": "1.70", "kind": "noted",
             "major": False, "file": "Cargo.toml"},
        ],
        "lookback": 5,
    }
    md = textwrap.dedent(f"""\
        <!-- shipline-risk -->
        ## shipline-risk: 🟡 medium (40/100)

        | | |
        |---|---|
        | Changes | 4 since tag v1.0.0 ({shas['init'][:7]}) |
        | Bump | minor (head is tag v1.1.0) |
        | Version | 1.0.0 → **1.1.0** |
        | Review | unknown without a forge |

        **Top risks**

        - `{s['feat']}` parse every line of a text — 70 (high) — changes 3 line(s) of code (+3 −0) in 1 file(s)
        - `{s['fix']}` treat an empty line as no number — 60 (high) — changes 6 line(s) of code (+5 −1) in 1 file(s)
        - 1 dependency(ies) cross a major version: rand 0.7.3 → 0.8.5

        <details><summary>Changes by type (4)</summary>

        **Features**

        - `{s['feat']}` parse every line of a text (#15) — Ada

        **Fixes**

        - `{s['fix']}` treat an empty line as no number (#12) — Ada

        **Other changes**

        - `{s['deps']}` build: bump rand from 0.7.3 to 0.8.5 (#14) — Ada
        - `{s['docs']}` docs: say what an empty line gives — Ada

        </details>

        <details><summary>Risk per change</summary>

        | Change | Score | Level | Reasons |
        |---|---|---|---|
        | `{s['feat']}` parse every line of a text | 70 | high | changes 3 line(s) of code (+3 −0) in 1 file(s) (+4.0) |
        | `{s['fix']}` treat an empty line as no number | 60 | high | changes 6 line(s) of code (+5 −1) in 1 file(s) (+3.9) |
        | `{s['deps']}` bump rand from 0.7.3 to 0.8.5 | 30 | medium | moves 1 dependency(ies) across a major version (+1.0) |
        | `{s['docs']}` say what an empty line gives | 1 | low | changes 2 line(s) of docs, tests or configuration only (+0.1) |

        </details>

        <details><summary>Dependencies (2)</summary>

        | Package | Change | From | To | File |
        |---|---|---|---|---|
        | rand ⚠️ major | Upgraded | 0.7.3 | 0.8.5 | Cargo.lock |
        | rust-version | Noted | 1.70 | 1.70 | Cargo.toml |

        </details>
        """)
    return report, md


class Audit(unittest.TestCase):
    def setUp(self):
        self.g, self.shas = release_repo(self)
        self.repo = Repo(self.g.root, "demo")
        self.addCleanup(self.repo.close)
        tags = {t.name: t for t in self.repo.tags()}
        self.spec = {"kind": "release", "base": "v1.0.0", "head": "v1.1.0", "base_tag": tags["v1.0.0"],
                     "head_tag": tags["v1.1.0"], "label": "v1.0.0..v1.1.0"}
        self.report, self.md = good_outputs(self.shas)
        self.report["base"] = self.shas["init"]

    def check(self, report=None, md=None, spec=None):
        facts = Facts(self.repo, self.shas["init"], self.shas["feat"])
        return Check(FORMAT, facts, report or self.report, md or self.md, spec or self.spec).run_all()

    def classes(self, violations):
        return sorted({v["class"] for v in violations})

    def assertOnly(self, cls, violations):
        self.assertEqual(self.classes(violations), [cls], violations)

    def test_a_true_report_passes(self):
        self.assertEqual(self.check(), [])

    def test_version_one_patch_above_the_head_tag(self):
        report = copy.deepcopy(self.report)
        report["next_version"], report["bump"] = "1.1.1", "patch"
        md = self.md.replace("1.0.0 → **1.1.0**", "1.1.0 → **1.1.1**").replace("| minor (head", "| patch (head")
        violations = self.check(report, md)
        self.assertOnly("version", violations)
        self.assertGreaterEqual(len(violations), 4, violations)

    def test_version_a_bump_without_evidence_when_head_is_not_a_tag(self):
        g = GitFixture(self)
        g.commit("first", {"src/a.rs": "fn a() {}\n"})
        g.git("tag", "1.0.0")
        base = g.git("rev-parse", "HEAD")
        head = g.commit("parser: accept tabs", {"src/a.rs": "fn a() { b() }\n"})
        repo = Repo(g.root)
        self.addCleanup(repo.close)
        report = {"base": base, "head": head, "base_source": {"kind": "tag", "tag": "1.0.0"}, "bump": "patch",
                  "current_version": "1.0.0", "next_version": "1.0.1", "changes": [], "dependencies": []}
        spec = {"kind": "default base", "base": None, "head": head}
        md = "<!-- shipline-risk -->\n| | |\n|---|---|\n| Changes | 1 since tag 1.0.0 |\n| Bump | Patch |\n"
        violations = Check(FORMAT, Facts(repo, base, head), report, md, spec).run_all()
        self.assertIn("version", self.classes(violations))
        hedged = md.replace("| Patch |", "| not stated: 0% of messages follow Conventional Commits |")
        self.assertNotIn("version", self.classes(Check(FORMAT, Facts(repo, base, head), report, hedged, spec).run_all()))

    def test_reasons_another_changes_dependency_moves_and_wrong_line_counts(self):
        report = copy.deepcopy(self.report)
        report["changes"][3]["reasons"] = [reason("code_size", "changes 9 line(s) of code (+7 −2) in 1 file(s)"),
                                           reason("dependency_major", "moves 1 dependency(ies) across a major version")]
        violations = self.check(report)
        self.assertOnly("reasons", violations)
        self.assertEqual(len(violations), 2, violations)

    def test_pr_numbers_not_in_the_message_and_direct_pushes(self):
        report = copy.deepcopy(self.report)
        report["changes"][2]["pr"] = 99
        report["reasons"].append(reason("direct_push", "1 change(s) reached the branch without a PR/MR", 0))
        md = self.md.replace("</details>\n\n<details><summary>Risk", "</details>\n\n<details><summary>Direct pushes (1)"
                             "</summary>\n\n- x\n\n</details>\n\n<details><summary>Risk", 1)
        violations = self.check(report, md)
        self.assertOnly("pr", violations)
        self.assertGreaterEqual(len(violations), 3, violations)

    def test_pr_from_a_merge_commit_is_accepted(self):
        g = GitFixture(self)
        g.commit("first", {"a.txt": "a\n"})
        base = g.git("rev-parse", "HEAD")
        g.git("checkout", "-q", "-b", "topic")
        side = g.commit("change a", {"a.txt": "b\n"})
        g.git("checkout", "-q", "main")
        g.commit("elsewhere", {"b.txt": "b\n"})
        g.git("merge", "-q", "--no-ff", "topic", "-m", "Merge pull request #7 from someone/topic")
        repo = Repo(g.root)
        self.addCleanup(repo.close)
        facts = Facts(repo, base, g.git("rev-parse", "HEAD"))
        self.assertIn(7, facts.prs()[side])

    def test_base_tag_not_named(self):
        md = self.md.replace(f"since tag v1.0.0 ({self.shas['init'][:7]})", f"in `{self.shas['init'][:7]}..x`")
        self.assertOnly("base", self.check(md=md))
        # A bare tag that only shows as the version does not count as naming the base.
        md = md.replace("| Version | 1.0.0 → **1.1.0** |", "| Version | v1.0.0 → **1.1.0** |")
        self.assertIn("base", self.classes(self.check(md=md)))

    def test_comments_scored_as_code(self):
        report = copy.deepcopy(self.report)
        report["changes"][2]["reasons"] = [reason("code_size", "changes 2 line(s) of code (+2 −0) in 1 file(s)")]
        self.assertOnly("comments", self.check(report))

    def test_deps_manifest_change_missing(self):
        report = copy.deepcopy(self.report)
        report["dependencies"] = [d for d in report["dependencies"] if d["name"] != "rand"]
        md = self.md.replace("Dependencies (2)", "Dependencies (1)").replace("| rand ⚠️ major | Upgraded | 0.7.3 | 0.8.5 | Cargo.lock |\n", "")
        violations = self.check(report, md)
        self.assertOnly("deps", violations)
        self.assertGreaterEqual(len(violations), 2, violations)  # the manifest and the lockfile

    def test_deps_major_not_marked(self):
        report = copy.deepcopy(self.report)
        report["dependencies"][0]["major"] = False
        self.assertOnly("deps", self.check(report))

    def test_length_section_dropped_and_list_cut_silently(self):
        start = self.md.index("<details><summary>Dependencies")
        md = self.md[:start]
        self.assertOnly("length", self.check(md=md))
        md = self.md.replace(f"- `{self.shas['docs'][:7]}` docs: say what an empty line gives — Ada\n", "")
        self.assertOnly("length", self.check(md=md))
        md = self.md.replace(f"- `{self.shas['docs'][:7]}` docs: say what an empty line gives — Ada\n", "- _… and 1 more, of lower risk: `--format json` lists them all_\n")
        self.assertEqual(self.check(md=md), [])
        # "and N more" inside an entry (its reasons) is no cut of the list.
        md = self.md.replace(f"- `{self.shas['docs'][:7]}` docs: say what an empty line gives — Ada\n", "- and 1 more reason\n")
        self.assertOnly("length", self.check(md=md))
        self.assertOnly("length", self.check(md=self.md + "x" * 70_000))

    def test_top_risks_twice_dangling_colon_and_averages(self):
        feat = self.shas["feat"][:7]
        md = self.md.replace("**Top risks**\n\n", f"**Top risks**\n\n- riskiest change {feat} scores 70:\n"
                                                  "- 2 changes score 60 or more; a stretch of 4 here has 1.2 on average\n")
        violations = self.check(md=md)
        self.assertOnly("top", violations)
        self.assertEqual(len(violations), 3, violations)
        long = self.md.replace("**Top risks**\n\n", "**Top risks**\n\n" + "- more\n" * 20)
        self.assertOnly("top", self.check(md=long))

    def test_grouping_kind_words_with_scopes_and_areas(self):
        g = GitFixture(self)
        g.commit("first", {"src/a.rs": "fn a() {}\n"})
        base = g.git("rev-parse", "HEAD")
        shas = [g.commit(m, {"src/a.rs": f"fn a() {{ {i} }}\n"}) for i, m in enumerate(
            ["printer: fix a panic", "searcher: speed up", "ignore/types: add zig", "docs(guide/cli): explain -x"])]
        repo = Repo(g.root)
        self.addCleanup(repo.close)
        items = "\n".join(f"- `{s[:7]}` x — Ada" for s in shas[:3])
        md = (f"<details><summary>Changes by type (4)</summary>\n\n**Other changes**\n\n{items}\n\n"
              f"**Not conventional**\n\n- `{shas[3][:7]}` docs(guide/cli): explain -x — Ada\n\n</details>\n")
        report = {"changes": [{"sha": s, "reasons": []} for s in reversed(shas)], "dependencies": [],
                  "base_source": {"kind": "flag"}, "base": base}
        spec = {"kind": "release", "base": base, "head": shas[-1]}
        violations = [v for v in Check(FORMAT, Facts(repo, base, shas[-1]), report, md, spec).run_all()
                      if v["class"] == "grouping"]
        self.assertEqual(len(violations), 2, violations)

    def test_grouping_by_type_where_most_messages_name_a_kind(self):
        g = GitFixture(self)
        g.commit("first", {"src/a.rs": "fn a() {}\n"})
        base = g.git("rev-parse", "HEAD")
        subjects = ["lib: use x", "sec: patch", "lint: fix"] + [f"build(deps): bump a{i}" for i in range(4)]
        shas = [g.commit(m, {"src/a.rs": f"fn a() {{ {i} }}\n"}) for i, m in enumerate(subjects)]
        repo = Repo(g.root)
        self.addCleanup(repo.close)
        items = "\n".join(f"- `{s[:7]}` x — Ada" for s in shas)
        md = f"<details><summary>Changes by type (7)</summary>\n\n**Other changes**\n\n{items}\n\n</details>\n"
        report = {"changes": [{"sha": s, "reasons": []} for s in reversed(shas)], "dependencies": [],
                  "base_source": {"kind": "flag"}, "base": base}
        spec = {"kind": "release", "base": base, "head": shas[-1]}
        violations = [v for v in Check(FORMAT, Facts(repo, base, shas[-1]), report, md, spec).run_all()
                      if v["class"] == "grouping"]
        self.assertEqual(violations, [])

    def test_duplicates(self):
        report = copy.deepcopy(self.report)
        report["changes"].append(copy.deepcopy(report["changes"][0]))
        self.assertIn("duplicates", self.classes(self.check(report)))
        md = self.md.replace("**Fixes**\n", f"**Fixes**\n\n- `{self.shas['feat'][:7]}` parse every line (#15) — Ada\n")
        self.assertOnly("duplicates", [v for v in self.check(md=md) if v["class"] != "length"])

    def fake_binary(self, reversed_exit):
        """A stand-in for shipline-risk printing the canned outputs (and `reversed_exit` for a
        reversed range)."""
        d = tempfile.mkdtemp(prefix="fake-risk-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d], check=False))
        with open(os.path.join(d, "report.json"), "w", encoding="utf-8") as f:
            json.dump(self.report, f)
        with open(os.path.join(d, "report.md"), "w", encoding="utf-8") as f:
            f.write(self.md)
        path = os.path.join(d, "shipline-risk")
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(f"""\
                #!{sys.executable}
                import os, sys
                args = sys.argv[1:]
                if any(k.startswith(("GITHUB_", "GITLAB_", "CI_")) or k == "CI" for k in os.environ):
                    sys.exit(5)
                if args[args.index("--base") + 1] == "v1.1.0":
                    sys.exit({reversed_exit})
                name = "report.json" if args[args.index("--format") + 1] == "json" else "report.md"
                sys.stdout.write(open(os.path.join({d!r}, name), encoding="utf-8").read())
                """))
        os.chmod(path, 0o755)
        return path

    def test_reversed_range_must_exit_2(self):
        counter = L.LineCounter(self.repo)
        os.environ["GITHUB_TOKEN"] = "not-for-the-tool"
        self.addCleanup(os.environ.pop, "GITHUB_TOKEN", None)
        self.assertEqual(risk_audit.audit_run(self.repo, self.fake_binary(2), self.spec, counter), [])
        violations = risk_audit.audit_run(self.repo, self.fake_binary(0), self.spec, counter)
        self.assertOnly("reversed", violations)

    def test_the_command_line_fails_on_violations_and_passes_without(self):
        import io
        from contextlib import redirect_stderr, redirect_stdout
        for reversed_exit, want in ((2, 0), (0, 1)):
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = risk_audit.main(["--bin", self.fake_binary(reversed_exit), "--no-probes",
                                        f"demo={self.g.root}"])
            self.assertEqual(code, want, out.getvalue())
            self.assertIn("| demo | 1 |", out.getvalue())


class Pieces(unittest.TestCase):
    def test_tag_families(self):
        self.assertEqual(parse_tag("v1.2.3"), ("", (1, 2, 3), None))
        self.assertEqual(parse_tag("1.2.3"), ("", (1, 2, 3), None))
        self.assertEqual(parse_tag("grep-searcher-0.1.17"), ("grep-searcher-", (0, 1, 17), None))
        self.assertEqual(parse_tag("api/v2.0.0-rc.1"), ("api/", (2, 0, 0), "rc.1"))
        self.assertIsNone(parse_tag("2.3.x"))
        self.assertEqual(real_bumps((1, 2, 3), (1, 3, 0)), {"minor"})
        self.assertEqual(real_bumps((0, 4, 2), (0, 5, 0)), {"minor", "major"})
        self.assertEqual(real_bumps((2, 0, 0), (2, 0, 1)), {"patch"})

    def test_release_ranges_per_family(self):
        g = GitFixture(self)
        g.commit("a", {"a": "1"})
        g.git("tag", "lib-0.1.0")
        g.git("tag", "v1.0.0")
        g.commit("b", {"a": "2"})
        g.git("tag", "lib-0.2.0-rc.1")
        g.commit("c", {"a": "3"})
        g.git("tag", "lib-0.2.0")
        g.git("tag", "v1.0.1")
        repo = Repo(g.root)
        self.addCleanup(repo.close)
        pairs = sorted((r.base.name, r.head.name) for r in repo.release_ranges())
        self.assertEqual(pairs, [("lib-0.1.0", "lib-0.2.0"), ("v1.0.0", "v1.0.1")])

    def flags(self, text, lang):
        return [i + 1 for i, f in enumerate(L.code_flags(textwrap.dedent(text), lang)) if f]

    def test_comment_lexers(self):
        self.assertEqual(self.flags("""\
            /// doc
            //! inner
            /* block
               /* nested */ still */
            let s = "// not a comment";
            let r = r#"
            /* in a raw string */
            "#;
            fn f<'a>(x: &'a str) -> char { 'x' } // trailing
            """, "rust"), [5, 6, 7, 8, 9])
        self.assertEqual(self.flags('''\
            """Module docstring."""
            # comment
            x = 1  # trailing
            def f():
                """Doc
                string."""
                return """
            data"""
            ''', "python"), [3, 4, 7, 8])
        self.assertEqual(self.flags("""\
            // line
            const re = /\\/*x/;
            const t = `a ${b /* c */} d`;
            /**
             * doc
             */
            """, "js"), [2, 3])
        self.assertEqual(self.flags("""\
            # comment
            echo "# not" $# ${#x}
            cat <<EOF
            # body is data
            EOF
            """, "shell"), [2, 3, 4, 5])
        self.assertEqual(self.flags("""\
            =begin
            x = 1
            =end
            y = "#{z}" # c
            """, "ruby"), [4])
        self.assertEqual(self.flags("""\
            #include <a.h> /* c */
            /* a
             * b */ int x;
            auto s = R"(/* no */)";
            """, "c"), [1, 3, 4])

    def test_whitespace_only_edits_are_not_code(self):
        g = GitFixture(self)
        g.commit("a", {"src/m.go": "package m\n\nfunc f() {\n\treturn\n}\n"})
        sha = g.commit("b", {"src/m.go": "package m\n\nfunc f() {\n    return\n}\n// done\n"})
        repo = Repo(g.root)
        self.addCleanup(repo.close)
        counts = L.LineCounter(repo).count(repo.diffs(None, None, [sha])[sha])
        self.assertTrue(counts.comment_only, counts)
        self.assertEqual((counts.high_add, counts.high_del), (1, 1))

    def test_unlexed_code_files_bound_every_changed_line(self):
        # SQL is code but not lexed: git's count, blank lines included, is the upper bound, and a
        # claim above it still fails.
        g = GitFixture(self)
        g.commit("a", {"db/schema.sql": "create table a (x int);\n"})
        sha = g.commit("b", {"db/schema.sql": "create table a (x int);\n\ncreate table b (y int);\n"})
        repo = Repo(g.root)
        self.addCleanup(repo.close)
        counts = L.LineCounter(repo).count(repo.diffs(None, None, [sha])[sha])
        self.assertEqual((counts.low_add, counts.high_add, counts.high_del), (0, 2, 0))


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Measures(unittest.TestCase):
    def test_spearman_with_ties(self):
        rank = load("risk_release_rank", "risk-release-rank.py")
        self.assertEqual(rank.ranks([10, 20, 20, 5]), [2.0, 3.5, 3.5, 1.0])
        self.assertAlmostEqual(rank.spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1.0)
        self.assertAlmostEqual(rank.spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1.0)
        self.assertIsNone(rank.spearman([1, 1, 1], [1, 2, 3]))

    def test_bump_accuracy_runs_before_the_release_commit(self):
        bump = load("risk_bump_accuracy", "risk-bump-accuracy.py")
        g = GitFixture(self)
        g.commit("first", {"Cargo.toml": cargo_toml("0.7"), "src/lib.rs": LIB_V1})
        g.git("tag", "v1.0.0")
        work = g.commit("fix: empty lines", {"src/lib.rs": LIB_FIX})
        g.commit("Release 1.0.1", {"Cargo.toml": cargo_toml("0.7").replace('version = "1.0.0"', 'version = "1.0.1"')})
        g.commit("docs: after the bump", {"README.md": "x\n"})
        g.git("tag", "v1.0.1")
        repo = Repo(g.root)
        self.addCleanup(repo.close)
        (r,) = repo.release_ranges()
        self.assertEqual(bump.release_head(repo, r), work)
        self.assertEqual(bump.stated_bump("| | |\n|---|---|\n| Bump | Patch |\n", {}), "patch")
        self.assertIsNone(bump.stated_bump("| | |\n|---|---|\n| Bump | not stated: 8% follow Conventional Commits |\n",
                                           {"bump": "patch"}))


if __name__ == "__main__":
    unittest.main()
