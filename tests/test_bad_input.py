"""Files pinless cannot read or parse, and odd but valid ones: each has one clear outcome.

A file that does not parse is a PIN001 finding for that file, at the parser's line and column
with the parser's message, and the run goes on: the other files' findings are still reported.
"""

from __future__ import annotations

import sys

import hashlib
import json
from pathlib import Path

import pytest

from cliutil import FIXABLE, FIXED, PIN202_MESSAGE, invoke, one_error_line, run, write
from pinless import discover, engine
from pinless.config import load_settings

PIN001 = "the file could not be read or parsed, so it was not checked: "


@pytest.fixture
def check(monkeypatch):
    """``check(root, *args) -> (exit code, [(code, file, row, column, message)])`` via json output."""
    def go(root: Path, *args: str):
        r = invoke(["check", "--no-cache", "--output-format", "json", *args], root, monkeypatch=monkeypatch)
        assert r.code in (0, 1), r.stderr
        items = json.loads(r.stdout)
        return r.code, [(i["code"], Path(i["filename"]).relative_to(root).as_posix(), i["location"]["row"],
                         i["location"]["column"], i["message"]) for i in items]
    return go


@pytest.fixture
def cli(monkeypatch):
    return lambda args, cwd: invoke(args, cwd, monkeypatch=monkeypatch)


def _syntax_error(source: str) -> tuple[int, int, str]:
    try:
        compile(source, "x.py", "exec")
    except SyntaxError as exc:
        grammar = f"Python {sys.version_info.major}.{sys.version_info.minor} grammar"
        return exc.lineno, exc.offset, f"{exc.msg} ({grammar})"
    raise AssertionError("the source parses")


GOOD = ("good.py", 5, 10)  # where FIXABLE's PIN202 is


@pytest.mark.parametrize("source", [
    "import psycopg\n\n\ndef lambda_handler(event, context:\n    return 1\n",
    "x = (1,\n",
    "def f():\n\tif x:\n        pass\n",
    "x = 'é' + (:\n",  # the column counts code points, not bytes
    "print 'python 2'\n",
])
def test_syntax_error_is_pin001_at_the_parsers_position_and_the_run_continues(tmp_path, check, source):
    write(tmp_path, {"broken.py": source, "good.py": FIXABLE})
    line, column, message = _syntax_error(source)
    code, found = check(tmp_path)
    assert code == 1
    assert found == [
        ("PIN001", "broken.py", line, column, PIN001 + message),
        ("PIN202", *GOOD, PIN202_MESSAGE),
    ]


def test_undecodable_bytes_are_pin001_at_the_bad_byte(tmp_path, check):
    write(tmp_path, {"latin.py": b'import os\n\nname = "caf\xe9"\n', "good.py": FIXABLE})
    code, found = check(tmp_path)
    assert code == 1
    assert found == [
        ("PIN202", *GOOD, PIN202_MESSAGE),
        ("PIN001", "latin.py", 3, 12, PIN001 + "cannot decode byte 0xe9 as utf-8: invalid continuation byte"),
    ]


def test_undecodable_first_line_and_bad_coding_cookie(tmp_path, check):
    write(tmp_path, {
        "a.py": b'x = "\xff"\n',  # tokenize alone would say "invalid or missing encoding declaration"
        "b.py": b"# -*- coding: klingon -*-\nx = 1\n",
        "c.py": b"\xef\xbb\xbfx = 1\ny = '\xc3\xa9\xff'\n",  # after a BOM: columns still from the text
    })
    _, found = check(tmp_path)
    assert found == [
        ("PIN001", "a.py", 1, 6, PIN001 + "cannot decode byte 0xff as utf-8: invalid start byte"),
        ("PIN001", "b.py", 1, 1, PIN001 + "cannot decode: unknown encoding: klingon"),
        ("PIN001", "c.py", 2, 7, PIN001 + "cannot decode byte 0xff as utf-8-sig: invalid start byte"),
    ]


