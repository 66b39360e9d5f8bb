"""The README is the front door: its generated sections and its commands stay true."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _load_generator():
    spec = importlib.util.spec_from_file_location("readme_gen", ROOT / "scripts" / "readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_sections_are_current():
    assert _load_generator().render(README, generated=False) == README, "run `python scripts/readme.py`"


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_example_command_names_the_bundled_example():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert "pinless check examples/orders" in blocks[0]
    assert (ROOT / "examples" / "orders" / "template.yaml").is_file()
