"""Warm-container runs of the example Lambda projects in tests/lifecycle/, before and after fix.

Each project holds the original handler code (`app.py`, maybe `db.py`), the code `pinless fix`
is to produce (`app.fixed.py`, ...) and `project.toml` with the handler, the module-level object
to track and the behaviour expected before and after the fix. The runtime tests prove the
expected fix works against a real server; the fixer test proves `pinless fix` writes it.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

LIFECYCLE = Path(__file__).resolve().parent / "lifecycle"
RUNNER = LIFECYCLE / "runner.py"
REPO = LIFECYCLE.parent.parent
FIXED_SUFFIX = ".fixed.py"


@dataclass(frozen=True)
class Project:
    name: str
    path: Path
    spec: dict

    @property
    def unsafe(self) -> bool:
        return self.spec["fix"] == "unsafe"

    def sources(self) -> dict[str, bytes]:
        """The original files: what a user has before running `pinless fix`."""
        return {
            p.name: p.read_bytes() for p in sorted(self.path.glob("*.py"))
            if not p.name.endswith(FIXED_SUFFIX)
        }

    def fixed_sources(self) -> dict[str, bytes]:
        """The originals with every `X.fixed.py` standing in for `X.py`."""
        files = self.sources()
        for fixed in self.path.glob("*" + FIXED_SUFFIX):
            files[fixed.name[: -len(FIXED_SUFFIX)] + ".py"] = fixed.read_bytes()
        return files


def load_projects() -> list[Project]:
    return [
        Project(toml.parent.name, toml.parent, tomllib.loads(toml.read_text()))
        for toml in sorted(LIFECYCLE.glob("*/project.toml"))
    ]


PROJECTS = load_projects()
by_name = pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])


def fixer_available() -> bool:
    try:
        return importlib.util.find_spec("pinless.fixes.apply") is not None
    except ModuleNotFoundError:
        return False


def write_tree(files: dict[str, bytes], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (dest / name).write_bytes(content)
    return dest


def child_env(extra: dict[str, str]) -> dict[str, str]:
    # The handler must see only the cluster's settings, never a developer's own PG*/Django ones.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(extra, PYTHONDONTWRITEBYTECODE="1")
    return env


def warm_run(pg, project: Project, files: dict[str, bytes], workdir: Path) -> dict:
    """Import the handler once in a fresh process and invoke it; the runner's report + log data."""
    code_dir = write_tree(files, workdir / project.name)
    out = workdir / "report.json"
    assert pg.wait_backends(0) == 0, "backends left over from an earlier test"
    mark = pg.log_mark()
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(code_dir), project.spec["handler"],
         project.spec["track"], str(project.spec["invocations"]), str(out)],
        env=child_env(pg.env()), capture_output=True, text=True, timeout=90,
    )
    assert proc.returncode == 0 and out.exists(), f"runner failed:\n{proc.stdout}\n{proc.stderr}"
    report = json.loads(out.read_text())
    assert report["import_error"] is None, report["import_error"]["traceback"]
    report["connections"] = pg.connections_since(mark)
    return report


def outcome(record: dict) -> str:
    error = record["error"]
    return "ok" if record["ok"] else f"{error['type']}: {error['message']}"


def summarize(runs: list[dict]) -> str:
    keys = ("n", "ok", "backends", "client_sockets", "id")
    return json.dumps([{k: r[k] for k in keys} | {"outcome": outcome(r)} for r in runs], indent=1)


def assert_outcome(record: dict, want: str) -> None:
    """`want` is "ok" or "ErrorType: part of the message"."""
    got = outcome(record)
    trace = record["error"]["traceback"] if record["error"] else ""
    kind, _, text = want.partition(": ")
    matched = got == "ok" if want == "ok" else got.startswith(kind + ": ") and text in got
    assert matched, f"invocation {record['n']}: expected {want!r}, got {got!r}\n{trace}"


def assert_matches(report: dict, expected: dict) -> None:
    runs = report["invocations"]
    summary = summarize(runs)
    for record, want in zip(runs, expected["outcomes"], strict=True):
        assert_outcome(record, want)
    assert [r["backends"] for r in runs] == expected["backends"], summary
    if "after_import" in expected:
        assert report["after_import"]["backends"] == expected["after_import"]
    if "connections" in expected:
        assert report["connections"] == expected["connections"], "connections opened during the run"


