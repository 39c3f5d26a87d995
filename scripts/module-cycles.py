#!/usr/bin/env python3
"""Reports module circles in every crate under crates/*/src.

A module refers to another when its code names it: `use crate::...`, `use super::...` and
`use self::...` (grouped and nested imports included, `pub use` and `pub(crate) use` too), a path
such as `crate::a::b::f()` or `super::x::Y` anywhere in the code, or a path that starts with one of
its own child modules (`pub use child::X`, `child::f()`). Declaring a child (`mod child;`) is not a
reference. A path names the deepest module it reaches: `crate::a::b::Thing` is `a::b` when that
module exists, else `a`; a name a module re-exports (`pub use inner::Thing`) is followed to the
module that defines it, so `use crate::Thing` refers to `inner`, not to the crate root. Items under
`#[cfg(test)]`, comments (doc comments included) and string literals are not code here.

A circle is a path of references that comes back to where it started, such as a child that uses
`super::Helper` while its parent uses the child. Each one is printed as `crate: a -> b -> a` (the
crate root is `crate`), and the exit status is 1; without any, it prints "no module cycles" and
exits 0. `--why` adds, under each circle, where each of its references is.

Usage: scripts/module-cycles.py [--why] [WORKSPACE_ROOT]   (default: this script's parent directory)
"""

import argparse
import os
import sys

# ---------------------------------------------------------------------------------------------
# Lexing: identifiers, `::`, one-character punctuation and string literals, with line numbers.
# Comments and whitespace are dropped; numbers, characters and lifetimes are kept as opaque tokens
# so that nothing inside them reads as a path.


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind = kind  # "id", "punct", "str", "other"
        self.text = text
        self.line = line

    def __repr__(self):
        return f"{self.kind}:{self.text}@{self.line}"


def _ident_start(c):
    return c.isalpha() or c == "_"


def _ident_char(c):
    return c.isalnum() or c == "_"


def lex(src):
    toks = []
    i, n, line = 0, len(src), 1

    def string_end(j, hashes, raw):
        """Index just past a string body that starts at j (after the opening quote)."""
        nonlocal line
        closing = '"' + "#" * hashes
        while j < n:
            c = src[j]
            if c == "\n":
                line += 1
            if not raw and c == "\\":
                if j + 1 < n and src[j + 1] == "\n":
                    line += 1
                j += 2
                continue
            if src.startswith(closing, j):
                return j + len(closing)
            j += 1
        return n

    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if src[i] == "\n":
                        line += 1
                    i += 1
        elif c == '"':
            start_line = line
            j = string_end(i + 1, 0, False)
            toks.append(Tok("str", src[i + 1 : j - 1], start_line))
            i = j
        elif c == "'":
            # A character literal ('a', '\n', '\u{1F600}') or a lifetime / label ('a, 'static).
            if i + 1 < n and src[i + 1] == "\\":
                j = i + 2
                while j < n and src[j] != "'":
                    j += 2 if src[j] == "\\" else 1
                i = j + 1
            elif i + 2 < n and src[i + 2] == "'":
                i += 3
            else:
                j = i + 1
                while j < n and _ident_char(src[j]):
                    j += 1
                i = j
            toks.append(Tok("other", "'", line))
        elif _ident_start(c):
            j = i
            while j < n and _ident_char(src[j]):
                j += 1
            word = src[i:j]
            # String prefixes: b"", r"", r#""#, br"", c"", cr#""#.
            if word in ("b", "r", "br", "rb", "c", "cr") and j < n and src[j] in "\"#":
                k = j
                while k < n and src[k] == "#":
                    k += 1
                if k < n and src[k] == '"' and ("r" in word or k == j):
                    start_line = line
                    end = string_end(k + 1, k - j, "r" in word)
                    toks.append(Tok("str", src[k + 1 : end - 1 - (k - j)], start_line))
                    i = end
                    continue
            if word == "r" and src.startswith("#", j) and j + 1 < n and _ident_start(src[j + 1]):
                k = j + 1
                while k < n and _ident_char(src[k]):
                    k += 1
                toks.append(Tok("id", src[j + 1 : k], line))
                i = k
                continue
            toks.append(Tok("id", word, line))
            i = j
        elif c.isdigit():
            j = i + 1
            while j < n and (_ident_char(src[j]) or (src[j] == "." and j + 1 < n and src[j + 1].isdigit())):
                j += 1
            toks.append(Tok("other", src[i:j], line))
            i = j
        elif src.startswith("::", i):
            toks.append(Tok("punct", "::", line))
            i += 2
        else:
            toks.append(Tok("punct", c, line))
            i += 1
    return toks


