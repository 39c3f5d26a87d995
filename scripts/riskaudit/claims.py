"""Every claim of a shipline-risk report checked against git, by class of false claim.

The classes: `version` (1), `reasons` (2), `pr` (3), `base` (4), `comments` (5),
`deps` (6), `length` (7), `top` (8), `grouping` (9), `reversed` (10), `duplicates`, and `run`
(the tool failed or printed something unreadable). What the output looks like (JSON field
names, Markdown labels, the wording of claims) comes in as `fmt`, defined at the top of
`risk-audit.py`.
"""

import re

from . import deps as depfacts
from .gitrepo import BUMP_RANK, is_conventional, parse_tag, real_bumps
from .lines import LineCounter, lockfile_kind
from .summary import SHA_RE, Summary, table_rows, unescape

CLASSES = ("version", "reasons", "pr", "base", "comments", "deps", "length", "top", "grouping", "reversed",
           "duplicates", "run")

# The forms in which a message names its PR/MR (the merge commit's number also covers the commits
# it brought in).
PR_FORMS = (
    ("subject", re.compile(r"^Merge pull request #(\d+)")),
    ("subject", re.compile(r"\(#(\d+)\)\s*$")),
    ("subject", re.compile(r"^Auto merge of #(\d+)")),
    ("message", re.compile(r"See merge request \S*!(\d+)")),
    ("message", re.compile(r"\bPR #(\d+)")),
    # The trailer Node.js-style landing tools write: `PR-URL: https://github.com/o/r/pull/N`.
    ("message", re.compile(r"(?m)^PR-URL:\s*\S+/pull/(\d+)")),
)
KIND_WORDS = {"feat", "feature", "fix", "perf", "refactor", "docs", "doc", "test", "tests", "ci", "build", "chore",
              "style", "revert", "deps"}
KIND_RE = re.compile(r"^(?P<kind>[A-Za-z]+)(?:\([^()]*\))?!?:\s+\S")
AREA_RE = re.compile(r"^(?P<area>[A-Za-z0-9_][\w./*-]*(?:, ?[\w./*-]+)*)(?:\([^()]*\))?!?:\s+\S")
VERSION_FIELD_RE = re.compile(r'^\s*"?version"?\s*[=:]', re.M)


def kind_subject(subject):
    m = KIND_RE.match(subject)
    return bool(m) and m.group("kind").lower() in KIND_WORDS


def area_subject(subject):
    m = AREA_RE.match(subject)
    if not m or kind_subject(subject):
        return False
    return m.group("area").split("/")[0].split("(")[0].lower() not in KIND_WORDS


def _num(text):
    return None if text is None else int(text.replace(",", ""))


def pr_numbers(message):
    subject = message.split("\n", 1)[0].strip()
    found = set()
    for where, regex in PR_FORMS:
        text = subject if where == "subject" else message
        found.update(int(n) for n in regex.findall(text))
    return found


