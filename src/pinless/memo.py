"""Answers of pure, costly functions, kept across runs in the cache's ``memo`` table.

A re-check after one edit should not pay sqlglot's import to classify SQL it classified
yesterday, nor libcst's to rebuild a fix for a file that did not change. Each memo is named;
the runner loads every stored memo before checks run and saves those that learned something.
The cache database is per pinless build, so an answer never outlives the code that computed it.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

_MEMOS: dict[str, "Memo"] = {}


class Memo:
    def __init__(self, name: str):
        self.name = name
        self.known: dict[Hashable, Any] = {}
        self.learned = False

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if key in self.known:
            return self.known[key]
        value = self.known[key] = compute()
        self.learned = True
        return value


def named(name: str) -> Memo:
    """The process's memo of that name (created on first use, by its user or by ``load``)."""
    memo = _MEMOS.get(name)
    if memo is None:
        memo = _MEMOS[name] = Memo(name)
    return memo


def load(stored: dict[str, dict]) -> None:
    """Answers of earlier runs: name -> {key: answer}."""
    for name, known in stored.items():
        if isinstance(known, dict):
            for key, value in known.items():
                named(name).known.setdefault(key, value)


def learned() -> dict[str, dict]:
    """The memos that computed something since the last call, in full (what to store)."""
    out = {memo.name: memo.known for memo in _MEMOS.values() if memo.learned}
    for memo in _MEMOS.values():
        memo.learned = False
    return out
