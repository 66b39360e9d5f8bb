"""The cheap first pass over raw bytes: which files can hold anything a rule reports.

Two tests on the bytes: *database code* (imports a database library, calls a method named like
an SQL sink, names ``DATABASES``, carries a suppression naming a pinless code) and *entry code*
(a Lambda-shaped ``def f(event, context)`` or a Lambda framework import, or a module that a
deployment file names as handler). A file gets the full analysis when it is database code, or
when it imports database code (it may use the objects that code creates), or when it lies on an
import path from entry code to database code (the handler and the modules between it and
``db.py``). Everything else is only parsed, so that syntax errors are still
reported (PIN001). Library trees with no entry points thus pay for their database modules only.
tests/test_prefilter.py checks that the full analysis finds nothing in files this pass drops.

Each regular expression is gated by plain substring tests, which run at memory speed where a
regex alternation steps through every position of the file.
"""

from __future__ import annotations

import functools
import re
from typing import Mapping, NamedTuple

from pinless.model.library import index

# Framework and entry-point libraries: files using them can hold PIN4xx entry points.
_FRAMEWORKS = (
    "chalice", "mangum", "serverless_wsgi", "apig_wsgi", "aws_lambda_powertools", "flask",
    "fastapi", "aws_cdk",
)
_IMPORTED = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import|import[ \t]+([\w., \t]+))", re.M)


@functools.lru_cache(maxsize=1)
def _database() -> tuple[tuple[bytes, ...], re.Pattern[bytes]]:
    lib = index()
    roots = sorted(set(lib.prefilter_imports))
    sinks = sorted(lib.untyped_sinks)
    keywords = sorted(lib.keywords)
    names = b"|".join(re.escape(r.encode()) for r in roots)
    pattern = re.compile(
        rb"(?:^|\n)[ \t]*(?:from|import)[ \t]+(?:" + names + rb")\b"
        + b"".join(b"|" + re.escape(k.encode()) for k in keywords)
        + rb"|\.(?:" + b"|".join(re.escape(m.encode()) for m in sinks) + rb")[ \t]*\("
        + rb"|noqa[^\n]*PIN\d|pinless:"
        # Django settings modules need not import anything Django (checks/django.py)
        + rb"|(?:^|\n)DATABASES[ \t]*(?::[^=\n]*)?="
    )
    literals = tuple(r.encode() for r in roots) + tuple(
        f".{m}".encode() for m in sinks) + tuple(k.encode() for k in keywords) + (
        b"noqa", b"pinless:", b"DATABASES")
    return tuple(dict.fromkeys(literals)), pattern


@functools.lru_cache(maxsize=1)
def _entry() -> tuple[tuple[bytes, ...], re.Pattern[bytes]]:
    names = b"|".join(re.escape(r.encode()) for r in _FRAMEWORKS)
    pattern = re.compile(
        rb"(?:^|\n)[ \t]*(?:from|import)[ \t]+(?:" + names + rb")\b"
        rb"|def[ \t]+\w+[ \t]*\([ \t]*_?e\w*[ \t]*,[ \t]*_?(?:context|ctx|lambda_context)\b"
    )
    signature = tuple(f"{sep}{name}".encode() for sep in (",", ", ", ",\t")
                      for name in ("context", "ctx", "lambda_context", "_context", "_ctx"))
    return tuple(r.encode() for r in _FRAMEWORKS) + signature, pattern


def _matches(test, data: bytes) -> bool:
    literals, pattern = test()
    return any(lit in data for lit in literals) and pattern.search(data) is not None


def is_database(data: bytes) -> bool:
    return _matches(_database, data)


def is_entry(data: bytes) -> bool:
    return _matches(_entry, data)


def is_candidate(data: bytes) -> bool:
    """Whether the file is analysed whatever the rest of the project holds."""
    return is_database(data) or is_entry(data)


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


def package_of(rel: str) -> str:
    """The dotted folder of a file: what its relative imports are resolved against."""
    return _keys(rel).rpartition(".")[0] if "/" in rel else ""


class Shape(NamedTuple):
    """What selection reads from one file (``scan.Record`` has the same fields)."""

    database: bool
    entry: bool
    imports: tuple[str, ...]


def shape(rel: str, data: bytes) -> Shape:
    imports = tuple(sorted(imported_modules(data, package_of(rel)))) if b"import" in data else ()
    return Shape(is_database(data), is_entry(data), imports)


def select(files: dict[str, bytes], seeds: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """relpath -> bytes for every project file: ``select_shapes`` on the bytes."""
    return select_shapes({rel: shape(rel, data) for rel, data in files.items()}, seeds)


def select_shapes(files: Mapping[str, Shape], seeds: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """relpath -> shape for every project file; ``seeds`` are modules deployment files name as
    handlers. Returns the relpaths to analyse: database code, and entry code with every module
    on an import path from it to database code."""
    database = {rel for rel, s in files.items() if s.database}
    entry = ({rel for rel, s in files.items() if s.entry} | (set(seeds) & set(files))) - database
    graph = _import_graph(files)
    reverse: dict[str, set[str]] = {}
    for rel, targets in graph.items():
        for target in targets:
            reverse.setdefault(target, set()).add(rel)
    reaches = _closure(database, reverse)  # files from which database code is imported
    on_path = _closure({e for e in entry if e in reaches}, {r: graph.get(r, set()) & reaches for r in reaches})
    # a module that imports database code uses its objects (`Order.objects`, `engine`) directly
    users = {rel for db in database for rel in reverse.get(db, ())}
    # entry code is analysed in any case: deployment settings, not imports, may lead from a
    # handler to the database (a Django WSGI app finds its DATABASES through an environment variable)
    return database | on_path | users | entry


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, stack = set(start), list(start)
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _import_graph(files: Mapping[str, Shape]) -> dict[str, set[str]]:
    """relpath -> the project files it imports. An absolute import resolves the way the
    project linker (model/project.py) does: against the importer's folder and each folder above
    it (a Lambda CodeUri is a sys.path root), then the usual source roots."""
    keys = {_keys(rel): rel for rel in files}
    graph: dict[str, set[str]] = {}
    for rel, s in files.items():
        if not s.imports:
            continue
        prefixes = _prefixes(package_of(rel))
        targets: set[str] = set()
        for name in s.imports:
            for prefix in prefixes:
                hit = keys.get(f"{prefix}.{name}" if prefix else name)
                if hit is not None:
                    targets.add(hit)
        targets.discard(rel)
        if targets:
            graph[rel] = targets
    return graph


@functools.lru_cache(maxsize=4096)
def _prefixes(folder: str) -> tuple[str, ...]:
    parts = folder.split(".") if folder else []
    return tuple(".".join(parts[:i]) for i in range(len(parts), -1, -1)) + ("src", "lib", "app")
