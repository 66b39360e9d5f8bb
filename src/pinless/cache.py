"""Content cache of per-module facts (the expensive part of a run).

Keyed by the file's project-relative path and a hash of its bytes, in a database named after the
pinless version and a hash of the rule catalog, so an upgrade or a changed library fact starts
afresh. Settings do not enter the key because facts do not depend on them: selection, targets
and suppressions are applied after linking. Linking across modules runs on every run, so a
change in an imported module reaches the modules that import it without any invalidation step.

SQLite makes the cache safe for concurrent runs (two pre-commit hooks, an editor and a CI step
sharing the folder): writers serialise on the database lock, readers never see half a row.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import time
from pathlib import Path

from pinless import __version__, catalog

_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by pinless.\n"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _catalog_hash() -> str:
    """The rule catalog and the model's own code: facts computed by another build (a
    development checkout between releases) are never reused."""
    h = hashlib.blake2b(digest_size=8)
    root = catalog.rules_dir()
    model = Path(__file__).resolve().parent / "model"
    for base, pattern in ((root, "*.toml"), (model, "*.py")):
        for path in sorted(base.rglob(pattern)):
            h.update(path.relative_to(base).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


class Cache:
    def __init__(self, directory: Path):
        self.directory = directory
        self.db: sqlite3.Connection | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n")):
                if not (directory / name).exists():
                    (directory / name).write_text(text)
            path = directory / f"facts-{__version__}-{_catalog_hash()}.sqlite"
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, blob BLOB)")
            self.db.execute("CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, used REAL, blob BLOB)")
        except (OSError, sqlite3.Error):
            self.db = None  # a read-only or broken cache folder: run without a cache

    def get_many(self, keys: list[str]) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.db is None or not keys:
            return out
        try:
            for i in range(0, len(keys), 500):
                chunk = keys[i: i + 500]
                marks = ",".join("?" * len(chunk))
                for key, blob in self.db.execute(f"SELECT key, blob FROM facts WHERE key IN ({marks})", chunk):
                    try:
                        out[key] = pickle.loads(blob)
                    except Exception:  # a row from an incompatible build: recompute it
                        continue
        except sqlite3.Error:
            return {}
        return out

    def put_many(self, items: dict[str, object]) -> None:
        if self.db is None or not items:
            return
        rows = [(k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items.items()]
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?)", rows)
            self.db.execute("COMMIT")
        except sqlite3.Error:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    # A whole run's raw findings, keyed by everything they depend on (runner.run_key): a warm
    # re-run with nothing changed skips unpickling, linking and checking altogether.
    _RUNS_KEPT = 16

    def get_run(self, key: str) -> object | None:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT blob FROM runs WHERE key = ?", (key,)).fetchone()
            return pickle.loads(row[0]) if row else None
        except Exception:  # sqlite errors, or a row from an incompatible build: recompute
            return None

    def put_run(self, key: str, value: object) -> None:
        if self.db is None:
            return
        try:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", (key, time.time(), blob))
            self.db.execute("DELETE FROM runs WHERE key NOT IN "
                            "(SELECT key FROM runs ORDER BY used DESC LIMIT ?)", (self._RUNS_KEPT,))
            self.db.execute("COMMIT")
        except sqlite3.Error:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
