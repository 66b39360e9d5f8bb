from pathlib import Path
from types import SimpleNamespace

import pytest

from pinless import catalog, config
from pinless.config import Settings, load_settings
from pinless.select import Selector, specificity

CODES = ["PIN001", "PIN002", "PIN101", "PIN102", "PIN103", "PIN201", "PIN301", "PIN401", "PIN402"]
ROOT = Path("/project")
FILE = ROOT / "src" / "handler.py"


def selected(**settings) -> list[str]:
    selector = Selector(Settings(root=ROOT, **settings), CODES)
    return sorted(code for code in CODES if selector.enabled(code, FILE))


def test_specificity():
    assert specificity("ALL", "PIN101") == 0
    assert specificity("PIN", "PIN101") == 3
    assert specificity("PIN10", "PIN101") == 5
    assert specificity("PIN101", "PIN101") == 6
    assert specificity("PIN2", "PIN101") == -1


def test_default_selects_every_rule():
    assert selected() == CODES


def test_prefix_select():
    assert selected(select=("PIN1",)) == ["PIN101", "PIN102", "PIN103"]
    assert selected(select=("PIN10", "PIN4")) == ["PIN101", "PIN102", "PIN103", "PIN401", "PIN402"]


def test_more_specific_ignore_wins():
    assert selected(select=("PIN1",), ignore=("PIN102",)) == ["PIN101", "PIN103"]


def test_more_specific_select_wins():
    assert selected(select=("PIN101",), ignore=("PIN1",)) == ["PIN101"]
    assert selected(select=("PIN10",), ignore=("PIN",)) == ["PIN101", "PIN102", "PIN103"]


@pytest.mark.parametrize("selector", ["ALL", "PIN", "PIN1", "PIN101"])
def test_ignore_wins_a_tie(selector):
    assert "PIN101" not in selected(select=(selector,), ignore=(selector,))


def test_extend_select_adds_and_competes_with_ignore():
    assert selected(select=("PIN1",), extend_select=("PIN401",)) == [
        "PIN101", "PIN102", "PIN103", "PIN401",
    ]
    assert selected(select=("PIN1",), extend_select=("PIN401",), ignore=("PIN4",)) == [
        "PIN101", "PIN102", "PIN103", "PIN401",
    ]
    assert selected(select=("PIN1",), extend_select=("PIN4",), ignore=("PIN4",)) == [
        "PIN101", "PIN102", "PIN103",
    ]


def test_unknown_code_is_never_enabled():
    assert Selector(Settings(root=ROOT), CODES).enabled("PIN999", FILE) is False


def test_per_file_ignores():
    ignores = (
        ("tests/**", ("PIN4",)),
        ("scripts/backfill.py", ("PIN101", "PIN301")),
        ("__init__.py", ("ALL",)),
    )
    selector = Selector(Settings(root=ROOT, per_file_ignores=ignores), CODES)

    def on(path: str) -> list[str]:
        return sorted(selector.codes_for(ROOT / path))

    assert on("src/handler.py") == CODES
    assert on("tests/unit/test_db.py") == [c for c in CODES if not c.startswith("PIN4")]
    assert on("scripts/backfill.py") == [c for c in CODES if c not in ("PIN101", "PIN301")]
    assert on("other/scripts/backfill.py") == CODES  # a glob with `/` is tied to the root
    assert on("src/pkg/__init__.py") == []  # a glob without `/` matches a name anywhere
    assert selector.enabled("PIN401", str(ROOT / "tests/x.py")) is False
    assert selector.enabled("PIN401", Path("/elsewhere/tests/x.py")) is True


def test_per_file_ignores_cannot_turn_a_rule_on():
    settings = Settings(root=ROOT, ignore=("PIN1",), per_file_ignores=(("x.py", ("PIN2",)),))
    selector = Selector(settings, CODES)
    assert selector.enabled("PIN101", ROOT / "x.py") is False
    assert selector.enabled("PIN201", ROOT / "x.py") is False
    assert selector.enabled("PIN201", ROOT / "y.py") is True


def test_per_file_ignores_are_relative_to_the_config_file(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "known_codes", lambda: frozenset(CODES))
    service = tmp_path / "svc"
    service.mkdir()
    (service / "pinless.toml").write_text('[per-file-ignores]\n"tests/**" = ["PIN101"]\n')
    monkeypatch.chdir(tmp_path)  # the working directory does not matter
    settings = load_settings(first_path=service, config_file=None, isolated=False, overrides={})
    selector = Selector(settings, CODES)
    assert selector.enabled("PIN101", service / "tests" / "t.py") is False
    assert selector.enabled("PIN101", tmp_path / "tests" / "t.py") is True


def fake_catalog(**statuses: str):
    rules = {}
    for code, status in statuses.items():
        redirect = status[3:] if status.startswith("to ") else None
        rules[code] = SimpleNamespace(status="stable" if redirect else status, redirect=redirect)
    return SimpleNamespace(rules=rules)


def test_preview_and_deprecated_rules_need_their_full_code():
    cat = fake_catalog(PIN101="stable", PIN102="preview", PIN103="deprecated", PIN104="removed")

    def on(**settings):
        return sorted(Selector.from_catalog(Settings(root=ROOT, **settings), cat).selected)

    assert on() == ["PIN101"]
    assert on(select=("PIN1",)) == ["PIN101"]
    assert on(select=("PIN1", "PIN102", "PIN103")) == ["PIN101", "PIN102", "PIN103"]
    assert on(select=("PIN102",), ignore=("PIN1",)) == ["PIN102"]
    assert on(select=("PIN104",)) == []


def test_redirected_code_selects_its_successor():
    cat = fake_catalog(PIN101="stable", PIN102="stable", PIN150="to PIN102")

    def on(**settings):
        return sorted(Selector.from_catalog(Settings(root=ROOT, **settings), cat).selected)

    assert on(ignore=("PIN150",)) == ["PIN101"]
    assert on(select=("PIN150",)) == ["PIN102"]
    # a prefix of an old code is no alias of its successor
    assert on(select=("PIN1",), ignore=("PIN15",)) == ["PIN101", "PIN102"]
    assert on(select=("PIN150",), ignore=("PIN1",)) == ["PIN102"]


def test_from_the_real_catalog():
    selector = Selector.from_catalog(Settings(root=ROOT))
    stable = {code for code, rule in catalog.load().rules.items()
              if rule.status == "stable" and not rule.redirect}
    assert selector.selected == stable
    assert {"PIN001", "PIN002", "PIN101"} <= selector.selected
