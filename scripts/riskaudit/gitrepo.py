"""What git says: tags and their families, release ranges, commits, diffs and blobs.

A tag family is the text before the version: `v1.2.3` and `1.2.3` are the project's own family
(`""`), `grep-1.2.3` and `grep/v1.2.3` are the families `grep-` and `grep/`. Release tags are
version tags without a pre-release part. A release range is `A..B` where B is a release tag and A
the highest lower release of the same family that is an ancestor of B (so parallel maintenance
lines, such as 4.x and 5.x, each get their own ranges).
"""

import os
import re
import subprocess
from dataclasses import dataclass, field

TAG_RE = re.compile(
    r"^(?P<family>(?:.*?[-/_@])?)[vV]?"
    r"(?P<core>(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*))"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)

# Conventional Commits: a standard type, an optional scope, `!`, a colon and a space.
CC_TYPES = ("feat", "fix", "perf", "refactor", "docs", "test", "build", "ci", "chore", "style", "revert")
CC_RE = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\n]*)\))?(?P<bang>!)?: \S")


class GitError(Exception):
    pass


@dataclass
class Tag:
    name: str
    family: str
    version: tuple  # (major, minor, patch)
    pre: str | None
    commit: str
    time: int = 0

    @property
    def version_text(self):
        core = ".".join(str(n) for n in self.version)
        return f"{core}-{self.pre}" if self.pre else core


@dataclass
class Commit:
    sha: str
    parents: list
    author: str
    time: int
    message: str

    @property
    def subject(self):
        return self.message.split("\n", 1)[0].strip()

    @property
    def is_merge(self):
        return len(self.parents) > 1


@dataclass
class ReleaseRange:
    base: Tag
    head: Tag


@dataclass
class Hunk:
    removed: list = field(default_factory=list)  # (old line number, text)
    added: list = field(default_factory=list)  # (new line number, text)


@dataclass
class FileDiff:
    path: str  # the new path (the old one for a deletion)
    old_blob: str | None = None
    new_blob: str | None = None
    binary: bool = False
    hunks: list = field(default_factory=list)


def parse_tag(name):
    """(family, (major, minor, patch), pre) for a version tag, else None."""
    m = TAG_RE.match(name)
    if not m:
        return None
    return m.group("family"), tuple(int(x) for x in m.group("core").split(".")), m.group("pre")


def real_bumps(old, new):
    """The bumps that name the move from version `old` to `new` (tuples): the component that
    changed, and for 0.x versions also `major` (before 1.0 a minor or patch move may break)."""
    if new <= old:
        return set()
    if new[0] != old[0]:
        return {"major"}
    if new[1] != old[1]:
        return {"minor", "major"} if new[0] == 0 else {"minor"}
    return {"patch", "major"} if new[0] == 0 and new[1] == 0 else {"patch"}


BUMP_RANK = {"none": 0, "patch": 1, "minor": 2, "major": 3}


def is_conventional(message):
    m = CC_RE.match(message.split("\n", 1)[0].strip())
    return bool(m) and m.group("type").lower() in CC_TYPES


