import textwrap
import tokenize

import pytest

from pinless import suppress
from pinless.finding import Edit, Finding, Fix

PATH = "/project/handler.py"
KNOWN = {"PIN001", "PIN002", "PIN101", "PIN102", "PIN201", "PIN301", "PIN401"}


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def finding(code: str, line: int, noqa_row: int = 0) -> Finding:
    return Finding(code, f"{code} here", PATH, line, 1, line, 2, noqa_row=noqa_row)


def run(source: str, *findings: Finding, known=KNOWN):
    return suppress.apply(list(findings), suppress.parse(source), PATH, known)


def apply_edits(source: str, edits: tuple[Edit, ...]) -> str:
    """Apply non-overlapping edits, last first (rows and columns 1-based)."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(row: int, column: int) -> int:
        return starts[row - 1] + column - 1

    for edit in sorted(edits, reverse=True):
        a, b = offset(edit.row, edit.column), offset(edit.end_row, edit.end_column)
        source = source[:a] + edit.content + source[b:]
    return source


def fixed(source: str, report: Finding) -> str:
    assert report.fix is not None and report.fix.applicability == "safe"
    return apply_edits(source, report.fix.edits)


# --- parsing -----------------------------------------------------------------------------------


def test_text_without_noqa_is_not_tokenized(monkeypatch):
    def refuse(*_):
        raise AssertionError("tokenize ran")

    monkeypatch.setattr(tokenize, "generate_tokens", refuse)
    assert not suppress.parse("x = 1  # fine\n")


def test_noqa_in_a_string_is_not_a_comment():
    parsed = suppress.parse('x = "# noqa: PIN101"\ny = """\n# noqa\n"""\n')
    assert not parsed


@pytest.mark.parametrize(
    "comment, codes",
    [
        ("# noqa: PIN101", ["PIN101"]),
        ("#noqa:PIN101", ["PIN101"]),
        ("# NOQA: PIN101,PIN102", ["PIN101", "PIN102"]),
        ("# NoQa : PIN101 PIN102", ["PIN101", "PIN102"]),
        ("# noqa: PIN101, E501 PIN102  # the driver sends it", ["PIN101", "E501", "PIN102"]),
        ("# type: ignore  # noqa: PIN101", ["PIN101"]),
        ("# noqa", []),
        ("# noqa  # reason", []),
        ("# noqa because", []),
    ],
)
def test_line_directive_codes(comment, codes):
    parsed = suppress.parse(f"x = 1  {comment}\n")
    assert [ref.code for ref in parsed.lines[1].codes] == codes


@pytest.mark.parametrize("comment", ["# noqa:", "# noqa: pin101", "# noqaX", "# not-noqa-ish"])
def test_comments_that_are_not_directives(comment):
    parsed = suppress.parse(f"x = 1  {comment}\n")
    assert 1 not in parsed.lines


def test_file_directive_only_on_its_own_line():
    parsed = suppress.parse(src("""
        # pinless: noqa: PIN101, PIN301
        x = 1  # pinless: noqa
          # Pinless : NOQA
    """))
    assert [(d.row, [r.code for r in d.codes]) for d in parsed.files] == [
        (1, ["PIN101", "PIN301"]),
        (3, []),
    ]
    assert parsed.skips_file is True
    assert parsed.lines == {}


def test_comments_before_a_tokenize_error_still_count():
    parsed = suppress.parse('x = 1  # noqa: PIN101\ny = """never closed\n')
    assert list(parsed.lines) == [1]


# --- suppressing -------------------------------------------------------------------------------


def test_line_codes_silence_their_codes_only():
    kept, unused, count = run(
        "cur.execute(sql)  # noqa: PIN101\n", finding("PIN101", 1), finding("PIN201", 1)
    )
    assert [f.code for f in kept] == ["PIN201"]
    assert (unused, count) == ([], 1)


def test_bare_noqa_silences_everything_on_its_line_and_is_never_reported():
    source = "a()  # noqa\nb()  # noqa\n"
    found = finding("PIN101", 1), finding("PIN401", 1), finding("PIN102", 3)
    kept, unused, count = run(source, *found)
    assert [f.code for f in kept] == ["PIN102"]
    assert (unused, count) == ([], 2)


def test_suppression_uses_the_noqa_row():
    source = src('''
        cur.execute("""
            SET x = 1
        """)  # noqa: PIN101
    ''')
    kept, unused, count = run(source, finding("PIN101", 2, noqa_row=3))
    assert (kept, unused, count) == ([], [], 1)


def test_file_directive_skips_the_file():
    source = "# pinless: noqa\na()\nb()\n"
    kept, unused, count = run(source, finding("PIN101", 2), finding("PIN401", 3))
    assert (kept, unused, count) == ([], [], 2)


def test_file_directive_with_codes():
    source = "# pinless: noqa: PIN101, PIN301\na()\nb()\n"
    found = finding("PIN101", 2), finding("PIN301", 3), finding("PIN201", 3)
    kept, unused, count = run(source, *found)
    assert [f.code for f in kept] == ["PIN201"]
    assert (unused, count) == ([], 2)


def test_file_directive_on_a_code_line_does_nothing():
    kept, unused, count = run("a()  # pinless: noqa\n", finding("PIN101", 1))
    assert [f.code for f in kept] == ["PIN101"]
    assert (unused, count) == ([], 0)


