"""Suppression comments (conventions section 5) and the PIN002 report of the unused ones.

- ``x  # noqa: PIN101, PIN203`` silences those codes on its line; a bare ``# noqa`` silences
  every pinless finding there; text after a further ``#`` is a reason.
- ``# pinless: noqa`` on a line of its own skips the file; ``# pinless: noqa: PIN101`` skips
  those codes in the file.

Comments are found with ``tokenize`` so that ``"# noqa"`` inside a string is not one; files whose
text never says ``noqa`` are not tokenized at all (this runs on every checked file).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from pinless.finding import Edit, Finding, Fix

UNUSED_CODE = "PIN002"

_MENTIONS_NOQA = re.compile("noqa", re.IGNORECASE).search
# The line marker anywhere in a comment (after another pragma too), as a whole word.
_LINE_DIRECTIVE = re.compile(r"#\s*noqa(?![\w-])", re.IGNORECASE)
_FILE_DIRECTIVE = re.compile(r"#\s*pinless\s*:\s*noqa(?![\w-])", re.IGNORECASE)
_CODE_LIST_START = re.compile(r"\s*:")
_CODE = re.compile(r"[\s,]*([A-Z]+[0-9]+)(?=$|[\s,#])")


@dataclass(frozen=True)
class CodeRef:
    code: str
    start: int  # 0-based columns in the line
    end: int


@dataclass(frozen=True)
class Directive:
    """One suppression comment. Columns are 0-based offsets into ``line``."""

    row: int
    start: int  # the directive's `#`
    end: int  # one past its last code (past `noqa` when bare)
    codes: tuple[CodeRef, ...]  # empty: bare
    comment_start: int  # the whole comment, which may hold a reason or another tool's pragma
    comment_end: int
    line: str  # the physical line, without its line break
    file_level: bool = False
    last_line: bool = False  # no line break after it

    @property
    def bare(self) -> bool:
        return not self.codes

    @property
    def text(self) -> str:
        return self.line[self.start : self.end]


@dataclass(frozen=True)
class Suppressions:
    lines: Mapping[int, Directive] = field(default_factory=dict)  # by row
    files: tuple[Directive, ...] = ()

    @property
    def skips_file(self) -> bool:
        """A bare `# pinless: noqa`: nothing in the file is reported."""
        return any(d.bare for d in self.files)

    def __bool__(self) -> bool:
        return bool(self.lines or self.files)


NO_SUPPRESSIONS = Suppressions()


# ---------------------------------------------------------------------------------------------
# Parsing


def parse(source: str) -> Suppressions:
    """The suppression comments of a module's text."""
    if not _MENTIONS_NOQA(source):
        return NO_SUPPRESSIONS
    lines: dict[int, Directive] = {}
    files: list[Directive] = []
    for token, last_line in _comments(source):
        directive = _directive(token, last_line)
        if directive is None:
            continue
        if directive.file_level:
            files.append(directive)
        else:
            lines[directive.row] = directive
    return Suppressions(lines, tuple(files))


def _comments(source: str) -> Iterable[tuple[tokenize.TokenInfo, bool]]:
    last_row = source.count("\n") + 1
    ends_open = not source.endswith(("\n", "\r"))
    readline = io.StringIO(source).readline
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.COMMENT and _MENTIONS_NOQA(token.string):
                yield token, ends_open and token.start[0] == last_row
    except (tokenize.TokenError, SyntaxError):
        return  # the comments before the error still count; PIN001 reports the file


def _directive(token: tokenize.TokenInfo, last_line: bool) -> Directive | None:
    row, col = token.start
    line = token.line.splitlines()[0] if token.line else token.string
    comment_end = col + len(token.string)
    own_line = not line[:col].strip()
    found = _FILE_DIRECTIVE.match(token.string) if own_line else None
    file_level = found is not None
    if not file_level:
        found = _LINE_DIRECTIVE.search(token.string)
        if found is None:
            return None
    codes, end = _codes(token.string, found.end())
    if codes is None:
        return None  # a colon with no code after it: not a directive, so it hides nothing
    refs = tuple(CodeRef(code, col + s, col + e) for code, s, e in codes)
    return Directive(row, col + found.start(), col + end, refs, col, comment_end, line,
                     file_level, last_line)


def _codes(comment: str, pos: int) -> tuple[list[tuple[str, int, int]] | None, int]:
    """The codes after `noqa` at ``pos`` and where the directive ends; None if `:` has none."""
    colon = _CODE_LIST_START.match(comment, pos)
    if colon is None:
        return [], pos
    codes, end = [], colon.end()
    while True:
        found = _CODE.match(comment, end)
        if found is None:
            break
        codes.append((found.group(1), found.start(1), found.end(1)))
        end = found.end()
    return (codes or None), end


# ---------------------------------------------------------------------------------------------
# Applying


def apply(
    findings: Iterable[Finding],
    suppressions: Suppressions,
    path: str,
    known_codes: Iterable[str] | Mapping[str, str],
) -> tuple[list[Finding], list[Finding], int]:
    """Split one file's findings into (kept, PIN002 findings, number suppressed).

    ``known_codes`` are the catalog's codes; a mapping sends a renumbered code to its successor,
    so ``# noqa: OLD`` keeps silencing the rule. A code whose findings were filtered out before
    this call (rule not selected, fine under the targets) silenced nothing and is reported as
    unused, as ruff reports non-enabled codes.
    """
    if not suppressions:
        return list(findings), [], 0
    usage = _Usage(suppressions, known_codes)
    kept = [f for f in findings if not usage.silence(f)]
    # a file directive may silence PIN002 too; a line's own `PIN002` was handled in _line_reports
    unused = [f for f in _line_reports(usage, path) if not usage.silence(f, line_level=False)]
    unused += _file_reports(usage, path)
    return kept, unused, usage.silenced


