"""What every reporter shares: the run context, paths, fix applicability, colors.

Reporters read catalog metadata only; no reporter knows anything about a particular rule.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from pinless import __version__
from pinless.catalog import Catalog, Rule
from pinless.finding import Finding, Fix

TOOL = "pinless"


@dataclass(frozen=True)
class ReportContext:
    catalog: Catalog
    cwd: Path
    repo_root: Path  # git top level, else the working directory (conventions 7)
    color: bool = False
    unsafe_fixes: bool = False
    show_fixes: bool = False
    version: str = __version__
    # Read for GITHUB_WORKSPACE / CI_PROJECT_DIR; a field so tests need not touch os.environ.
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def rule_for(ctx: ReportContext, code: str) -> Rule | None:
    """The catalog page of ``code``, or None for a code without a page (never fatal in a report)."""
    try:
        return ctx.catalog.rule(code)
    except KeyError:
        return None


def fix_applies(fix: Fix | None, ctx: ReportContext) -> bool:
    """Whether ``pinless fix`` with the current flags would write this fix."""
    if fix is None:
        return False
    return fix.applicability == "safe" or (fix.applicability == "unsafe" and ctx.unsafe_fixes)


def absolute_path(path: str, ctx: ReportContext) -> Path:
    # normpath: a `..` in a discovered path must not leak into a relative report path.
    return Path(os.path.normpath(Path(ctx.cwd, path)))


def _relative_to(path: Path, base: Path) -> PurePath | None:
    for a, b in ((path, base), (path.resolve(), base.resolve())):  # second try: through symlinks
        try:
            return a.relative_to(b)
        except ValueError:
            continue
    return None


def human_path(finding: Finding, ctx: ReportContext) -> str:
    """Relative to the working directory when below it, else as discovered (conventions 7)."""
    path = absolute_path(finding.path, ctx)
    rel = _relative_to(path, ctx.cwd)
    return str(rel) if rel is not None else str(path)


def machine_path(finding: Finding, ctx: ReportContext, base_env: str | None = None) -> str:
    """Forward slashes, relative to ``$base_env`` when set, else to the repository root.

    A file outside that base keeps its absolute path, so the report never points at the
    wrong file.
    """
    base = ctx.environ.get(base_env) if base_env else None
    root = Path(base) if base else ctx.repo_root
    path = absolute_path(finding.path, ctx)
    rel = _relative_to(path, root)
    return (rel if rel is not None else path).as_posix()


def one_line(text: str) -> str:
    """Line breaks in a message would split a one-line human report; show them as spaces."""
    return " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text


def count_label(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# ANSI styles for the human formats; only used when ReportContext.color is on.
BOLD, RED, YELLOW, GREEN, CYAN, RESET = "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[36m", "\x1b[0m"


def paint(text: str, style: str, ctx: ReportContext) -> str:
    return f"{style}{text}{RESET}" if ctx.color and text else text


def severity_style(finding: Finding) -> str:
    return YELLOW if finding.severity == "warning" else RED