# ---------------------------------------------------------------------------------------------
# Parsing: modules (files and inline blocks), the names each defines and re-exports, and every
# path each names.

OPEN = {"{": "}", "(": ")", "[": "]"}
ITEM_KEYWORDS = {"fn", "struct", "enum", "trait", "type", "const", "static", "union"}


class Module:
    def __init__(self, path, file):
        self.path = path  # tuple of names; () is the crate root
        self.file = file
        self.parent = None
        self.children = {}
        self.items = set()
        self.reexports = {}  # name -> (kind, segments) of a `pub use`
        self.glob_reexports = []  # (kind, segments) of `pub use x::*`
        self.refs = []  # (kind, segments, file, line)

    def name(self):
        return "::".join(self.path) if self.path else "crate"


def is_test_cfg(attr):
    """Whether an attribute's tokens are `cfg(...)` that holds only under test."""
    words = [t.text for t in attr if t.kind == "id"]
    return bool(words) and words[0] == "cfg" and "test" in words and "not" not in words


def matching(toks, i):
    """Index of the bracket closing the one at i."""
    want, depth = OPEN[toks[i].text], 0
    for j in range(i, len(toks)):
        t = toks[j]
        if t.kind == "punct":
            if t.text in OPEN:
                depth += 1
            elif t.text in OPEN.values():
                depth -= 1
                if depth == 0:
                    return j
    return len(toks) - 1


def skip_item(toks, i):
    """Index just past the item (or statement) starting at i: its `;` or its closing brace."""
    depth = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "punct":
            if t.text in OPEN:
                depth += 1
            elif t.text in OPEN.values():
                if depth == 0:
                    return i  # the enclosing block ends: the item ended before it
                depth -= 1
                if depth == 0 and t.text == "}":
                    # `const X: T = T { .. };` goes on to its `;`: harmless either way.
                    return i + 1
            elif t.text == ";" and depth == 0:
                return i + 1
        i += 1
    return i


def parse_use_tree(toks, i, prefix, out):
    """Parses a use tree at i, appending full segment lists to out; returns the index after it."""
    segs = list(prefix)
    while i < len(toks):
        t = toks[i]
        if t.kind == "id":
            if t.text == "as":
                i += 2  # the alias
                continue
            segs.append(t.text)
            i += 1
        elif t.text == "::":
            i += 1
        elif t.text == "*":
            out.append((segs, True))
            return i + 1
        elif t.text == "{":
            end = matching(toks, i)
            j = i + 1
            while j < end:
                j = parse_use_tree(toks, j, segs, out)
                if j < end and toks[j].text == ",":
                    j += 1
            return end + 1
        else:
            break
    if segs and segs[-1] == "self":
        segs = segs[:-1]
    if segs:
        out.append((segs, False))
    return i


def path_kind(first):
    return first if first in ("crate", "super", "self") else "rel"


