"""`gitlab`: a Code Quality report (a JSON array), paths relative to `CI_PROJECT_DIR` when set."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pinless.finding import Finding
from pinless.report.common import ReportContext, machine_path
from pinless.report.fingerprint import fingerprints

SEVERITY = {"error": "major", "warning": "minor"}


def to_object(finding: Finding, fingerprint: str, ctx: ReportContext) -> dict[str, Any]:
    return {
        # GitLab does not display check_name, so the code leads the description.
        "description": f"{finding.code}: {finding.message}",
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": SEVERITY.get(finding.severity, "major"),
        "location": {
            "path": machine_path(finding, ctx, "CI_PROJECT_DIR"),
            "lines": {"begin": finding.line, "end": finding.end_line},
        },
    }


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    items = [to_object(f, fp, ctx) for f, fp in zip(findings, fingerprints(findings, ctx))]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
