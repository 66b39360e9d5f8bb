"""files -> findings: scan, select, analyse, check, suppress; each step cached by what it reads.

1. Every file is *scanned* once per content (``scan.py``, in worker processes): hashed, tested by
   the prefilter, parsed (PIN001), and analysed in full when it is database or entry code. A file
   whose stat signature is unchanged is not even read (``cache.py``).
2. The prefilter *selects* the modules to analyse from the scan records (cached per shape of
   the project's imports); selected modules the scan did not analyse are analysed in a second
   batch.
3. Each target module is *checked* against the ``Project`` (facts loaded on first use). Its
   findings are cached with the cross-module lookups the check made; a later run re-checks a
   module only when one of those lookups would find another module or content.
   The lifecycle rules read the whole project and run once per run when it has entry points.
4. Suppression comments are applied per file (their parse is cached per content).

A whole run's result is also cached under a key of everything it read, so a warm re-run with
nothing changed is a stat of every file and one lookup. Output order is the sorted order of
findings, whatever ``jobs`` is.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from pinless import catalog as catalog_mod
from pinless.cache import Cache, content_hash, dumps, loads, stat_signature
from pinless.finding import Finding
from pinless.model import entrypoints
from pinless.model.versions import declared_versions

if TYPE_CHECKING:
    from pinless.scan import Job, Record, Scanned, Summary
from pinless.source import decode

_PARALLEL_MIN = 24  # below this many files to scan, worker start-up costs more than it saves
_SETTINGS_IGNORED = frozenset({"jobs", "cache", "output_format", "unsafe_fixes"})  # no effect on findings


@dataclass
class RunResult:
    findings: list[Finding]  # suppressions applied (PIN002 included)
    files_checked: int
    suppressed: int = 0
    notes: list[str] = field(default_factory=list)
    project: Any = None  # the Project, when anything was checked
    texts: Mapping[Path, str] = field(default_factory=dict)  # decoded text of each target file, on demand
    analysed: int = 0  # files that got the full analysis (prefilter kept them)
    cache_hits: int = 0  # files not scanned again
    entry_points: list = field(default_factory=list)  # every Lambda entry point of the project
    entry_notes: list[str] = field(default_factory=list)  # configured entries that could not be read or found


@dataclass
class File:
    path: Path  # absolute, as discovery reached it
    target: bool
    data: bytes | None = None  # given bytes (stdin, a fix being checked) instead of the file's


class Texts(Mapping):
    """path -> decoded text of the target files, read and decoded when first asked for (a run
    over 10k files needs the text of the few that have findings)."""

    def __init__(self, files: dict[str, File]):
        self._files = {str(f.path): f for f in files.values() if f.target}
        self._memo: dict[str, str | None] = {}

    def __getitem__(self, key) -> str:
        key = str(key)
        if key not in self._memo:
            f = self._files[key]  # KeyError: not a target
            data = f.data
            if data is None:
                try:
                    data = f.path.read_bytes()
                except OSError:
                    data = None
            self._memo[key] = decode(data).text if data is not None else None
        text = self._memo[key]
        if text is None:
            raise KeyError(key)
        return text

    def __iter__(self) -> Iterator[Path]:
        return (Path(k) for k in self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, key) -> bool:
        return str(key) in self._files


def relpath_of(path: Path, root: Path) -> str:
    """Project-relative, forward slashes; through symlinks only when the path is not under the
    root as written (a resolve per file costs more than the rest of a warm run)."""
    return _Relative(root)(path)


class _Relative:
    def __init__(self, root: Path):
        self.root = os.path.abspath(root)
        self.prefix = self.root.rstrip(os.sep) + os.sep

    def __call__(self, path: Path) -> str:
        text = str(path)
        if not os.path.isabs(text) or f"{os.sep}." in text:  # relative, or may hold `..`
            text = os.path.abspath(text)
        if text.startswith(self.prefix):
            return text[len(self.prefix):].replace(os.sep, "/")
        try:
            return Path(os.path.realpath(text)).relative_to(os.path.realpath(self.root)).as_posix()
        except ValueError:
            return Path(text).name


def _files(targets: list[Path], context: list[Path], root: Path, stdin, overrides) -> dict[str, File]:
    relative = _Relative(root)
    given = {relative(p): data for p, data in (overrides or {}).items()}
    if stdin is not None:
        given[relative(stdin[0])] = stdin[1]
        targets = [stdin[0]] + [t for t in targets if relative(t) != relative(stdin[0])]
    files: dict[str, File] = {}
    for paths, target in ((targets, True), (context or [], False)):
        for p in paths:
            rel = relative(p)
            if rel not in files:
                files[rel] = File(p if isinstance(p, Path) else Path(p), target, given.get(rel))
    return files


# -- the worker pool ------------------------------------------------------------------------------

def analyse_all(jobs: list[Job], workers: int) -> list[Scanned]:
    """``scan`` over jobs, in ``workers`` processes when there are enough of them."""
    from pinless.scan import scan  # the analyser's imports: not needed by a warm run

    if workers <= 1 or len(jobs) < _PARALLEL_MIN:
        return [scan(j, pickled=False) for j in jobs]
    import multiprocessing  # with concurrent.futures, 10 ms to import: a warm run starts no worker
    from concurrent import futures

    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(pool.map(scan, jobs, chunksize=max(1, min(64, len(jobs) // (workers * 8)))))


# -- the run -------------------------------------------------------------------------------------------

def run(
    targets: list[Path],
    root: Path,
    settings: Any,
    context: list[Path] | None = None,
    stdin: tuple[Path, bytes] | None = None,
    overrides: dict[Path, bytes] | None = None,
    prefilter_on: bool = True,
    listing=None,
) -> RunResult:
    """Check ``targets``; ``context`` are other project files read for cross-module facts;
    ``listing`` is the walk that found them (``discover.Listing``: the deployment files).

    ``stdin`` is a target whose bytes come from standard input; ``overrides`` replace the
    bytes of files on disk (the fix loop re-checks its results before writing them).
    """
    cache = Cache(root / ".pinless_cache") if getattr(settings, "cache", True) else None
    try:
        with _fewer_collections():
            return _Run(targets, root, settings, context, stdin, overrides, prefilter_on, cache,
                        listing).result()
    finally:
        if cache is not None:
            cache.close()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Parsing allocates millions of short-lived, acyclic `ast` nodes, and each default gen-0
    collection (every 700 allocations) also walks the facts already kept: a cold run of 1,001
    files spent a fifth of its time in the collector. Collect less often (forked workers inherit
    it); reference counting still frees the trees, and cycles are still collected."""
    import gc

    before = gc.get_threshold()
    gc.freeze()  # what start-up allocated (modules, the catalog) is never garbage
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


