"""Dependencies as the files say: lockfile contents, manifest requirements, and what changed.

- Lockfiles (Cargo.lock, package-lock.json, yarn.lock, pnpm-lock.yaml, poetry.lock, uv.lock,
  Gemfile.lock, go.mod, go.sum, requirements*.txt): package name -> set of versions (a
  requirements file: the pin, else the specifier).
- Manifests (Cargo.toml, package.json, pyproject.toml): (table, name) -> requirement, path-only
  dependencies left out; toolchain floors (`rust-version`, `engines.node`, `requires-python`).

A major move is a move to another compatible series, Cargo's rule in every ecosystem: the
left-most non-zero of major, minor, patch names the series (`1.x`, `0.3.x`, `0.0.4`).
"""

import json
import re
import tomllib

from .lines import _is_test as is_test_path
from .lines import lockfile_kind

MANIFESTS = ("Cargo.toml", "package.json", "pyproject.toml")
TOOLCHAIN = {"rust-version": ("rust-version", "rust"), "engines.node": ("node", "engines"),
             "requires-python": ("requires-python", "python")}


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def version_numbers(text):
    m = re.search(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text or "")
    if not m:
        return None
    return tuple(int(g) if g else 0 for g in m.groups())


def series(text):
    v = version_numbers(text)
    if v is None:
        return None
    if v[0]:
        return (v[0], 0, 0)
    if v[1]:
        return (0, v[1], 0)
    return (0, 0, v[2])


def _add(out, name, version):
    out.setdefault(name, set()).add(version)


def parse_lockfile(kind, text):
    """{name: {versions}} of one lockfile; empty when it does not parse."""
    out = {}
    try:
        if kind in ("Cargo.lock", "poetry.lock", "uv.lock"):
            data = tomllib.loads(text)
            for p in data.get("package", []):
                if "version" not in p:
                    continue
                source = p.get("source") or {}
                if kind == "Cargo.lock" and not source:
                    continue  # the workspace's own members and path dependencies
                if kind == "poetry.lock" and isinstance(source, dict) and source.get("type") == "directory":
                    continue
                if kind == "uv.lock" and isinstance(source, dict) and any(
                        k in source for k in ("editable", "virtual", "directory", "path")):
                    continue
                name = p["name"] if kind == "Cargo.lock" else pep503(p["name"])
                _add(out, name, p["version"])
        elif kind in ("package-lock.json", "npm-shrinkwrap.json"):
            data = json.loads(text)
            if isinstance(data.get("packages"), dict):
                for key, p in data["packages"].items():
                    if not key or p.get("link") or "version" not in p or "node_modules/" not in key:
                        continue
                    _add(out, key.rsplit("node_modules/", 1)[1], p["version"])
            else:
                stack = [data.get("dependencies") or {}]
                while stack:
                    for name, p in stack.pop().items():
                        if isinstance(p, dict) and "version" in p:
                            _add(out, name, p["version"])
                            stack.append(p.get("dependencies") or {})
        elif kind == "yarn.lock":
            names = []
            for line in text.split("\n"):
                if line and not line[0].isspace() and line.rstrip().endswith(":") and not line.startswith("#"):
                    names = []
                    for spec in line.rstrip()[:-1].split(","):
                        spec = spec.strip().strip('"')
                        at = spec.find("@", 1)
                        if at > 0:
                            names.append(spec[:at])
                else:
                    m = re.match(r'^\s+version:?\s+"?([^"\s]+)"?', line)
                    if m:
                        for name in set(names):
                            _add(out, name, m.group(1))
                        names = []
        elif kind == "pnpm-lock.yaml":
            in_packages = False
            for line in text.split("\n"):
                if not line.startswith(" "):
                    in_packages = line.startswith(("packages:", "snapshots:"))
                    continue
                m = re.match(r"^  ['\"]?/?(@?[^@/\s'\"]+(?:/[^@/\s'\"]+)?)[@/](\d[^:('\"\s_]*)", line)
                if in_packages and m:
                    _add(out, m.group(1), m.group(2))
        elif kind in ("Gemfile.lock", "gems.locked"):
            for line in text.split("\n"):
                m = re.match(r"^    ([^\s(]+) \(([^)]+)\)$", line)
                if m:
                    _add(out, m.group(1), m.group(2).split("-", 1)[0])
        elif kind == "go.sum":
            for line in text.split("\n"):
                parts = line.split()
                if len(parts) == 3:
                    _add(out, parts[0], parts[1].removesuffix("/go.mod"))
        elif kind == "go.mod":
            block = False
            for line in text.split("\n"):
                s = line.split("//", 1)[0].strip()
                if s.startswith("require ("):
                    block = True
                    continue
                if block and s == ")":
                    block = False
                    continue
                if s.startswith("require "):
                    s = s[8:].strip()
                elif not block:
                    continue
                parts = s.split()
                if len(parts) == 2:
                    _add(out, parts[0], parts[1])
        elif kind == "requirements":
            for line in text.split("\n"):
                s = re.split(r"\s#", line, maxsplit=1)[0].split(";", 1)[0].strip()
                if not s or s.startswith(("#", "-", ".", "/")) or "://" in s:
                    continue
                m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$", s)
                if not m:
                    continue
                spec = m.group(3).strip()
                pin = re.match(r"^===?\s*([^\s,]+)$", spec)
                _add(out, pep503(m.group(1)), pin.group(1) if pin else (spec.replace(" ", "") or "*"))
    except (ValueError, tomllib.TOMLDecodeError, AttributeError, TypeError, KeyError):
        return {}
    return out


