import re
import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

from pinless import config
from pinless.config import (
    DEFAULT_EXCLUDE,
    KEYS,
    ConfigError,
    PathPatterns,
    Settings,
    find_config,
    load_settings,
    reference_markdown,
)

CODES = frozenset({"PIN001", "PIN002", "PIN101", "PIN102", "PIN201", "PIN301", "PIN401"})


@pytest.fixture(autouse=True)
def fixed_codes(monkeypatch):
    # Messages and suggestions must not move when rules are added to the catalog.
    monkeypatch.setattr(config, "known_codes", lambda: CODES)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def load(first_path=None, config_file=None, isolated=False, **overrides) -> Settings:
    return load_settings(
        first_path=first_path, config_file=config_file, isolated=isolated, overrides=overrides
    )


def error_of(**kwargs) -> str:
    with pytest.raises(ConfigError) as info:
        load(**kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the key table -----------------------------------------------------------------------------


def test_keys_cover_every_settings_field_once():
    assert sorted(k.field for k in KEYS) == sorted(config.settings_fields())
    assert len({k.name for k in KEYS}) == len(KEYS)
    assert {f.name for f in fields(Settings)} - set(config.settings_fields()) == {
        "config_path",
        "root",
    }


def test_settings_defaults_are_the_key_defaults():
    defaults = Settings()
    for key in KEYS:
        assert getattr(defaults, key.field) == key.default, key.name
    assert defaults.select == ("ALL",)
    assert defaults.targets == ("rds-proxy",)
    assert defaults.output_format == "full"
    assert defaults.exclude == DEFAULT_EXCLUDE
    assert ".aws-sam" in DEFAULT_EXCLUDE and "cdk.out" in DEFAULT_EXCLUDE


def test_keys_are_kebab_case():
    for key in KEYS:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*(\.[a-z]+(-[a-z]+)*)?", key.name), key.name


def test_reference_markdown_has_one_row_per_key():
    text = reference_markdown()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [k.name for k in KEYS]
    assert (
        "| `unsafe-fixes` | boolean | `false` | `--unsafe-fixes` | "
        "Let `pinless fix` apply unsafe fixes. |"
    ) in rows
    assert "| `per-file-ignores` | table of glob = list of selectors | `{}` |" in text
    assert '`[".git", ".hg", ".svn", ".bzr", ".venv", "venv", "node_modules"' in text


# --- finding the file --------------------------------------------------------------------------


def test_precedence_in_one_directory(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.pinless]\n")
    write(tmp_path / "pinless.toml", "")
    write(tmp_path / ".pinless.toml", "")
    assert find_config(tmp_path) == tmp_path / ".pinless.toml"
    (tmp_path / ".pinless.toml").unlink()
    assert find_config(tmp_path) == tmp_path / "pinless.toml"
    (tmp_path / "pinless.toml").unlink()
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"


def test_pyproject_without_table_does_not_count(tmp_path):
    write(tmp_path / "pinless.toml", "")
    project = tmp_path / "project"
    write(project / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["pinless"]\n')
    write(project / "src" / "handler.py", "")
    assert find_config(project / "src" / "handler.py") == tmp_path / "pinless.toml"


def test_nearest_config_above_a_file_wins(tmp_path):
    write(tmp_path / "pinless.toml", 'target = ["pgbouncer-transaction"]\n')
    inner = write(tmp_path / "svc" / "pyproject.toml", "[tool.pinless]\nunsafe-fixes = true\n")
    handler = write(tmp_path / "svc" / "app" / "handler.py", "")
    assert find_config(handler) == inner
    settings = load(first_path=handler)
    assert settings.config_path == inner
    assert settings.root == tmp_path / "svc"
    assert settings.unsafe_fixes is True
    assert settings.targets == ("rds-proxy",)  # no merging with the outer file


def test_no_config_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_config(tmp_path / "missing" / "handler.py") is None
    settings = load(first_path=tmp_path)
    assert settings.config_path is None
    assert settings.root == tmp_path


# --- reading values ----------------------------------------------------------------------------


def test_pyproject_values(tmp_path):
    path = write(
        tmp_path / "pyproject.toml",
        """
        [tool.pinless]
        target = ["rds-proxy", "pgbouncer-transaction"]
        select = ["PIN1", "PIN401"]
        extend-select = ["PIN002"]
        ignore = ["PIN102"]
        extend-exclude = ["tests/fixtures/**"]
        respect-gitignore = false
        force-exclude = true
        handlers = ["orders/app.lambda_handler"]
        unsafe-fixes = true
        output-format = "sarif"
        cache = false
        jobs = 4

        [tool.pinless.per-file-ignores]
        "tests/**" = ["PIN4"]
        "scripts/backfill.py" = ["PIN101", "PIN301"]

        [tool.pinless.rds-proxy]
        session-pinning-filters = ["EXCLUDE_VARIABLE_SETS"]

        [tool.pinless.pgbouncer-transaction]
        max-prepared-statements = 100
        """,
    )
    settings = load(first_path=tmp_path)
    assert settings == Settings(
        select=("PIN1", "PIN401"),
        ignore=("PIN102",),
        extend_select=("PIN002",),
        per_file_ignores=(("tests/**", ("PIN4",)), ("scripts/backfill.py", ("PIN101", "PIN301"))),
        exclude=DEFAULT_EXCLUDE,
        extend_exclude=("tests/fixtures/**",),
        targets=("rds-proxy", "pgbouncer-transaction"),
        respect_gitignore=False,
        handlers=("orders/app.lambda_handler",),
        unsafe_fixes=True,
        output_format="sarif",
        session_pinning_filters=("EXCLUDE_VARIABLE_SETS",),
        max_prepared_statements=100,
        force_exclude=True,
        cache=False,
        jobs=4,
        config_path=path,
        root=tmp_path,
    )


def test_pinless_toml_keys_at_top_level(tmp_path):
    write(
        tmp_path / "pinless.toml",
        """
        exclude = ["generated"]
        [pgbouncer-transaction]
        max-prepared-statements = 0
        """,
    )
    settings = load(first_path=tmp_path)
    assert settings.exclude == ("generated",)
    assert settings.max_prepared_statements == 0
    assert settings.select == ("ALL",)


def test_cli_overrides_the_file(tmp_path):
    write(
        tmp_path / ".pinless.toml",
        """
        select = ["PIN1"]
        extend-select = ["PIN301"]
        extend-exclude = ["a"]
        output-format = "json"
        unsafe-fixes = true
        """,
    )
    settings = load(
        first_path=tmp_path,
        select=["PIN2"],
        extend_select=["PIN401"],
        extend_exclude=("b",),
        output_format="concise",
        unsafe_fixes=False,
        targets=None,  # not given on the command line
    )
    assert settings.select == ("PIN2",)
    assert settings.extend_select == ("PIN301", "PIN401")  # extend-* add to the file's list
    assert settings.extend_exclude == ("a", "b")
    assert settings.output_format == "concise"
    assert settings.unsafe_fixes is False
    assert settings.targets == ("rds-proxy",)


def test_isolated_ignores_config_files(tmp_path, monkeypatch):
    write(tmp_path / "pinless.toml", 'select = ["PIN1"]\n')
    monkeypatch.chdir(tmp_path)
    settings = load(first_path=tmp_path, isolated=True, ignore=["PIN101"])
    assert settings.config_path is None
    assert settings.root == tmp_path
    assert settings.select == ("ALL",)
    assert settings.ignore == ("PIN101",)


def test_explicit_config_file_is_used_alone(tmp_path):
    write(tmp_path / "pinless.toml", 'select = ["PIN1"]\n')
    ci = write(tmp_path / "ci" / "strict.toml", 'select = ["PIN4"]\n')
    settings = load(first_path=tmp_path, config_file=ci)
    assert settings.select == ("PIN4",)
    assert settings.config_path == ci
    assert settings.root == tmp_path / "ci"


def test_explicit_pyproject_without_table_gives_defaults(tmp_path):
    path = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    settings = load(config_file=path)
    assert settings.select == ("ALL",)
    assert settings.config_path == path


# --- errors ------------------------------------------------------------------------------------


def test_unknown_key_names_file_value_and_suggestion(tmp_path):
    path = write(tmp_path / "pyproject.toml", '[tool.pinless]\nselct = ["PIN1"]\n')
    assert error_of(first_path=tmp_path) == (
        f'{path}: [tool.pinless] selct = ["PIN1"]: unknown key; did you mean `select`?'
    )


def test_unknown_key_without_a_near_one(tmp_path):
    path = write(tmp_path / "pinless.toml", "colour = 3\n")
    assert error_of(first_path=tmp_path) == f"{path}: colour = 3: unknown key"


def test_unknown_key_in_a_sub_table(tmp_path):
    path = write(
        tmp_path / "pyproject.toml",
        '[tool.pinless.rds-proxy]\nsession-pining-filters = ["EXCLUDE_VARIABLE_SETS"]\n',
    )
    assert error_of(first_path=tmp_path) == (
        f"{path}: [tool.pinless.rds-proxy] session-pining-filters = "
        '["EXCLUDE_VARIABLE_SETS"]: unknown key; did you mean `session-pinning-filters`?'
    )


def test_misspelt_sub_table(tmp_path):
    path = write(tmp_path / "pinless.toml", "[rds_proxy]\nsession-pinning-filters = []\n")
    assert error_of(first_path=tmp_path) == (
        f"{path}: rds_proxy = {{ session-pinning-filters = [] }}: unknown key; "
        "did you mean `rds-proxy`?"
    )


def test_bad_type(tmp_path):
    path = write(tmp_path / "pinless.toml", 'unsafe-fixes = "yes"\n')
    assert error_of(first_path=tmp_path) == f'{path}: unsafe-fixes = "yes": expected true or false'


def test_string_where_a_list_is_expected(tmp_path):
    path = write(tmp_path / "pinless.toml", 'select = "PIN1"\n')
    assert error_of(first_path=tmp_path) == f'{path}: select = "PIN1": expected a list of strings'


def test_bad_target(tmp_path):
    path = write(tmp_path / "pyproject.toml", '[tool.pinless]\ntarget = ["rds"]\n')
    assert error_of(first_path=tmp_path) == (
        f'{path}: [tool.pinless] target = ["rds"]: unknown target `rds` '
        "(expected `rds-proxy`, `pgbouncer-transaction`); did you mean `rds-proxy`?"
    )


def test_empty_target_list(tmp_path):
    path = write(tmp_path / "pinless.toml", "target = []\n")
    assert error_of(first_path=tmp_path) == f"{path}: target = []: needs at least one target"


def test_unknown_selector(tmp_path):
    path = write(tmp_path / "pinless.toml", 'ignore = ["PIN101", "PIN9"]\n')
    assert error_of(first_path=tmp_path) == (
        f'{path}: ignore = ["PIN101", "PIN9"]: unknown selector `PIN9`'
    )


def test_lower_case_selector_suggests_the_code(tmp_path):
    path = write(tmp_path / "pinless.toml", 'select = ["pin101"]\n')
    assert error_of(first_path=tmp_path) == (
        f'{path}: select = ["pin101"]: unknown selector `pin101`; did you mean `PIN101`?'
    )


@pytest.mark.parametrize("selector", ["ALL", "PIN", "PIN1", "PIN10", "PIN101", "PIN4", "PIN00"])
def test_valid_selectors(selector):
    assert config.check_selector(selector) == selector


@pytest.mark.parametrize("selector", ["P", "PI", "PIN5", "PIN1011", "PIN103", "all", "", "E501"])
def test_invalid_selectors(selector):
    with pytest.raises(config.BadValue):
        config.check_selector(selector)


def test_unknown_selector_in_per_file_ignores(tmp_path):
    path = write(
        tmp_path / "pyproject.toml",
        '[tool.pinless.per-file-ignores]\n"tests/**" = ["PIN4"]\n"x.py" = ["PIN9"]\n',
    )
    assert error_of(first_path=tmp_path) == (
        f'{path}: [tool.pinless.per-file-ignores] "x.py" = ["PIN9"]: unknown selector `PIN9`'
    )


def test_bad_output_format(tmp_path):
    path = write(tmp_path / "pinless.toml", 'output-format = "sarf"\n')
    assert error_of(first_path=tmp_path) == (
        f'{path}: output-format = "sarf": unknown output format `sarf` (expected `full`, '
        "`concise`, `json`, `json-lines`, `github`, `gitlab`, `sarif`, `junit`); "
        "did you mean `sarif`?"
    )


def test_bad_session_pinning_filter(tmp_path):
    path = write(
        tmp_path / "pinless.toml",
        '[rds-proxy]\nsession-pinning-filters = ["EXCLUDE_VARIABLE_SET"]\n',
    )
    assert error_of(first_path=tmp_path) == (
        f'{path}: [rds-proxy] session-pinning-filters = ["EXCLUDE_VARIABLE_SET"]: unknown '
        "session pinning filter `EXCLUDE_VARIABLE_SET` (expected `EXCLUDE_VARIABLE_SETS`); "
        "did you mean `EXCLUDE_VARIABLE_SETS`?"
    )


def test_negative_count(tmp_path):
    text = "[pgbouncer-transaction]\nmax-prepared-statements = -1\n"
    path = write(tmp_path / "pinless.toml", text)
    assert error_of(first_path=tmp_path) == (
        f"{path}: [pgbouncer-transaction] max-prepared-statements = -1: "
        "expected a whole number, 0 or more"
    )


def test_bool_is_not_a_count(tmp_path):
    path = write(tmp_path / "pinless.toml", "jobs = true\n")
    message = f"{path}: jobs = true: expected a whole number, 0 or more"
    assert error_of(first_path=tmp_path) == message


def test_bad_handler(tmp_path):
    path = write(tmp_path / "pinless.toml", 'handlers = ["orders/app"]\n')
    assert error_of(first_path=tmp_path) == (
        f'{path}: handlers = ["orders/app"]: `orders/app` is not `<module path>.<function>`'
    )


def test_sub_table_that_is_not_a_table(tmp_path):
    path = write(tmp_path / "pinless.toml", "rds-proxy = 1\n")
    assert error_of(first_path=tmp_path) == f"{path}: rds-proxy = 1: expected a table"


def test_tool_pinless_that_is_not_a_table(tmp_path):
    path = write(tmp_path / "pyproject.toml", "[tool]\npinless = 3\n")
    assert error_of(first_path=tmp_path) == f"{path}: tool.pinless = 3: expected a table"


def test_invalid_toml(tmp_path):
    path = write(tmp_path / "pinless.toml", "select = [\n")
    assert error_of(first_path=tmp_path).startswith(f"{path}: invalid TOML: ")


def test_missing_explicit_config(tmp_path):
    assert error_of(config_file=tmp_path / "nope.toml") == (
        f"{tmp_path / 'nope.toml'}: config file not found"
    )


def test_config_and_isolated_together(tmp_path):
    path = write(tmp_path / "pinless.toml", "")
    assert error_of(config_file=path, isolated=True) == (
        "options --config and --isolated cannot be used together"
    )


def test_bad_cli_value_names_the_option(tmp_path):
    assert error_of(isolated=True, select=["PIN9"]) == (
        'option --select ["PIN9"]: unknown selector `PIN9`'
    )
    assert error_of(isolated=True, targets=["pgbouncer"]) == (
        'option --target ["pgbouncer"]: unknown target `pgbouncer` '
        "(expected `rds-proxy`, `pgbouncer-transaction`); did you mean `pgbouncer-transaction`?"
    )
    assert error_of(isolated=True, per_file_ignores={"t/*": ["PIN9"]}) == (
        'option --per-file-ignores "t/*" = ["PIN9"]: unknown selector `PIN9`'
    )


def test_unknown_override_field_is_a_programming_error():
    with pytest.raises(TypeError):
        load(isolated=True, colour="red")


def test_long_values_are_shortened(tmp_path):
    path = write(tmp_path / "pinless.toml", f'unsafe-fixes = "{"x" * 200}"\n')
    message = error_of(first_path=tmp_path)
    assert message == f'{path}: unsafe-fixes = "{"x" * 76}...: expected true or false'


# --- path patterns -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("build", "build/x.py", True),
        ("build", "src/build/x.py", True),
        ("build", "src/builder/x.py", False),
        ("*.py", "src/x.py", True),
        ("tests/fixtures/**", "tests/fixtures/a/b.py", True),
        ("tests/fixtures/**", "tests/fixture/a.py", False),
        ("tests/fixtures", "tests/fixtures/a/b.py", True),
        ("src/*/gen.py", "src/a/gen.py", True),
        ("src/*/gen.py", "src/a/b/gen.py", False),
        ("src/**/gen.py", "src/a/b/gen.py", True),
        ("src/**/gen.py", "src/gen.py", True),
        ("./scripts/", "scripts/run.py", True),
        ("handler_[ab].py", "x/handler_b.py", True),
        ("handler_[!ab].py", "x/handler_b.py", False),
        ("handler_?.py", "handler_c.py", True),
        ("a/b.py", "x/a/b.py", False),
    ],
)
def test_path_patterns(tmp_path, pattern, path, expected):
    patterns = PathPatterns([pattern], tmp_path)
    assert patterns.match_path(str(tmp_path / path)) is expected


def test_path_patterns_outside_the_root(tmp_path):
    patterns = PathPatterns(["*.py", "src/**", str(tmp_path / "other" / "**")], tmp_path / "root")
    assert patterns.match_path(str(tmp_path / "elsewhere" / "x.py")) is True  # a name glob
    assert PathPatterns(["src/**"], tmp_path / "root").match_path(str(tmp_path / "src/x")) is False
    assert patterns.match_path(str(tmp_path / "other" / "deep" / "x.txt")) is True


def test_mistyped_code_suggests_the_code(tmp_path):
    path = write(tmp_path / "pinless.toml", 'select = ["PIN1O1"]\n')
    assert error_of(first_path=tmp_path) == (
        f'{path}: select = ["PIN1O1"]: unknown selector `PIN1O1`; did you mean `PIN101`?'
    )