@pytest.mark.postgres
@by_name
def test_before_fix(pg, project, tmp_path):
    report = warm_run(pg, project, project.sources(), tmp_path)
    expected = project.spec["before"]
    assert_matches(report, expected)
    runs = report["invocations"]
    if all(o == "ok" for o in expected["outcomes"]):
        # The defect being fixed: a client connection stays open while the container is frozen.
        assert all(r["backends"] >= 1 for r in runs)
    else:
        # The defect being fixed: a warm invocation fails because of what an earlier one did.
        assert runs[0]["ok"] and not any(r["ok"] for r in runs[1:])


@pytest.mark.postgres
@by_name
def test_after_fix(pg, project, tmp_path):
    report = warm_run(pg, project, project.fixed_sources(), tmp_path)
    expected = project.spec["after"]
    assert_matches(report, expected)
    runs = report["invocations"]
    assert all(r["ok"] and r["backends"] == 0 for r in runs)
    if expected["object"] == "same":
        # Safe fix: the module-level pool/engine/connection object survives every invocation.
        ids = {r["id"] for r in runs}
        assert len(ids) == 1 and None not in ids, ids
        assert report["after_import"]["id"] in ids
    else:
        # Unsafe fix: each invocation binds a new object to the module-level name and unbinds it
        # at the end. Anything that kept a reference to an earlier object now holds a closed one,
        # which is why this fix is only applied with --unsafe-fixes.
        assert project.unsafe
        during = [r["ids_during"] for r in runs]
        assert all(len(ids) == 1 for ids in during), during
        assert len({ids[0] for ids in during}) == len(runs), "expected a new object per invocation"
        assert all(r["id"] is None for r in runs)


@by_name
def test_project_files_are_consistent(project):
    spec = project.spec
    assert spec["fix"] in {"safe", "unsafe"}
    assert spec["after"]["object"] in {"same", "recreated"}
    assert (spec["after"]["object"] == "recreated") == project.unsafe
    assert len(spec["before"]["outcomes"]) == len(spec["before"]["backends"]) == spec["invocations"]
    assert len(spec["after"]["outcomes"]) == len(spec["after"]["backends"]) == spec["invocations"]
    assert spec["invocations"] >= 3
    original, fixed = project.sources(), project.fixed_sources()
    assert original != fixed
    for name, content in fixed.items():
        ast.parse(content, filename=name)
    if project.unsafe:
        name = spec["track"].split(":", 1)[1]
        handler_module = spec["handler"].rsplit(".", 1)[0] + ".py"
        assert f"global {name}".encode() in fixed[handler_module]


def run_fix(workdir: Path, unsafe: bool) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "pinless", "fix", *(["--unsafe-fixes"] if unsafe else []), "."]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    proc = subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    # 0: nothing left to report, 1: findings remain (not every finding has a fix); >1: an error.
    assert proc.returncode in (0, 1), f"{args}\n{proc.stdout}\n{proc.stderr}"
    return proc


def read_tree(workdir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(workdir.glob("*.py"))}


def rule_has_fix(code: str) -> bool:
    page = REPO / "rules" / f"{code}.toml"
    if not page.exists():
        return False
    return tomllib.loads(page.read_text()).get("fix", {}).get("availability", "none") != "none"


def skip_until_fix_lands(project: Project) -> None:
    """Skip while `pinless fix` cannot produce this project's fix; the skip ends by itself."""
    if not fixer_available():
        pytest.skip("pinless.fixes.apply does not exist yet: `pinless fix` is not implemented")
    codes = project.spec["fixed_by"]
    if not any(rule_has_fix(code) for code in codes):
        pytest.skip(f"no fix for {'/'.join(codes)} yet: rules/<code>.toml missing or "
                    "[fix] availability = \"none\"")


@by_name
def test_pinless_fix_writes_the_fixed_files(project, tmp_path):
    skip_until_fix_lands(project)
    workdir = write_tree(project.sources(), tmp_path / project.name)
    run_fix(workdir, project.unsafe)
    result = read_tree(workdir)
    for name, expected in project.fixed_sources().items():
        assert result[name].decode() == expected.decode(), name
        assert result[name] == expected, f"{name}: same text, different bytes"
    run_fix(workdir, project.unsafe)
    assert read_tree(workdir) == result, "a second `pinless fix` changed the files again"


UNSAFE = [p for p in PROJECTS if p.unsafe]


@pytest.mark.parametrize("project", UNSAFE, ids=[p.name for p in UNSAFE])
def test_pinless_fix_without_unsafe_flag_leaves_unsafe_projects_alone(project, tmp_path):
    skip_until_fix_lands(project)
    workdir = write_tree(project.sources(), tmp_path / project.name)
    run_fix(workdir, unsafe=False)
    assert read_tree(workdir) == project.sources()
