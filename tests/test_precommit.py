"""The pre-commit hooks (conventions section 12), run by the real `pre-commit try-repo`.

try-repo clones HEAD of the hook repository (plus modified tracked files, never new ones), so
the working tree's package files -- committed or not -- are copied into a temporary
repository and committed there: what is tested is the work on disk. try-repo installs the
hook's environment into a store of its own each time (pip fetches the dependencies and
hatchling from the index, through pip's cache), about 20 s per run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cliutil import FIXABLE, FIXED, UNFIXABLE

REPO = Path(__file__).resolve().parent.parent
# what a `pip install .` of the hook repository needs
PACKAGE_FILES = ("pyproject.toml", "README.md", "src", "rules", ".pre-commit-hooks.yaml")

EXPECTED_HOOKS = [
    {
        "id": "pinless",
        "name": "pinless",
        "description": "Find session pinning and missing disconnects in Lambda database code",
        "entry": "pinless check --force-exclude",
        "language": "python",
        "types": ["python"],
        "args": [],
        "require_serial": True,
        "minimum_pre_commit_version": "2.9.2",
    },
    {
        "id": "pinless-fix",
        "name": "pinless (fix)",
        "description": "Apply pinless's safe fixes",
        "entry": "pinless fix --force-exclude",
        "language": "python",
        "types": ["python"],
        "args": [],
        "require_serial": True,
        "minimum_pre_commit_version": "2.9.2",
    },
]


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", "-c", "user.name=pinless tests", "-c", "user.email=tests@pinless.invalid",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True,
                          env=_env(cwd))
    assert done.returncode == 0, done.stderr
    return done.stdout


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(home / ".pre-commit-home")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """A git repository holding the working tree's package files, committed."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
                             *PACKAGE_FILES], cwd=REPO, capture_output=True, check=True).stdout
    for rel in filter(None, listed.decode().split("\0")):
        source = REPO / rel
        if not source.is_file():  # deleted in the working tree
            continue
        target = snapshot / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    _git("init", "-q", cwd=snapshot)
    _git("add", "-A", cwd=snapshot)
    _git("commit", "-q", "-m", "snapshot of the working tree", cwd=snapshot)
    return snapshot


def _project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    _git("init", "-q", cwd=root)
    _git("add", "-A", cwd=root)
    return root


def _try_repo(hook_repo: Path, hook: str, project: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--all-files",
                           "--color", "never"], cwd=project, capture_output=True, text=True,
                          env=_env(project.parent), timeout=600)
    if done.returncode not in (0, 1) or "An unexpected error has occurred" in done.stdout:
        pytest.fail(f"pre-commit itself failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def test_hooks_manifest_matches_the_conventions():
    path = REPO / ".pre-commit-hooks.yaml"
    assert yaml.safe_load(path.read_text()) == EXPECTED_HOOKS
    from pre_commit.clientlib import load_manifest

    assert [hook["id"] for hook in load_manifest(str(path))] == ["pinless", "pinless-fix"]


def test_check_hook_fails_and_names_the_finding(hook_repo, tmp_path):
    project = _project(tmp_path / "project", {
        "orders/app.py": UNFIXABLE,
        "orders/clean.py": FIXED,
        # --force-exclude: pre-commit passes this file by name, the config's exclude still applies
        "generated/client.py": UNFIXABLE,
        "pyproject.toml": '[tool.pinless]\nextend-exclude = ["generated"]\n',
        "README.md": "not python\n",
    })
    done = _try_repo(hook_repo, "pinless", project)
    out = done.stdout
    assert done.returncode == 1, out
    assert "pinless..." in out and "Failed" in out
    assert ("orders/app.py:6:9: PIN101 `SET statement_timeout` on a pooled connection pins the RDS Proxy "
            "session") in out
    assert "Found 1 problem (1 error)" in out
    assert "generated/client.py" not in out


def test_fix_hook_applies_the_safe_fix(hook_repo, tmp_path):
    project = _project(tmp_path / "project", {"handler.py": FIXABLE, "other.py": FIXED})
    done = _try_repo(hook_repo, "pinless-fix", project)
    out = done.stdout
    assert done.returncode == 1, out  # pre-commit fails a hook that modified files
    assert "pinless (fix)..." in out and "Failed" in out
    assert "- files were modified by this hook" in out
    assert (project / "handler.py").read_text() == FIXED
    assert (project / "other.py").read_text() == FIXED
