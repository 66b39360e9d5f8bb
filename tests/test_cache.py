"""The content cache is used, safe to share, and never stale across modules."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from pinless import runner
from pinless.config import Settings
from pinless.cache import Cache
from lintutil import write_project

CACHED = Settings(cache=True, jobs=1)
UNCACHED = Settings(cache=False, jobs=1)

DB = '''
import psycopg2

def get_conn():
    return psycopg2.connect("dbname=orders")
'''
HANDLER = '''
from db import get_conn

def lambda_handler(event, context):
    conn = get_conn()
    try:
        cur = conn.cursor()
        cur.execute("SET statement_timeout = 5000")
    finally:
        conn.close()
'''


def _codes(result) -> list[str]:
    return sorted(f"{Path(f.path).name}:{f.code}:{f.line}" for f in result.findings)


def test_second_run_reads_every_analysed_file_from_the_cache(tmp_path):
    paths = write_project(tmp_path, {"db.py": DB, "app.py": HANDLER, "util.py": "x = 1\n"})
    first = runner.run(paths, tmp_path, CACHED)
    second = runner.run(paths, tmp_path, CACHED)
    assert first.cache_hits == 0
    assert second.cache_hits == 3  # analysed files and parse-only files alike
    assert _codes(first) == _codes(second) == _codes(runner.run(paths, tmp_path, UNCACHED))
    assert _codes(first) == ["app.py:PIN101:7"]


def test_cache_folder_ignores_itself(tmp_path):
    paths = write_project(tmp_path, {"app.py": HANDLER})
    runner.run(paths, tmp_path, CACHED)
    folder = tmp_path / ".pinless_cache"
    assert (folder / ".gitignore").read_text() == "*\n"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_change_in_an_imported_module_reaches_the_importer(tmp_path):
    """app.py is unchanged and comes from the cache; what db.get_conn returns changed."""
    paths = write_project(tmp_path, {"db.py": DB, "app.py": HANDLER})
    assert _codes(runner.run(paths, tmp_path, CACHED)) == ["app.py:PIN101:7"]
    (tmp_path / "db.py").write_text("def get_conn():\n    return object()\n")
    again = runner.run(paths, tmp_path, CACHED)
    assert again.cache_hits == 1  # app.py only
    assert _codes(again) == _codes(runner.run(paths, tmp_path, UNCACHED))


def test_two_runs_sharing_the_cache_at_once(tmp_path):
    files = {f"m{i}.py": f"import psycopg2\nX{i} = {i}\n" for i in range(60)}
    paths = write_project(tmp_path, files)
    errors: list[BaseException] = []

    def work():
        try:
            runner.run(paths, tmp_path, CACHED)
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert runner.run(paths, tmp_path, CACHED).cache_hits == 60


def _corrupt(root: Path, tables: tuple[str, ...]) -> None:
    for db in (root / ".pinless_cache").glob("*.sqlite"):
        con = sqlite3.connect(db)
        for table in tables:
            con.execute(f"UPDATE {table} SET blob = x'00ff'")
        con.commit()
        con.close()


def test_a_corrupt_cache_is_ignored(tmp_path):
    paths = write_project(tmp_path, {"app.py": HANDLER, "db.py": DB})
    runner.run(paths, tmp_path, CACHED)
    _corrupt(tmp_path, ("records", "facts", "summaries", "units", "selections", "suppressions", "runs"))
    result = runner.run(paths, tmp_path, CACHED)
    assert result.cache_hits == 0
    assert _codes(result) == ["app.py:PIN101:7"]


def test_corrupt_facts_are_analysed_again(tmp_path):
    """The records are fine, so no file is scanned again; the facts a check needs are not."""
    paths = write_project(tmp_path, {"app.py": HANDLER, "db.py": DB})
    runner.run(paths, tmp_path, CACHED)
    _corrupt(tmp_path, ("facts", "units", "runs"))
    result = runner.run(paths, tmp_path, CACHED)
    assert result.cache_hits == 2 and result.project is not None
    assert _codes(result) == ["app.py:PIN101:7"]


def test_unwritable_cache_folder_runs_without_cache(tmp_path):
    (tmp_path / ".pinless_cache").write_text("not a folder")
    cache = Cache(tmp_path / ".pinless_cache")
    assert cache.db is None
    paths = write_project(tmp_path, {"app.py": HANDLER, "db.py": DB})
    assert _codes(runner.run(paths, tmp_path, CACHED)) == ["app.py:PIN101:7"]


def test_unchanged_project_reuses_the_whole_run(tmp_path):
    paths = write_project(tmp_path, {"db.py": DB, "app.py": HANDLER})
    first = runner.run(paths, tmp_path, CACHED)
    again = runner.run(paths, tmp_path, CACHED)
    assert first.project is not None
    assert again.project is None  # nothing was analysed, linked or checked
    assert _codes(again) == _codes(first)


def test_a_deployment_file_change_invalidates_the_run(tmp_path):
    """template.yaml is no Python file, yet it decides which functions are entry points."""
    paths = write_project(tmp_path, {
        "db.py": "import psycopg2\nconn = psycopg2.connect('')\n",
        "app.py": "from db import conn\n\ndef run(payload, meta):\n    return conn.cursor()\n",
    })
    before = _codes(runner.run(paths, tmp_path, CACHED))
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Handler: app.run\n      CodeUri: .\n"
    )
    after = runner.run(paths, tmp_path, CACHED)
    assert after.project is not None
    assert _codes(after) == _codes(runner.run(paths, tmp_path, UNCACHED)) != before


def test_other_builds_databases_are_swept_after_a_week(tmp_path):
    import os
    import time

    folder = tmp_path / ".pinless_cache"
    folder.mkdir()
    stale = folder / "pinless-0.0.1-0123456789abcdef.sqlite"
    recent = folder / "pinless-0.0.2-0123456789abcdef.sqlite"
    memo = folder / "catalog-0123.pickle"
    for path in (stale, recent, memo):
        path.write_bytes(b"x")
    week_ago = time.time() - 8 * 86400
    os.utime(stale, (week_ago, week_ago))
    os.utime(memo, (week_ago, week_ago))
    cache = Cache(folder)
    assert cache.db is not None
    cache.close()
    assert not stale.exists() and not memo.exists()
    assert recent.exists()  # another build, used lately (pre-commit's own environment)


def test_an_oversized_database_starts_afresh(tmp_path, monkeypatch):
    from pinless import cache as cache_mod

    paths = write_project(tmp_path, {"app.py": HANDLER, "db.py": DB})
    runner.run(paths, tmp_path, CACHED)
    monkeypatch.setattr(cache_mod, "_MAX_BYTES", 1)
    again = runner.run(paths, tmp_path, CACHED)
    assert again.cache_hits == 0
    assert _codes(again) == ["app.py:PIN101:7"]
