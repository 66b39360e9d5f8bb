#!/usr/bin/env python3
"""Precision and recall of pinless on the labelled corpus (tests/corpus/), per rule family.

    python scripts/precision_recall.py [--corpus tests/corpus] [--details]

Ground truth is the annotation comments of conventions section 13, on their own line directly
above the line a finding is reported on: ``# ruleid: CODES`` and ``# todoruleid: CODES`` (a known
miss) mark positives; every other finding is a false positive (``# todook:`` marks the known
ones). Each file directly under ``tests/corpus/<library>/`` is a project of its own, each folder
there is one project; every project is copied to a temporary folder and linted on its own.

    TP  a positive annotation that pinless reports
    FN  a positive annotation that pinless does not report (every todoruleid)
    FP  a finding with no positive annotation (every todook)

Prints a Markdown table (PIN1 ... PIN4 and overall) and exits 1 when precision is below 0.95 or
recall below 0.90 for any row.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
try:
    from pinless import engine
    from pinless.config import load_settings
except ModuleNotFoundError:  # run from a checkout without installing the package
    sys.path.insert(0, str(REPO / "src"))
    from pinless import engine
    from pinless.config import load_settings

PRECISION_TARGET = 0.95
RECALL_TARGET = 0.90
FAMILY_NAMES = {
    "PIN1": "session state",
    "PIN2": "prepared statements",
    "PIN3": "session-scoped objects",
    "PIN4": "lifecycle",
}
ANNOTATION = re.compile(r"^\s*#\s*(todoruleid|todook|ruleid|ok):\s*(PIN\d{3}(?:\s*,\s*PIN\d{3})*)")
POSITIVE = {"ruleid", "todoruleid"}


def positives(path: Path, name: str) -> set[tuple[str, int, str]]:
    """(file, line, code) of every ruleid / todoruleid annotation of one file."""
    out: set[tuple[str, int, str]] = set()
    waiting: list[tuple[str, list[str]]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = ANNOTATION.match(line)
        if match:
            waiting.append((match.group(1), [c.strip() for c in match.group(2).split(",")]))
            continue
        for kind, codes in waiting:
            if kind in POSITIVE:
                out.update((name, number, code) for code in codes)
        waiting = []
    return out


def projects(corpus: Path) -> list[Path]:
    found = []
    for library in sorted(p for p in corpus.iterdir() if p.is_dir() and p.name != "__pycache__"):
        found += [p for p in sorted(library.iterdir())
                  if p.name != "__pycache__" and (p.is_dir() or p.suffix == ".py")]
    return found


def deployed_files(project: Path) -> list[Path]:
    if project.is_file():
        return [project]
    return sorted(
        p for p in project.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
        and not (p.suffix == ".json" and p.with_suffix(".py").exists())  # sample events
    )


def findings(project: Path, corpus: Path) -> set[tuple[str, int, str]]:
    """(file relative to the corpus, line, code) of what pinless reports for one project."""
    base = project if project.is_dir() else project.parent
    with tempfile.TemporaryDirectory(prefix="pinless-pr-") as tmp:
        dest = Path(tmp) / project.name
        origin = {}
        for src in deployed_files(project):
            target = dest / (src.relative_to(base) if project.is_dir() else src.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
            origin[target.resolve()] = src.relative_to(corpus).as_posix()
        settings = load_settings(first_path=dest, config_file=None, isolated=True,
                                 overrides={"cache": False, "jobs": 1})
        result = engine.lint([dest], settings)
        return {(origin.get(Path(f.path).resolve(), f.path), f.line, f.code) for f in result.findings}


def measure(corpus: Path) -> tuple[dict[str, Counter], list[str], int]:
    counts: dict[str, Counter] = {family: Counter() for family in FAMILY_NAMES}
    details: list[str] = []
    files = 0
    for project in projects(corpus):
        truth: set[tuple[str, int, str]] = set()
        for path in (sorted(project.rglob("*.py")) if project.is_dir() else [project]):
            if "__pycache__" in path.parts:
                continue
            files += 1
            truth |= positives(path, path.relative_to(corpus).as_posix())
        reported = findings(project, corpus)
        for label, keys in (("tp", truth & reported), ("fn", truth - reported), ("fp", reported - truth)):
            for key in sorted(keys):
                counts.setdefault(key[2][:4], Counter())[label] += 1
                if label != "tp":
                    details.append(f"{label.upper()} {key[0]}:{key[1]} {key[2]}")
    return counts, details, files


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def table(counts: dict[str, Counter]) -> tuple[str, list[str]]:
    lines = [
        "| Family | TP | FP | FN | Precision | Recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    below = []
    overall = Counter()
    rows = [(f, counts[f]) for f in sorted(counts)]
    for family, c in rows:
        overall.update(c)
    rows.append(("overall", overall))
    for family, c in rows:
        precision = ratio(c["tp"], c["tp"] + c["fp"])
        recall = ratio(c["tp"], c["tp"] + c["fn"])
        label = f"{family} ({FAMILY_NAMES[family]})" if family in FAMILY_NAMES else family
        if family == "overall":
            label = "**Overall**"
        lines.append(f"| {label} | {c['tp']} | {c['fp']} | {c['fn']} | {precision:.2f} | {recall:.2f} |")
        if precision < PRECISION_TARGET or recall < RECALL_TARGET:
            below.append(f"{family}: precision {precision:.2f}, recall {recall:.2f}")
    return "\n".join(lines), below


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "tests" / "corpus")
    parser.add_argument("--details", action="store_true", help="list every false positive and negative")
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    counts, details, files = measure(corpus)
    text, below = table(counts)
    print(f"pinless on the labelled corpus: {files} files in {len(projects(corpus))} projects "
          f"(target: precision >= {PRECISION_TARGET:.2f}, recall >= {RECALL_TARGET:.2f})\n")
    print(text)
    if args.details and details:
        print("\n" + "\n".join(details))
    if below:
        print("\nbelow target: " + "; ".join(below), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
