"""files -> findings: read, prefilter, analyse (cached, in parallel), link, check, filter.

Output order is the sorted order of findings (path, line, column, code), whatever ``jobs`` is.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pinless import catalog as catalog_mod
from pinless import prefilter
from pinless.cache import Cache, content_hash
from pinless.checks import run_checks
from pinless.finding import Finding
from pinless.model import entrypoints
from pinless.model.analyze import Analyzer
from pinless.model.facts import ModuleFacts
from pinless.model.project import Project
from pinless.model.versions import declared_versions
from pinless.source import decode

_PARALLEL_MIN = 24  # below this many files to analyse, worker start-up costs more than it saves


@dataclass
class Source:
    path: Path  # absolute
    relpath: str  # relative to the project root, forward slashes
    data: bytes | None
    error: str | None = None  # could not read


@dataclass
class RunResult:
    findings: list[Finding]
    files_checked: int
    suppressed: int = 0
    notes: list[str] = field(default_factory=list)
    project: Project | None = None
    texts: dict[Path, str] = field(default_factory=dict)  # decoded text of each target file
    analysed: int = 0  # files that got the full analysis (prefilter kept them)
    cache_hits: int = 0
    entry_points: list = field(default_factory=list)  # every Lambda entry point of the project
    entry_notes: list[str] = field(default_factory=list)  # configured entries that could not be read or found


@functools.lru_cache(maxsize=None)
def _real(path: Path) -> Path:
    """Path.resolve() once per path and run: a run asks about every file several times."""
    return Path(os.path.realpath(path))


def relpath_of(path: Path, root: Path) -> str:
    try:
        return _real(path).relative_to(_real(root)).as_posix()
    except ValueError:
        return path.name


def read_sources(paths: Iterable[Path], root: Path, replaced: dict[Path, bytes]) -> list[Source]:
    out = []
    for path in paths:
        rel = relpath_of(path, root)
        data = replaced.get(_real(path)) if replaced else None
        if data is not None:
            out.append(Source(path, rel, data))
            continue
        try:
            out.append(Source(path, rel, path.read_bytes()))
        except OSError as exc:
            out.append(Source(path, rel, None, f"cannot read: {exc.strerror or exc}"))
    return out


def _analyse(job: tuple[str, str, bytes, bool]) -> ModuleFacts:
    path, rel, data, full = job
    decoded = decode(data)
    if decoded.text is None:
        facts = ModuleFacts(path=path, relpath=rel, module="", base_dir="")
        facts.error = (*decoded.position, decoded.error or "cannot decode")
        return facts
    analyzer = Analyzer(decoded.text, path, rel)
    if full:
        return analyzer.run()
    return analyzer.parse_only()


def analyse_all(jobs: list[tuple[str, str, bytes, bool]], workers: int) -> list[ModuleFacts]:
    if workers <= 1 or len(jobs) < _PARALLEL_MIN:
        return [_analyse(j) for j in jobs]
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    # big files first, so one slow file does not finish last on a single worker
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][2]))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        results = list(pool.map(_analyse, [jobs[i] for i in order], chunksize=max(1, len(jobs) // (workers * 8))))
    out: list[ModuleFacts | None] = [None] * len(jobs)
    for i, facts in zip(order, results):
        out[i] = facts
    return out  # type: ignore[return-value]


def run(
    targets: list[Path],
    root: Path,
    settings: Any,
    context: list[Path] | None = None,
    stdin: tuple[Path, bytes] | None = None,
    overrides: dict[Path, bytes] | None = None,
    prefilter_on: bool = True,
) -> RunResult:
    """Check ``targets``; ``context`` are other project files read for cross-module facts.

    ``stdin`` is a target whose bytes come from standard input; ``overrides`` replace the
    bytes of files on disk (the fix loop re-checks its results before writing them).
    """
    _real.cache_clear()  # symlinks may have changed since the last run in this process
    cat = catalog_mod.load()
    target_set = {_real(p) for p in targets}
    extra = [p for p in (context or []) if _real(p) not in target_set]
    replaced = {_real(p): data for p, data in (overrides or {}).items()}
    if stdin is not None:
        replaced[_real(stdin[0])] = stdin[1]
        target_set.add(_real(stdin[0]))
        if _real(stdin[0]) not in {_real(p) for p in targets}:
            targets = [stdin[0]] + list(targets)
    sources = read_sources(targets, root, replaced) + read_sources(extra, root, replaced)
    is_target = {s.relpath: _real(s.path) in target_set for s in sources}
    cache = Cache(root / ".pinless_cache") if getattr(settings, "cache", True) else None
    configured = config_entries(root, settings)
    versions = declared_versions(root)
    key = run_key(sources, is_target, root, settings, configured, versions) \
        if cache is not None and not overrides and prefilter_on else None
    hit = cache.get_run(key) if key else None
    if hit is not None:
        cache.close()
        findings, entry_points, entry_notes = hit
        return RunResult(
            findings=list(findings),
            files_checked=sum(1 for s in sources if is_target[s.relpath]),
            texts=_texts(sources, is_target),
            cache_hits=sum(1 for s in sources if s.data is not None),
            entry_points=list(entry_points),
            entry_notes=list(entry_notes),
        )
    # the prefilter's patterns anchor at line starts: a UTF-8 BOM must not hide line 1 from them
    readable = {s.relpath: s.data.removeprefix(b"\xef\xbb\xbf") for s in sources if s.data is not None}
    # without the prefilter every file gets the full analysis (tests/test_prefilter.py compares)
    seeds = {e.module_path for e in entrypoints.match(configured, list(readable)) if e.module_path}
    chosen = prefilter.select(readable, seeds) if prefilter_on else set(readable)
    keys = {}
    for s in sources:
        if s.data is not None and (s.relpath in chosen or is_target[s.relpath]):
            full = s.relpath in chosen
            keys[s.relpath] = f"{'F' if full else 'P'}:{s.relpath}:{content_hash(s.data)}"
    cached = cache.get_many(list(keys.values())) if cache else {}
    jobs = [
        (str(s.path), s.relpath, s.data, s.relpath in chosen)
        for s in sources
        if s.relpath in keys and keys[s.relpath] not in cached
    ]
    fresh = analyse_all(jobs, getattr(settings, "jobs", None) or os.cpu_count() or 1)
    if cache:
        cache.put_many({keys[f.relpath]: f for f in fresh})
    by_rel: dict[str, ModuleFacts] = {f.relpath: f for f in fresh}
    for s in sources:
        if s.relpath in keys and keys[s.relpath] in cached:
            facts = cached[keys[s.relpath]]
            facts.path = str(s.path)  # the cached facts may come from a checkout elsewhere
            by_rel[s.relpath] = facts

    findings: list[Finding] = []
    texts = _texts(sources, is_target)
    project = Project(
        [f for rel, f in by_rel.items() if rel in chosen and f.error is None],
        versions=versions,
        texts={str(p): t for p, t in texts.items()},
        root=root,
        settings=settings,
    )
    project.entry_points, project.entry_notes = find_entry_points(
        configured, [s.relpath for s in sources], project.modules)
    for s in sources:
        if not is_target[s.relpath]:
            continue
        if s.data is None:
            findings.append(_parse_error(cat, str(s.path), (1, 1, s.error or "cannot read")))
            continue
        facts = by_rel.get(s.relpath)
        if facts is None:
            continue
        if facts.error is not None:
            findings.append(_parse_error(cat, str(s.path), facts.error))
            continue
        if s.relpath in chosen:
            findings.extend(run_checks(project, facts, cat, settings))
    result = RunResult(
        findings=findings,
        files_checked=sum(1 for s in sources if is_target[s.relpath]),
        project=project,
        texts=texts,
        analysed=sum(1 for rel in chosen if rel in keys),
        cache_hits=len(cached),
        entry_points=project.entry_points,
        entry_notes=project.entry_notes,
    )
    if cache:
        if key:
            cache.put_run(key, (findings, project.entry_points, project.entry_notes))
        cache.close()
    return result


def _texts(sources: list[Source], is_target: dict[str, bool]) -> dict[Path, str]:
    texts: dict[Path, str] = {}
    for s in sources:
        if is_target[s.relpath] and s.data is not None:
            text = decode(s.data).text
            if text is not None:
                texts[s.path] = text
    return texts


def run_key(sources: list[Source], is_target: dict[str, bool], root: Path, settings: Any,
            configured, versions: dict[str, str]) -> str:
    """Everything a run's raw findings depend on: every file's content, which files are asked
    about, the settings that reach the checks, the deployment files' entry points and the
    declared library versions (the cache database itself is per pinless build and catalog)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(str(_real(root)).encode())
    for s in sorted(sources, key=lambda s: s.relpath):
        h.update(f"\0{s.relpath}\0{is_target[s.relpath]}\0{s.error or ''}\0".encode())
        if s.data is not None:
            h.update(content_hash(s.data).encode())
    fields = vars(settings) if not hasattr(settings, "__dataclass_fields__") else {
        name: getattr(settings, name) for name in settings.__dataclass_fields__}
    ignored = {"jobs", "cache", "output_format", "unsafe_fixes"}
    h.update(repr(sorted((k, repr(v)) for k, v in fields.items() if k not in ignored)).encode())
    h.update(repr((list(configured), list(configured.notes), sorted(versions.items()))).encode())
    return h.hexdigest()