def _cargo_req(spec):
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict):
        return None
    if spec.get("workspace"):
        return "workspace"
    if "path" in spec:
        return None  # the project's own code (a version beside the path is for publishing)
    parts = [spec.get("version") or ""]
    for key in ("git", "rev", "tag", "branch", "registry"):
        if key in spec:
            parts.append(f"{key}={spec[key]}")
    return " ".join(p for p in parts if p)


def parse_manifest(name, text):
    """{(table, dependency name): requirement} and {toolchain key: floor} of one manifest."""
    reqs, floors = {}, {}
    try:
        if name == "Cargo.toml":
            data = tomllib.loads(text)
            tables = []
            for key in ("dependencies", "dev-dependencies", "build-dependencies", "dev_dependencies",
                        "build_dependencies"):
                tables.append((key, data.get(key)))
                for target, body in (data.get("target") or {}).items():
                    if isinstance(body, dict):
                        tables.append((f"target.{target}.{key}", body.get(key)))
            tables.append(("workspace.dependencies", (data.get("workspace") or {}).get("dependencies")))
            for table, deps in tables:
                for dep, spec in (deps or {}).items():
                    req = _cargo_req(spec)
                    if req is not None:
                        crate = spec.get("package", dep) if isinstance(spec, dict) else dep
                        reqs[(table, crate)] = req
            for section in ("package", "workspace.package"):
                body = data
                for part in section.split("."):
                    body = body.get(part) or {} if isinstance(body, dict) else {}
                rv = body.get("rust-version") if isinstance(body, dict) else None
                if isinstance(rv, str):
                    floors["rust-version"] = rv
        elif name == "package.json":
            data = json.loads(text)
            for table in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
                for dep, spec in (data.get(table) or {}).items():
                    if isinstance(spec, str) and not spec.startswith(("file:", "link:", "workspace:", "portal:")):
                        reqs[(table, dep)] = spec
            node = (data.get("engines") or {}).get("node") if isinstance(data.get("engines"), dict) else None
            if isinstance(node, str):
                floors["engines.node"] = node
        elif name == "pyproject.toml":
            data = tomllib.loads(text)
            project = data.get("project") or {}
            lists = [("project.dependencies", project.get("dependencies") or [])]
            for extra, items in (project.get("optional-dependencies") or {}).items():
                lists.append((f"project.optional-dependencies.{extra}", items))
            for group, items in (data.get("dependency-groups") or {}).items():
                lists.append((f"dependency-groups.{group}", [i for i in items if isinstance(i, str)]))
            for table, items in lists:
                for item in items:
                    m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$", item)
                    if m:
                        reqs[(table, pep503(m.group(1)))] = re.sub(r"\s+", "", m.group(3))
            poetry = (data.get("tool") or {}).get("poetry") or {}
            tables = [("tool.poetry.dependencies", poetry.get("dependencies")),
                      ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies"))]
            for group, body in (poetry.get("group") or {}).items():
                tables.append((f"tool.poetry.group.{group}", (body or {}).get("dependencies")))
            for table, deps in tables:
                for dep, spec in (deps or {}).items():
                    if dep.lower() == "python":
                        continue
                    req = spec if isinstance(spec, str) else _cargo_req(spec)
                    if req is not None:
                        reqs[(table, pep503(dep))] = req
            if isinstance(project.get("requires-python"), str):
                floors["requires-python"] = project["requires-python"]
    except (ValueError, tomllib.TOMLDecodeError, AttributeError, TypeError):
        return {}, {}
    return reqs, floors


def is_manifest(path):
    name = path.rsplit("/", 1)[-1]
    if name not in MANIFESTS or "node_modules/" in path:
        return False
    # Manifests of test fixtures describe no dependency of the project.
    return not is_test_path(path.lower(), "x")


def changed_paths(repo, base, head):
    if base:
        out = repo.run("diff", "--name-only", "-z", "--no-renames", base, head)
    else:
        out = repo.run("ls-tree", "-r", "-z", "--name-only", head)
    return [p for p in out.split("\0") if p]


def ecosystem_name(kind, name):
    return pep503(name) if kind in ("poetry.lock", "uv.lock", "requirements") else name


def lockfile_changes(repo, base, head, paths=None):
    """{name: (old versions, new versions)} over every lockfile that differs between base and
    head (base None: every lockfile at head), merged by name."""
    out = {}
    for path in paths if paths is not None else changed_paths(repo, base, head):
        kind = lockfile_kind(path)
        if not kind:
            continue
        old = parse_lockfile(kind, repo.text(base, path) or "") if base else {}
        new = parse_lockfile(kind, repo.text(head, path) or "")
        for name in set(old) | set(new):
            if old.get(name, set()) != new.get(name, set()):
                o, n = out.setdefault(name, (set(), set()))
                o.update(old.get(name, set()))
                n.update(new.get(name, set()))
    return out


def lock_majors(changes):
    """(names that surely crossed a major, names that may have) among lockfile changes: surely
    when the highest old version's series is gone and the highest new version's series is new;
    maybe when any series came or went (a second copy of a package added or dropped)."""
    low, high = set(), set()
    for name, (old, new) in changes.items():
        if not old or not new:
            continue
        so = {series(v) for v in old} - {None}
        sn = {series(v) for v in new} - {None}
        if so != sn:
            high.add(name)
        top_old = series(max(old, key=lambda v: version_numbers(v) or (0, 0, 0)))
        top_new = series(max(new, key=lambda v: version_numbers(v) or (0, 0, 0)))
        if top_old and top_new and top_old not in sn and top_new not in so:
            low.add(name)
    return low, high


def manifest_changes(repo, base, head, paths=None):
    """({name: (old requirement, new requirement)}, {toolchain key: (old, new)}) over every
    manifest that differs between base and head."""
    reqs, floors = {}, {}
    for path in paths if paths is not None else changed_paths(repo, base, head):
        if not is_manifest(path):
            continue
        name = path.rsplit("/", 1)[-1]
        old_r, old_f = parse_manifest(name, repo.text(base, path) or "") if base else ({}, {})
        new_r, new_f = parse_manifest(name, repo.text(head, path) or "")
        for key in set(old_r) | set(new_r):
            if old_r.get(key) != new_r.get(key):
                reqs[key[1]] = (old_r.get(key), new_r.get(key))
        for key in set(old_f) | set(new_f):
            if old_f.get(key) != new_f.get(key):
                floors[key] = (old_f.get(key), new_f.get(key))
    return reqs, floors


def manifest_majors(reqs):
    """(sure, maybe) names whose requirement's lower bound moved to another series."""
    low, high = set(), set()
    for name, (old, new) in reqs.items():
        if old is None or new is None:
            continue
        so, sn = series(old), series(new)
        if so is None or sn is None:
            if old != new:
                high.add(name)
            continue
        if so != sn:
            low.add(name)
            high.add(name)
    return low, high
