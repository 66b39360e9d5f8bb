"""The library versions a project declares: some verdicts depend on them (a bare
``postgresql://`` URL means psycopg2 on SQLAlchemy 2.0 and psycopg 3 on 2.1).

Read from requirements files, pyproject.toml (PEP 621 and Poetry), and the common lock files
(poetry.lock, uv.lock, Pipfile.lock). Only exact versions count: a range such as ``>=2.0``
leaves the version unknown, and the finding says that the verdict depends on it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:===?|~=)\s*([0-9][\w.]*)", re.M)
_MAX_FILES = 200


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _from_requirements(text: str, out: dict[str, str]) -> None:
    for name, version in _REQ.findall(text):
        out.setdefault(_norm(name), version)


def _from_pyproject(data: dict, out: dict[str, str]) -> None:
    deps = list(data.get("project", {}).get("dependencies", []))
    for group in data.get("project", {}).get("optional-dependencies", {}).values():
        deps += group
    _from_requirements("\n".join(deps), out)
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    for name, spec in poetry.items():
        version = spec.get("version") if isinstance(spec, dict) else spec
        if isinstance(version, str) and re.match(r"^=?=?\s*\d", version):
            out.setdefault(_norm(name), version.lstrip("= "))


def _from_lock(path: Path, out: dict[str, str]) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.name == "Pipfile.lock":
        data = json.loads(text)
        for section in ("default", "develop"):
            for name, spec in data.get(section, {}).items():
                m = re.match(r"==(.+)", spec.get("version", ""))
                if m:
                    out.setdefault(_norm(name), m.group(1))
        return
    data = tomllib.loads(text)
    for pkg in data.get("package", []):
        if "name" in pkg and "version" in pkg:
            out.setdefault(_norm(pkg["name"]), str(pkg["version"]))


def declared_versions(root: Path) -> dict[str, str]:
    """Distribution name (normalized) -> exact version, over every declaration under root."""
    out: dict[str, str] = {}
    seen = 0
    patterns = ("requirements*.txt", "requirements/*.txt", "*/requirements*.txt", "*/*/requirements*.txt",
                "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile.lock")
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            if any(part in (".venv", "venv", "node_modules", ".aws-sam") for part in path.parts):
                continue
            seen += 1
            if seen > _MAX_FILES:
                return out
            try:
                if path.name == "pyproject.toml":
                    _from_pyproject(tomllib.loads(path.read_text(encoding="utf-8")), out)
                elif path.suffix == ".txt":
                    _from_requirements(path.read_text(encoding="utf-8", errors="replace"), out)
                else:
                    _from_lock(path, out)
            except (OSError, ValueError, tomllib.TOMLDecodeError):
                continue  # an unreadable declaration leaves versions unknown, never fails the run
    return out