def config_entries(root: Path, settings: Any):
    """The handlers named by deployment files and the ``handlers`` setting (once per run)."""
    try:
        from pinless import discover

        excluded = discover.excluder(settings)

        def skip(rel: str) -> bool:
            return excluded(root / rel)
    except ImportError:  # pragma: no cover - discovery not available
        skip = None
    handlers = tuple(getattr(settings, "handlers", ()) or ())
    return entrypoints.config_entry_points(root, handlers, skip=skip)


def find_entry_points(configured, relpaths: list[str], modules: list[ModuleFacts]) -> tuple[list, list[str]]:
    """Entry points found in code (per module, in the analysis) joined with the configured ones."""
    by_path = {m.relpath: m for m in modules}
    matched = []
    for entry in entrypoints.match(configured, relpaths):
        module = by_path.get(entry.module_path)
        matched.append(_locate(entry, module) if module is not None and not entry.note else entry)
    code = [e for m in modules for e in m.entry_points]
    merged = entrypoints.merge(code, matched)
    return merged, list(configured.notes)  # unresolved entries carry their own `note`


def _locate(entry, module: ModuleFacts):
    """Line, kind and async-ness of a configured entry from its module's facts."""
    from dataclasses import replace

    fn = module.functions.get(entry.function)
    if fn is not None:
        return replace(entry, kind="function", line=fn.span.line, is_async=fn.is_async)
    if entry.function in module.exports:
        line = next((c.span.line for c in module.calls if c.scope == ""
                     and c.line_text.lstrip().startswith((f"{entry.function} =", f"{entry.function}:"))), 0)
        return replace(entry, kind="object", line=line, is_async=False)
    return replace(entry, note=f"no `{entry.function}` defined in {entry.module_path}")


def _parse_error(cat: catalog_mod.Catalog, path: str, error: tuple[int, int, str]) -> Finding:
    line, col, message = error
    rule = cat.rules.get("PIN001")
    template = rule.message if rule else "{construct}"
    return Finding(
        code="PIN001",
        message=template.format(construct=message) if "{construct}" in template else f"{template}: {message}",
        path=path,
        line=max(line, 1),
        column=max(col, 1),
        end_line=max(line, 1),
        end_column=max(col, 1) + 1,
    )
