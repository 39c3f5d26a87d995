"""Which changed lines of a commit are code.

A line is code when it holds something outside comments: doc comments, block comments, blank
lines are not code, and a removed line that comes back in the same hunk with only its whitespace
changed (re-indentation) is not a code change either. String contents are code. Files are lexed
whole (old and new blob), so a line in the middle of a block comment or a Python docstring is
known for what it is. Languages: Rust, Go, Python, JavaScript/TypeScript, Java, C/C++, shell,
Ruby. Lines of other code files count as code in the upper bound and not at all in the lower one.

Which files are code at all is shipline-risk's own rule (shipped code, not tests, docs, CI or
dependency files), mirrored from `crates/risk/src/features/paths.rs`: keep the two in step.
"""

import io
import re
import tokenize
from dataclasses import dataclass

# -- file roles (mirror of crates/risk/src/features/paths.rs) ----------------------------------

CODE_EXTENSIONS = set(
    "rs c h cc cpp cxx hpp hh go py pyx js jsx mjs cjs ts tsx java kt kts scala swift m mm rb php cs fs vb "
    "ex exs erl hs ml clj lua pl pm r dart zig nim sh bash zsh ps1 sql vue svelte groovy elm jl f90 asm s".split()
)
DOC_EXTENSIONS = set("md rst txt adoc asciidoc org tex man".split())
DOC_NAMES = set(
    "readme changelog changes history authors contributors license licence copying notice contributing "
    "code_of_conduct security news".split()
)
LOCKFILE_NAMES = {
    "Cargo.lock", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "go.mod",
    "go.sum", "poetry.lock", "uv.lock", "Gemfile.lock", "gems.locked",
}
MANIFEST_NAMES = {
    "cargo.toml", "package.json", "pyproject.toml", "setup.cfg", "gemfile", "pipfile", "pom.xml",
    "build.gradle", "build.gradle.kts",
}


def lockfile_kind(path):
    """The lockfile format of a path (its file name), None when it is not one."""
    parts = path.replace("\\", "/").split("/")
    name, parent = parts[-1], parts[-2] if len(parts) > 1 else ""
    if name in LOCKFILE_NAMES:
        return name
    if name.endswith(".txt") and (name.startswith("requirements") or parent == "requirements"):
        return "requirements"
    return None


def _is_test(lower, name):
    dirs = lower.split("/")[:-1]
    return (
        any("test" in d or d in ("spec", "specs", "fixtures", "benches", "bench", "benchmarks", "e2e") for d in dirs)
        or name.startswith("test_")
        or "_test." in name
        or ".test." in name
        or ".spec." in name
        or "_spec." in name
        or name.startswith("conftest.")
        or name.endswith("tests.rs")
        or name.endswith("test.java")
        or name.endswith("tests.java")
    )


def _is_infra(lower, name):
    return (
        lower.startswith((".github/workflows/", ".github/actions/", ".circleci/", ".buildkite/", "k8s/", "helm/",
                          "charts/", "deploy/", "terraform/", "ansible/"))
        or name in (".gitlab-ci.yml", ".travis.yml", "appveyor.yml", "azure-pipelines.yml", "jenkinsfile",
                    "dockerfile")
        or name.startswith(("dockerfile.", "docker-compose"))
        or name.endswith((".dockerfile", ".tf", ".tfvars"))
        or "/deploy/" in lower
    )


def role(path):
    """`code`, `test`, `docs`, `infra`, `deps` or `other`, as shipline-risk classifies paths."""
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    stem = name.split(".", 1)[0]
    ext = name.rsplit(".", 1)[1] if "." in name else ""
    if lockfile_kind(path) or name in MANIFEST_NAMES:
        return "deps"
    if _is_infra(lower, name):
        return "infra"
    if _is_test(lower, name):
        return "test"
    if ext in CODE_EXTENSIONS:
        return "code"
    if ext in DOC_EXTENSIONS or stem in DOC_NAMES or lower.startswith(("docs/", "doc/")) or "/docs/" in lower:
        return "docs"
    return "other"