class _Run:
    def __init__(self, targets, root, settings, context, stdin, overrides, prefilter_on, cache, listing):
        self.root = Path(root)
        self.settings = settings
        self.cache = cache
        self.prefilter_on = prefilter_on
        self.overrides = bool(overrides)
        self.cat = catalog_mod.load()
        self.files = _files(targets, context or [], self.root, stdin, overrides)
        self.hashes: dict[str, str] = {}
        self.records: dict[str, Record] = {}
        self.unreadable: dict[str, str] = {}
        self.facts: dict[str, Any] = {}  # relpath -> facts scanned in this run (pickled by a worker)
        self.summaries: dict[str, Summary] = {}  # relpath -> what the project reads of every module
        self.workers = getattr(settings, "jobs", None) or os.cpu_count() or 1
        self.listing = listing
        self.configured: Any = None  # after the cache is read: CDK apps are found from the records
        self.versions = declared_versions(self.root)
        self.texts = Texts(self.files)

    # -- 1. scan ------------------------------------------------------------------------------

    def known(self) -> list[str]:
        """Fill hashes and records from the cache; the relpaths that must be scanned. A file seen
        before whose stat changed (or was too recent to trust) is hashed here: when only its
        stat changed (a checkout, a touch), nothing is analysed again."""
        signatures = self.cache.signatures() if self.cache else {}
        todo, rehashed = [], []
        for rel, f in self.files.items():
            if f.data is not None:
                self.hashes[rel] = content_hash(f.data)
                continue
            seen = signatures.get(rel)
            if seen is None:
                todo.append(rel)
                continue
            try:
                st = os.stat(f.path)
            except OSError:
                todo.append(rel)
                continue
            sig = stat_signature(st)
            if sig is not None and sig == seen[0]:
                self.hashes[rel] = seen[1]
                continue
            try:
                digest = content_hash(f.path.read_bytes())
            except OSError:
                todo.append(rel)
                continue
            self.hashes[rel] = digest
            rehashed.append((rel, sig or "", digest))
        if self.cache:
            self.cache.put_signatures(rehashed)
        return todo

    def load_records(self, rels: Iterable[str]) -> list[str]:
        """Records of files with a known hash from the cache; the relpaths that have none."""
        keys = {f"{rel}:{self.hashes[rel]}": rel for rel in rels if rel in self.hashes and rel not in self.records}
        if self.cache:
            for key, record in self.cache.get_many("records", keys).items():
                self.records[keys[key]] = record  # type: ignore[assignment]
        return [rel for rel in keys.values() if rel not in self.records]

    def scan(self, rels: Iterable[str], full: bool = False) -> None:
        from pinless.scan import Job

        jobs = [Job(str(self.files[rel].path), rel, self.files[rel].data, full) for rel in rels]
        if not jobs:
            return
        if len(jobs) >= _PARALLEL_MIN and self.workers > 1:
            jobs.sort(key=lambda j: -self._size(j))  # big files first: none finishes alone at the end
        signatures, records, facts, summaries = [], {}, {}, {}
        for s in analyse_all(jobs, self.workers):
            if s.hash is None:
                self.unreadable[s.rel] = s.error or "cannot read"
                continue
            self.hashes[s.rel] = s.hash
            key = f"{s.rel}:{s.hash}"
            if s.record is not None:
                self.records[s.rel] = records[key] = s.record
            if self.files[s.rel].data is None:  # no signature yet ("") when the file is too recent
                signatures.append((s.rel, s.sig or "", s.hash))
            if s.facts is not None:
                self.facts[s.rel] = s.facts
                if self.cache:
                    facts[key] = s.facts if isinstance(s.facts, bytes) else dumps(s.facts)
                self.summaries[s.rel] = summaries[key] = s.summary
        if self.cache:
            self.cache.put_signatures(signatures)
            self.cache.put_many("records", records)
            self.cache.put_blobs("facts", facts)
            self.cache.put_many("summaries", summaries)

    def _size(self, job: Job) -> int:
        if job.data is not None:
            return len(job.data)
        try:
            return os.stat(job.path).st_size
        except OSError:
            return 0

    def deploy_files(self) -> list[str] | None:
        """The listing's deployment files; a Python file counts when it mentions aws_cdk (the
        scan record says so, without reading the file again)."""
        if self.listing is None or Path(self.listing.root) != Path(os.path.abspath(self.root)):
            return None
        from pinless.model.entrypoints import mentions_cdk

        self.load_records(self.listing.cdk_candidates)
        cdk = [rel for rel in self.listing.cdk_candidates
               if (self.records[rel].cdk if rel in self.records and self.files[rel].data is None
                   else mentions_cdk(os.path.join(self.listing.root, rel)))]
        return self.listing.deploy_by_name + cdk

    # -- keys -----------------------------------------------------------------------------------

    def base_key(self) -> str:
        """Everything besides the files' contents that checks read: root, settings, deployment
        files, declared versions (the database itself is per pinless build and catalog)."""
        h = hashlib.blake2b(digest_size=16)
        h.update(str(self.root.resolve()).encode())
        fields = vars(self.settings) if not hasattr(self.settings, "__dataclass_fields__") else {
            name: getattr(self.settings, name) for name in self.settings.__dataclass_fields__}
        h.update(repr(sorted((k, repr(v)) for k, v in fields.items() if k not in _SETTINGS_IGNORED)).encode())
        h.update(repr((list(self.configured), list(self.configured.notes), sorted(self.versions.items()))).encode())
        for name in ("zappa_settings.json", "zappa_settings.yml", "zappa_settings.yaml", "zappa_settings.toml"):
            try:  # checks/django.py reads `django_settings` there
                h.update(name.encode() + content_hash((self.root / name).read_bytes()).encode())
            except OSError:
                pass
        return h.hexdigest()

    def run_key(self, base: str) -> str:
        h = hashlib.blake2b(base.encode(), digest_size=20)
        for rel in sorted(self.files):
            h.update(f"\0{rel}\0{self.files[rel].target}\0{self.hashes.get(rel, '')}".encode())
        return h.hexdigest()

    # -- the run ----------------------------------------------------------------------------------

    def result(self) -> RunResult:
        todo = self.known()
        cacheable = self.cache is not None and not self.overrides and self.prefilter_on
        if cacheable and not todo:
            self.configured = config_entries(self.root, self.settings, self.deploy_files())
            hit = self.cache.get_run(self.run_key(self.base_key()))
            if hit is not None:
                return self.from_run_cache(hit)
        todo += self.load_records(self.files)
        hits = len(self.files) - len(todo)
        self.scan(todo)
        if self.configured is None:  # after the scan: CDK apps are found from its records
            self.configured = config_entries(self.root, self.settings, self.deploy_files())
        base = self.base_key()
        if cacheable and todo and not self.unreadable:
            hit = self.cache.get_run(self.run_key(base))  # touched, not changed
            if hit is not None:
                return self.from_run_cache(hit, hits)
        result = self.check(base)
        result.cache_hits = hits
        if cacheable:
            self.cache.put_run(self.run_key(base), (self.portable(result.findings), result.suppressed,
                                                    result.entry_points, result.entry_notes, result.analysed))
        return result

    def portable(self, findings: list[Finding]) -> list[tuple[str, Finding]]:
        """Findings with the relpath of their file, for the cache: the root may be reached by
        another path next time (a symlink, /tmp and /private/tmp)."""
        rels = {str(f.path): rel for rel, f in self.files.items()}
        return [(rels.get(f.path, ""), f) for f in findings]

    def local(self, stored: list[tuple[str, Finding]]) -> list[Finding]:
        """Cached findings with the paths of this run's files."""
        return [replace(f, path=str(self.files[rel].path)) if rel in self.files else f for rel, f in stored]

    def from_run_cache(self, hit, hits: int | None = None) -> RunResult:
        stored, suppressed, entry_points, entry_notes, analysed = hit
        findings = self.local(stored)
        self.read_texts(findings)
        return RunResult(
            findings=list(findings),
            files_checked=sum(f.target for f in self.files.values()),
            suppressed=suppressed,
            texts=self.texts,
            analysed=analysed,
            cache_hits=len(self.files) if hits is None else hits,
            entry_points=list(entry_points),
            entry_notes=list(entry_notes),
        )

    def read_texts(self, findings: list[Finding]) -> None:
        """Read the text of every file with a finding now: a fix applies to what was checked."""
        for path in {f.path for f in findings}:
            self.texts.get(path)

    def select(self) -> set[str]:
        seeds = {e.module_path for e in entrypoints.match(self.configured, list(self.records)) if e.module_path}
        if not self.prefilter_on:
            return set(self.records)
        from pinless import prefilter

        h = hashlib.blake2b(repr(sorted(seeds)).encode(), digest_size=20)
        for rel in sorted(self.records):
            h.update(rel.encode() + b"\0" + self.records[rel].digest())
        key = h.hexdigest()
        hit = self.cache.get_many("selections", [key]).get(key) if self.cache else None
        if hit is None:
            hit = prefilter.select_shapes(self.records, seeds)
            if self.cache:
                self.cache.put_many("selections", {key: hit})
        return set(hit)  # type: ignore[arg-type]

    def check(self, base: str) -> RunResult:
        from pinless import memo
        from pinless.checks import project_checks
        from pinless.checks.lifecycle import lambda_entries

        index = self.analysed(self.select())
        project = self.project(index)
        base = hashlib.blake2b(f"{base}:{bool(lambda_entries(project))}".encode(), digest_size=16).hexdigest()
        # what a check reading the whole project reads: every analysed module, the entry points
        # (matched against every file's path), and which files are targets (fixes need their text)
        every = hashlib.blake2b(repr((
            base, sorted(index.items()), sorted(rel for rel in index if self.files[rel].target),
            [(e.module_path, e.function, e.kind, e.line, e.is_async, e.framework, e.app, e.source, e.note)
             for e in project.entry_points],
        )).encode(), digest_size=16).hexdigest()
        if self.cache:
            memo.load(self.cache.get_many("memo", None))  # type: ignore[arg-type]
        targets = [rel for rel, f in self.files.items() if f.target]
        findings = self.check_modules(project, [rel for rel in targets if rel in index], base, every)
        by_path = {str(self.files[rel].path): rel for rel in targets}
        for f in self._project_findings(project, project_checks, every):
            rel = by_path.get(f.path)
            if rel is not None:
                findings.setdefault(rel, []).append(f)
        for rel in targets:
            error = self.unreadable.get(rel) and (1, 1, self.unreadable[rel])
            error = error or (self.records[rel].error if rel in self.records else None)
            if error:
                findings.setdefault(rel, []).append(_parse_error(self.cat, str(self.files[rel].path), error))
        if self.cache:
            self.cache.put_many("memo", memo.learned())
        kept, suppressed = self.suppress(targets, findings)
        self.read_texts(kept)
        return RunResult(
            findings=kept,
            files_checked=len(targets),
            suppressed=suppressed,
            project=project,
            texts=self.texts,
            analysed=len(index),
            entry_points=project.entry_points,
            entry_notes=project.entry_notes,
        )

    def analysed(self, chosen: set[str]) -> dict[str, str]:
        """relpath -> hash of every selected module that parses, each with facts and a summary:
        the ones the scan only parsed (they import database code), or whose facts the cache
        lost, are analysed now."""
        index = {rel: self.hashes[rel] for rel in sorted(chosen)
                 if rel in self.records and self.records[rel].error is None}
        missing = [rel for rel in index if rel not in self.facts]
        if self.cache and missing:
            stored = self.cache.get_many("summaries", [f"{rel}:{index[rel]}" for rel in missing])
            for rel in missing:
                if f"{rel}:{index[rel]}" in stored:
                    self.summaries[rel] = stored[f"{rel}:{index[rel]}"]  # type: ignore[assignment]
            missing = [rel for rel in missing if rel not in self.summaries]
        self.scan(missing, full=True)
        return {rel: h for rel, h in index.items() if rel in self.summaries}

    def project(self, index: dict[str, str]):
        from pinless.model.project import Project

        project = Project(index, self.load, versions=self.versions, texts=self.texts, root=self.root,
                          settings=self.settings,
                          databases=[rel for rel in index if self.summaries[rel].databases])
        project.entry_points, project.entry_notes = find_entry_points(
            self.configured, list(self.records), {rel: list(self.summaries[rel].entries) for rel in index},
            project.module, {rel: self.summaries[rel].latent for rel in index if self.summaries[rel].latent})
        return project

    def check_modules(self, project, checked: list[str], base: str, every: str) -> dict[str, list[Finding]]:
        """Each module's checks, or their cached result when every lookup it made still finds
        the same module and content (``_valid``)."""
        from pinless.checks import run_checks
        from pinless.model.project import Project

        findings: dict[str, list[Finding]] = {}
        keys = {rel: f"{base}:{rel}:{project.index[rel]}" for rel in checked}
        units = self.cache.get_many("units", keys.values()) if self.cache else {}
        fresh = {}
        for rel in checked:
            unit = units.get(keys[rel])
            if unit is not None and _valid(unit, project, every):  # type: ignore[arg-type]
                findings[rel] = self.local([(rel, f) for f in unit[2]])  # type: ignore[index]
                continue
            module = project.module(rel)
            if module is None:  # unreadable since it was scanned
                continue
            with project.track() as deps:
                found = list(run_checks(project, module, self.cat, self.settings))
            findings[rel] = found
            fresh[keys[rel]] = ({d: project.found(d) for d in deps if d != Project.ALL},
                                every if Project.ALL in deps else None, found)
        if self.cache:
            self.cache.put_many("units", fresh)
        return findings

    def _project_findings(self, project, project_checks, every: str) -> list[Finding]:
        key = f"lifecycle:{every}"
        hit = self.cache.get_many("units", [key]).get(key) if self.cache else None
        if hit is not None:
            return self.local(hit)  # type: ignore[arg-type]
        found = list(project_checks(project, self.cat))
        if self.cache:
            self.cache.put_many("units", {key: self.portable(found)})
        return found

    def load(self, rel: str):
        key = f"{rel}:{self.hashes[rel]}"
        blob = self.facts.pop(rel, None)
        if blob is None and self.cache:
            blob = self.cache.get_blobs("facts", [key]).get(key)
        facts = loads(blob) if isinstance(blob, bytes) else blob
        if facts is None:  # lost or unreadable in the cache: analyse the file again
            from pinless.scan import Job, scan

            facts = scan(Job(str(self.files[rel].path), rel, self.files[rel].data, full=True), pickled=False).facts
        if facts is not None:
            facts.path = str(self.files[rel].path)  # the cached facts may come from a checkout elsewhere
        return facts

    def suppress(self, targets: list[str], findings: dict[str, list[Finding]]) -> tuple[list[Finding], int]:
        from pinless import suppress

        known = {code: rule.redirect or code for code, rule in self.cat.rules.items()}
        # a file's comments are parsed when they may silence one of its findings, or be unused
        wanted = [rel for rel in targets if rel in self.records and self.records[rel].directives
                  and (findings.get(rel) or self.records[rel].names_pinless)]
        keys = {rel: f"{rel}:{self.hashes[rel]}" for rel in wanted}
        parsed = self.cache.get_many("suppressions", keys.values()) if self.cache else {}
        fresh = {}
        out: list[Finding] = []
        count = 0
        for rel in targets:
            own = findings.get(rel, [])
            if rel not in keys:
                out.extend(own)
                continue
            sup = parsed.get(keys[rel])
            if sup is None:
                text = self.texts.get(self.files[rel].path)
                sup = fresh[keys[rel]] = suppress.parse(text) if text is not None else suppress.NO_SUPPRESSIONS
            kept, unused, silenced = suppress.apply(own, sup, str(self.files[rel].path), known)  # type: ignore[arg-type]
            count += silenced
            out.extend(kept + unused)
        if self.cache:
            self.cache.put_many("suppressions", fresh)
        return out, count