class CrateParser:
    def __init__(self, label, root_file, workspace):
        self.label = label
        self.workspace = workspace
        self.root = Module((), root_file)
        self.modules = {(): self.root}
        self.warnings = []

    def parse_file(self, module, file):
        with open(file, encoding="utf-8") as f:
            toks = lex(f.read())
        base = os.path.basename(file)
        if base in ("lib.rs", "main.rs", "mod.rs"):
            mod_dir = os.path.dirname(file)
        else:
            mod_dir = os.path.join(os.path.dirname(file), os.path.splitext(base)[0])
        self.parse_block(toks, 0, len(toks), module, file, mod_dir)

    def add_child(self, parent, name, file):
        child = Module(parent.path + (name,), file)
        child.parent = parent
        parent.children[name] = child
        self.modules[child.path] = child
        return child

    def parse_block(self, toks, i, end, module, file, mod_dir):
        pending_path = None
        while i < end:
            t = toks[i]
            # Attributes: `#[...]` on the next item, `#![...]` on the enclosing module.
            if t.text == "#" and i + 1 < end and toks[i + 1].text in ("[", "!"):
                inner = toks[i + 1].text == "!"
                open_at = i + 2 if inner else i + 1
                if open_at >= end or toks[open_at].text != "[":
                    i += 1
                    continue
                close = matching(toks, open_at)
                attr = toks[open_at + 1 : close]
                i = close + 1
                if is_test_cfg(attr):
                    if inner:
                        return  # the whole module only exists under test
                    # Skip further attributes, then the item itself.
                    while i < end and toks[i].text == "#" and i + 1 < end and toks[i + 1].text == "[":
                        i = matching(toks, i + 1) + 1
                    i = skip_item(toks, i)
                    pending_path = None
                    continue
                words = [a for a in attr if a.kind != "punct"]
                if len(words) == 2 and words[0].text == "path" and words[1].kind == "str":
                    pending_path = words[1].text
                continue
            if t.kind == "id" and t.text == "mod" and i + 1 < end and toks[i + 1].kind == "id":
                name = toks[i + 1].text
                after = toks[i + 2].text if i + 2 < end else ";"
                if after == ";":
                    if pending_path:
                        candidates = [os.path.join(os.path.dirname(file), pending_path)]
                    else:
                        candidates = [
                            os.path.join(mod_dir, name + ".rs"),
                            os.path.join(mod_dir, name, "mod.rs"),
                        ]
                    found = next((c for c in candidates if os.path.isfile(c)), None)
                    if found:
                        child = self.add_child(module, name, found)
                        self.parse_file(child, found)
                    else:
                        where = os.path.relpath(file, self.workspace)
                        self.warnings.append(f"{where}:{t.line}: no file for `mod {name};`")
                    pending_path = None
                    i += 3
                    continue
                if after == "{":
                    close = matching(toks, i + 2)
                    child = self.add_child(module, name, file)
                    self.parse_block(toks, i + 3, close, child, file, os.path.join(mod_dir, name))
                    pending_path = None
                    i = close + 1
                    continue
            pending_path = None
            if t.kind == "id" and t.text in ITEM_KEYWORDS and i + 1 < end and toks[i + 1].kind == "id":
                module.items.add(toks[i + 1].text)
            if t.kind == "id" and t.text == "macro_rules" and i + 2 < end and toks[i + 1].text == "!":
                module.items.add(toks[i + 2].text)
            if t.kind == "id" and t.text == "use" and (i == 0 or toks[i - 1].text != "::"):
                public = self.is_public(toks, i)
                trees = []
                j = parse_use_tree(toks, i + 1, [], trees)
                for segs, glob in trees:
                    if segs and segs[0] == "":
                        continue
                    kind = path_kind(segs[0])
                    module.refs.append((kind, segs, file, t.line))
                    if public:
                        if glob:
                            module.glob_reexports.append((kind, segs))
                        else:
                            module.reexports[segs[-1]] = (kind, segs)
                while j < end and toks[j].text != ";":
                    j += 1
                i = j + 1
                continue
            # A path: `crate::`, `super::`, `self::` or `name::`, not in the middle of one.
            if (
                t.kind == "id"
                and i + 1 < end
                and toks[i + 1].text == "::"
                and (i == 0 or toks[i - 1].text not in ("::", "$"))
                and not (i >= 2 and toks[i - 1].text == "in" and toks[i - 2].text == "(")
            ):
                segs = [t.text]
                j = i + 1
                while j + 1 < end and toks[j].text == "::" and toks[j + 1].kind == "id":
                    segs.append(toks[j + 1].text)
                    j += 2
                module.refs.append((path_kind(segs[0]), segs, file, t.line))
                i = j
                continue
            i += 1

    @staticmethod
    def is_public(toks, i):
        """Whether the `use` at i is `pub use` or `pub(...) use`."""
        j = i - 1
        if j >= 0 and toks[j].text == ")":
            depth = 0
            while j >= 0:
                if toks[j].text == ")":
                    depth += 1
                elif toks[j].text == "(":
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            j -= 1
        return j >= 0 and toks[j].text == "pub"


# ---------------------------------------------------------------------------------------------
# Resolving paths to modules, and the circles in the resulting graph.


def start_of(module, kind, segs, root):
    """The module a path starts from and the segments left, or None when it is not ours."""
    if kind == "crate":
        return root, segs[1:]
    if kind == "self":
        return module, segs[1:]
    if kind == "super":
        m, rest = module, list(segs)
        while rest and rest[0] == "super":
            if m.parent is None:
                return None
            m, rest = m.parent, rest[1:]
        return m, rest
    if segs[0] in module.children:
        return module, segs
    return None


