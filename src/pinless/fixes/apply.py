"""The one applier of fixes: text edits -> new source, checked, written atomically.

A fix is a list of ruff-style edits (fixes/*.py and library data produce them). Overlapping
fixes are never applied together: the applier takes a non-overlapping set, the runner
re-checks, and the loop repeats (at most ``MAX_PASSES``), as ruff does.
"""

from __future__ import annotations

import ast
import io

from pinless.finding import Edit, Finding, Fix

MAX_PASSES = 10


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    if fix is None or not fix.edits:
        return False
    return fix.applicability == "safe" or (unsafe and fix.applicability == "unsafe")


def lines(text: str) -> list[str]:
    """``text`` split after each ``\n``, ``\r\n`` or ``\r``, ends kept: Python's line breaks.
    ``str.splitlines`` also breaks at form feeds, ``\x1c``-``\x1e``, ``\x85`` and U+2028/9,
    which may sit in comments and strings and would shift every row after them."""
    return io.StringIO(text, newline="").readlines()


def _offsets(text: str) -> list[int]:
    starts, pos = [0], 0
    for line in lines(text):
        pos += len(line)
        starts.append(pos)
    return starts


def _offset(starts: list[int], row: int, column: int) -> int:
    row = min(max(row, 1), len(starts))
    return min(starts[row - 1] + column - 1, starts[-1])


def choose(findings: list[Finding], unsafe: bool) -> list[Fix]:
    """A non-overlapping set of fixes, in source order; the first of two overlapping wins."""
    chosen: list[Fix] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for f in sorted(findings, key=Finding.sort_key):
        if not applicable(f.fix, unsafe):
            continue
        ranges = [((e.row, e.column), (e.end_row, e.end_column)) for e in f.fix.edits]
        if any(_overlaps(r, t) for r in ranges for t in taken):
            continue
        if f.fix in chosen:
            continue  # two findings may carry the very same fix (one release for one handler)
        chosen.append(f.fix)
        taken.extend(ranges)
    return chosen


def _overlaps(a, b) -> bool:
    (a0, a1), (b0, b1) = a, b
    if a0 == a1 and b0 == b1:
        return a0 == b0  # two insertions at one point: order would be ambiguous
    return a0 < b1 and b0 < a1 or (a0 == a1 and b0 <= a0 < b1) or (b0 == b1 and a0 <= b0 < a1)


def apply_edits(text: str, fixes: list[Fix]) -> str:
    starts = _offsets(text)
    edits: list[Edit] = sorted((e for fix in fixes for e in fix.edits), reverse=True)
    for e in edits:
        start = _offset(starts, e.row, e.column)
        end = _offset(starts, e.end_row, e.end_column)
        text = text[:start] + e.content + text[end:]
    return text


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
