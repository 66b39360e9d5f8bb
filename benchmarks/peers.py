"""Install the peer tools the benchmark compares against into ``benchmarks/.venv-peers/``.

    python benchmarks/peers.py

Pinned so that a comparison between two runs compares pinless, not a new ruff. A peer that does
not install (semgrep ships a native binary per platform) is reported and left out; the benchmark
then prints "not available" for its rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-peers"
BIN = VENV / "bin"
STAMP = VENV / "pinned.txt"

PEERS = {"ruff": "0.17.6", "bandit": "1.9.4", "semgrep": "1.185.0"}

# Without these semgrep asks the network for a newer version and sends metrics; with no network
# each `semgrep --version` then waits about 100 s for a time-out.
QUIET_ENV = {"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}

# semgrep: the pattern the brief names, one rule, run from a local file with no network use
SEMGREP_RULE = r"""rules:
  - id: sql-set-statement
    languages: [python]
    severity: WARNING
    message: a SQL SET statement pins the connection to its session
    pattern: $CUR.execute("=~/^\s*SET\s/i", ...)
"""


def pins() -> str:
    return "".join(f"{name}=={version}\n" for name, version in sorted(PEERS.items()))


def install() -> None:
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    for name, version in sorted(PEERS.items()):
        # one at a time, so a peer that cannot install does not take the others with it
        result = subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet",
                                 "--disable-pip-version-check", f"{name}=={version}"],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = result.stderr.strip().splitlines()[-1:] or ["?"]
            print(f"{name}=={version} did not install: {tail[0]}", file=sys.stderr)
    STAMP.write_text(pins())


def ensure_peers() -> dict[str, str | None]:
    """Install if the pins changed; map each peer to its executable, or None if unusable."""
    if not STAMP.is_file() or STAMP.read_text() != pins():
        print("installing peers into benchmarks/.venv-peers ...", file=sys.stderr)
        install()
    return {name: executable(name) for name in PEERS}


def executable(name: str) -> str | None:
    path = BIN / name
    if not path.exists():
        return None
    try:
        subprocess.run([str(path), "--version"], capture_output=True, timeout=120, check=True,
                       env={**os.environ, **QUIET_ENV})
    except (OSError, subprocess.SubprocessError):
        return None
    return str(path)


def write_semgrep_rule(directory: Path) -> Path:
    path = directory / "semgrep-rule.yaml"
    if not path.is_file() or path.read_text() != SEMGREP_RULE:
        path.write_text(SEMGREP_RULE)
    return path


def main() -> None:
    for name, path in ensure_peers().items():
        print(f"{name:8} {PEERS[name]:10} {path or 'not available'}")


if __name__ == "__main__":
    main()
