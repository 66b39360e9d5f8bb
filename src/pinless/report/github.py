"""`github`: workflow commands that GitHub Actions turns into annotations.

GitHub shows at most 10 errors and 10 warnings per step, so a plain summary line follows the
commands and says where the rest are.
"""

from __future__ import annotations

from collections.abc import Sequence

from pinless.finding import Finding
from pinless.report.common import TOOL, ReportContext, machine_path
from pinless.report.summary import summary

ANNOTATION_LIMIT = 10  # per level and step


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding, ctx: ReportContext) -> str:
    level = "warning" if finding.severity == "warning" else "error"
    props = [
        ("title", f"{TOOL} ({finding.code})"),
        ("file", machine_path(finding, ctx, "GITHUB_WORKSPACE")),
        ("line", str(finding.line)),
        ("endLine", str(finding.end_line)),
    ]
    if finding.line == finding.end_line:  # GitHub reads columns only on a one-line range
        props += [("col", str(finding.column)), ("endColumn", str(finding.end_column))]
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{level} {joined}::{escape_data(f'{finding.code} {finding.message}')}"


def summary_line(findings: Sequence[Finding]) -> str:
    warnings = sum(f.severity == "warning" for f in findings)
    errors = len(findings) - warnings
    line = f"{TOOL}: {summary(findings)}"
    if errors > ANNOTATION_LIMIT or warnings > ANNOTATION_LIMIT:
        line += (
            f"; GitHub annotates at most {ANNOTATION_LIMIT} errors and {ANNOTATION_LIMIT} warnings"
            " per step, upload the SARIF report for the full list"
        )
    return line


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return "".join(command(f, ctx) + "\n" for f in findings) + summary_line(findings) + "\n"
