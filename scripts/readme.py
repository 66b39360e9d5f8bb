"""Regenerate the README sections that come from code: the rule table and the configuration
reference. `python scripts/readme.py` rewrites README.md; tests/test_readme.py fails when the
README is out of step."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pinless import catalog  # noqa: E402
from pinless.cli import rules_markdown  # noqa: E402
from pinless.config import reference_markdown  # noqa: E402


def _accuracy() -> str:
    """The precision/recall table printed by scripts/precision_recall.py."""
    import subprocess

    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "precision_recall.py")],
                         capture_output=True, text=True, cwd=ROOT).stdout
    return "\n".join(line for line in out.splitlines() if line.startswith("|")) + "\n"


def _performance() -> str:
    """The latest benchmark tables, with the commands that produced them."""
    out = []
    for name, command in (("quick.md", "python benchmarks/run.py --quick"),
                          ("latest.md", "python benchmarks/run.py --big-rounds 1")):
        path = ROOT / "benchmarks" / "results" / name
        if path.is_file():
            out.append(f"`{command}` ([benchmarks/README.md](benchmarks/README.md)):\n\n{path.read_text()}")
    return "\n".join(out) or "No benchmark results yet.\n"


def sections(generated: bool = True) -> dict[str, str]:
    out = {"rules": rules_markdown(catalog.load()), "config": reference_markdown()}
    if generated:  # measured sections: rewritten by this script, not compared by the tests
        out.update(accuracy=_accuracy(), performance=_performance())
    return out


def render(text: str, generated: bool = True) -> str:
    for name, body in sections(generated).items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    return text


if __name__ == "__main__":
    readme = ROOT / "README.md"
    readme.write_text(render(readme.read_text()))