class Facts:
    """What git says about one range, computed when first asked."""

    def __init__(self, repo, base, head, counter=None):
        self.repo, self.base, self.head = repo, base, head
        self.commits = repo.commits(base, head)
        self.by_sha = {c.sha: c for c in self.commits}
        self.changes = [c for c in self.commits if not c.is_merge]
        self.counter = counter or LineCounter(repo)
        self._diffs = None
        self._diffs_w = None
        self._lines = {}
        self._prs = None

    def resolve(self, prefix):
        """The range's commit a SHA prefix names, else None."""
        if prefix in self.by_sha:
            return prefix
        hits = [s for s in self.by_sha if s.startswith(prefix)]
        return hits[0] if len(hits) == 1 else None

    def diffs(self):
        if self._diffs is None:
            self._diffs = self.repo.diffs(self.base, self.head)
        return self._diffs

    def diffs_w(self):
        if self._diffs_w is None:
            self._diffs_w = self.repo.diffs(self.base, self.head, ignore_space=True)
        return self._diffs_w

    def lines(self, sha):
        """The commit's code lines. The bounds also take git's own whitespace-blind diff (`-w`),
        whose alignment can pair reindented lines across hunks."""
        if sha not in self._lines:
            plain = self.counter.count(self.diffs().get(sha, []))
            if plain.code_lines_raw:
                blind = self.counter.count(self.diffs_w().get(sha, []))
                plain.low_add = min(plain.low_add, blind.high_add)
                plain.low_del = min(plain.low_del, blind.high_del)
                plain.files_low = min(plain.files_low, blind.files_low)
                # ... and its alignment may also pair fewer lines than the plain diff does: a
                # count from either diff is git's own.
                plain.high_add = max(plain.high_add, blind.high_add)
                plain.high_del = max(plain.high_del, blind.high_del)
            self._lines[sha] = plain
        return self._lines[sha]

    def numstat_lines(self, sha):
        """Changed lines of a commit as `git show --numstat -M` counts them (binary files none)."""
        out = self.repo.run("show", "--numstat", "-M", "--format=", sha)
        total = 0
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
                total += int(parts[0]) + int(parts[1])
        return total

    def majors(self, sha):
        """(sure, maybe) names this commit's own lockfile and manifest diff moves across a major."""
        files = [f.path for f in self.diffs().get(sha, [])]
        parents = self.by_sha[sha].parents
        parent = parents[0] if parents else None
        locks = [p for p in files if lockfile_kind(p)]
        manifests = [p for p in files if depfacts.is_manifest(p)]
        lock_low, lock_high = depfacts.lock_majors(depfacts.lockfile_changes(self.repo, parent, sha, locks))
        reqs, _ = depfacts.manifest_changes(self.repo, parent, sha, manifests)
        man_low, man_high = depfacts.manifest_majors(reqs)
        low = lock_low if locks else man_low
        return low, lock_high | man_high | low

    def prs(self):
        """{sha: PR numbers its message, or a numbered merge that brought it in, names}."""
        if self._prs is None:
            self._prs = {c.sha: pr_numbers(c.message) for c in self.commits}
            for c in self.commits:
                numbers = pr_numbers(c.message)
                if c.is_merge and numbers:
                    side = self.repo.run("rev-list", f"{c.parents[0]}..{c.parents[1]}").split()
                    for sha in side:
                        if sha in self._prs:
                            self._prs[sha] |= numbers
        return self._prs

    def evidence(self):
        """Whether the messages or manifests of the range say anything about the bump."""
        for c in self.changes:
            if is_conventional(c.message) or "BREAKING CHANGE" in c.message or "BREAKING-CHANGE" in c.message:
                return True
        for path in depfacts.changed_paths(self.repo, self.base, self.head):
            if depfacts.is_manifest(path) or path.endswith(("setup.py", "__init__.py", "__version__.py")):
                old = self.repo.text(self.base, path) if self.base else None
                new = self.repo.text(self.head, path)
                if old and new and _version_fields(old) != _version_fields(new):
                    return True
        return False


def _version_fields(text):
    return [line.strip() for line in text.split("\n")
            if re.match(r'^\s*("?version"?\s*[=:]|__version__\s*=)', line)][:3]