def test_renumbered_code_keeps_silencing_its_successor():
    known = {"PIN101": "PIN101", "PIN150": "PIN101", "PIN002": "PIN002"}
    kept, unused, count = run("a()  # noqa: PIN150\n", finding("PIN101", 1), known=known)
    assert (kept, unused, count) == ([], [], 1)


# --- PIN002 ------------------------------------------------------------------------------------


def test_unused_code_report_and_fix():
    source = "x = 1  # noqa: PIN101\n"
    kept, unused, count = run(source)
    assert (kept, count) == ([], 0)
    assert unused == [
        Finding(
            code="PIN002",
            message="unused `noqa` directive (unused: `PIN101`)",
            path=PATH,
            line=1,
            column=8,
            end_line=1,
            end_column=22,
            help="remove the unused directive",
            fix=Fix("safe", "remove the unused directive", (Edit(1, 6, 1, 22, ""),)),
            snippet="# noqa: PIN101",
            line_text="x = 1  # noqa: PIN101",
        )
    ]
    assert fixed(source, unused[0]) == "x = 1\n"


def test_unknown_code():
    source = "x = 1  # noqa: PIN999\n"
    (report,) = run(source)[1]
    assert report.message == "unused `noqa` directive (unknown: `PIN999`)"
    assert fixed(source, report) == "x = 1\n"


def test_only_dead_codes_are_removed():
    source = "x = f()  # noqa: PIN101, E501, PIN999, PIN201  # driver sends it\n"
    kept, unused, count = run(source, finding("PIN201", 1))
    assert count == 1
    (report,) = unused
    assert report.message == "unused `noqa` directive (unused: `PIN101`; unknown: `PIN999`)"
    assert report.help == "remove the unused codes"
    assert (report.column, report.end_column) == (10, 46)
    assert fixed(source, report) == "x = f()  # noqa: E501, PIN201  # driver sends it\n"


def test_duplicated_code():
    source = "x = f()  # noqa: PIN101, PIN101\n"
    (report,) = run(source, finding("PIN101", 1))[1]
    assert report.message == "unused `noqa` directive (duplicated: `PIN101`)"
    assert fixed(source, report) == "x = f()  # noqa: PIN101\n"


def test_other_tools_codes_and_bare_noqa_are_left_alone():
    assert run("x = 1  # noqa: E501, S608\ny = 2  # noqa\n")[1] == []


@pytest.mark.parametrize(
    "line, expected",
    [
        # a reason after a further `#` stays
        ("x = 1  # noqa: PIN101  # ticket OPS-42\n", "x = 1  # ticket OPS-42\n"),
        # another tool's pragma before it stays
        ("x = 1  # type: ignore  # noqa: PIN101\n", "x = 1  # type: ignore\n"),
        ("x = 1  # type: ignore  # noqa: PIN101  # why\n", "x = 1  # type: ignore  # why\n"),
        # free text after the codes stays a comment
        ("x = 1  # noqa: PIN101 the driver sends it\n", "x = 1  # the driver sends it\n"),
        # a comment on its own line goes with its line
        ("# noqa: PIN101\nx = 1\n", "x = 1\n"),
        # CRLF and a last line without a line break
        ("y = 0\r\nx = 1  # noqa: PIN101\r\n", "y = 0\r\nx = 1\r\n"),
        ("y = 0\nx = 1  # noqa: PIN101", "y = 0\nx = 1"),
        ("y = 0\n# noqa: PIN101", "y = 0\n"),
    ],
)
def test_directive_removal_keeps_what_shares_the_comment(line, expected):
    (report,) = run(line)[1]
    assert fixed(line, report) == expected


def test_unused_file_directive():
    source = "# pinless: noqa\nx = 1\n"
    (report,) = run(source)[1]
    assert report.message == "unused `pinless: noqa` directive (no finding in the file)"
    assert (report.line, report.column, report.end_column) == (1, 1, 16)
    assert fixed(source, report) == "x = 1\n"


def test_unused_file_directive_code():
    source = "# pinless: noqa: PIN101, PIN301\nx = f()\n"
    (report,) = run(source, finding("PIN101", 2))[1]
    assert report.message == "unused `pinless: noqa` directive (unused: `PIN301`)"
    assert fixed(source, report) == "# pinless: noqa: PIN101\nx = f()\n"


def test_pin002_on_the_line_silences_its_report():
    kept, unused, count = run("x = 1  # noqa: PIN101, PIN002\n")
    assert (kept, unused, count) == ([], [], 1)


def test_pin002_alone_on_a_line_is_itself_unused():
    (report,) = run("x = 1  # noqa: PIN002\n")[1]
    assert report.message == "unused `noqa` directive (unused: `PIN002`)"


def test_file_directive_silences_line_reports_and_counts_as_used():
    source = "# pinless: noqa: PIN002\nx = 1  # noqa: PIN101\n"
    assert run(source) == ([], [], 1)
    assert run("# pinless: noqa\nx = 1  # noqa: PIN101\n") == ([], [], 1)


def test_code_used_by_another_finding_on_the_line_is_kept():
    source = "x = f()  # noqa: PIN101, PIN102\n"
    kept, unused, count = run(source, finding("PIN101", 1), finding("PIN102", 1))
    assert (kept, unused, count) == ([], [], 2)


def test_no_suppressions_returns_the_findings():
    findings = [finding("PIN101", 1)]
    assert suppress.apply(findings, suppress.parse("x = 1\n"), PATH, KNOWN) == (findings, [], 0)