LANGUAGES = {
    "rs": "rust", "go": "go", "py": "python", "pyi": "python", "js": "js", "jsx": "js", "mjs": "js", "cjs": "js",
    "ts": "js", "tsx": "js", "mts": "js", "cts": "js", "java": "java", "c": "c", "h": "c", "cc": "c", "cpp": "c",
    "cxx": "c", "hpp": "c", "hh": "c", "sh": "shell", "bash": "shell", "zsh": "shell", "rb": "ruby",
}


def language(path):
    name = path.lower().rsplit("/", 1)[-1]
    return LANGUAGES.get(name.rsplit(".", 1)[1]) if "." in name else None


# -- lexers: one flag per line, True when the line holds code ----------------------------------

RUST_RAW = re.compile(r'(?:b|c)?r(#*)"')
CPP_RAW = re.compile(r'(?:u8|u|U|L)?R"([^()\\\s]{0,16})\(')
JS_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")
# Keywords after which a `/` starts a regular expression literal rather than a division.
JS_REGEX_WORDS = set("return typeof case do else in of new delete void throw yield await instanceof".split())


def _ident(c):
    return c.isalnum() or c in "_$"


def _clike(text, lang):
    flags = [False] * (text.count("\n") + 1)
    n = len(text)
    i = line = 0
    mode, depth, end, quote = "code", 0, "", ""
    braces = []  # JS: open `${` substitutions, each with its brace depth
    prev, word, in_class = "", "", False
    nested = lang == "rust"
    multiline_strings = lang == "rust"
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            if mode == "line" or (mode == "str" and not multiline_strings) or mode == "regex":
                mode = "code"
            continue
        if mode == "code":
            if c in " \t\r\f\v":
                i += 1
                continue
            two = text[i:i + 2]
            if two == "//":
                mode = "line"
                continue
            if two == "/*":
                mode, depth = "block", 1
                i += 2
                continue
            flags[line] = True
            before = text[i - 1] if i else " "
            if lang == "rust" and c in "rbc" and not _ident(before):
                m = RUST_RAW.match(text, i)
                if m:
                    mode, end = "raw", '"' + m.group(1)
                    i = m.end()
                    continue
            if lang == "c" and c in "uUL R" and not _ident(before):
                m = CPP_RAW.match(text, i)
                if m:
                    mode, end = "raw", ")" + m.group(1) + '"'
                    i = m.end()
                    continue
            if lang == "java" and text.startswith('"""', i):
                mode, end = "raw", '"""'
                i += 3
                continue
            if c == '"':
                mode, quote = "str", '"'
                i += 1
                continue
            if c == "'":
                if lang == "rust":
                    if text[i + 1:i + 2] == "\\":
                        mode, quote = "str", "'"
                        i += 1
                    elif i + 2 < n and text[i + 2] == "'":
                        i += 3
                    else:
                        i += 1  # a lifetime or a label
                    continue
                mode, quote = "str", "'"
                i += 1
                continue
            if c == "`" and lang == "go":
                mode, end = "raw", "`"
                i += 1
                continue
            if c == "`" and lang == "js":
                mode = "tmpl"
                i += 1
                continue
            if lang == "js":
                if c == "/" and (prev == "" or prev in JS_REGEX_AFTER or (prev == "a" and word in JS_REGEX_WORDS)):
                    mode, in_class = "regex", False
                    i += 1
                    continue
                if c == "{" and braces:
                    braces[-1] += 1
                elif c == "}" and braces:
                    if braces[-1] == 0:
                        braces.pop()
                        mode = "tmpl"
                        i += 1
                        continue
                    braces[-1] -= 1
            if _ident(c):
                j = i + 1
                while j < n and _ident(text[j]):
                    j += 1
                prev, word, i = "a", text[i:j], j
                continue
            prev, word = (")" if c in ")]" else c), ""
            i += 1
            continue
        if mode == "line":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if mode == "block":
            two = text[i:i + 2]
            if two == "*/":
                depth -= 1
                i += 2
                if depth == 0:
                    mode = "code"
                continue
            if nested and two == "/*":
                depth += 1
                i += 2
                continue
            i += 1
            continue
        # Inside a literal: its text is code.
        if not c.isspace():
            flags[line] = True
        if c == "\\" and mode in ("str", "tmpl", "regex") or (c == "\\" and mode == "raw" and end in ('"""',)):
            if text[i + 1:i + 2] == "\n":
                line += 1
            i += 2
            continue
        if mode == "str":
            if c == quote:
                mode, prev, word = "code", "a", ""
            i += 1
        elif mode == "raw":
            if text.startswith(end, i):
                mode, prev, word = "code", "a", ""
                i += len(end)
            else:
                i += 1
        elif mode == "tmpl":
            if c == "`":
                mode, prev, word = "code", "a", ""
                i += 1
            elif text.startswith("${", i):
                braces.append(0)
                mode, prev = "code", "{"
                i += 2
            else:
                i += 1
        elif mode == "regex":
            if c == "[":
                in_class = True
            elif c == "]":
                in_class = False
            elif c == "/" and not in_class:
                mode, prev, word = "code", "a", ""
            i += 1
    return flags


