"""`pip install .` (not editable) gives a working `pinless`, with the rule catalog inside the
installed package (pyproject's hatch force-include maps the top-level rules/ to pinless/rules).

The wheel is built once from the working tree (so uncommitted work is what gets tested), the
same wheel `pip install .` would build and install. The main test installs it with --no-deps
into a fresh virtual environment whose dependencies come from this test environment through a
.pth line, so it needs no index; the Python 3.10 test installs the dependencies from the index.
Every command runs from a folder outside the repository with PYTHONPATH unset, so nothing can
come from the source tree.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NETWORK_TROUBLE = re.compile(r"No matching distribution|Could not find a version|NewConnectionError|"
                             r"Temporary failure in name resolution|Network is unreachable|ConnectTimeout")
HANDLER = '''\
import psycopg


def lambda_handler(event, context):
    with psycopg.connect(event["dsn"]) as conn:
        conn.execute("SET search_path TO orders")
'''


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


def _sh(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _skip_or_fail(what: str, done: subprocess.CompletedProcess) -> None:
    output = done.stdout + done.stderr
    if NETWORK_TROUBLE.search(output) and not _in_ci():
        pytest.skip(f"{what}: the package index is not reachable")
    pytest.fail(f"{what} failed:\n{output[-3000:]}")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = _sh([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", out, REPO], cwd=out)
    if done.returncode != 0:  # build isolation fetches hatchling from the index
        _skip_or_fail("building the wheel", done)
    [built] = out.glob("pinless-*.whl")
    return built


def _outside_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def _site_packages(python: Path) -> Path:
    done = _sh([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=python.parent,
               env=_outside_env())
    return Path(done.stdout.strip())


def _exercise(venv: Path, work: Path) -> None:
    """The installed commands, run from ``work`` (outside the repository)."""
    env = _outside_env()
    python, pinless = _bin(venv, "python"), _bin(venv, "pinless")
    site = _site_packages(python).resolve()

    where = _sh([python, "-c", "import pinless, pinless.catalog as c; print(pinless.__file__); print(c.rules_dir())"],
                cwd=work, env=env)
    assert where.returncode == 0, where.stderr
    module, rules = (Path(line).resolve() for line in where.stdout.splitlines())
    assert module == site / "pinless" / "__init__.py"
    assert rules == site / "pinless" / "rules"
    assert REPO not in module.parents and REPO not in rules.parents

    listed = _sh([pinless, "rules"], cwd=work, env=env)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^PIN101\s+sql-set-statement\s", listed.stdout, re.M)
    codes = {line.split()[0] for line in listed.stdout.splitlines()[1:]}
    assert {"PIN001", "PIN002", "PIN101"} <= codes <= {p.stem for p in rules.glob("PIN*.toml")}

    explained = _sh([python, "-m", "pinless", "explain", "PIN101"], cwd=work, env=env)
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith("# PIN101 sql-set-statement\n")

    (work / "handler.py").write_text(HANDLER)
    checked = _sh([pinless, "check", "--no-cache", "--output-format", "concise", "handler.py"], cwd=work, env=env)
    assert checked.returncode == 1, checked.stderr
    assert [line.split()[:2] for line in checked.stdout.splitlines()[:2]] == [
        ["handler.py:5:10:", "PIN202"], ["handler.py:6:9:", "PIN101"]]

    version = _sh([pinless, "--version"], cwd=work, env=env)
    assert version.returncode == 0 and version.stdout.startswith("pinless, version ")


def test_wheel_ships_the_catalog_and_the_command(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        [meta] = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(zf.read(meta))
        [entry] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = zf.read(entry).decode()
    in_repo = {p.relative_to(REPO / "rules").as_posix() for p in (REPO / "rules").rglob("*.toml")}
    in_wheel = {n.removeprefix("pinless/rules/") for n in names if n.startswith("pinless/rules/")}
    assert in_repo and in_repo <= in_wheel
    assert {"pinless/__init__.py", "pinless/__main__.py", "pinless/cli.py"} <= names
    assert not [n for n in names if n.startswith(("tests/", "src/"))]
    assert metadata["Requires-Python"] == ">=3.10"
    assert re.search(r"^pinless = pinless\.cli:main$", entry_points, re.M)


def test_installed_wheel_works_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    created = _sh([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    # the dependencies (libcst, sqlglot, click, PyYAML) from this environment; pinless from the wheel
    deps = sysconfig.get_paths()["purelib"]
    (_site_packages(_bin(venv, "python")) / "_pinless_test_deps.pth").write_text(deps + "\n")
    installed = _sh([sys.executable, "-m", "pip", "--python", _bin(venv, "python"), "install", "--no-deps",
                     "--no-index", "--quiet", wheel], cwd=tmp_path, env=_outside_env())
    assert installed.returncode == 0, installed.stdout + installed.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    _exercise(venv, work)


def _python310() -> str | None:
    # on PATH, or beside this interpreter in a pyenv-style versions folder
    beside = sorted(str(p) for p in Path(sys.base_prefix).parent.glob("3.10*/bin/python3.10"))
    for candidate in ("python3.10", *beside):
        found = shutil.which(candidate)
        if not found:
            continue
        probe = _sh([found, "-c", "import sys; print(sys.version_info[:2] == (3, 10))"], cwd=REPO)
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return found
    return None


@pytest.mark.skipif(_python310() is None, reason="no Python 3.10 interpreter on this machine")
def test_installs_and_runs_on_python_310(wheel, tmp_path):
    """The oldest supported Python, with its own dependencies from the index (pip install .)."""
    venv = tmp_path / "venv310"
    created = _sh([_python310(), "-m", "venv", venv], cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    installed = _sh([_bin(venv, "python"), "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path,
                    env=_outside_env())
    if installed.returncode != 0:
        _skip_or_fail("installing the dependencies on Python 3.10", installed)
    work = tmp_path / "elsewhere"
    work.mkdir()
    _exercise(venv, work)
