"""`junit`: one <testsuite> per file, one <testcase> with a <failure> per finding."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pinless.finding import Finding
from pinless.report.common import TOOL, ReportContext, machine_path

# Characters XML 1.0 cannot carry at all, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(text: str, attribute: bool = True) -> str:
    text = _INVALID_XML.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:  # attribute values lose raw line breaks and tabs to normalisation
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return text


def _classname(path: str) -> str:
    stem = path[: -len(".py")] if path.endswith(".py") else path
    return stem.replace("/", ".")


def _testcase(finding: Finding, path: str) -> list[str]:
    location = f"{path}:{finding.line}:{finding.column}"
    return [
        f'    <testcase name="{_escape(finding.code)}" classname="{_escape(_classname(path))}"'
        f' file="{_escape(path)}" line="{finding.line}">',
        f'      <failure message="{_escape(finding.message)}">{_escape(location, attribute=False)}</failure>',
        "    </testcase>",
    ]


def _suite(path: str, findings: list[Finding]) -> list[str]:
    n = len(findings)
    lines = [f'  <testsuite name="{_escape(path)}" tests="{n}" failures="{n}">']
    for finding in findings:
        lines += _testcase(finding, path)
    return lines + ["  </testsuite>"]


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    n = len(findings)
    lines = [f'<testsuites name="{TOOL}" tests="{n}" failures="{n}">']
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(machine_path(finding, ctx), []).append(finding)
    for path, group in by_file.items():
        lines += _suite(path, group)
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"
