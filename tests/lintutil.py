"""Run the real pipeline on small projects written to a temporary directory."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from pinless import engine
from pinless.config import load_settings
from pinless.finding import Finding

if sys.version_info >= (3, 11):
    import tomllib  # noqa: F401  (only to mirror the package's own choice)


def write_project(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n") if rel.endswith(".py") else text)
        paths.append(path)
    return paths


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def write_config(root: Path, config: dict, targets: tuple[str, ...] = ()) -> None:
    lines, tables = [], []
    if targets:
        lines.append(f"target = {_toml_value(list(targets))}")
    for key, value in config.items():
        if isinstance(value, dict):
            tables.append(f"[{key}]")
            tables += [f'"{k}" = {_toml_value(v)}' if "/" in k or "*" in k else f"{k} = {_toml_value(v)}"
                       for k, v in value.items()]
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    (root / "pinless.toml").write_text("\n".join(lines + tables) + "\n")


def lint(root: Path, files: dict[str, str], config: dict | None = None,
         targets: tuple[str, ...] = (), select_all: bool = True) -> list[Finding]:
    """The findings a user would see for every .py file given, sorted (no cache, one job)."""
    paths = write_project(root, files)
    write_config(root, config or {}, targets)
    settings = load_settings(first_path=root, config_file=None, isolated=False,
                             overrides={"cache": False, "jobs": 1})
    py = [p for p in paths if p.suffix == ".py"]
    result = engine.lint(py, settings)
    return sorted(result.findings, key=Finding.sort_key)


def codes_at(findings: list[Finding], filename: str = "") -> list[str]:
    """``["PIN101:8", ...]`` for the findings in files ending with ``filename``."""
    return [f"{f.code}:{f.line}" for f in findings if f.path.endswith(filename)]
