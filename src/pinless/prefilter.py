"""The cheap first pass over raw bytes: which files can hold anything a rule reports.

A file is analysed when it imports a database library or a framework the rules know, calls a
method named like an SQL sink, carries a pinless suppression, or imports a project module that
is itself analysed (computed to a fixpoint over the project). Everything else is only parsed,
so that syntax errors are still reported (PIN001). tests/test_prefilter.py checks that the full
analysis finds nothing in files this pass drops.
"""

from __future__ import annotations

import functools
import re

from pinless.model.library import index

# Framework and entry-point libraries: files using them can hold PIN4xx entry points.
_FRAMEWORKS = (
    "django", "peewee", "playhouse", "chalice", "mangum", "serverless_wsgi", "apig_wsgi",
    "aws_lambda_powertools", "flask", "fastapi", "aws_cdk", "boto3",
)
_IMPORTED = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import|import[ \t]+([\w., \t]+))", re.M)


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern[bytes]:
    roots = sorted(set(index().roots) | set(_FRAMEWORKS))
    names = b"|".join(re.escape(r.encode()) for r in roots)
    sinks = b"|".join(re.escape(m.encode()) for m in sorted(index().untyped_sinks))
    keywords = b"".join(b"|" + re.escape(k.encode()) for k in sorted(index().keywords))
    return re.compile(
        rb"(?:^|\n)[ \t]*(?:from|import)[ \t]+(?:" + names + rb")\b" + keywords +
        rb"|\.(?:" + sinks + rb")[ \t]*\("
        rb"|noqa|def[ \t]+\w+[ \t]*\([ \t]*_?e\w*[ \t]*,[ \t]*_?(?:context|ctx|lambda_context)\b"
        # Django settings modules need not import anything Django (checks/django.py)
        rb"|(?:^|\n)DATABASES[ \t]*(?::[^=\n]*)?="
    )


def is_candidate(data: bytes) -> bool:
    return _pattern().search(data) is not None


def imported_names(data: bytes) -> set[str]:
    """The last components of every module a file imports (``from .db import x`` -> db, x)."""
    out: set[str] = set()
    for m in _IMPORTED.finditer(data):
        if m.group(1) is not None:
            out.update(p for p in m.group(1).decode("ascii", "ignore").split(".") if p)
            line_end = data.find(b"\n", m.end())
            names = data[m.end(): line_end if line_end != -1 else len(data)]
            out.update(w.decode("ascii", "ignore") for w in re.findall(rb"\w+", names))
        else:
            for part in m.group(2).decode("ascii", "ignore").split(","):
                out.update(p for p in part.strip().split(" ")[0].split(".") if p)
    return out


def select(files: dict[str, bytes]) -> set[str]:
    """relpath -> bytes for every project file; returns the relpaths to analyse."""
    chosen = {rel for rel, data in files.items() if is_candidate(data)}
    stems = {rel: rel.rsplit("/", 1)[-1].removesuffix(".py") for rel in files}
    pkg = {rel: rel.rsplit("/", 2)[-2] if rel.endswith("/__init__.py") else "" for rel in files}
    imports: dict[str, set[str]] | None = None
    while True:
        names = {stems[r] for r in chosen} | {pkg[r] for r in chosen if pkg[r]}
        if imports is None:
            imports = {rel: imported_names(data) for rel, data in files.items() if rel not in chosen}
        added = {rel for rel, imp in imports.items() if rel not in chosen and imp & names}
        if not added:
            return chosen
        chosen |= added
