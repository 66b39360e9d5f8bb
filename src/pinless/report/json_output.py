"""`json` and `json-lines`: ruff's object shape, plus pinless's `name`, `severity`, `targets`.

Keys may be added, never renamed (conventions 8). `filename` is absolute, as in ruff.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pinless.finding import Finding
from pinless.report.common import ReportContext, absolute_path, rule_for


def to_object(finding: Finding, ctx: ReportContext) -> dict[str, Any]:
    rule = rule_for(ctx, finding.code)
    return {
        "cell": None,
        "code": finding.code,
        "name": finding.name or (rule.name if rule else ""),
        "severity": finding.severity,
        "message": finding.message,
        "filename": str(absolute_path(finding.path, ctx)),
        "location": {"row": finding.line, "column": finding.column},
        "end_location": {"row": finding.end_line, "column": finding.end_column},
        "noqa_row": finding.suppress_row,
        "fix": finding.fix.to_dict() if finding.fix else None,
        "url": rule.url if rule else None,
        "targets": list(finding.targets),
    }


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return json.dumps([to_object(f, ctx) for f in findings], indent=2, ensure_ascii=False) + "\n"


def render_lines(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return "".join(
        json.dumps(to_object(f, ctx), ensure_ascii=False, separators=(",", ":")) + "\n" for f in findings
    )
