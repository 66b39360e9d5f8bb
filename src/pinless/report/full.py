"""`full` (the default): header, the source line with a caret underline, the help line.

```
src/app/db.py:14:5: PIN101 `SET statement_timeout` on a pooled connection pins the RDS Proxy session
   14 |     cur.execute("SET statement_timeout = '5s'")
      |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  help: move the setting to the proxy's initialization query or the DB parameter group
```

With ``show_fixes`` the fix follows as a small diff of the flagged line (``-`` before,
``+`` after), or, for edits on lines the finding does not carry, as a list of edits.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence

from pinless.finding import Edit, Finding, Fix
from pinless.report.common import CYAN, GREEN, RED, ReportContext, paint, severity_style
from pinless.report.concise import header

GUTTER = 5  # digits of the line-number column; wider only for files past 99,999 lines


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return "\n".join(_finding(f, ctx) for f in findings)


def _finding(finding: Finding, ctx: ReportContext) -> str:
    width = _gutter_width(finding)
    lines = [header(finding, ctx)]
    lines += _source(finding, width, ctx)
    if finding.help:
        lines.append(f"  {paint('help', CYAN, ctx)}: {finding.help}")
    if ctx.show_fixes and finding.fix:
        lines += _fix(finding, finding.fix, width, ctx)
    return "\n".join(lines) + "\n"


def _gutter_width(finding: Finding) -> int:
    rows = [finding.line, *(e.row for e in (finding.fix.edits if finding.fix else ()))]
    return max(GUTTER, *(len(str(r)) for r in rows))


def _source(finding: Finding, width: int, ctx: ReportContext) -> list[str]:
    text = finding.line_text.rstrip("\r\n")
    if not text:  # e.g. a file that could not be read: nothing to underline
        return []
    start = max(finding.column - 1, 0)
    end = finding.end_column - 1 if finding.end_line == finding.line else len(text)
    carets = "^" * max(_width(text[start:end]), 1)
    suffix = f" (to line {finding.end_line})" if finding.end_line > finding.line else ""
    return [
        f"{finding.line:>{width}} | {text}",
        f"{'':>{width}} | {_indent(text[:start])}{paint(carets, severity_style(finding), ctx)}{suffix}",
    ]


def _indent(prefix: str) -> str:
    """Blank space as wide on screen as ``prefix``; tabs stay tabs so both lines expand alike."""
    return "".join("\t" if ch == "\t" else " " * _char_width(ch) for ch in prefix)


def _width(text: str) -> int:
    return sum(1 if ch == "\t" else _char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    """Terminal cells of one code point: wide East Asian characters take two, marks none."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _fix_label(fix: Fix, ctx: ReportContext) -> str:
    if fix.applicability == "display-only":
        return "suggestion (display-only, never applied)"
    if fix.applicability == "unsafe" and not ctx.unsafe_fixes:
        return "fix (unsafe, needs --unsafe-fixes)"
    return f"fix ({fix.applicability})"


def _fix(finding: Finding, fix: Fix, width: int, ctx: ReportContext) -> list[str]:
    lines = [f"  {paint(_fix_label(fix, ctx), CYAN, ctx)}: {fix.message}"]
    text = finding.line_text.rstrip("\r\n")
    on_line = [e for e in fix.edits if text and e.row == e.end_row == finding.line]
    if on_line:
        after = _apply(text, on_line).split("\n")
        lines.append(paint(f"{finding.line:>{width}} - {text}", RED, ctx))
        lines.append(paint(f"{finding.line:>{width}} + {after[0]}", GREEN, ctx))
        lines += [paint(f"{'':>{width}} + {more}", GREEN, ctx) for more in after[1:]]
    lines += [f"{e.row:>{width}} ~ {_describe(e)}" for e in fix.edits if e not in on_line]
    return lines


def _apply(text: str, edits: list[Edit]) -> str:
    for e in sorted(edits, key=lambda e: (e.column, e.end_column), reverse=True):
        text = text[: e.column - 1] + e.content + text[e.end_column - 1 :]
    return text


def _describe(edit: Edit) -> str:
    start = f"{edit.row}:{edit.column}"
    span = f"{start}-{edit.end_row}:{edit.end_column}"
    content = json.dumps(edit.content, ensure_ascii=False)  # quotes and shows line breaks
    if (edit.row, edit.column) == (edit.end_row, edit.end_column):
        return f"insert {content} at {start}"
    if not edit.content:
        return f"delete {span}"
    return f"replace {span} with {content}"
