"""Answers kept across runs: a remembered answer is used, a new one is stored once."""

from __future__ import annotations

import hashlib

import pytest

from pinless import memo, runner
from pinless.config import Settings
from pinless.fixes import lifecycle as fixer
from lintutil import write_project


def test_a_remembered_fix_is_not_rebuilt(monkeypatch):
    text = "def handler(event, context):\n    return 1\n"
    plan = fixer.Plan(kind="function", target="handler", finals=("engine.dispose()",))
    key = (hashlib.blake2b(text.encode(), digest_size=16).digest(), plan)
    memo.load({"fixes": {key: "remembered reason"}})
    monkeypatch.setattr(fixer, "rewrite", lambda *a: pytest.fail("rebuilt"))
    with pytest.raises(fixer.CannotFix, match="remembered reason"):
        fixer.edits_for(text, plan)


def test_answers_reach_the_next_process_through_the_cache(tmp_path):
    """What a run learned is in the cache's memo table, and nothing is written again unchanged."""
    text = "import psycopg2\nconn = psycopg2.connect('')\nconn.cursor().execute('SET search_path = memo_probe')\n"
    paths = write_project(tmp_path, {"app.py": text})
    runner.run(paths, tmp_path, Settings(cache=True, jobs=1))
    from pinless.cache import Cache

    cache = Cache(tmp_path / ".pinless_cache")
    stored = cache.get_many("memo", ["sql"])["sql"]
    cache.close()
    assert ("SET search_path = memo_probe", "postgres") in stored  # type: ignore[operator]
    assert memo.learned() == {}  # saved by the run: nothing new since
