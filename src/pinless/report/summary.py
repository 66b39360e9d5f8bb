"""The lines around a report: totals, `--statistics`, and the fix hint (conventions 4, 14)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pinless.finding import Finding
from pinless.report.common import ReportContext, count_label, fix_applies, rule_for


def summary(findings: Sequence[Finding]) -> str:
    """``Found 3 problems (2 errors, 1 warning)``, or ``All checks passed!``."""
    if not findings:
        return "All checks passed!"
    warnings = sum(f.severity == "warning" for f in findings)
    errors = len(findings) - warnings
    parts = [count_label(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
    return f"Found {count_label(len(findings), 'problem')} ({', '.join(parts)})"


def statistics(findings: Sequence[Finding], ctx: ReportContext) -> str:
    """One row per code: count, code, name, ``[*]`` when a fix applies; most frequent first."""
    counts = Counter(f.code for f in findings)
    if not counts:
        return ""
    fixable = {f.code for f in findings if fix_applies(f.fix, ctx)}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    names = {code: _name(code, findings, ctx) for code, _ in rows}
    count_w = max(len(str(n)) for _, n in rows)
    code_w = max(len(code) for code, _ in rows)
    name_w = max(len(name) for name in names.values())
    lines = []
    for code, n in rows:
        line = f"{n:>{count_w}}  {code:<{code_w}}  {names[code]}"
        if code in fixable:
            line = f"{line:<{count_w + code_w + name_w + 4}}  [*]"
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def _name(code: str, findings: Sequence[Finding], ctx: ReportContext) -> str:
    named = next((f.name for f in findings if f.code == code and f.name), "")
    rule = rule_for(ctx, code)
    return named or (rule.name if rule else "")


def fix_hint(findings: Sequence[Finding], ctx: ReportContext) -> str | None:
    """``3 fixable with pinless fix (1 more with --unsafe-fixes)``; None when nothing is fixable.

    Display-only fixes never count: `pinless fix` does not write them.
    """
    applicable = sum(fix_applies(f.fix, ctx) for f in findings)
    hidden = sum(bool(f.fix and f.fix.applicability == "unsafe" and not ctx.unsafe_fixes) for f in findings)
    if applicable and hidden:
        return f"{applicable} fixable with pinless fix ({hidden} more with --unsafe-fixes)"
    if applicable:
        return f"{applicable} fixable with pinless fix"
    if hidden:
        return f"{hidden} fixable with pinless fix --unsafe-fixes"
    return None
