"""The byte-level prefilter must never drop a file the full analysis would report on."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinless import catalog, prefilter, runner
from pinless.config import Settings
from pinless.finding import Finding
from lintutil import write_project

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(cache=False, jobs=1)


def _projects() -> list[Path]:
    """Every realistic project in the repository: the example, the lifecycle projects, the corpus."""
    out = [ROOT / "examples" / "orders"]
    out += sorted(p for p in (ROOT / "tests" / "lifecycle").iterdir() if p.is_dir() and any(p.glob("*.py")))
    corpus = ROOT / "tests" / "corpus"
    if corpus.is_dir():
        out.append(corpus)
    return out


def _findings(files: list[Path], root: Path, on: bool) -> list[tuple]:
    result = runner.run(files, root, SETTINGS, prefilter_on=on)
    return sorted((f.path, f.line, f.column, f.code, f.message) for f in result.findings)


@pytest.mark.parametrize("project", _projects(), ids=lambda p: p.name)
def test_prefilter_keeps_every_reported_file(project):
    files = sorted(p for p in project.rglob("*.py") if "fixed" not in p.name)
    with_filter = _findings(files, project, True)
    assert with_filter == _findings(files, project, False)


def _catalog_examples():
    for rule in catalog.load().active_rules():
        for kind in ("flagged", "clean"):
            for i, ex in enumerate(getattr(rule, kind)):
                yield pytest.param(ex, id=f"{rule.code}-{kind}-{i}")


@pytest.mark.parametrize("ex", list(_catalog_examples()))
def test_prefilter_on_rule_examples(tmp_path, ex):
    paths = [p for p in write_project(tmp_path, {ex.filename: ex.code, **ex.files}) if p.suffix == ".py"]
    assert _findings(paths, tmp_path, True) == _findings(paths, tmp_path, False)


def test_prefilter_drops_unrelated_code_and_keeps_database_code():
    assert not prefilter.is_candidate(b"import json\n\ndef f(x):\n    return json.dumps(x)\n")
    assert prefilter.is_candidate(b"import psycopg2\n")
    assert prefilter.is_candidate(b"from sqlalchemy.ext.asyncio import create_async_engine\n")
    assert prefilter.is_candidate(b"def handler(event, context):\n    return 1\n")
    assert prefilter.is_candidate(b"def f(cur):\n    cur.execute('SET x = 1')\n")


def test_import_paths_from_entry_code_to_database_code():
    files = {
        "db.py": b"import psycopg2\nconn = psycopg2.connect('')\n",
        "repo.py": b"from db import conn\n\ndef load():\n    return conn\n",
        "service.py": b"import repo\n\ndef run():\n    return repo.load()\n",
        "util.py": b"import json\n",
    }
    # no entry point: database code and the modules that use it directly
    assert prefilter.select(files) == {"db.py", "repo.py"}
    # a handler reaching the database through service.py and repo.py puts them all on the path
    files["handler.py"] = b"import service\n\ndef handler(event, context):\n    return service.run()\n"
    assert prefilter.select(files) == {"db.py", "repo.py", "service.py", "handler.py"}
    # a module a deployment file names as handler counts as entry code whatever its shape
    files["job.py"] = b"import service\n\ndef main(payload, meta):\n    return service.run()\n"
    assert "job.py" in prefilter.select(files, seeds={"job.py"})
    assert "job.py" not in prefilter.select(files)


def test_run_reports_how_many_files_got_the_full_analysis(tmp_path):
    paths = write_project(tmp_path, {
        "app.py": "import psycopg2\n",
        "a.py": "x = 1\n",
        "b.py": "import json\n",
    })
    result = runner.run(paths, tmp_path, SETTINGS)
    assert result.analysed == 1
    assert result.files_checked == 3