class _Usage:
    """Which directive codes silenced something."""

    def __init__(self, suppressions: Suppressions, known: Iterable[str] | Mapping[str, str]):
        self.suppressions = suppressions
        self.successor = dict(known) if isinstance(known, Mapping) else {c: c for c in known}
        self.used: set[tuple[int, int]] = set()  # (id of the directive, index of the code)
        self.used_bare: set[int] = set()
        self.silenced = 0

    def silence(self, finding: Finding, line_level: bool = True) -> bool:
        line = self.suppressions.lines.get(finding.suppress_row) if line_level else None
        hit = line is not None and self._mark(line, finding.code)
        for directive in self.suppressions.files:
            hit = self._mark(directive, finding.code) or hit
        self.silenced += hit
        return hit

    def _mark(self, directive: Directive, code: str) -> bool:
        if directive.bare:
            self.used_bare.add(id(directive))
            return True
        hit = False
        for i, ref in enumerate(directive.codes):
            if ref.code == code or self.successor.get(ref.code) == code:
                self.used.add((id(directive), i))
                hit = True
        return hit

    def dead(self, directive: Directive) -> dict[int, str]:
        """Index -> why, for each dead code of a directive (other tools' codes are never dead)."""
        out: dict[int, str] = {}
        seen: set[str] = set()
        for i, ref in enumerate(directive.codes):
            if not ref.code.startswith("PIN"):
                continue
            if ref.code not in self.successor:
                out[i] = "unknown"
            elif ref.code in seen:
                out[i] = "duplicated"
            elif (id(directive), i) not in self.used:
                out[i] = "unused"
            seen.add(ref.code)
        return out


def _line_reports(usage: _Usage, path: str) -> list[Finding]:
    reports = []
    for directive in usage.suppressions.lines.values():
        if directive.bare:
            continue
        dead = usage.dead(directive)
        own = [i for i, ref in enumerate(directive.codes) if ref.code == UNUSED_CODE]
        if own and any(directive.codes[i].code != UNUSED_CODE for i in dead):
            # PIN002 listed in the directive silences the report of its other dead codes
            usage.used.add((id(directive), own[0]))
            usage.silenced += 1
        elif dead:
            reports.append(_report(directive, dead, path))
    return reports


def _file_reports(usage: _Usage, path: str) -> list[Finding]:
    reports = []
    for directive in usage.suppressions.files:
        if directive.bare:
            if id(directive) not in usage.used_bare:
                reports.append(_report(directive, {}, path))
            continue
        dead = usage.dead(directive)
        if dead:
            reports.append(_report(directive, dead, path))
    return reports


def _report(directive: Directive, dead: dict[int, str], path: str) -> Finding:
    kind = "`pinless: noqa`" if directive.file_level else "`noqa`"
    if dead:
        groups = {why: [directive.codes[i].code for i in dead if dead[i] == why] for why in
                  ("unused", "unknown", "duplicated")}
        detail = "; ".join(
            f"{why}: " + ", ".join(f"`{c}`" for c in codes)
            for why, codes in groups.items()
            if codes
        )
    else:
        detail = "no finding in the file"
    fix = _fix(directive, dead)
    return Finding(
        code=UNUSED_CODE,
        message=f"unused {kind} directive ({detail})",
        path=path,
        line=directive.row,
        column=directive.start + 1,
        end_line=directive.row,
        end_column=directive.end + 1,
        help=fix.message,
        fix=fix,
        snippet=directive.text,
        line_text=directive.line,
    )


def _fix(directive: Directive, dead: dict[int, str]) -> Fix:
    live = [ref for i, ref in enumerate(directive.codes) if i not in dead]
    row = directive.row
    if live:
        first, last = directive.codes[0], directive.codes[-1]
        text = ", ".join(ref.code for ref in live)
        edit = Edit(row, first.start + 1, row, last.end + 1, text)
        return Fix("safe", "remove the unused codes", (edit,))
    return Fix("safe", "remove the unused directive", (_removal(directive),))


def _removal(d: Directive) -> Edit:
    """Remove the directive; the whole comment (or line) only when nothing else shares it."""
    before = d.line[d.comment_start : d.start]
    after = d.line[d.end : d.comment_end]
    row = d.row
    if before.strip():  # another tool's pragma first: drop from its end to ours
        start = d.comment_start + len(before.rstrip())
        return Edit(row, start + 1, row, d.end + 1, "")
    if after.strip():  # a reason or other text after us: it stays, still a comment
        rest = d.end + len(after) - len(after.lstrip())
        keep = "" if after.lstrip().startswith("#") else "# "
        return Edit(row, d.start + 1, row, rest + 1, keep)
    code = d.line[: d.comment_start]
    if code.strip():
        return Edit(row, len(code.rstrip()) + 1, row, d.comment_end + 1, "")
    if d.last_line:
        return Edit(row, 1, row, len(d.line) + 1, "")
    return Edit(row, 1, row + 1, 1, "")
