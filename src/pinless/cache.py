"""The content cache: what a run learned, so the next run redoes only what changed.

One SQLite database per pinless version, catalog and source hash, Python version and installed
sqlglot/libcst (an upgrade or a changed library fact starts afresh), in ``.pinless_cache`` under the project root. Tables:

- ``files``: relpath -> stat signature and content hash. A file whose size, mtime, ctime and
  inode are unchanged is not read again (git's index works the same way). A signature is only
  stored for a file last changed more than ``_RACY`` seconds before it was read, so a write in
  the same clock tick as the read cannot go unnoticed; ctime cannot be set back by ``touch``.
- ``records``: ``relpath:hash`` -> the first pass's record of a file (``scan.Record``).
- ``facts``: ``relpath:hash`` -> pickled ``ModuleFacts`` of a fully analysed module, and
  ``summaries`` what the project reads from every module (``scan.Summary``), so that a run
  unpickles the facts of the modules it checks only.
- ``suppressions``: ``relpath:hash`` -> the file's parsed suppression comments.
- ``units``: one module's checked findings with the cross-module lookups they depended on
  (``runner``); a change elsewhere re-checks only the modules whose lookups it changes.
- ``selections``: the prefilter's choice for one shape of the project's imports.
- ``memo``: a memo's name -> its answers (``memo.py``: SQL classified, lifecycle fix edits).
- ``runs``: a whole run's findings keyed by everything they depend on (warm re-runs).

Values are pickled; a row that does not unpickle is ignored and recomputed. SQLite makes the
cache safe for concurrent runs (two pre-commit hooks, an editor and a CI step sharing the
folder): writers serialise on the database lock, readers never see half a row.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import sys
import time
from pathlib import Path
from typing import Iterable

from pinless import __version__, catalog

_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by pinless.\n"
_TABLES = ("records", "facts", "summaries", "units", "selections", "suppressions", "memo")
_RACY = 2.0  # seconds: coarse file-system clocks (FAT: 2 s) and clock skew on network mounts


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stat_signature(st) -> str | None:
    """The stat fields that change whenever the content can have changed, or None when the
    file changed too recently for its signature to be trusted."""
    if max(st.st_mtime, st.st_ctime) > time.time() - _RACY:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"


def _catalog_hash() -> str:
    """The rule catalog and pinless's own code: results computed by another build (a
    development checkout between releases) are never reused."""
    h = hashlib.blake2b(digest_size=8)
    for base, pattern in ((catalog.rules_dir(), "*.toml"), (Path(__file__).resolve().parent, "*.py")):
        for path in sorted(base.rglob(pattern)):
            h.update(path.relative_to(base).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


_UNUSED = 7 * 86400  # seconds: another build's database not used this long is deleted
_MAX_BYTES = 512 * 2**20  # a database past this size starts afresh (old contents pile up)


def _sweep(directory: Path, current: Path) -> None:
    """Bound the folder: databases (and catalog memos) of other pinless builds unused for a
    week, and this build's database once it outgrows ``_MAX_BYTES``. Another build still in
    use (pre-commit's own environment beside the project's) touches its file on every run."""
    now = time.time()
    for old in [*directory.glob("pinless-*.sqlite*"), *directory.glob("catalog-*.pickle")]:
        try:
            if old.name.startswith(current.name):
                continue
            if now - old.stat().st_mtime > _UNUSED:
                old.unlink()
        except OSError:
            continue
    try:
        if current.stat().st_size > _MAX_BYTES:
            for name in (current.name, current.name + "-wal", current.name + "-shm"):
                (directory / name).unlink(missing_ok=True)
    except OSError:
        pass


def _runtime() -> str:
    """What else decides the answers: the Python grammar (PIN001, the analyser's `ast`) and the
    installed sqlglot and libcst (SQL classification, fix edits), without importing them."""
    import importlib.util

    h = hashlib.blake2b(f"{sys.version_info[0]}.{sys.version_info[1]}".encode(), digest_size=4)
    for name in ("sqlglot", "libcst"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin:
            h.update(f"{origin}:{os.stat(origin).st_mtime_ns}".encode())  # a reinstall rewrites it
    return f"py{sys.version_info[0]}{sys.version_info[1]}-{h.hexdigest()}"


class Cache:
    def __init__(self, directory: Path):
        self.directory = directory
        self.db: sqlite3.Connection | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n")):
                if not (directory / name).exists():
                    (directory / name).write_text(text)
            path = directory / f"pinless-{__version__}-{_catalog_hash()}-{_runtime()}.sqlite"
            _sweep(directory, path)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            os.utime(path)  # "last used", for the sweep of other builds' databases
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS files (rel TEXT PRIMARY KEY, sig TEXT, hash TEXT)")
            for table in _TABLES:
                self.db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, blob BLOB)")
            self.db.execute("CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, used REAL, blob BLOB)")
        except (OSError, sqlite3.Error):
            self.db = None  # a read-only or broken cache folder: run without a cache

    # -- files ----------------------------------------------------------------------------------

    def signatures(self) -> dict[str, tuple[str, str]]:
        """relpath -> (stat signature, content hash) of every file a run has read."""
        if self.db is None:
            return {}
        try:
            return {rel: (sig, h) for rel, sig, h in self.db.execute("SELECT rel, sig, hash FROM files")}
        except sqlite3.Error:
            return {}

    def put_signatures(self, rows: Iterable[tuple[str, str, str]]) -> None:
        self._write("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", list(rows))

    # -- keyed blobs ------------------------------------------------------------------------------

    def get_blobs(self, table: str, keys: Iterable[str] | None) -> dict[str, bytes]:
        """key -> pickled value, for the keys present, or every row when ``keys`` is None (not
        unpickled: callers load lazily)."""
        assert table in _TABLES
        out: dict[str, bytes] = {}
        if self.db is None:
            return out
        try:
            if keys is None:
                return dict(self.db.execute(f"SELECT key, blob FROM {table}"))
            keys = list(keys)
            for i in range(0, len(keys), 900):
                chunk = keys[i: i + 900]
                marks = ",".join("?" * len(chunk))
                out.update(self.db.execute(f"SELECT key, blob FROM {table} WHERE key IN ({marks})", chunk))
        except sqlite3.Error:
            return {}
        return out

    def get_many(self, table: str, keys: Iterable[str] | None) -> dict[str, object]:
        out = {}
        for key, blob in self.get_blobs(table, keys).items():
            value = loads(blob)
            if value is not None:
                out[key] = value
        return out

    def put_blobs(self, table: str, items: dict[str, bytes]) -> None:
        assert table in _TABLES
        self._write(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", list(items.items()))

    def put_many(self, table: str, items: dict[str, object]) -> None:
        self.put_blobs(table, {k: dumps(v) for k, v in items.items()})

    # -- whole runs -------------------------------------------------------------------------------

    _RUNS_KEPT = 16

    def get_run(self, key: str) -> object | None:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT blob FROM runs WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return loads(row[0]) if row else None

    def put_run(self, key: str, value: object) -> None:
        self._write("INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", [(key, time.time(), dumps(value))],
                    "DELETE FROM runs WHERE key NOT IN (SELECT key FROM runs ORDER BY used DESC LIMIT ?)",
                    (self._RUNS_KEPT,))

    # -----------------------------------------------------------------------------------------

    def _write(self, sql: str, rows: list[tuple], after: str | None = None, args: tuple = ()) -> None:
        if self.db is None or not rows:
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(sql, rows)
            if after:
                self.db.execute(after, args)
            self.db.execute("COMMIT")
        except sqlite3.Error:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def loads(blob: bytes) -> object | None:
    try:
        return pickle.loads(blob)
    except Exception:  # a row from an incompatible build: recompute it
        return None
