"""Every rule page is complete, and every example on it is a test (conventions 2, 4, 13)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pinless import catalog, engine
from pinless.config import load_settings
from pinless.fixes.apply import parses
from lintutil import write_config, write_project

CAT = catalog.load()
RULES = sorted(CAT.active_rules(), key=lambda r: r.code)


def _examples():
    for rule in RULES:
        for kind in ("flagged", "clean"):
            for i, ex in enumerate(getattr(rule, kind)):
                yield pytest.param(rule, kind, ex, id=f"{rule.code}-{kind}-{i}")


def _run(tmp_path: Path, rule, ex, unsafe: bool = False):
    files = {ex.filename: ex.code, **ex.files}
    paths = write_project(tmp_path, files)
    write_config(tmp_path, ex.config, ex.target)
    overrides = {"cache": False, "jobs": 1, "select": ("ALL",), "unsafe_fixes": unsafe or None}
    settings = load_settings(first_path=tmp_path, config_file=None, isolated=False, overrides=overrides)
    py = [p for p in paths if p.suffix == ".py"]
    return settings, engine.lint(py, settings)


def _codes(result, filename: str) -> list[str]:
    return sorted(f"{f.code}:{f.line}" for f in result.findings if f.path.endswith("/" + filename))


@pytest.mark.parametrize("rule,kind,ex", list(_examples()))
def test_example(tmp_path, rule, kind, ex):
    settings, result = _run(tmp_path, rule, ex, unsafe=ex.unsafe)
    got = sorted(f"{f.code}:{f.line}" for f in result.findings)
    main = _codes(result, ex.filename)
    if ex.expect:
        assert got == sorted(ex.expect), "\n".join(f"{f.code}:{f.line} {f.message}" for f in result.findings)
    elif kind == "flagged":
        assert [c.split(":")[0] for c in got] == [rule.code], "\n".join(
            f"{f.code}:{f.line} {f.message}" for f in result.findings)
        assert main, "the finding must be in the example's main file"
    else:
        assert got == [], "\n".join(f"{f.code}:{f.line} {f.message}" for f in result.findings)
    if kind != "flagged":
        return
    own = [f for f in result.findings if f.code == rule.code]
    if rule.fix_availability == "always":
        assert all(f.fix is not None for f in own), "availability = always: every finding carries a fix"
    if rule.fix_availability == "none":
        assert all(f.fix is None or f.fix.applicability == "display-only" for f in own)
    if ex.fixed is None:
        return
    fixed = engine.fix(result, settings, write=False)
    main_path = next(p for p in fixed.result.texts if p.name == ex.filename and p.parent == tmp_path)
    text = fixed.texts.get(main_path, result.texts[main_path])
    assert text == textwrap.dedent(ex.fixed).lstrip("\n")
    assert parses(text)
    assert not [f for f in fixed.result.findings if f.code == rule.code and f.fix is not None
                and f.fix.applicability in ("safe", "unsafe" if ex.unsafe else "safe")], "fix did not converge"
    before = {(f.code) for f in result.findings}
    assert {f.code for f in fixed.result.findings} <= before, "a fix introduced a new finding"
    again = engine.fix(fixed.result, settings, write=False)
    assert again.applied == 0, "a second `pinless fix` must change nothing"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_page_complete(rule):
    for key, title, mandatory in catalog.DOC_SECTIONS:
        if mandatory:
            assert rule.doc.get(key, "").strip(), f"{rule.code}: missing {title}"
    page = rule.render()
    for title in ("What it does", "Example", "Use instead", "Fix safety", "Targets"):
        assert f"## {title}" in page
    assert ("## Why it breaks" if rule.family == "lifecycle" else "## Why it pins") in page
    assert not rule.message.rstrip().endswith("."), "messages have no trailing period"
    if rule.family != "tool":
        assert rule.flagged and len(rule.clean) >= 1, "flagged and clean examples are required"
        assert rule.references


def test_codes_and_names_unique_and_documented():
    names = [r.name for r in CAT.rules.values()]
    assert len(names) == len(set(names))
    internals = (Path(__file__).parent.parent / "docs" / "internals.md").read_text()
    for rule in RULES:
        assert f"| {rule.code} | {rule.name} |" in internals, f"{rule.code} missing from docs/internals.md"


def test_sql_kinds_map_to_one_rule_each():
    seen = {}
    for rule in RULES:
        for kind in rule.detect.get("sql", ()):
            assert kind not in seen, f"{kind} claimed by {seen.get(kind)} and {rule.code}"
            seen[kind] = rule.code
