"""Reporters: turn findings into one of the `--output-format` outputs.

Every format is a function ``(findings, ctx) -> str`` in :data:`FORMATS`; :func:`render`
sorts the findings first so every format lists them in the same order whatever ``--jobs`` is.
Human formats (`full`, `concise`) print paths relative to the working directory and may use
color; machine formats never do and use repository-relative forward-slash paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from importlib import import_module
from typing import Any

from pinless.finding import Finding
from pinless.report.common import ReportContext
from pinless.report.summary import fix_hint, statistics, summary

Renderer = Callable[[Sequence[Finding], ReportContext], str]


def _lazy(module: str, function: str = "render") -> Renderer:
    """A format's renderer that imports its module on first use: a run loads only the format it
    writes (sarif, gitlab and junit cost start-up time that a `full` run never needs)."""

    def renderer(findings: Sequence[Finding], ctx: ReportContext) -> str:
        return getattr(import_module(f"pinless.report.{module}"), function)(findings, ctx)

    return renderer


FORMATS: dict[str, Renderer] = {
    "full": _lazy("full"),
    "concise": _lazy("concise"),
    "json": _lazy("json_output"),
    "json-lines": _lazy("json_output", "render_lines"),
    "github": _lazy("github"),
    "gitlab": _lazy("gitlab"),
    "sarif": _lazy("sarif"),
    "junit": _lazy("junit"),
}
DEFAULT_FORMAT = "full"
HUMAN_FORMATS = frozenset({"full", "concise"})  # the rest write only the report to stdout


def render(fmt: str, findings: Iterable[Finding], ctx: ReportContext) -> str:
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})") from None
    return renderer(sorted(findings, key=Finding.sort_key), ctx)


def __getattr__(name: str) -> Any:  # the fingerprint helpers, loaded when first asked for
    if name in ("VERSION_KEY", "fingerprints"):
        return getattr(import_module("pinless.report.fingerprint"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_FORMAT",
    "FORMATS",
    "HUMAN_FORMATS",
    "VERSION_KEY",
    "ReportContext",
    "fingerprints",
    "fix_hint",
    "render",
    "statistics",
    "summary",
]
