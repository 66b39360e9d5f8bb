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


def sections() -> dict[str, str]:
    return {"rules": rules_markdown(catalog.load()), "config": reference_markdown()}


def render(text: str) -> str:
    for name, body in sections().items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    return text


if __name__ == "__main__":
    readme = ROOT / "README.md"
    readme.write_text(render(readme.read_text()))
