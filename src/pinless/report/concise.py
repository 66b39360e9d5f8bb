"""`concise`: one line per finding, `[*]` when a fix applies under the current flags."""

from __future__ import annotations

from collections.abc import Sequence

from pinless.finding import Finding
from pinless.report.common import BOLD, ReportContext, fix_applies, human_path, one_line, paint, severity_style


def header(finding: Finding, ctx: ReportContext) -> str:
    """``path:line:col: CODE [*] message``, the first line of both human formats."""
    location = f"{paint(human_path(finding, ctx), BOLD, ctx)}:{finding.line}:{finding.column}:"
    code = paint(finding.code, severity_style(finding), ctx)
    marker = " [*]" if fix_applies(finding.fix, ctx) else ""
    return f"{location} {code}{marker} {one_line(finding.message)}"


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return "".join(header(f, ctx) + "\n" for f in findings)