def test_a_declared_encoding_is_honoured(tmp_path, check):
    write(tmp_path, {"latin.py": ("# -*- coding: latin-1 -*-\n# café\n" + FIXABLE).encode("latin-1")})
    assert check(tmp_path) == (1, [("PIN202", "latin.py", 7, 10, PIN202_MESSAGE)])


def test_utf8_bom_is_analysed_with_correct_columns_and_kept_by_fix(tmp_path, check, cli):
    one_line = 'import psycopg; conn = psycopg.connect("dbname=orders")\n'
    write(tmp_path, {"bom.py": b"\xef\xbb\xbf" + FIXABLE.encode(), "first.py": b"\xef\xbb\xbf" + one_line.encode()})
    code, found = check(tmp_path, "--select", "PIN202")
    assert found == [("PIN202", "bom.py", 5, 10, PIN202_MESSAGE), ("PIN202", "first.py", 1, 24, PIN202_MESSAGE)]
    assert cli(["fix", "--no-cache", "--select", "PIN202"], tmp_path).code == 0
    assert (tmp_path / "bom.py").read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()
    assert (tmp_path / "first.py").read_bytes() == b"\xef\xbb\xbf" + one_line.replace(
        '"dbname=orders")', '"dbname=orders", prepare_threshold=None)').encode()


def test_crlf_is_analysed_with_correct_positions_and_kept_by_fix(tmp_path, check, cli):
    source = ("import psycopg\n\n\ndef lambda_handler(event, context):\n"
              "    conn = psycopg.connect(\n        event['dsn'],\n    )\n    conn.close()\n")
    write(tmp_path, {"crlf.py": source.replace("\n", "\r\n").encode(), "lf.py": source.encode()})
    _, found = check(tmp_path, "--select", "PIN202")
    assert [f[1:4] for f in found] == [("crlf.py", 5, 12), ("lf.py", 5, 12)]
    assert cli(["fix", "--no-cache", "--select", "PIN202"], tmp_path).code == 0
    fixed = (tmp_path / "crlf.py").read_bytes()
    assert fixed == (tmp_path / "lf.py").read_bytes().replace(b"\n", b"\r\n")
    assert b"prepare_threshold=None" in fixed and fixed.count(b"\n") == fixed.count(b"\r\n")


def test_old_mac_line_endings(tmp_path, check, cli):
    source = "import psycopg\r\r\rdef lambda_handler(event, context):\r    c = psycopg.connect(event['dsn'])\r"
    write(tmp_path, {"cr.py": source.encode()})
    _, found = check(tmp_path, "--select", "PIN202")
    assert found == [("PIN202", "cr.py", 5, 9, PIN202_MESSAGE)]
    assert cli(["fix", "--no-cache", "--select", "PIN202"], tmp_path).code == 0
    assert (tmp_path / "cr.py").read_bytes() == source.replace(
        "event['dsn'])", "event['dsn'], prepare_threshold=None)").encode()


def test_a_form_feed_line_does_not_shift_columns(tmp_path, check):
    write(tmp_path, {"paged.py": '# \x0c page two\nimport psycopg\nname = "é"; conn = psycopg.connect("dbname=x")\n'})
    assert check(tmp_path, "--select", "PIN202") == (1, [("PIN202", "paged.py", 3, 20, PIN202_MESSAGE)])


def test_empty_file(tmp_path, cli):
    write(tmp_path, {"__init__.py": b"", "empty.py": b""})
    r = cli(["check", "--no-cache"], tmp_path)
    assert (r.code, r.stdout) == (0, "All checks passed!\n")


