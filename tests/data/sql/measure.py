"""Measure sqlglot parse failures on the corpus, with and without placeholder normalization.

    python tests/data/sql/measure.py

Prints the rates quoted at the top of src/pinless/model/sql.py, the failing statements
after normalization, and the classifier's throughput.
"""

from __future__ import annotations

import collections
import logging
import sys
import time
from pathlib import Path

import sqlglot

sys.path.insert(0, str(Path(__file__).parent))
from corpus import statements  # noqa: E402

from pinless.model import sql  # noqa: E402

logging.getLogger("sqlglot").setLevel(logging.CRITICAL)


def fails(text: str, dialect: str) -> bool:
    try:
        sqlglot.parse_one(text, read=dialect)
    except Exception:
        return True
    return False


def main() -> None:
    corpus = statements()
    raw = [s for d, s in corpus if fails(s, d)]
    normalized = [(d, s) for d, s in corpus if fails(sql.normalize_placeholders(s), d)]
    n = len(corpus)
    print(f"{n} statements ({sum(d == 'postgres' for d, _ in corpus)} postgres)")
    print(f"parse failures as written:        {len(raw)} ({100 * len(raw) / n:.1f}%)")
    print(f"parse failures after normalizing: {len(normalized)} ({100 * len(normalized) / n:.1f}%)")
    for (d, s), count in collections.Counter(normalized).most_common(15):
        print(f"  {count:4d}  {d:8s} {s[:90]}")
    start = time.perf_counter()
    flagged = sum(bool(sql.classify.__wrapped__(s, d)) for d, s in corpus)
    took = time.perf_counter() - start
    print(f"classify (uncached): {n / took:,.0f} statements/s, {flagged} flagged")
    start = time.perf_counter()
    kept = sum(sql.might_pin(s) for _, s in corpus)
    print(f"might_pin: {n / (time.perf_counter() - start):,.0f} statements/s, {kept} kept")


if __name__ == "__main__":
    main()
