"""Running the real command line in tests: as a subprocess (end to end) or through click's
CliRunner in this process (fast, and lets a test watch the runner)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from pinless.cli import main

# A Lambda handler with one finding that has a safe fix (PIN202 on line 5, column 10).
FIXABLE = '''\
import psycopg


def lambda_handler(event, context):
    with psycopg.connect(event["dsn"]) as conn:
        conn.execute("SELECT 1")
'''
# ... and the exact result of `pinless fix` on it.
FIXED = FIXABLE.replace('connect(event["dsn"])', 'connect(event["dsn"], prepare_threshold=None)')
# A finding without a fix (PIN101 on line 6, column 9).
UNFIXABLE = '''\
import psycopg


def lambda_handler(event, context):
    with psycopg.connect(event["dsn"], prepare_threshold=None) as conn:
        conn.execute("SET statement_timeout = '5s'")
        conn.execute("SELECT 1")
'''
CLEAN = FIXED

PIN202_MESSAGE = ("`psycopg.connect()` lets psycopg 3 prepare named statements server-side, "
                  "which pins the RDS Proxy session")

# Colour and CI variables of the developer's shell must not leak into what the tests see.
_SCRUB = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "GITHUB_WORKSPACE", "CI_PROJECT_DIR")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(extra)
    return env


def write(root: Path, files: dict[str, str | bytes]) -> list[Path]:
    out = []
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        out.append(path)
    return out


def run(args: list[str], cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None,
        timeout: float = 120) -> Run:
    """``python -m pinless ARGS`` in ``cwd``: the real process, exit code and streams."""
    done = subprocess.run([sys.executable, "-m", "pinless", *args], cwd=cwd, input=stdin,
                          capture_output=True, env=env or clean_env(), timeout=timeout)
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"),
               done.stderr.decode("utf-8", "replace"), done.stdout)


def invoke(args: list[str], cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None,
           *, monkeypatch) -> Run:
    """The same command through click's CliRunner, in this process (``cwd`` via monkeypatch)."""
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, args, input=stdin, env={**{k: None for k in _SCRUB}, **(env or {})},
                                catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr, result.stdout_bytes)


def one_error_line(stderr: str) -> str:
    """The single ``pinless: error: ...`` line a usage/config error prints (asserts the shape)."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("pinless: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]
