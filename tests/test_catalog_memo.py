"""catalog.load(memo_dir): the parsed catalog is pickled in the cache folder and reused."""

from __future__ import annotations

import shutil

import pytest

from pinless import catalog


@pytest.fixture
def rules(tmp_path, monkeypatch):
    """A private copy of the rules folder, and a process cache that has not loaded it."""
    copy = tmp_path / "rules"
    shutil.copytree(catalog.rules_dir(), copy)
    monkeypatch.setattr(catalog, "_LOADED", {})
    return copy


def _fresh_load(memo, rules, monkeypatch):
    monkeypatch.setattr(catalog, "_LOADED", {})  # a new process
    return catalog.load(memo, directory=rules)


def test_memo_round_trips_and_is_read_instead_of_parsing(rules, tmp_path, monkeypatch):
    memo = tmp_path / "cache"
    memo.mkdir()
    parsed = catalog.load(memo, directory=rules)
    assert catalog.load(directory=rules) is parsed  # later calls: the same object
    assert catalog.load(memo, directory=rules) is parsed
    [pickled] = memo.glob("catalog-*.pickle")
    assert not [p for p in memo.iterdir() if p.name.endswith(".tmp")]

    def no_parsing(root):
        raise AssertionError("parsed although the memo is valid")

    monkeypatch.setattr(catalog, "_parse", no_parsing)
    again = _fresh_load(memo, rules, monkeypatch)
    assert again is not parsed and again == parsed
    assert again.sql_kinds() == parsed.sql_kinds()
    assert [p.name for p in memo.glob("catalog-*.pickle")] == [pickled.name]


def test_a_changed_rules_file_invalidates_the_memo(rules, tmp_path, monkeypatch):
    memo = tmp_path / "cache"
    memo.mkdir()
    before = catalog.load(memo, directory=rules)
    page = rules / "PIN101.toml"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(f'summary = "{before.rules["PIN101"].summary}"',
                                 'summary = "Changed summary."', 1), encoding="utf-8")
    after = _fresh_load(memo, rules, monkeypatch)
    assert after.rules["PIN101"].summary == "Changed summary."
    assert len(list(memo.glob("catalog-*.pickle"))) == 2  # one per version of the rules

    (rules / "libraries" / "psycopg2.toml").write_text(
        (rules / "libraries" / "psycopg2.toml").read_text(encoding="utf-8") + "\n# a comment\n",
        encoding="utf-8")
    _fresh_load(memo, rules, monkeypatch)
    assert len(list(memo.glob("catalog-*.pickle"))) == 3


def test_missing_or_broken_memo_falls_back_to_parsing(rules, tmp_path, monkeypatch):
    expected = catalog.load(directory=rules)
    assert _fresh_load(tmp_path / "absent", rules, monkeypatch) == expected
    assert not (tmp_path / "absent").exists()  # the folder is not created

    memo = tmp_path / "cache"
    memo.mkdir()
    _fresh_load(memo, rules, monkeypatch)
    [pickled] = memo.glob("catalog-*.pickle")
    pickled.write_bytes(b"not a pickle")
    assert _fresh_load(memo, rules, monkeypatch) == expected
    assert pickled.read_bytes() != b"not a pickle"  # rewritten


def test_codes_without_loading(rules, monkeypatch):
    assert catalog.codes() == frozenset(catalog.load().rules)