def walk(module, segs, root, seen):
    """The deepest module the segments reach from module, following re-exports."""
    m = module
    for s in segs:
        if s == "self":
            continue
        if s == "super":
            if m.parent is None:
                break
            m = m.parent
            continue
        if s in m.children:
            m = m.children[s]
            continue
        target = reexport_target(m, s, root, seen)
        if target is None:
            break
        m = target
    return m


def reexport_target(m, name, root, seen):
    """The module a name re-exported by m comes from, or None."""
    key = (m.path, name)
    if key in seen:
        return None
    seen = seen | {key}
    if name in m.reexports:
        kind, segs = m.reexports[name]
        start = start_of(m, kind, segs, root)
        if start is not None:
            return walk(start[0], start[1], root, seen)
    if name in m.items:
        return None
    for kind, segs in m.glob_reexports:
        start = start_of(m, kind, segs, root)
        if start is None:
            continue
        g = walk(start[0], start[1], root, seen)
        if name in g.items or name in g.children or name in g.reexports:
            return walk(g, [name], root, seen) if name in g.children else g
    return None


def edges_of(parser):
    edges = {}
    for m in parser.modules.values():
        for kind, segs, file, line in m.refs:
            start = start_of(m, kind, segs, parser.root)
            if start is None:
                continue
            target = walk(start[0], start[1], parser.root, frozenset())
            if target is m:
                continue
            edges.setdefault((m.path, target.path), []).append((file, line, "::".join(segs)))
    return edges


def components(nodes, succ):
    """Strongly connected components (Tarjan), each a set of nodes."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(succ[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(succ[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.add(top)
                    if top == node:
                        break
                comps.append(comp)
    return comps


def cycles_of(nodes, edges):
    """The circles: for every reference that lies on one, the shortest circle through it, each
    circle once, starting from its smallest module. Every reference that has to go for the
    graph to have no circle is in at least one of them, without listing every combination."""
    succ = {n: set() for n in nodes}
    for a, b in edges:
        succ[a].add(b)
    found = set()
    for comp in components(nodes, succ):
        if len(comp) < 2:
            continue
        for a in sorted(comp):
            for b in sorted(succ[a] & comp):
                # Shortest way back from b to a, inside the component.
                prev, queue = {b: None}, [b]
                for node in queue:
                    if node == a:
                        break
                    for nxt in sorted(succ[node] & comp):
                        if nxt not in prev:
                            prev[nxt] = node
                            queue.append(nxt)
                back, node = [], a
                while node is not None:
                    back.append(node)
                    node = prev[node]
                cycle = [a] + back[::-1]  # a -> b -> ... -> a
                ring = cycle[:-1]
                k = ring.index(min(ring))
                found.add(tuple(ring[k:] + ring[:k] + [ring[k]]))
    return sorted(found, key=lambda c: (len(c), c))


def crate_roots(root):
    crates_dir = os.path.join(root, "crates")
    for name in sorted(os.listdir(crates_dir)):
        src = os.path.join(crates_dir, name, "src")
        if not os.path.isdir(src):
            continue
        lib = os.path.join(src, "lib.rs")
        if os.path.isfile(lib):
            yield name, lib
        main = os.path.join(src, "main.rs")
        if os.path.isfile(main):
            yield f"{name} (main.rs)", main
        bins = os.path.join(src, "bin")
        if os.path.isdir(bins):
            for b in sorted(os.listdir(bins)):
                if b.endswith(".rs"):
                    yield f"{name} (bin/{b})", os.path.join(bins, b)


def fmt(path):
    return "::".join(path) if path else "crate"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--why", action="store_true", help="show where each reference of a circle is")
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    lines = []
    for label, root_file in crate_roots(root):
        parser = CrateParser(label, root_file, root)
        parser.parse_file(parser.root, root_file)
        for w in parser.warnings:
            print(f"warning: {w}", file=sys.stderr)
        edges = edges_of(parser)
        cycles = cycles_of(list(parser.modules), edges)
        for cycle in cycles:
            lines.append(f"{label}: " + " -> ".join(fmt(p) for p in cycle))
            if args.why:
                for a, b in zip(cycle, cycle[1:]):
                    file, line, text = edges[(a, b)][0]
                    lines.append(f"    {fmt(a)} -> {fmt(b)}: {os.path.relpath(file, root)}:{line} {text}")
    if not lines:
        print("no module cycles")
        return 0
    print("\n".join(lines))
    return 1


if __name__ == "__main__":
    sys.exit(main())
