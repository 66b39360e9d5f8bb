"""Fingerprints that survive unrelated edits, so CI does not reopen known findings (conventions 9).

The key holds what identifies a finding to a reader, never its line number: tool, code,
repository-relative path, the flagged text with whitespace collapsed, the enclosing function
or class, and an occurrence index among findings sharing all of those (two identical calls in
one function stay two findings).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from pinless.finding import Finding
from pinless.report.common import TOOL, ReportContext, machine_path

VERSION_KEY = "pinless/v1"  # bump the version whenever the recipe below changes


def _key(finding: Finding, ctx: ReportContext) -> tuple[str, ...]:
    snippet = " ".join(finding.snippet.split())
    return (TOOL, finding.code, machine_path(finding, ctx), snippet, finding.scope)


def _digest(key: tuple[str, ...], occurrence: int) -> str:
    # NUL cannot occur in a path or a code and separates the parts unambiguously.
    data = "\0".join((*key, str(occurrence))).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


def fingerprints(findings: Sequence[Finding], ctx: ReportContext) -> list[str]:
    """One fingerprint per finding, in the order given.

    Occurrences are numbered in source order, whatever order the findings come in, so the
    same file yields the same fingerprints.
    """
    order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key())
    seen: Counter[tuple[str, ...]] = Counter()
    out = [""] * len(findings)
    for i in order:
        key = _key(findings[i], ctx)
        out[i] = _digest(key, seen[key])
        seen[key] += 1
    return out
