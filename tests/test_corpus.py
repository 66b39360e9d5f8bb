"""The labelled corpus (tests/corpus/): realistic Lambda handlers, checked against their
annotations (conventions section 13).

Layout: ``tests/corpus/<library>/<name>.py`` is a project of one file; a folder
``tests/corpus/<library>/<name>/`` is one project whose files import each other (linted together,
with its ``requirements.txt`` and ``template.yaml``). ``<module>.json`` beside a module is the
sample event file that tests/test_corpus_server.py runs; it is not part of the project.

Annotations are comments on their own line, directly above the line a finding is reported on
(several stacked annotation lines all apply to the next line)::

    # ruleid: PIN101, PIN401     the codes must be reported on the next line
    # ok: PIN101                 a near miss: the code must not be reported there
    # todoruleid: PIN302 -- why  a known miss (false negative), must still be missed
    # todook: PIN404 -- why      a known false alarm (false positive), must still be reported

Any finding without an annotation fails, a ``ruleid`` not found fails, and a ``todo`` that
stopped being true fails (promote it). Each project is copied to a temporary folder and linted
there with the real pipeline, so the project root, its declared versions and its entry points are
its own and not those of this repository.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pinless import catalog, engine
from pinless.config import load_settings
from pinless.finding import Finding

CORPUS = Path(__file__).resolve().parent / "corpus"
REPO = CORPUS.parent.parent
SCRIPT = REPO / "scripts" / "precision_recall.py"

# Every library the corpus must cover (folder names under tests/corpus/).
LIBRARIES = (
    "psycopg2", "psycopg", "psycopg_pool", "asyncpg", "pg8000", "sqlalchemy", "django", "peewee",
    "pymysql", "mysqlclient", "mysql_connector", "aiomysql", "rds_data",
)
MIN_HANDLER_FILES = 40
FAMILIES = ("PIN1", "PIN2", "PIN3", "PIN4")
TARGET_PRECISION = 0.95
TARGET_RECALL = 0.90

_ANNOTATION = re.compile(
    r"^\s*#\s*(?P<kind>todoruleid|todook|ruleid|ok):\s*"
    r"(?P<codes>PIN\d{3}(?:\s*,\s*PIN\d{3})*)\s*(?:--\s*(?P<why>\S.*))?$"
)
# Anything that looks like an annotation but does not parse is a mistake, not a comment.
_ANNOTATION_LIKE = re.compile(r"^\s*#\s*(?:todo)?(?:ruleid|rule-id|ok)\b\s*[:=]?", re.IGNORECASE)
KINDS = ("ruleid", "ok", "todoruleid", "todook")


# ---------------------------------------------------------------------------------------------
# Annotations


@dataclass
class Annotations:
    """Per file: line -> kind -> codes. ``errors`` lists malformed or misplaced annotations."""

    lines: dict[int, dict[str, set[str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def codes(self, kind: str) -> set[tuple[int, str]]:
        return {(line, code) for line, kinds in self.lines.items() for code in kinds.get(kind, ())}


def parse_annotations(text: str, name: str = "<file>") -> Annotations:
    out = Annotations()
    pending: list[tuple[int, str, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ANNOTATION.match(line)
        if match:
            codes = [c.strip() for c in match["codes"].split(",")]
            if match["kind"].startswith("todo") and not match["why"]:
                out.errors.append(f"{name}:{number}: a todo annotation needs a reason after `--`")
            pending.append((number, match["kind"], codes))
            continue
        if _ANNOTATION_LIKE.match(line):
            out.errors.append(f"{name}:{number}: malformed annotation: {line.strip()!r}")
            continue
        if not pending:
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            out.errors.append(
                f"{name}:{pending[0][0]}: annotation not directly above a code line "
                f"(line {number} is {'blank' if not stripped else 'a comment'})"
            )
            pending = []
            continue
        target = out.lines.setdefault(number, {})
        for _, kind, codes in pending:
            target.setdefault(kind, set()).update(codes)
        pending = []
        seen: dict[str, str] = {}
        for kind, codes in target.items():
            for code in codes:
                if code in seen:
                    out.errors.append(f"{name}:{number}: {code} annotated as both {seen[code]} and {kind}")
                seen[code] = kind
    if pending:
        out.errors.append(f"{name}:{pending[0][0]}: annotation at the end of the file")
    return out


# ---------------------------------------------------------------------------------------------
# Projects


@dataclass(frozen=True)
class Project:
    """One unit linted on its own: a single corpus file or a folder of files."""

    path: Path  # the file, or the folder

    @property
    def id(self) -> str:
        return self.path.relative_to(CORPUS).as_posix()

    @property
    def library(self) -> str:
        return self.path.relative_to(CORPUS).parts[0]

    @property
    def root(self) -> Path:
        return self.path if self.path.is_dir() else self.path.parent

    def python_files(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.rglob("*.py") if "__pycache__" not in p.parts)

    def files(self) -> list[Path]:
        """What is deployed: every file of the folder except sample events and caches."""
        if self.path.is_file():
            return [self.path]
        return sorted(
            p for p in self.path.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not is_sample_event(p)
        )

    def rel(self, path: Path) -> str:
        """A file's name as findings and annotations use it: relative to tests/corpus/."""
        return path.relative_to(CORPUS).as_posix()