def _valid(unit: tuple, project, every: str) -> bool:
    deps, needs_all, _ = unit
    if needs_all is not None and needs_all != every:
        return False
    return all(project.found(dep) == found for dep, found in deps.items())


def config_entries(root: Path, settings: Any, files: list[str] | None = None):
    """The handlers named by deployment files (``files``, else a walk of ``root`` with the
    discovery's excludes) and the ``handlers`` setting (once per run)."""
    handlers = tuple(getattr(settings, "handlers", ()) or ())
    if files is not None:
        return entrypoints.config_entry_points(root, handlers, files=files)
    from pinless import discover

    excluded = discover.excluder(settings)
    return entrypoints.config_entry_points(root, handlers, skip=lambda rel: excluded(root / rel))


def find_entry_points(configured, relpaths: list[str], code: dict[str, list], module,
                      latent: dict | None = None) -> tuple[list, list[str]]:
    """Entry points found in code (``code``: relpath -> the module's) joined with the configured
    ones; ``module(relpath)`` gives the facts that place a configured entry. ``latent`` (relpath
    -> the module's ``entrypoints.Latent``) adds what only the linked project shows: routes of an
    app that configuration names, apps of framework subclasses and resources defined in other
    modules (computed here, after linking: the per-module scan sees one module only)."""
    matched = []
    for entry in entrypoints.match(configured, relpaths):
        facts = module(entry.module_path) if entry.module_path in code and not entry.note else None
        matched.append(_locate(entry, facts) if facts is not None else entry)
    found = [e for rel in sorted(code) for e in code[rel]]
    if latent:
        found += entrypoints.promote(latent, found, matched)
    merged = entrypoints.merge(found, matched)
    return merged, list(configured.notes)  # unresolved entries carry their own `note`


def _locate(entry, module):
    """Line, kind and async-ness of a configured entry from its module's facts."""
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


__all__ = ["RunResult", "Texts", "analyse_all", "run", "relpath_of"]
