"""Generated Python programs (hypothesmith) through the real engine.

Random programs import no database library, so the prefilter would drop them and the analysis
would never run. Each one is therefore combined with a Lambda handler that uses psycopg and
SQLAlchemy (findings with safe and unsafe fixes), either beside it at module level or with the
generated code inside the handler's body. Properties:

- checking a valid program never raises and never reports it as unparseable (PIN001);
- ``engine.fix`` (unsafe fixes included) never produces text that does not parse, and a fix
  that would break the code does not keep the others from being applied.
"""

from __future__ import annotations

import re
import tempfile
import textwrap
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from pinless import engine
from pinless.config import load_settings

PRELUDE = """\
import psycopg
import sqlalchemy

engine_ = sqlalchemy.create_engine("postgresql+psycopg://db/app")
"""

HANDLER = """\
def lambda_handler(event, context):
    conn = psycopg.connect(event["dsn"])
    cur = conn.cursor()
    cur.execute("SET search_path TO app")
{body}
    with engine_.connect() as c:
        c.execute(sqlalchemy.text("SELECT pg_advisory_lock(1)"))
    return cur.fetchall()
"""

# generated code is full of `"str"()` and `assert (x, y)`: their SyntaxWarnings are noise here
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

# line breaks for str.splitlines() that are not line breaks for Python
_SPLITLINES_ONLY = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

programs = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.filter_too_much])


def _valid(text: str) -> bytes | None:
    try:
        data = text.encode("utf-8")
        compile(data, "handler.py", "exec")  # the bytes, so a generated coding cookie counts
    except (UnicodeEncodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # lone surrogates; `from __future__` or a tab/space mix moved into the handler
    return data


def _compose(generated: str, placement: str) -> bytes:
    # generated code first at module level: it may hold `from __future__` imports
    beside = generated + "\n" + PRELUDE + "\n\n" + HANDLER.format(body="    pass")
    data = None
    if placement == "handler":
        body = textwrap.indent(generated, "    ", lambda line: True) if generated.strip() else ""
        data = _valid(PRELUDE + "\n\n" + HANDLER.format(body=body + "\n    pass"))
    data = data or _valid(beside)
    assume(data is not None)
    return data


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="pinless-property-") as folder:
        yield Path(folder)


def _lint(folder: Path, data: bytes):
    path = folder / "handler.py"
    path.write_bytes(data)
    config = load_settings(first_path=folder, config_file=None, isolated=True,
                           overrides={"cache": False, "jobs": 1, "select": ("ALL",), "unsafe_fixes": True})
    return engine.lint([path], config), config


@PROPERTY
@given(generated=programs, placement=st.sampled_from(["module", "handler"]))
def test_checking_a_valid_program_never_raises(workdir, generated, placement):
    data = _compose(generated, placement)
    result, _ = _lint(workdir, data)
    assert result.files_checked == 1
    assert not [f for f in result.findings if f.code == "PIN001"], [f.message for f in result.findings]
    assert any(f.code == "PIN101" for f in result.findings)  # the analysis really ran


@PROPERTY
@given(generated=programs, placement=st.sampled_from(["module", "handler"]))
# a form feed in an indented block: libcst re-indents it into code Python rejects
@example(generated="class A:\n\x0c pass\n", placement="handler")
@example(generated="class A:\n\x0c pass\n", placement="module")
def test_fixes_never_produce_code_that_does_not_parse(workdir, generated, placement):
    data = _compose(generated, placement)
    result, config = _lint(workdir, data)
    fixed = engine.fix(result, config, write=False)
    for text in fixed.texts.values():
        compile(text, "handler.py", "exec")
    # a fix whose result would not parse is dropped with a note naming it ...
    for note in fixed.notes:
        assert note.endswith("produced code that does not parse; it was not applied"), note
    # ... and never takes the others with it: the text-edit fix of PIN202 always goes in. Not
    # where str.splitlines() sees extra line breaks: the analyzer then reports wrong columns
    # (test_bad_input.py::test_a_form_feed_line_does_not_shift_columns, xfail) and the guard
    # above rightly refuses the misplaced edit.
    if not _SPLITLINES_ONLY.search(data.decode("utf-8", "replace")):
        assert 'psycopg.connect(event["dsn"], prepare_threshold=None)' in "".join(fixed.texts.values())
        assert not [n for n in fixed.notes if "prepare_threshold" in n], fixed.notes