def is_sample_event(path: Path) -> bool:
    return path.suffix == ".json" and path.with_suffix(".py").exists()


def discover_projects() -> list[Project]:
    projects = []
    for library in sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name != "__pycache__"):
        for entry in sorted(library.iterdir()):
            if entry.name == "__pycache__":
                continue
            if entry.is_dir() or entry.suffix == ".py":
                projects.append(Project(entry))
    return projects


PROJECTS = discover_projects()
by_project = pytest.mark.parametrize("project", PROJECTS, ids=[p.id for p in PROJECTS])


@functools.lru_cache(maxsize=None)
def annotations_of(path: Path) -> Annotations:
    return parse_annotations(path.read_text(encoding="utf-8"), path.relative_to(CORPUS).as_posix())


@functools.lru_cache(maxsize=None)
def lint_project(project: Project) -> tuple[tuple[str, int, str, str], ...]:
    """The project's findings as ``(corpus-relative path, line, code, message)``, sorted.

    The project is copied into a temporary folder (its own project root: no git work tree, no
    configuration file) and linted with the pipeline the CLI uses, cache off, one job.
    """
    with tempfile.TemporaryDirectory(prefix="pinless-corpus-") as tmp:
        dest = Path(tmp) / project.path.name
        copies: dict[Path, Path] = {}
        if project.path.is_file():
            dest.mkdir()
            copies[dest / project.path.name] = project.path
            shutil.copy2(project.path, dest / project.path.name)
        else:
            for src in project.files():
                target = dest / src.relative_to(project.path)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target)
                copies[target] = src
        settings = load_settings(first_path=dest, config_file=None, isolated=True,
                                 overrides={"cache": False, "jobs": 1})
        result = engine.lint([dest], settings)
        resolved = {k.resolve(): v for k, v in copies.items()}
        found = set()
        for finding in sorted(result.findings, key=Finding.sort_key):
            src = resolved.get(Path(finding.path).resolve())
            name = project.rel(src) if src is not None else f"<outside>/{finding.path}"
            found.add((name, finding.line, finding.code, finding.message))
    return tuple(sorted(found))


# ---------------------------------------------------------------------------------------------
# Comparison


@dataclass
class Outcome:
    """One project's findings against its annotations."""

    tp: set[tuple[str, int, str]] = field(default_factory=set)  # positive annotation, found
    fn: set[tuple[str, int, str]] = field(default_factory=set)  # positive annotation, not found
    fp: set[tuple[str, int, str]] = field(default_factory=set)  # found, no positive annotation
    failures: list[str] = field(default_factory=list)


def compare(project: Project) -> Outcome:
    findings = lint_project(project)
    messages = {(p, line, code): msg for p, line, code, msg in findings}
    found = set(messages)
    out = Outcome()
    expected: dict[str, set[tuple[str, int, str]]] = {k: set() for k in KINDS}
    for path in project.python_files():
        notes = annotations_of(path)
        out.failures += notes.errors
        for kind in KINDS:
            expected[kind] |= {(project.rel(path), line, code) for line, code in notes.codes(kind)}
    positive = expected["ruleid"] | expected["todoruleid"]
    out.tp = positive & found
    out.fn = positive - found
    out.fp = found - positive

    def where(key):
        return f"{key[0]}:{key[1]}: {key[2]}"

    for key in sorted(found - positive - expected["todook"]):
        label = "reported where `ok` says it must not be" if key in expected["ok"] else "unannotated finding"
        out.failures.append(f"{where(key)} {label}: {messages[key]}")
    for key in sorted(expected["ruleid"] - found):
        out.failures.append(f"{where(key)} expected (ruleid) but not reported")
    for key in sorted(expected["todoruleid"] & found):
        out.failures.append(f"{where(key)} is reported now: promote `todoruleid` to `ruleid`")
    for key in sorted(expected["todook"] - found):
        out.failures.append(f"{where(key)} is no longer reported: promote `todook` to `ok`")
    return out


def family(code: str) -> str:
    return code[:4]


