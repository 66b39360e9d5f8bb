"""The per-file pass, run in worker processes: read, hash, prefilter, then parse or analyse.

Workers read the files themselves, so the main process never holds the bytes of the project
(a 10k-file tree is 120 MB of source) and nothing large crosses the process pipes: a job is a
path, a result is a small ``Record`` plus, for database code, the pickled facts.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from typing import Any

from pinless.cache import content_hash, dumps, stat_signature


_DIRECTIVE = re.compile(rb"noqa", re.IGNORECASE)  # what suppress.parse looks for


@dataclass(frozen=True, slots=True)
class Record:
    """What the first pass learns about one file's content (cached by relpath and hash)."""

    database: bool  # prefilter.is_database
    entry: bool  # prefilter.is_entry
    imports: tuple[str, ...]  # dotted names it imports (prefilter.imported_modules)
    directives: bool  # may hold a suppression comment ("noqa" in any case)
    names_pinless: bool  # says "PIN" or "pinless": a directive may be unused (PIN002) without findings
    error: tuple[int, int, str] | None  # PIN001: (line, column, message)
    cdk: bool = False  # says aws_cdk: may be a CDK app that names handlers (entrypoints)

    @property
    def candidate(self) -> bool:
        return self.database or self.entry

    def digest(self) -> bytes:
        """What the prefilter's selection reads from this record."""
        return hashlib.blake2b(repr((self.database, self.entry, self.imports)).encode(), digest_size=8).digest()


def _by_constructor(self):
    # the cache unpickles a record per file on a run that re-checks anything: the default
    # for a frozen slotted dataclass goes through dataclasses' __setstate__, 3x slower
    return (type(self), tuple(getattr(self, name) for name in self.__slots__))


Record.__reduce__ = _by_constructor  # type: ignore[method-assign]


@dataclass(frozen=True, slots=True)
class Job:
    path: str  # absolute
    rel: str
    data: bytes | None = None  # given bytes (stdin, a fix being checked); None: read the file
    full: bool = False  # analyse in full whatever the prefilter says


@dataclass(frozen=True, slots=True)
class Scanned:
    rel: str
    hash: str | None  # None: unreadable (``error`` says why)
    sig: str | None  # stat signature, when the bytes came from the file and it is not racy
    record: Record | None
    facts: Any  # ModuleFacts (pickled when it crossed a process pipe), for database code and ``full`` jobs
    error: str | None = None
    summary: "Summary | None" = None  # with ``facts``


@dataclass(frozen=True, slots=True)
class Summary:
    """What the project reads from every analysed module, kept apart from the facts so that a
    run loads the facts of the modules it checks only."""

    entries: tuple  # the entry points found in the module's code
    databases: bool  # a module-level literal Django ``DATABASES``
    latent: Any = None  # entrypoints.Latent: what other modules and configuration may make entries


Summary.__reduce__ = _by_constructor  # type: ignore[method-assign]


def scan(job: Job, pickled: bool = True) -> Scanned:
    """``pickled=False`` (in-process): the facts object itself, not its pickle."""
    # imported here: a warm run unpickles records without needing the analyser
    from pinless import prefilter
    from pinless.model.values import DictV
    from pinless.source import decode

    sig = None
    data = job.data
    if data is None:
        try:
            with open(job.path, "rb") as fh:
                sig = stat_signature(os.fstat(fh.fileno()))
                data = fh.read()
        except OSError as exc:
            return Scanned(job.rel, None, None, None, None, f"cannot read: {exc.strerror or exc}")
    digest = content_hash(data)
    # the prefilter's patterns anchor at line starts: a UTF-8 BOM must not hide line 1 from them
    body = data.removeprefix(b"\xef\xbb\xbf")
    database, entry = prefilter.is_database(body), prefilter.is_entry(body)
    folder = prefilter.package_of(job.rel)
    imports = tuple(sorted(prefilter.imported_modules(body, folder))) if b"import" in body else ()
    directives = _DIRECTIVE.search(body) is not None
    decoded = decode(data)
    facts = summary = None
    if decoded.text is None:
        error = (*decoded.position, decoded.error or "cannot decode")
    else:
        from pinless.model.analyze import Analyzer, syntax_error

        if job.full or database or entry:
            module = Analyzer(decoded.text, job.path, job.rel).run()
            facts = dumps(module) if pickled else module
            summary = Summary(tuple(module.entry_points), isinstance(module.exports.get("DATABASES"), DictV),
                              getattr(module.entry_points, "latent", None) or None)
            error = module.error
        else:
            error = syntax_error(decoded.text, job.path)
    record = Record(database, entry, imports, directives, b"PIN" in body or b"pinless" in body, error,
                    b"aws_cdk" in body)
    return Scanned(job.rel, digest, sig, record, facts, None, summary)
