"""A cached run after any edit reports exactly what a run without the cache reports.

The runner keeps each module's findings with the cross-module lookups the check made and
re-checks a module only when one of those lookups would now find another module or content
(runner.py). These tests edit real projects (the labelled corpus and the lifecycle projects)
in ways that change what other modules resolve: a module's content replaced by another's,
emptied, deleted, or a new module shadowing an import; after each edit the cached run must
equal an uncached one.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from pinless import runner
from pinless.config import Settings

HERE = Path(__file__).parent
CACHED = Settings(cache=True, jobs=1)
UNCACHED = Settings(cache=False, jobs=1)


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(HERE / "corpus", root / "corpus", ignore=shutil.ignore_patterns("*.expected*", "*.json"))
    for app in sorted((HERE / "lifecycle").glob("*/app.py"))[:6]:
        shutil.copytree(app.parent, root / "lifecycle" / app.parent.name,
                        ignore=shutil.ignore_patterns("app.fixed.py", "*.toml"))
    return root


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".pinless_cache" not in p.parts)


def _view(result, root: Path) -> list[tuple]:
    return sorted(
        (Path(f.path).relative_to(root).as_posix(), f.code, f.line, f.column, f.end_line, f.end_column,
         f.message, repr(f.fix))
        for f in result.findings
    )


def _both(root: Path) -> tuple[list, list]:
    files = _files(root)
    cached = runner.run(files, root, CACHED)
    return _view(cached, root), _view(runner.run(files, root, UNCACHED), root)


def _edit(rng: random.Random, root: Path) -> str:
    files = _files(root)
    victim = rng.choice(files)
    # a module of the same project folder most of the time: that is where lookups cross
    siblings = [p for p in files if p.parent == victim.parent and p != victim] or files
    donor = rng.choice(siblings)
    kind = rng.choice(["replace", "replace", "empty", "delete", "shadow"])
    if kind == "replace":
        victim.write_bytes(donor.read_bytes())
    elif kind == "empty":
        victim.write_text("")
    elif kind == "delete":
        victim.unlink()
    else:  # a new module where an absolute import of the victim's folder looks first
        (victim.parent / f"{rng.choice(['db', 'database', 'models', 'settings', 'config'])}.py").write_bytes(
            donor.read_bytes())
    return f"{kind} {victim.relative_to(root)} <- {donor.relative_to(root)}"


@pytest.mark.parametrize("seed", range(4))
def test_cached_runs_equal_uncached_runs_after_edits(tmp_path, seed):
    root = _copy(tmp_path)
    cached, uncached = _both(root)
    assert cached == uncached and cached
    rng = random.Random(seed)
    for _ in range(6):
        what = _edit(rng, root)
        cached, uncached = _both(root)
        assert cached == uncached, what


def test_an_edit_rechecks_only_the_modules_that_depend_on_it(tmp_path, monkeypatch):
    """The unit cache is really used: after editing one module, the others come from it."""
    root = _copy(tmp_path)
    files = _files(root)
    runner.run(files, root, CACHED)
    target = root / "corpus" / "psycopg2" / "billing_service" / "billing" / "db.py"
    target.write_text(target.read_text() + "\n\ndef unused_helper():\n    return 1\n")
    checked: list[str] = []
    from pinless import checks

    original = checks.run_checks

    def counting(project, module, cat, settings):
        checked.append(module.relpath)
        return original(project, module, cat, settings)

    monkeypatch.setattr(checks, "run_checks", counting)
    again = runner.run(files, root, CACHED)
    assert again.project is not None
    assert "corpus/psycopg2/billing_service/billing/db.py" in checked
    assert len(checked) < len(files) / 4, checked
    assert _view(again, root) == _view(runner.run(files, root, UNCACHED), root)


DB_PSYCOPG2 = "import psycopg2\n\ndef get_conn():\n    return psycopg2.connect('dbname=orders')\n"
DB_SQLITE = "import sqlite3\n\ndef get_conn():\n    return sqlite3.connect('orders.db')\n"
EXPORT = """
from db import get_conn

def export(rows):
    conn = get_conn()
    cur = conn.cursor(name="export")
    cur.execute("SELECT * FROM orders")
    return cur.fetchall()
"""
SETTINGS = """
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "orders",
        "DISABLE_SERVER_SIDE_CURSORS": {off},
    }}
}}
"""
REPORT = """
from shop.models import Order

def report():
    return [o.id for o in Order.objects.all().iterator()]