def score(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """TP/FP/FN per family and ``overall``."""
    table = {name: {"tp": 0, "fp": 0, "fn": 0} for name in FAMILIES}
    table["overall"] = {"tp": 0, "fp": 0, "fn": 0}
    for outcome in outcomes:
        for metric in ("tp", "fp", "fn"):
            for _, _, code in getattr(outcome, metric):
                table.setdefault(family(code), {"tp": 0, "fp": 0, "fn": 0})[metric] += 1
                table["overall"][metric] += 1
    return table


def ratios(row: dict[str, int]) -> tuple[float, float]:
    tp, fp, fn = row["tp"], row["fp"], row["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


# ---------------------------------------------------------------------------------------------
# Tests


def test_corpus_shape():
    """Every library is covered, there are enough handler files, and every file parses."""
    libraries = {p.library for p in PROJECTS}
    assert set(LIBRARIES) <= libraries, f"libraries without corpus files: {set(LIBRARIES) - libraries}"
    assert libraries <= set(LIBRARIES), f"unknown library folders: {libraries - set(LIBRARIES)}"
    files = [f for p in PROJECTS for f in p.python_files()]
    handlers = [f for f in files if re.search(r"^(?:async )?def \w+\((?:event|evt), (?:context|ctx)\)|"
                                             r"^\w+ = (?:Mangum|Chalice)\(|^@app\.route",
                                             f.read_text(encoding="utf-8"), re.M)]
    assert len(handlers) >= MIN_HANDLER_FILES, f"{len(handlers)} handler files, want {MIN_HANDLER_FILES}"
    for path in files:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_annotations_are_well_formed():
    errors = [e for p in PROJECTS for f in p.python_files() for e in annotations_of(f).errors]
    assert not errors, "\n".join(errors)
    known = set(catalog.load().rules)
    unknown = sorted(
        f"{p.rel(f)}:{line}: {code}"
        for p in PROJECTS for f in p.python_files()
        for kind in KINDS for line, code in annotations_of(f).codes(kind) if code not in known
    )
    assert not unknown, "codes that are not in the rule catalog:\n" + "\n".join(unknown)


def test_parse_annotations():
    text = (
        "import x\n"
        "# ruleid: PIN101, PIN401\n"
        "# ok: PIN102\n"
        "x.run()\n"
        "    # todook: PIN404 -- a reason\n"
        "    y = 1\n"
        "# ruleid: PIN101\n"
        "\n"
        "z = 2\n"
        "# ok: this is not an annotation\n"
        "w = 3\n"
    )
    notes = parse_annotations(text)
    assert notes.lines[4] == {"ruleid": {"PIN101", "PIN401"}, "ok": {"PIN102"}}
    assert notes.lines[6] == {"todook": {"PIN404"}}
    assert 9 not in notes.lines
    assert len(notes.errors) == 2  # the blank line after an annotation, the malformed `ok:`


@by_project
def test_corpus_project(project):
    outcome = compare(project)
    assert not outcome.failures, "\n".join(outcome.failures)


def corpus_scores() -> dict[str, dict[str, int]]:
    return score([compare(p) for p in PROJECTS])


def test_precision_recall_script_agrees():
    """The script prints the same figures this module computes, and exits 1 exactly when a
    figure is below target."""
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=300,
                          cwd=REPO)
    printed = parse_markdown_table(proc.stdout)
    expected = corpus_scores()
    assert printed.keys() == expected.keys(), proc.stdout + proc.stderr
    for name, row in expected.items():
        precision, recall = ratios(row)
        want = (str(row["tp"]), str(row["fp"]), str(row["fn"]), f"{precision:.2f}", f"{recall:.2f}")
        assert printed[name] == want, (name, proc.stdout)
    assert proc.returncode == (1 if below_target(expected) else 0), (proc.stdout, proc.stderr)


def below_target(table: dict[str, dict[str, int]]) -> list[str]:
    return [name for name, row in table.items()
            if ratios(row)[0] < TARGET_PRECISION or ratios(row)[1] < TARGET_RECALL]


def test_precision_recall_meet_targets():
    table = corpus_scores()
    assert not below_target(table), {n: ratios(table[n]) for n in below_target(table)}


def parse_markdown_table(text: str) -> dict[str, tuple[str, ...]]:
    """``| PIN1 (session state) | 12 | 0 | 1 | 1.00 | 0.92 |`` rows as cell texts, keyed by family
    (first word of the first cell) or ``overall``."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip().strip("*").strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[1].isdigit():
            continue
        key = "overall" if cells[0].lower().startswith("overall") else cells[0].split()[0]
        rows[key] = tuple(cells[1:])
    return rows