class Check:
    """The checks of one run: `spec` says what was asked (base and head, and their tags)."""

    def __init__(self, fmt, facts, report, markdown, spec):
        self.fmt, self.facts, self.j, self.md = fmt, facts, report, markdown
        self.s = Summary(markdown, fmt)
        self.spec = spec
        self.violations = []
        self._seen = set()

    def flag(self, cls, message, key=None):
        key = (cls, key or message)
        if key not in self._seen:
            self._seen.add(key)
            self.violations.append({"class": cls, "message": message})

    def field(self, obj, name, default=None):
        return obj.get(self.fmt["json"][name], default) if isinstance(obj, dict) else default

    def changes(self):
        return self.field(self.j, "changes", []) or []

    def run_all(self):
        for check in (self.version, self.base, self.prs, self.per_change, self.dependencies, self.length,
                      self.top, self.grouping, self.duplicates):
            check()
        return self.violations

    # -- 1. version and bump ---------------------------------------------------------------------

    def stated_bump(self):
        """The bump the Markdown states as fact (None: none stated)."""
        row = self.s.row(self.fmt["row_bump"])
        if row is None:
            value = self.field(self.j, "bump")
            return value if value in BUMP_RANK else None
        if any(re.search(h, row, re.I) for h in self.fmt["bump_hedges"]):
            return None
        words = re.findall(r"\b(major|minor|patch|none)\b", row.lower())
        return max(words, key=BUMP_RANK.get) if words else None

    def version(self):
        base_tag, head_tag = self.spec.get("base_tag"), self.spec.get("head_tag")
        if head_tag:
            want = head_tag.version_text
            nv = self.field(self.j, "next_version")
            if nv != want:
                self.flag("version", f"JSON next_version is {nv!r}; head is tag {head_tag.name}, version {want}")
            accepted = real_bumps(base_tag.version, head_tag.version) if base_tag else None
            if base_tag:
                cv = self.field(self.j, "current_version")
                if cv != base_tag.version_text:
                    self.flag("version", f"JSON current_version is {cv!r}; base is tag {base_tag.name}")
                bump = self.field(self.j, "bump")
                if bump not in accepted:
                    self.flag("version", f"JSON bump is {bump!r}; {base_tag.version_text} → {want} is "
                                         f"{' or '.join(sorted(accepted))}")
            row = self.s.row(self.fmt["row_version"])
            if row is None:
                self.flag("version", "no Version row in the first table")
            else:
                named = set(re.findall(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?", unescape(row)))
                allowed = {want} | ({base_tag.version_text} if base_tag else set())
                if want not in named:
                    self.flag("version", f"Version row {row!r} does not name {want}, the head's tag")
                if named - allowed:
                    self.flag("version", f"Version row {row!r} names {', '.join(sorted(named - allowed))}; "
                                         f"head is tag {head_tag.name}")
                if base_tag and "first release" in row:
                    self.flag("version", f"Version row says first release; base is tag {base_tag.name}")
            if accepted:
                stated = self.stated_bump()
                if stated not in accepted:
                    self.flag("version", f"Bump row states {stated or 'nothing'}; {base_tag.version_text} → {want} "
                                         f"is {' or '.join(sorted(accepted))}")
            return
        stated = self.stated_bump()
        if stated and stated != "none" and not self.facts.evidence():
            self.flag("version", f"states bump {stated} as fact; no message of the range follows Conventional "
                                 "Commits or marks a breaking change, and no manifest version changed")
        source = self.field(self.j, "base_source") or {}
        tag = source.get(self.fmt["json"]["base_tag"]) if isinstance(source, dict) else None
        parsed = parse_tag(tag) if tag else None
        if parsed:
            want = ".".join(str(n) for n in parsed[1]) + (f"-{parsed[2]}" if parsed[2] else "")
            cv = self.field(self.j, "current_version")
            if cv != want:
                self.flag("version", f"JSON current_version is {cv!r}; the base it chose is tag {tag}")

    # -- 4. the base named -----------------------------------------------------------------------

    def base(self):
        # The rows that say what the version is or will be do not name the base, even when a
        # bare tag (`1.2.3`) reads like the version there.
        skip = {label.lower() for label in (*self.fmt["row_version"], *self.fmt["row_bump"])}
        table = unescape("\n".join(line for line in self.s.first_table
                                    if not (line.strip() and line.strip("| ").split("|")[0].strip("* ").lower() in skip)))
        heading = unescape(self.s.top)
        source = self.field(self.j, "base_source") or {}
        kind = source.get(self.fmt["json"]["base_kind"]) if isinstance(source, dict) else None
        tag = self.spec.get("base_tag").name if self.spec.get("base_tag") else (
            source.get(self.fmt["json"]["base_tag"]) if isinstance(source, dict) else None)
        base = self.field(self.j, "base")
        if tag:
            if tag not in table:
                self.flag("base", f"first table does not name the base tag {tag}")
        elif base is None or kind == self.fmt["whole_history_kind"]:
            if not re.search(self.fmt["whole_history"], table, re.I) or "--base" not in heading:
                self.flag("base", "whole history: the top does not say so in the first table with a hint to pass --base")
        elif isinstance(base, str) and base[:7] not in table:
            self.flag("base", f"first table does not name the base {base[:7]}")

    # -- 3. PR numbers ---------------------------------------------------------------------------

    def prs(self):
        prs = self.facts.prs()
        for c in self.changes():
            sha, pr = self.field(c, "sha"), self.field(c, "pr")
            if pr is not None and pr not in prs.get(sha, set()):
                self.flag("pr", f"{sha[:7]}: JSON says PR #{pr}; its message names "
                                f"{sorted(prs.get(sha, set())) or 'none'}", key=(sha, pr))
        section = self.s.section(self.fmt["section_changes"])
        if section:
            for _, line in self.s.grouped_items(section[1]):
                m = SHA_RE.search(line)
                sha = self.facts.resolve(m.group(0)) if m else None
                head = line.rsplit(" — ", 1)[0]
                found = re.findall(r"\(#(\d+)\)", head)
                if sha and found and int(found[-1]) not in prs.get(sha, set()):
                    self.flag("pr", f"{sha[:7]}: Markdown says #{found[-1]}; its message names "
                                    f"{sorted(prs.get(sha, set())) or 'none'}", key=(sha, int(found[-1])))
        codes = self.fmt["reason_codes"]
        for r in self.field(self.j, "reasons", []) or []:
            if self.field(r, "code") == codes["direct_push"]:
                self.flag("pr", f"release reason without a forge: {self.field(r, 'message')}")
        for c in self.changes():
            for r in self.field(c, "reasons", []) or []:
                if self.field(r, "code") == codes["direct_push"]:
                    self.flag("pr", f"{self.field(c, 'sha')[:7]}: direct_push reason without a forge")
        for pattern in self.fmt["direct_push_text"]:
            for m in re.finditer(pattern, self.md, re.I):
                line = self.md[self.md.rfind("\n", 0, m.start()) + 1:].split("\n", 1)[0]
                self.flag("pr", f"Markdown claims changes came without a PR/MR: {line.strip()[:120]!r}", key=line)

    # -- 2 and 5. each change's own reasons --------------------------------------------------------

    def claims_in(self, text):
        out = []
        for kind, pattern in self.fmt["claims"].items():
            for m in re.finditer(pattern, text):
                out.append((kind, {k: _num(v) for k, v in m.groupdict().items()}))
        return out

    def per_change(self):
        codes = self.fmt["reason_codes"]
        for c in self.changes():
            sha = self.facts.resolve(self.field(c, "sha") or "")
            if not sha:
                self.flag("run", f"JSON change {self.field(c, 'sha')} is not in the range")
                continue
            for r in self.field(c, "reasons", []) or []:
                message = self.field(r, "message") or ""
                claims = self.claims_in(message)
                if self.field(r, "code") == codes["code_size"] and not any(k == "code_lines" for k, _ in claims):
                    claims.append(("code_lines", {"n": None}))
                for kind, nums in claims:
                    self.judge(sha, kind, nums, f"JSON reason {message!r}")
        scores = self.s.section(self.fmt["section_scores"])
        if scores:
            for row in table_rows(scores[1].split("\n")):
                m = SHA_RE.search(row[0]) if row else None
                sha = self.facts.resolve(m.group(0)) if m else None
                if sha:
                    for kind, nums in self.claims_in(unescape(" | ".join(row[1:]))):
                        self.judge(sha, kind, nums, "Risk per change row")
        for line in self.s.top_risks():
            shas = {self.facts.resolve(t) for t in SHA_RE.findall(line)} - {None}
            if len(shas) == 1:
                sha = next(iter(shas))
                for kind, nums in self.claims_in(unescape(line)):
                    self.judge(sha, kind, nums, "top risk")

    def judge(self, sha, kind, nums, where):
        if sha is None:
            return
        n = nums.get("n")
        short = sha[:7]
        if kind == "code_lines":
            lines = self.facts.lines(sha)
            if lines.comment_only:
                self.flag("comments", f"{short}: {where} claims lines of code; its code files changed only in "
                                      "comments, doc comments or blank lines", key=(sha, "comment"))
                return
            low, high = lines.low_add + lines.low_del, lines.high_add + lines.high_del
            add, dele, files = nums.get("add"), nums.get("del"), nums.get("files")
            bad = (n is not None and not low <= n <= high) or (add is not None and not lines.low_add <= add <= lines.high_add) \
                or (dele is not None and not lines.low_del <= dele <= lines.high_del) \
                or (files is not None and not lines.files_low <= files <= lines.files_high)
            if bad:
                self.flag("reasons", f"{short}: {where} claims {n} lines of code (+{add} −{dele}) in {files} files; "
                                     f"its own diff has {low}–{high} (+{lines.low_add}–{lines.high_add} "
                                     f"−{lines.low_del}–{lines.high_del}) in {lines.files_low}–{lines.files_high} "
                                     "code files, comments and blank lines left out", key=(sha, kind, n, add, dele))
        elif kind == "non_code":
            lines = self.facts.lines(sha)
            # git's -U0 patch may align a change with fewer lines than its --numstat counts
            # (which the tool reads); either count is git's own.
            if lines.low_add + lines.low_del > 0 or (n is not None and n > max(lines.all_lines,
                                                                             self.facts.numstat_lines(sha))):
                self.flag("reasons", f"{short}: {where} claims {n} lines of docs, tests or configuration only; its "
                                     f"own diff changes {lines.low_add + lines.low_del} lines of code and "
                                     f"{lines.all_lines} lines in all", key=(sha, kind))
        elif kind == "scattered":
            lines = self.facts.lines(sha)
            if not lines.files_low <= n <= lines.files_high:
                self.flag("reasons", f"{short}: {where} claims {n} code files; its own diff changes "
                                     f"{lines.files_low}–{lines.files_high}", key=(sha, kind, n))
        elif kind == "dep_majors":
            low, high = self.facts.majors(sha)
            if not len(low) <= n <= len(high):
                self.flag("reasons", f"{short}: {where} claims {n} dependencies moved across a major; its own "
                                     f"lockfile/manifest diff moves {len(low)}–{len(high)}"
                                     f"{' (' + ', '.join(sorted(high)[:5]) + ')' if high else ''}", key=(sha, kind, n))

    # -- 6. dependencies ---------------------------------------------------------------------------

    def dependencies(self):
        repo, base, head = self.facts.repo, self.facts.base, self.facts.head
        listed = self.field(self.j, "dependencies", []) or []
        section = self.s.section(self.fmt["section_deps"])
        md_text = unescape(section[1]) if section else ""
        md_cut = bool(section) and self.s.cut(section[1]) > 0

        def norm(name):
            # Python names are PEP 503-normalised where they are read; elsewhere `object.assign`
            # and `object-assign` are two packages.
            return name.lower()

        names = {norm(self.field(d, "dep_name") or "") for d in listed}
        reqs, floors = depfacts.manifest_changes(repo, base, head)
        for name, (old, new) in sorted(reqs.items()):
            if norm(name) not in names:
                self.flag("deps", f"manifest requirement of {name} changed ({old} → {new}); the JSON lists no "
                                  "such dependency", key=("json", name))
            elif section and not md_cut and name not in md_text:
                self.flag("deps", f"manifest requirement of {name} changed; the Dependencies section does not "
                                  "name it", key=("md", name))
        for key, (old, new) in sorted(floors.items()):
            aliases = depfacts.TOOLCHAIN[key]
            hay = " ".join(names) + " " + md_text.lower()
            if not any(a in hay for a in aliases):
                self.flag("deps", f"toolchain floor {key} moved ({old} → {new}); not noted", key=("floor", key))
        locks = depfacts.lockfile_changes(repo, base, head)
        lock_entries = [d for d in listed if lockfile_kind(self.field(d, "dep_file") or "")]
        truth = {}
        for name, (old, new) in locks.items():
            truth[norm(name)] = (old, new, name)
        claimed = {}
        for d in lock_entries:
            claimed.setdefault(norm(self.field(d, "dep_name") or ""), []).append(d)
        for key, (old, new, name) in sorted(truth.items()):
            if key not in claimed and old != new:  # the same versions in another lockfile moved nothing
                self.flag("deps", f"lockfiles move {name} ({', '.join(sorted(old)) or '-'} → "
                                  f"{', '.join(sorted(new)) or '-'}); the JSON does not list it", key=("lock", key))
        for key, entries in sorted(claimed.items()):
            if key not in truth:
                self.flag("deps", f"JSON lists a lockfile change of {self.field(entries[0], 'dep_name')}; the "
                                  "lockfiles do not change it", key=("extra", key))
                continue
            old, new, name = truth[key]
            for d in entries:
                if lockfile_kind(self.field(d, "dep_file") or "") == "requirements":
                    continue  # a specifier may be spelled more than one way
                frm, to = self.field(d, "dep_from"), self.field(d, "dep_to")
                if frm is not None and frm not in old or to is not None and to not in new:
                    self.flag("deps", f"JSON says {name} {frm} → {to}; the lockfiles have "
                                      f"{', '.join(sorted(old)) or '-'} → {', '.join(sorted(new)) or '-'}",
                              key=("versions", key, frm, to))
        low, high = depfacts.lock_majors(locks)
        flagged = {norm(self.field(d, "dep_name") or "") for d in lock_entries if self.field(d, "dep_major")}
        for name in sorted({norm(n) for n in low} - flagged):
            self.flag("deps", f"{name} crosses a major version in the lockfiles; not marked major", key=("major", name))
        for name in sorted(flagged - {norm(n) for n in high} - {norm(n) for n in depfacts.manifest_majors(reqs)[1]}):
            self.flag("deps", f"{name} is marked major; its versions stay in one series", key=("notmajor", name))

    # -- 7. length and sections --------------------------------------------------------------------

    def length(self):
        fmt, s = self.fmt, self.s
        if len(self.md) > fmt["limit"]:
            self.flag("length", f"Markdown is {len(self.md):,} characters, over {fmt['limit']:,}")
        if self.md.count("<details>") != self.md.count("</details>"):
            self.flag("length", "unbalanced <details> sections")
        changes = self.changes()
        deps_listed = self.field(self.j, "dependencies", []) or []
        expected = [("section_changes", bool(changes)), ("section_scores", bool(changes)),
                    ("section_deps", bool(deps_listed))]
        for key, needed in expected:
            if needed and not s.section(fmt[key]):
                self.flag("length", f"section {fmt[key][0]!r} is missing")
        section = s.section(fmt["section_changes"])
        if section:
            shas = {self.facts.resolve(m.group(0)) for _, line in s.grouped_items(section[1])
                    for m in [SHA_RE.search(line)] if m} - {None}
            more = s.cut(section[1])
            count = re.search(r"\((\d[\d,]*)\)", section[0])
            if count and _num(count.group(1)) != len(changes):
                self.flag("length", f"{section[0]!r} header says {count.group(1)}; the range has {len(changes)} changes")
            if len(shas) + more != len(changes):
                self.flag("length", f"{section[0]!r} lists {len(shas)} of {len(changes)} changes"
                                    f"{f' and says {more} more' if more else ' and does not say how many more'}")
        section = s.section(fmt["section_scores"])
        if section:
            rows = {self.facts.resolve(m.group(0)) for r in table_rows(section[1].split("\n"))
                    for m in [SHA_RE.search(r[0]) if r else None] if m} - {None}
            more = s.cut(section[1])
            if len(rows) + more != len(changes):
                self.flag("length", f"{section[0]!r} lists {len(rows)} of {len(changes)} changes"
                                    f"{f' and says {more} more' if more else ' and does not say how many more'}")
        section = s.section(fmt["section_deps"])
        if section:
            rows = [r for r in table_rows(section[1].split("\n")) if not (r and s.cut(r[0]))] \
                or s.grouped_items(section[1])
            more = s.cut(section[1])
            count = re.search(r"\((\d[\d,]*)\)", section[0])
            total = _num(count.group(1)) if count else len(deps_listed)
            if len(rows) + more != total:
                self.flag("length", f"{section[0]!r} lists {len(rows)} of {total}"
                                    f"{f' and says {more} more' if more else ' and does not say how many more'}")
        for line in s.top_lines():
            m = re.search(fmt["majors_line"], unescape(line))
            if m:
                listed = len(re.findall(r"→|->", m.group("list")))
                more = s.more(line)
                if listed + more != _num(m.group("n")):
                    self.flag("length", f"top risk names {listed} of {m.group('n')} major moves"
                                        f"{f' and says {more} more' if more else ' and does not say how many more'}")

    # -- 8. top risks ------------------------------------------------------------------------------

    def top(self):
        lines = self.s.top_lines()
        if len(lines) > self.fmt["top_lines"]:
            self.flag("top", f"{len(lines)} lines before the first <details>, over {self.fmt['top_lines']}")
        seen = {}
        for line in self.s.top_risks():
            for sha in {self.facts.resolve(t) for t in SHA_RE.findall(line)} - {None}:
                seen[sha] = seen.get(sha, 0) + 1
        for sha, n in seen.items():
            if n > 1:
                self.flag("top", f"{sha[:7]} appears {n} times among the top risks")
        for line in lines:
            s = line.rstrip()
            if s.startswith("|"):
                continue
            if re.search(r"[:;,—–(]\s*\**$", s):
                self.flag("top", f"dangling punctuation: {s[-80:]!r}")
            if re.search(self.fmt["average"], s, re.I):
                self.flag("top", f"unexplained average: {s[:160]!r}")

    # -- 9. grouping -------------------------------------------------------------------------------

    def grouping(self):
        section = self.s.section(self.fmt["section_changes"])
        if not section:
            return
        heading_of = {}
        for heading, line in self.s.grouped_items(section[1]):
            m = SHA_RE.search(line)
            sha = self.facts.resolve(m.group(0)) if m else None
            if sha:
                heading_of[sha] = heading or ""
        catch_all = {self.fmt["other_changes"].lower(), self.fmt["not_conventional"].lower()}
        areas, kinds = [], 0
        for c in self.facts.changes:
            if c.sha not in heading_of:
                continue
            heading = heading_of[c.sha].lower()
            if kind_subject(c.subject):
                kinds += 1
                if heading.startswith(self.fmt["not_conventional"].lower()):
                    self.flag("grouping", f"{c.sha[:7]} {c.subject[:60]!r} is under {heading_of[c.sha]!r}")
            elif area_subject(c.subject):
                areas.append(any(heading.startswith(h) for h in catch_all))
        # Where most messages name a kind, grouping by type is right and the few "area: subject"
        # ones rightly share "Other changes"; the claim fails where areas are the range's style.
        if len(areas) >= 3 and len(areas) >= kinds and all(areas):
            self.flag("grouping", f"all {len(areas)} 'area: subject' changes are under "
                                  f"{self.fmt['other_changes']!r} or {self.fmt['not_conventional']!r}")

    # -- duplicates --------------------------------------------------------------------------------

    def duplicates(self):
        shas = [self.field(c, "sha") for c in self.changes()]
        for sha in {s for s in shas if shas.count(s) > 1}:
            self.flag("duplicates", f"{sha[:7]} is listed {shas.count(sha)} times in the JSON changes")
        deps_listed = [tuple(sorted((k, str(v)) for k, v in d.items())) for d in self.field(self.j, "dependencies", []) or []]
        for d in {d for d in deps_listed if deps_listed.count(d) > 1}:
            self.flag("duplicates", f"dependency entry {dict(d).get(self.fmt['json']['dep_name'])} is listed twice in the JSON")
        for key in ("section_changes", "section_scores"):
            section = self.s.section(self.fmt[key])
            if not section:
                continue
            lines = [l for _, l in self.s.grouped_items(section[1])] if key == "section_changes" else \
                [" | ".join(r) for r in table_rows(section[1].split("\n"))]
            found = [self.facts.resolve(m.group(0)) for l in lines for m in [SHA_RE.search(l)] if m]
            for sha in {s for s in found if s and found.count(s) > 1}:
                self.flag("duplicates", f"{sha[:7]} is listed {found.count(sha)} times in {section[0]!r}")
        section = self.s.section(self.fmt["section_deps"])
        if section:
            rows = [tuple(r) for r in table_rows(section[1].split("\n"))]
            for r in {r for r in rows if rows.count(r) > 1}:
                self.flag("duplicates", f"dependency row {' | '.join(r)[:80]!r} is listed twice")
