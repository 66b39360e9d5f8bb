"""`sarif`: SARIF 2.1.0 for GitHub code scanning, shaped as in conventions section 8.

One run; each rule that produced a result appears once in ``driver.rules`` and results point at
it by ``ruleId`` and ``ruleIndex``. No ``primaryLocationLineHash``: the upload action computes
its own and warns when a supplied one disagrees; ``partialFingerprints["pinless/v1"]`` carries
ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from pinless.catalog import HOMEPAGE, TARGETS
from pinless.finding import Finding
from pinless.report.common import TOOL, ReportContext, absolute_path, machine_path, rule_for
from pinless.report.fingerprint import VERSION_KEY, fingerprints

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000  # GitHub's limit per run; past it the upload drops results silently


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return json.dumps(document(findings, ctx), indent=2, ensure_ascii=False) + "\n"


def document(findings: Sequence[Finding], ctx: ReportContext) -> dict[str, Any]:
    kept = list(findings[:MAX_RESULTS])
    codes = sorted({f.code for f in kept})
    index = {code: i for i, code in enumerate(codes)}
    prints = fingerprints(kept, ctx)
    run = {
        "tool": {
            "driver": {
                "name": TOOL,
                "version": ctx.version,
                "informationUri": HOMEPAGE,
                "rules": [_rule(code, [f for f in kept if f.code == code], ctx) for code in codes],
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(len(findings) - len(kept))],
        "results": [_result(f, index[f.code], fp, ctx) for f, fp in zip(kept, prints)],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _invocation(dropped: int) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if dropped:
        text = f"{dropped} more results not written: GitHub accepts at most {MAX_RESULTS:,} per run"
        invocation["toolExecutionNotifications"] = [{"level": "warning", "message": {"text": text}}]
    return invocation


def _tags(findings: Sequence[Finding]) -> list[str]:
    seen = {t for f in findings for t in f.targets}
    return [t for t in TARGETS if t in seen] + sorted(seen - set(TARGETS))


def _rule(code: str, findings: Sequence[Finding], ctx: ReportContext) -> dict[str, Any]:
    rule = rule_for(ctx, code)
    level = findings[0].severity
    if rule is None:  # a code without a page still needs a descriptor to point at
        return {
            "id": code,
            "name": findings[0].name or code,
            "shortDescription": {"text": code},
            "defaultConfiguration": {"level": level},
            "properties": {"tags": _tags(findings)},
        }
    page = rule.render()
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": plain_text(page)},
        "help": {"text": page, "markdown": page},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": [rule.family, *_tags(findings)]},
    }


def _result(finding: Finding, rule_index: int, fingerprint: str, ctx: ReportContext) -> dict[str, Any]:
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(finding, ctx),
                    "region": {
                        "startLine": finding.line,
                        "startColumn": finding.column,
                        "endLine": finding.end_line,
                        "endColumn": finding.end_column,
                    },
                }
            }
        ],
        "partialFingerprints": {VERSION_KEY: fingerprint},
    }


def _artifact(finding: Finding, ctx: ReportContext) -> dict[str, str]:
    rel = machine_path(finding, ctx)
    if rel.startswith("/") or re.match(r"^[A-Za-z]:/", rel):  # outside the repository
        return {"uri": absolute_path(finding.path, ctx).as_uri()}
    return {"uri": quote(rel, safe="/"), "uriBaseId": "%SRCROOT%"}


_FENCE = re.compile(r"^\s*```")
_HEADING = re.compile(r"^#+\s+")
_TABLE_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")


def plain_text(markdown: str) -> str:
    """The rule page without Markdown markup, for ``fullDescription``.

    Code blocks keep their text; headings, backticks, table pipes and autolink brackets go.
    """
    out: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            out.append(line)
        elif not _TABLE_RULE.match(line):
            out.append(_plain_line(line))
    return "\n".join(out).strip() + "\n"


def _plain_line(line: str) -> str:
    line = _AUTOLINK.sub(r"\1", _HEADING.sub("", line)).replace("`", "")
    if line.startswith("|") and line.rstrip().endswith("|"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        line = ": ".join(cells)
    return line