SHELL_HEREDOC = re.compile(r"<<(-?)[ \t]*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
RUBY_HEREDOC = re.compile(r"<<([~-]?)([\"'`]?)([A-Z_][A-Za-z0-9_]*)\2")


def _hash_comment(text, lang):
    """Shell and Ruby: `#` comments, quotes, heredocs (their bodies are code), Ruby's
    `=begin`/`=end`."""
    lines = text.split("\n")
    flags = [False] * len(lines)
    mode, quote = "code", ""
    pending = []  # heredoc terminators waiting for the end of the line: (word, strip indentation)
    k = 0
    while k < len(lines):
        src = lines[k]
        if mode == "code" and lang == "ruby" and src.startswith("=begin"):
            while k < len(lines) and not lines[k].startswith("=end"):
                k += 1
            k += 1
            continue
        i, n = 0, len(src)
        while i < n:
            c = src[i]
            if mode == "code":
                if c in " \t\r":
                    i += 1
                    continue
                if c == "#" and (lang == "ruby" or i == 0 or src[i - 1] in " \t;&|()"):
                    break
                flags[k] = True
                if c in "'\"`":
                    mode, quote = "str", c
                    i += 1
                    continue
                if c == "\\":
                    i += 2
                    continue
                if src.startswith("<<", i) and not src.startswith("<<<", i):
                    m = (RUBY_HEREDOC if lang == "ruby" else SHELL_HEREDOC).match(src, i)
                    if m:
                        pending.append((m.group(3), bool(m.group(1))))
                        i = m.end()
                        continue
                i += 1
            else:
                if not c.isspace():
                    flags[k] = True
                if c == "\\" and quote != "'":
                    i += 2
                    continue
                if c == quote:
                    mode = "code"
                i += 1
        k += 1
        while pending and mode == "code":
            word, strip = pending.pop(0)
            while k < len(lines):
                body = lines[k].strip() if strip else lines[k]
                if lines[k].strip():
                    flags[k] = True
                k += 1
                if body == word:
                    break
    return flags


def _python(text):
    lines = text.split("\n")
    flags = [False] * len(lines)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [bool(s.strip()) and not s.strip().startswith("#") for s in lines]
    skip = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING}
    logical = []

    def flush(toks):
        # A statement that is only a string is a docstring (or a string used as a comment).
        if not toks or all(t.type == tokenize.STRING for t in toks):
            return
        for t in toks:
            for row in range(t.start[0], t.end[0] + 1):
                if row - 1 < len(lines) and lines[row - 1].strip():
                    flags[row - 1] = True

    for t in tokens:
        if t.type in skip:
            continue
        if t.type == tokenize.NEWLINE:
            flush(logical)
            logical = []
            continue
        logical.append(t)
    flush(logical)
    return flags