class Repo:
    def __init__(self, path, name=None):
        self.path = os.path.abspath(path)
        base = os.path.basename(self.path.rstrip("/"))
        if base in (".git", "repo"):
            base = os.path.basename(os.path.dirname(self.path.rstrip("/")))
        self.name = name or base
        self._batch = None
        self._tags = None

    def run(self, *args, check=True, text=True, input=None):
        p = subprocess.run(
            ["git", "-C", self.path, "-c", "core.quotePath=false", *args],
            capture_output=True,
            input=input.encode() if isinstance(input, str) else input,
        )
        if check and p.returncode:
            err = p.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"git {' '.join(args[:4])} failed in {self.path}: {err}")
        return p.stdout.decode("utf-8", "replace") if text else p.stdout

    def ok(self, *args):
        return subprocess.run(["git", "-C", self.path, *args], capture_output=True).returncode == 0

    def resolve(self, rev):
        return self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()

    def is_ancestor(self, a, b):
        return self.ok("merge-base", "--is-ancestor", a, b)

    def head(self):
        return self.resolve("HEAD")

    def blob(self, spec):
        """The bytes of an object (`<sha>` or `<rev>:<path>`), None when missing."""
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "-C", self.path, "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        self._batch.stdin.write(spec.encode() + b"\n")
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode("utf-8", "replace").split()
        if len(header) != 3 or header[1] in ("missing", "ambiguous"):
            return None
        data = self._batch.stdout.read(int(header[2]))
        self._batch.stdout.read(1)
        return data if header[1] == "blob" else None

    def text(self, rev, path):
        data = self.blob(f"{rev}:{path}")
        return None if data is None else data.decode("utf-8", "replace")

    def close(self):
        if self._batch is not None:
            self._batch.stdin.close()
            self._batch.stdout.close()
            self._batch.wait()
            self._batch = None

    # -- tags and ranges ----------------------------------------------------------------------

    def tags(self):
        """Every version tag, with its commit and the commit's time."""
        if self._tags is not None:
            return self._tags
        out = self.run(
            "for-each-ref",
            "--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)",
            "refs/tags",
        )
        tags = []
        for line in out.splitlines():
            name, kind, obj, peeled_kind, peeled = line.split("\0")
            parsed = parse_tag(name)
            if not parsed:
                continue
            commit = obj if kind == "commit" else peeled if peeled_kind == "commit" else None
            if commit:
                tags.append(Tag(name, parsed[0], parsed[1], parsed[2], commit))
        if tags:
            times = {}
            log = self.run("log", "--no-walk=unsorted", "--stdin", "--format=%H %ct",
                           input="\n".join(sorted({t.commit for t in tags})) + "\n")
            for line in log.splitlines():
                sha, ct = line.split()
                times[sha] = int(ct)
            for t in tags:
                t.time = times.get(t.commit, 0)
        self._tags = tags
        return tags

    def release_ranges(self):
        """Every release range, per family, oldest first."""
        families = {}
        for t in self.tags():
            if t.pre is None:
                families.setdefault(t.family, {}).setdefault(t.version, t)
        ranges = []
        for family in families.values():
            ordered = sorted(family.values(), key=lambda t: t.version)
            for i, head in enumerate(ordered):
                for base in reversed(ordered[max(0, i - 12):i]):
                    if base.commit != head.commit and self.is_ancestor(base.commit, head.commit):
                        ranges.append(ReleaseRange(base, head))
                        break
        return ranges

    # -- commits and diffs --------------------------------------------------------------------

    def commits(self, base, head):
        """The commits of base..head (all of head's history when base is None), newest first."""
        spec = [f"{base}..{head}"] if base else [head]
        out = self.run("log", "--format=%x1e%H%x00%P%x00%an%x00%ct%x00%B", *spec, "--")
        commits = []
        for record in out.split("\x1e")[1:]:
            sha, parents, author, ct, message = record.split("\0", 4)
            commits.append(Commit(sha, parents.split(), author, int(ct), message.strip("\n")))
        return commits

    def diffs(self, base, head, shas=None, ignore_space=False):
        """{sha: [FileDiff]} for the non-merge commits of base..head (or only `shas`), each
        against its parent, with renames found as shipline-risk finds them (`-M`); with
        `ignore_space`, as `git diff -w` aligns them (whitespace-only edits are no change)."""
        args = ["log", "--no-merges", "-p", "-U0", "--full-index", "-M", "--no-color", "--no-ext-diff",
                "--no-textconv", "--format=%x1e%H"] + (["-w"] if ignore_space else [])
        if shas is not None:
            if not shas:
                return {}
            out = self.run(*args, "--no-walk=unsorted", "--stdin", input="\n".join(shas) + "\n")
        else:
            out = self.run(*args, f"{base}..{head}" if base else head, "--")
        result = {}
        for record in out.split("\x1e")[1:]:
            sha, _, patch = record.partition("\n")
            result[sha.strip()] = parse_patch(patch)
        return result


def _unquote(path):
    if path.startswith('"') and path.endswith('"'):
        path = path[1:-1].encode("latin-1", "replace").decode("unicode_escape", "replace")
    return path


HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def parse_patch(patch):
    files = []
    cur = None
    old_no = new_no = 0
    hunk = None
    for line in patch.split("\n"):
        if line.startswith("diff --git "):
            m = re.match(r'^diff --git "?a/(.*?)"? "?b/(.*)"?$', line)
            cur = FileDiff(path=_unquote(m.group(2)) if m else line[11:])
            files.append(cur)
            hunk = None
            continue
        if cur is None:
            continue
        if hunk is None:
            if line.startswith("index "):
                blobs = line.split()[1].split("..")
                if len(blobs) == 2:
                    cur.old_blob = None if set(blobs[0]) == {"0"} else blobs[0]
                    cur.new_blob = None if set(blobs[1]) == {"0"} else blobs[1]
                continue
            if line.startswith("rename to "):
                cur.path = _unquote(line[10:])
                continue
            if line.startswith("+++ "):
                if line[4:] != "/dev/null":
                    cur.path = _unquote(line[4:])[2:]
                continue
            if line.startswith("--- "):
                if line[4:] != "/dev/null":
                    cur.path = _unquote(line[4:])[2:]
                continue
            if line.startswith("Binary files ") or line.startswith("GIT binary patch"):
                cur.binary = True
                continue
        m = HUNK_RE.match(line)
        if m:
            hunk = Hunk()
            cur.hunks.append(hunk)
            old_no, new_no = int(m.group(1)), int(m.group(3))
            continue
        if hunk is None:
            continue
        if line.startswith("-"):
            hunk.removed.append((old_no, line[1:]))
            old_no += 1
        elif line.startswith("+"):
            hunk.added.append((new_no, line[1:]))
            new_no += 1
    return files