def test_five_megabyte_generated_file(tmp_path, check):
    rows, size, i = ['"""Generated translation table. DO NOT EDIT."""\n', "ROWS = {\n"], 0, 0
    while size < 5 * 1024 * 1024:
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        row = f'    "key_{i:07d}": ("{digest * 3}", {i}),\n'
        rows.append(row)
        size += len(row)
        i += 1
    rows.append("}\n\n\n" + FIXABLE)
    write(tmp_path, {"generated.py": "".join(rows)})
    assert (tmp_path / "generated.py").stat().st_size > 5 * 1024 * 1024
    code, found = check(tmp_path)
    assert (code, found) == (1, [("PIN202", "generated.py", i + 5 + 5, 10, PIN202_MESSAGE)])


def test_binary_file_named_py(tmp_path, check):
    write(tmp_path, {
        "blob.py": b"import os\x00\x00\x00\x01\x02\x03\n",  # ASCII with NUL bytes
        # a compiled binary; 0x0a and 0x0d are line breaks, 0x80 the first byte UTF-8 refuses
        "elf.py": b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8,
        "good.py": FIXABLE,
    })
    code, found = check(tmp_path)
    assert code == 1
    assert [f[:2] for f in found] == [("PIN001", "blob.py"), ("PIN001", "elf.py"), ("PIN202", "good.py")]
    assert "null bytes" in found[0][4]
    assert found[1][2:] == (3, 115, PIN001 + "cannot decode byte 0x80 as utf-8: invalid start byte")


def test_file_deleted_during_the_run(tmp_path, monkeypatch):
    """Discovery lists the file, then it disappears before it is read (an editor's swap, a
    branch switch): a PIN001 for that file, the others still checked, no crash."""
    write(tmp_path, {"gone.py": FIXABLE, "good.py": FIXABLE})
    real = discover.collect

    def collect_then_delete(paths, settings, **kwargs):
        found = real(paths, settings, **kwargs)
        assert tmp_path / "gone.py" in found.files
        (tmp_path / "gone.py").unlink()
        return found

    monkeypatch.setattr(discover, "collect", collect_then_delete)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(first_path=tmp_path, config_file=None, isolated=True,
                             overrides={"cache": False, "jobs": 1})
    result = engine.lint([tmp_path], settings)
    assert [(f.code, Path(f.path).name, f.line, f.column, f.message) for f in result.findings] == [
        ("PIN001", "gone.py", 1, 1, PIN001 + "cannot read: No such file or directory"),
        ("PIN202", "good.py", 5, 10, PIN202_MESSAGE),
    ]
    # and through the command line: exit 1 with the same finding, nothing on stderr
    (tmp_path / "gone.py").write_text(FIXABLE)
    r = invoke(["check", "--no-cache", "--output-format", "concise"], tmp_path, monkeypatch=monkeypatch)
    assert r.code == 1 and r.stderr == ""
    assert r.stdout.splitlines()[0] == f"gone.py:1:1: PIN001 {PIN001}cannot read: No such file or directory"


def test_file_deleted_before_fix_writes_it(tmp_path, monkeypatch):
    """`pinless fix` read the file, then it vanished: a note, no crash, nothing recreated."""
    write(tmp_path, {"gone.py": FIXABLE})
    monkeypatch.chdir(tmp_path)
    settings = load_settings(first_path=tmp_path, config_file=None, isolated=True,
                             overrides={"cache": False, "jobs": 1})
    result = engine.lint([tmp_path / "gone.py"], settings)
    (tmp_path / "gone.py").unlink()
    fixed = engine.fix(result, settings, write=True)
    assert fixed.notes == [f"{tmp_path / 'gone.py'}: could not write the fix: No such file or directory"]
    assert not (tmp_path / "gone.py").exists()


def test_path_that_does_not_exist(tmp_path):
    write(tmp_path, {"good.py": FIXABLE})
    r = run(["check", "good.py", "no/such/handler.py"], tmp_path)
    assert (r.code, r.stdout) == (2, "")
    assert one_error_line(r.stderr) == "pinless: error: no/such/handler.py: no such file or directory"
