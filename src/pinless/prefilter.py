"""The cheap first pass over raw bytes: which files can hold anything a rule reports.

A file is analysed when it imports a database library or a framework the rules know, calls a
method named like an SQL sink, carries a suppression naming a pinless code (a bare ``# noqa``
can only silence findings, which need one of the other reasons to exist), or imports a project module that
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
    "chalice", "mangum", "serverless_wsgi", "apig_wsgi", "aws_lambda_powertools", "flask",
    "fastapi", "aws_cdk",
)
_IMPORTED = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import|import[ \t]+([\w., \t]+))", re.M)


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern[bytes]:
    roots = sorted(set(index().prefilter_imports) | set(_FRAMEWORKS))
    names = b"|".join(re.escape(r.encode()) for r in roots)
    sinks = b"|".join(re.escape(m.encode()) for m in sorted(index().untyped_sinks))
    keywords = b"".join(b"|" + re.escape(k.encode()) for k in sorted(index().keywords))
    return re.compile(
        rb"(?:^|\n)[ \t]*(?:from|import)[ \t]+(?:" + names + rb")\b" + keywords +
        rb"|\.(?:" + sinks + rb")[ \t]*\("
        rb"|noqa[^\n]*PIN\d|pinless:|def[ \t]+\w+[ \t]*\([ \t]*_?e\w*[ \t]*,[ \t]*_?(?:context|ctx|lambda_context)\b"
        # Django settings modules need not import anything Django (checks/django.py)
        rb"|(?:^|\n)DATABASES[ \t]*(?::[^=\n]*)?="
    )


def is_candidate(data: bytes) -> bool:
    return _pattern().search(data) is not None


def imported_modules(data: bytes, package: str) -> set[str]:
    """Dotted names a file imports, members included (``from a import b`` -> a, a.b); relative
    imports resolved against ``package`` (the importer's dotted folder)."""
    out: set[str] = set()
    for m in _IMPORTED.finditer(data):
        if m.group(1) is not None:
            base = m.group(1).decode("ascii", "ignore")
            level = len(base) - len(base.lstrip("."))
            if level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
                base = ".".join(parts + ([base[level:]] if base[level:] else []))
            line_end = data.find(b"\n", m.end())
            names = data[m.end(): line_end if line_end != -1 else len(data)].split(b"#")[0]
            if base:
                out.add(base)
            out.update(f"{base}.{w.decode('ascii', 'ignore')}".lstrip(".")
                       for w in re.findall(rb"\w+", names) if w != b"as")
        else:
            for part in m.group(2).decode("ascii", "ignore").split(","):
                name = part.strip().split(" ")[0]
                if name:
                    out.add(name)
    return out


def _keys(rel: str) -> str:
    key = rel[:-3] if rel.endswith(".py") else rel
    if key.endswith("/__init__"):
        key = key[: -len("/__init__")]
    return key.replace("/", ".")


def _matches(name: str, keys: set[str], suffixes: set[str]) -> bool:
    """An import names a module when its dotted name is the module's, or a tail of it (the
    importer's folder, a Lambda CodeUri, may be a sys.path root)."""
    return name in keys or name in suffixes


def select(files: dict[str, bytes]) -> set[str]:
    """relpath -> bytes for every project file; returns the relpaths to analyse."""
    chosen = {rel for rel, data in files.items() if is_candidate(data)}
    rest = {rel for rel in files if rel not in chosen}
    imports = {
        rel: imported_modules(files[rel], _keys(rel).rpartition(".")[0] if "/" in rel else "")
        for rel in rest
    }
    frontier = set(chosen)
    while frontier:
        keys = {_keys(r) for r in frontier}
        suffixes = {k.split(".", i)[-1] for k in keys for i in range(1, k.count(".") + 1)}
        added = {rel for rel in rest if any(_matches(n, keys, suffixes) for n in imports[rel])}
        rest -= added
        chosen |= added
        frontier = added
    return chosen
