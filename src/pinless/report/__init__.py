"""Reporters: turn findings into one of the `--output-format` outputs.

Every format is a function ``(findings, ctx) -> str`` in :data:`FORMATS`; :func:`render`
sorts the findings first so every format lists them in the same order whatever ``--jobs`` is.
Human formats (`full`, `concise`) print paths relative to the working directory and may use
color; machine formats never do and use repository-relative forward-slash paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pinless.finding import Finding
from pinless.report import concise, full, github, gitlab, json_output, junit, sarif
from pinless.report.common import ReportContext
from pinless.report.fingerprint import VERSION_KEY, fingerprints
from pinless.report.summary import fix_hint, statistics, summary

Renderer = Callable[[Sequence[Finding], ReportContext], str]

FORMATS: dict[str, Renderer] = {
    "full": full.render,
    "concise": concise.render,
    "json": json_output.render,
    "json-lines": json_output.render_lines,
    "github": github.render,
    "gitlab": gitlab.render,
    "sarif": sarif.render,
    "junit": junit.render,
}
DEFAULT_FORMAT = "full"
HUMAN_FORMATS = frozenset({"full", "concise"})  # the rest write only the report to stdout


def render(fmt: str, findings: Iterable[Finding], ctx: ReportContext) -> str:
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})") from None
    return renderer(sorted(findings, key=Finding.sort_key), ctx)


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