def code_flags(text, lang):
    """One flag per line of `text`: True when the line holds code."""
    if lang == "python":
        return _python(text)
    if lang in ("shell", "ruby"):
        return _hash_comment(text, lang)
    return _clike(text, lang)


LINE_COMMENT = {"python": ("#",), "shell": ("#",), "ruby": ("#",)}


def line_is_code(line, lang):
    """A single line judged without its file (when a blob is missing)."""
    s = line.strip()
    if not s:
        return False
    return not s.startswith(LINE_COMMENT.get(lang, ("//", "/*", "*", "*/")))


# -- counting a commit's code lines --------------------------------------------------------------


@dataclass
class CodeLines:
    """Bounds on a commit's lines of code: `low_*` leaves out comments, blank lines and
    whitespace-only edits (and everything in languages not lexed); `high_*` leaves out only
    comments and blank lines. `files_*` count code files: with code changes (low) and touched
    at all (high)."""

    low_add: int = 0
    low_del: int = 0
    high_add: int = 0
    high_del: int = 0
    files_low: int = 0
    files_high: int = 0
    all_lines: int = 0  # every changed line of every file (numstat's sum)
    code_lines_raw: int = 0  # changed lines of code files, comments and blanks included
    unlexed: int = 0  # changed lines in code files of languages not lexed

    @property
    def comment_only(self):
        """Code files changed, but only in comments, blank lines and whitespace (lexed
        languages only)."""
        return self.code_lines_raw > 0 and self.unlexed == 0 and self.low_add + self.low_del == 0


def _norm(s):
    return "".join(s.split())


class LineCounter:
    def __init__(self, repo):
        self.repo = repo
        self.cache = {}

    def flags(self, blob, lang):
        if blob is None:
            return None
        key = (blob, lang)
        if key not in self.cache:
            data = self.repo.blob(blob)
            if data is None or b"\0" in data[:8000]:
                self.cache[key] = None
            else:
                self.cache[key] = code_flags(data.decode("utf-8", "replace"), lang)
            if len(self.cache) > 4000:
                self.cache.pop(next(iter(self.cache)))
        return self.cache[key]

    def count(self, files):
        out = CodeLines()
        for f in files:
            changed = sum(len(h.removed) + len(h.added) for h in f.hunks)
            out.all_lines += changed
            if role(f.path) != "code":
                continue
            out.files_high += 1
            out.code_lines_raw += changed
            lang = language(f.path)
            if lang is None:
                # Not lexed: every changed line may be code (blank ones too, as git counts them).
                n_add = sum(len(h.added) for h in f.hunks)
                n_del = sum(len(h.removed) for h in f.hunks)
                out.high_add += n_add
                out.high_del += n_del
                out.unlexed += changed
                continue
            old = self.flags(f.old_blob, lang)
            new = self.flags(f.new_blob, lang)
            low = 0
            for h in f.hunks:
                removed = [t for no, t in h.removed if _flag(old, no, t, lang)]
                added = [t for no, t in h.added if _flag(new, no, t, lang)]
                out.high_add += len(added)
                out.high_del += len(removed)
                pool = {}
                for t in removed:
                    pool[_norm(t)] = pool.get(_norm(t), 0) + 1
                same = 0
                for t in added:
                    k = _norm(t)
                    if pool.get(k):
                        pool[k] -= 1
                        same += 1
                out.low_add += len(added) - same
                out.low_del += len(removed) - same
                low += len(added) + len(removed) - 2 * same
            if low:
                out.files_low += 1
        return out


def _flag(flags, number, text, lang):
    if flags is not None and 0 < number <= len(flags):
        return flags[number - 1]
    return line_is_code(text, lang)
