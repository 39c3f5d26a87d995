#!/usr/bin/env python3
"""Self-test of module-cycles.py: small crates in a temp directory, each with a known answer.

Run: python3 scripts/test_module_cycles.py
"""

import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "module-cycles.py")

sys.dont_write_bytecode = True
spec = importlib.util.spec_from_file_location("module_cycles", SCRIPT)
module_cycles = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module_cycles)


class ModuleCycles(unittest.TestCase):
    def workspace(self, crates):
        """A workspace with `crates/<name>/src/<file>` for each crate's files; returns its root."""
        root = tempfile.mkdtemp(prefix="module-cycles-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", root], check=False))
        for crate, files in crates.items():
            for path, text in files.items():
                full = os.path.join(root, "crates", crate, "src", path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w", encoding="utf-8") as f:
                    f.write(textwrap.dedent(text))
        return root

    def run_on(self, root, *args):
        out = io.StringIO()
        with redirect_stdout(out):
            code = module_cycles.main([*args, root])
        return code, out.getvalue().splitlines()

    def test_two_modules_through_grouped_imports(self):
        root = self.workspace(
            {
                "x": {
                    "lib.rs": "mod a;\nmod b;\nmod c;\n",
                    "a.rs": """
                        use crate::{
                            b::{self, Thing as Renamed},
                            c::Other,
                        };
                        pub struct A;
                    """,
                    "b.rs": "pub(crate) use crate::a::{A};\npub struct Thing;\n",
                    "c.rs": "pub struct Other;\n",
                }
            }
        )
        code, lines = self.run_on(root)
        self.assertEqual(lines, ["x: a -> b -> a"])
        self.assertEqual(code, 1)

    def test_child_using_its_parent_through_super(self):
        root = self.workspace(
            {
                "y": {
                    "lib.rs": "pub mod p;\n",
                    "p/mod.rs": "mod child;\npub use child::Child;\npub struct Parent;\n",
                    "p/child.rs": "use super::Parent;\npub struct Child(Parent);\n",
                }
            }
        )
        code, lines = self.run_on(root)
        self.assertEqual(lines, ["y: p -> p::child -> p"])
        self.assertEqual(code, 1)

    def test_test_code_comments_and_strings_are_not_references(self):
        root = self.workspace(
            {
                "z": {
                    "lib.rs": """
                        //! Uses `crate::b::B` in prose only.
                        mod a;
                        mod b;
                    """,
                    "a.rs": """
                        /// See crate::b::B.
                        pub struct A;
                        // use crate::b::B;
                        /* crate::b::f(); /* nested */ crate::b::g(); */
                        const TEXT: &str = "crate::b::B";
                        const RAW: &str = r#"use crate::b::B; "quoted""#;
                        const CHAR: char = '"';
                        fn lifetimes<'a>(x: &'a str) -> &'a str { x }

                        #[cfg(test)]
                        fn helper() {
                            crate::b::f();
                        }

                        #[cfg(test)]
                        #[allow(unused)]
                        mod tests {
                            use crate::b::B;
                            use super::*;
                        }
                    """,
                    "b.rs": "use crate::a::A;\npub struct B(A);\npub fn f() {}\n",
                }
            }
        )
        code, lines = self.run_on(root)
        self.assertEqual(lines, ["no module cycles"])
        self.assertEqual(code, 0)

    def test_inline_paths(self):
        root = self.workspace(
            {
                "w": {
                    "lib.rs": "mod a;\nmod b;\n",
                    "a.rs": "pub fn f() -> u8 {\n    crate::b::g() + 1\n}\n",
                    "b.rs": "pub fn g() -> u8 {\n    if false { super::a::f() } else { 0 }\n}\n",
                }
            }
        )
        code, lines = self.run_on(root, "--why")
        self.assertEqual(
            lines,
            [
                "w: a -> b -> a",
                "    a -> b: crates/w/src/a.rs:2 crate::b::g",
                "    b -> a: crates/w/src/b.rs:2 super::a::f",
            ],
        )
        self.assertEqual(code, 1)

    def test_inline_modules_and_child_paths(self):
        root = self.workspace(
            {
                "v": {
                    "lib.rs": """
                        mod outer {
                            pub mod inner {
                                pub fn f() { super::helper() }
                            }
                            pub fn helper() {}
                            pub fn g() { inner::f() }
                        }
                    """,
                }
            }
        )
        code, lines = self.run_on(root)
        self.assertEqual(lines, ["v: outer -> outer::inner -> outer"])
        self.assertEqual(code, 1)

    def test_a_name_the_root_re_exports_refers_to_where_it_is_defined(self):
        root = self.workspace(
            {
                "u": {
                    "lib.rs": "mod a;\nmod b;\npub use a::A;\npub use b::B;\n",
                    "a.rs": "pub struct A;\n",
                    "b.rs": "use crate::A;\npub struct B(A);\n",
                }
            }
        )
        code, lines = self.run_on(root)
        self.assertEqual(lines, ["no module cycles"])
        self.assertEqual(code, 0)

    def test_runs_as_a_script(self):
        root = self.workspace({"t": {"lib.rs": "mod a;\n", "a.rs": "pub fn f() {}\n"}})
        done = subprocess.run(
            [sys.executable, SCRIPT, root], capture_output=True, text=True, check=False
        )
        self.assertEqual((done.returncode, done.stdout), (0, "no module cycles\n"))


if __name__ == "__main__":
    unittest.main()