"""
MODELS = "from django.db import models\n\nclass Order(models.Model):\n    total = models.IntegerField()\n"


@pytest.mark.parametrize("files, changed, before, after", [
    # what a function of another module returns: a psycopg2 connection's named cursor is
    # server-side (PIN302), a sqlite3 one is not
    ({"db.py": DB_PSYCOPG2, "export.py": EXPORT}, {"db.py": DB_SQLITE}, ["export.py:PIN302"], []),
    ({"db.py": DB_SQLITE, "export.py": EXPORT}, {"db.py": DB_PSYCOPG2}, [], ["export.py:PIN302"]),
    # a module appears where an import looked and found nothing
    ({"export.py": EXPORT, "lib/db.py": DB_SQLITE}, {"db.py": DB_PSYCOPG2}, [], ["export.py:PIN302"]),
    # a project-wide fact: Django's DATABASES settings decide whether iterator() pins
    ({"settings.py": SETTINGS.format(off="False"), "shop/models.py": MODELS, "report.py": REPORT},
     {"settings.py": SETTINGS.format(off="True")}, ["report.py:PIN302"], []),
])
def test_a_change_elsewhere_reaches_a_cached_module(tmp_path, files, changed, before, after):
    from lintutil import write_project

    write_project(tmp_path, files)

    def codes(result) -> list[str]:
        return sorted(f"{Path(f.path).relative_to(tmp_path).as_posix()}:{f.code}" for f in result.findings)

    first = runner.run(_files(tmp_path), tmp_path, CACHED)
    assert codes(first) == before
    write_project(tmp_path, changed)
    again = runner.run(_files(tmp_path), tmp_path, CACHED)
    assert again.project is not None
    assert codes(again) == after == codes(runner.run(_files(tmp_path), tmp_path, UNCACHED))


# --- regressions: what a cached value must not carry over ---------------------------------------

LEAKY = (HERE / "lifecycle" / "psycopg2_raw" / "app.py").read_text()


def _rel_view(result, root: Path) -> list[tuple]:
    return sorted((Path(f.path).relative_to(root).as_posix(), f.code, f.line, f.message, f.fix is not None)
                  for f in result.findings)


def test_cached_findings_take_the_paths_of_the_run_that_reads_them(tmp_path):
    """The same project reached through a symlink: the whole-run and lifecycle entries were
    stored with the other spelling of the root."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "app.py").write_text(LEAKY)
    (real / "other.py").write_text("x = 1\n")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    runner.run(_files(real), real, CACHED)
    for change in ("", "x = 4\n"):  # a run-cache hit, then lifecycle from its own entry
        if change:
            (real / "other.py").write_text(change)
        files = [link / p.relative_to(real) for p in _files(real)]
        cached = runner.run(files, link, CACHED)
        assert _rel_view(cached, link) == _rel_view(runner.run(files, link, UNCACHED), link)
        assert {f.code for f in cached.findings} >= {"PIN401", "PIN403"}
        assert all(cached.texts.get(f.path) is not None for f in cached.findings)


def test_lifecycle_fixes_after_a_run_that_checked_fewer_targets(tmp_path):
    """pre-commit checked one file, then `pinless fix .`: fixes need the text of every target."""
    (tmp_path / "app.py").write_text(LEAKY)
    (tmp_path / "other.py").write_text("import psycopg2\n")
    files = _files(tmp_path)
    runner.run([tmp_path / "other.py"], tmp_path, CACHED, context=files)
    cached = runner.run(files, tmp_path, CACHED, context=files)
    assert _rel_view(cached, tmp_path) == _rel_view(runner.run(files, tmp_path, UNCACHED, context=files), tmp_path)
    assert any(f.code == "PIN401" and f.fix is not None for f in cached.findings)


def test_a_new_file_that_makes_a_configured_handler_ambiguous(tmp_path):
    """A handler named by a template whose code is elsewhere is matched by file name, over every
    file of the project, analysed or not."""
    from lintutil import write_project

    write_project(tmp_path, {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Handler: app.main\n      CodeUri: s3://bucket/code.zip\n",
        "svc/app.py": "import psycopg2\nconn = psycopg2.connect('')\n\ndef main(*args):\n"
                      "    with conn.cursor() as cur:\n        cur.execute('SELECT 1')\n",
        "h2.py": "def handler(event, context):\n    return 1\n",
    })
    views = []
    for step in ("before", "added", "removed"):
        if step == "added":
            (tmp_path / "other").mkdir()
            (tmp_path / "other" / "app.py").write_text("x = 1\n")
        if step == "removed":
            (tmp_path / "other" / "app.py").unlink()
        cached = _rel_view(runner.run(_files(tmp_path), tmp_path, CACHED), tmp_path)
        assert cached == _rel_view(runner.run(_files(tmp_path), tmp_path, UNCACHED), tmp_path), step
        views.append(cached)
    assert views[0] == views[2] != views[1]


def test_a_resolution_cut_by_the_depth_limit_is_not_reused_from_elsewhere(tmp_path):
    """A chain of re-exports longer than the resolver follows: its answer depends on where the
    resolution started, so it must not be memoised for another module's check."""
    from lintutil import write_project

    files = {f"m{i:02d}.py": f"import psycopg2\nfrom m{i + 1:02d} import conn\n" for i in range(14)}
    files["m14.py"] = "import psycopg2\nconn = psycopg2.connect('')\n"
    files["a_t0.py"] = "import psycopg2\nfrom m00 import conn\nconn.set_client_encoding('LATIN1')\n"
    files["b_t1.py"] = "import psycopg2\nfrom m06 import conn\nconn.set_client_encoding('LATIN1')\n"
    write_project(tmp_path, files)
    first = _rel_view(runner.run(_files(tmp_path), tmp_path, CACHED), tmp_path)
    assert first == _rel_view(runner.run(_files(tmp_path), tmp_path, UNCACHED), tmp_path)
    assert [v[:2] for v in first] == [("b_t1.py", "PIN104")]  # 8 hops resolve, 14 do not
    (tmp_path / "b_t1.py").write_text(files["b_t1.py"].replace("\nconn.", "\n\nconn."))
    again = _rel_view(runner.run(_files(tmp_path), tmp_path, CACHED), tmp_path)
    assert again == _rel_view(runner.run(_files(tmp_path), tmp_path, UNCACHED), tmp_path)


def test_the_database_is_per_python_version(tmp_path):
    """PIN001 and the analysis follow the running Python's grammar."""
    import sys

    from pinless.cache import Cache

    cache = Cache(tmp_path / ".pinless_cache")
    cache.close()
    names = [p.name for p in (tmp_path / ".pinless_cache").glob("pinless-*.sqlite")]
    assert len(names) == 1 and f"-py{sys.version_info[0]}{sys.version_info[1]}-" in names[0]
