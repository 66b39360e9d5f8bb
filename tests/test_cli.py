"""The command line as users meet it (conventions sections 6, 7, 8 and 14).

End-to-end cases run ``python -m pinless`` as a subprocess; the rest use click's CliRunner in
this process, which is faster and lets a test watch the runner (worker pool, cache). The
reporters have their own unit tests (test_report.py); here each format is only smoke-tested
through the CLI.
"""

from __future__ import annotations

import json
import os
import re
import select
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cliutil import (
    CLEAN, FIXABLE, FIXED, PIN202_MESSAGE, UNFIXABLE, clean_env, invoke, one_error_line, run, write,
)
from pinless import runner

FORMATS = ("full", "concise", "json", "json-lines", "github", "gitlab", "sarif", "junit")


@pytest.fixture
def cli(monkeypatch):
    """``cli(args, cwd, stdin=None, env=None)``: pinless through CliRunner, in this process."""
    return lambda args, cwd, stdin=None, env=None: invoke(args, cwd, stdin, env, monkeypatch=monkeypatch)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """fixable.py (one PIN202 with a safe fix), unfixable.py (one PIN101), clean.py."""
    write(tmp_path, {"fixable.py": FIXABLE, "unfixable.py": UNFIXABLE, "clean.py": CLEAN})
    return tmp_path


# ------------------------------------------------------------------------------------------
# Exit codes


def test_exit_0_when_nothing_is_found(project):
    r = run(["check", "clean.py"], project)
    assert (r.code, r.stdout, r.stderr) == (0, "All checks passed!\n", "")


def test_exit_1_when_findings_remain(project):
    r = run(["check", "--output-format", "concise"], project)
    assert r.code == 1
    assert r.stdout.splitlines()[:2] == [
        f"fixable.py:5:10: PIN202 [*] {PIN202_MESSAGE}",
        "unfixable.py:6:9: PIN101 `SET statement_timeout` on a pooled connection pins the RDS Proxy session",
    ]


def test_exit_zero_turns_1_into_0(cli, project):
    r = cli(["check", "--exit-zero", "--output-format", "concise", "fixable.py"], project)
    assert r.code == 0
    assert "PIN202" in r.stdout


@pytest.mark.parametrize("args", [
    ["check", "--exit-zero", "missing.py"],
    ["check", "--exit-zero", "--target", "pgbouncer"],
    ["fix", "--exit-zero", "--select", "PIN999"],
])
def test_exit_zero_never_hides_2(cli, project, args):
    r = cli(args, project)
    assert r.code == 2
    one_error_line(r.stderr)


# ------------------------------------------------------------------------------------------
# Errors: one line on stderr naming what is wrong, exit 2, no traceback


@pytest.mark.parametrize("setup, args, names", [
    pytest.param({"pinless.toml": 'selectt = ["PIN1"]\n'}, ["check"],
                 ["pinless.toml", "selectt", "did you mean `select`"], id="config-key"),
    pytest.param({"pyproject.toml": '[tool.pinless]\ntarget = ["rds-proxy"]\nunsafe-fixes = "yes"\n'}, ["check"],
                 ["pyproject.toml", "unsafe-fixes", "yes"], id="config-type"),
    pytest.param({"pinless.toml": "target = [\n"}, ["check"], ["pinless.toml", "invalid TOML"], id="config-toml"),
    pytest.param({}, ["check", "--target", "pgbouncer"], ["--target", "pgbouncer"], id="target"),
    pytest.param({}, ["check", "--select", "PIN999"], ["--select", "PIN999"], id="select-code"),
    pytest.param({}, ["check", "--ignore", "PIN1,XYZ"], ["--ignore", "XYZ"], id="ignore-code"),
    pytest.param({}, ["check", "missing.py"], ["missing.py", "no such file"], id="missing-path"),
    pytest.param({}, ["check", "--config", "nope.toml"], ["nope.toml", "not found"], id="missing-config"),
    pytest.param({}, ["check", "--output-format", "xml"], ["--output-format", "xml"], id="format-choice"),
    pytest.param({}, ["check", "--jobs", "many"], ["--jobs", "many"], id="jobs-int"),
    pytest.param({}, ["check", "--jobs", "-1"], ["--jobs", "-1"], id="jobs-negative"),
    pytest.param({}, ["check", "--selcet", "PIN1"], ["--selcet", "--select"], id="unknown-option"),
    pytest.param({}, ["check", "--per-file-ignores", "tests"], ["--per-file-ignores", "GLOB:CODES"], id="pfi"),
    pytest.param({}, ["lint"], ["lint"], id="unknown-command"),
    pytest.param({}, ["explain"], ["CODE"], id="missing-argument"),
    pytest.param({}, ["check", "-o", "no/such/dir/report.txt", "fixable.py"], ["--output-file", "report.txt"],
                 id="output-file"),
])
def test_error_is_one_line_naming_the_culprit(cli, project, setup, args, names):
    write(project, setup)
    r = cli(args, project)
    assert r.code == 2, r.stderr
    line = one_error_line(r.stderr)
    for name in names:
        assert name in line, line
    assert r.stdout == ""


@pytest.mark.parametrize("args, pattern", [
    (["check", "missing.py"], r"pinless: error: missing\.py: no such file or directory"),
    (["check", "--target", "pgbouncer"],
     r"pinless: error: option --target \[\"pgbouncer\"\]: unknown target `pgbouncer` .*`pgbouncer-transaction`.*"),
    (["fix", "--diff", "--selcet", "PIN1"],
     r"pinless: error: no such option '--selcet'\.? \(Did you mean one of: '--extend-select', '--select'\?\) "
     r"\(see `(python -m )?pinless fix --help`\)"),
])
def test_error_end_to_end(project, args, pattern):
    """The real process: one line, exit 2, nothing on stdout."""
    r = run(args, project)
    assert (r.code, r.stdout) == (2, "")
    assert re.fullmatch(pattern, one_error_line(r.stderr)), r.stderr


def test_internal_error_is_one_line_and_verbose_shows_the_traceback(project, monkeypatch):
    # No input makes pinless crash (that would be a bug to fix), so the fault is injected: the
    # lint engine raises as a bug in it would. What is tested is the CLI's handling of it.
    from pinless import engine

    def broken(*args, **kwargs):
        raise RuntimeError("analysis state went wrong\nsecond line")

    monkeypatch.setattr(engine, "lint", broken)
    quiet = invoke(["check", "fixable.py"], project, monkeypatch=monkeypatch)
    assert quiet.code == 2
    assert one_error_line(quiet.stderr) == (
        "pinless: error: internal error: RuntimeError: analysis state went wrong "
        "(run with --verbose for the traceback)")
    loud = invoke(["check", "--verbose", "fixable.py"], project, monkeypatch=monkeypatch)
    assert loud.code == 2
    assert loud.stderr.startswith("Traceback (most recent call last):")
    assert "RuntimeError: analysis state went wrong" in loud.stderr
    assert loud.stderr.splitlines()[-1] == "pinless: error: internal error: RuntimeError: analysis state went wrong"


# ------------------------------------------------------------------------------------------
# stdin


def test_check_stdin_uses_stdin_filename_for_paths_and_config(project):
    write(project, {"lambdas/pinless.toml": 'per-file-ignores = {"legacy/**" = ["PIN2"]}\n'})
    r = run(["check", "-", "--stdin-filename", "lambdas/api/app.py", "--output-format", "concise"],
            project, stdin=FIXABLE.encode())
    assert r.code == 1
    assert r.stdout.splitlines()[0] == f"lambdas/api/app.py:5:10: PIN202 [*] {PIN202_MESSAGE}"
    # the config beside the name applies: its per-file-ignores silence the same text elsewhere
    r = run(["check", "-", "--stdin-filename", "lambdas/legacy/app.py"], project, stdin=FIXABLE.encode())
    assert (r.code, r.stdout) == (0, "All checks passed!\n")


def test_check_stdin_without_a_name(cli, project):
    r = cli(["check", "-", "--output-format", "concise", "-q"], project, stdin=FIXABLE.encode())
    assert (r.code, r.stdout) == (1, f"stdin.py:5:10: PIN202 [*] {PIN202_MESSAGE}\n")


def test_fix_stdin_writes_only_the_fixed_source_to_stdout(project):
    r = run(["fix", "-", "--stdin-filename", "fixable.py"], project, stdin=FIXABLE.encode())
    assert r.code == 0
    assert r.stdout == FIXED
    assert (project / "fixable.py").read_text() == FIXABLE  # the file of that name is not touched


def test_fix_stdin_reports_what_remains_on_stderr(cli, project):
    source = FIXABLE + UNFIXABLE.split("\n\n\n", 1)[1].replace("lambda_handler", "other")
    r = cli(["fix", "-"], project, stdin=source.encode())
    assert r.code == 1
    assert r.stdout == source.replace('connect(event["dsn"])', 'connect(event["dsn"], prepare_threshold=None)')
    assert "PIN101" in r.stderr and "PIN202" not in r.stderr


def test_fix_stdin_keeps_encoding_bom_and_newlines(project):
    latin = ("# -*- coding: latin-1 -*-\n# café\n" + FIXABLE).replace("\n", "\r\n").encode("latin-1")
    r = run(["fix", "-"], project, stdin=latin)
    assert r.code == 0
    assert r.stdout_bytes == ("# -*- coding: latin-1 -*-\n# café\n" + FIXED).replace("\n", "\r\n").encode("latin-1")
    bom = b"\xef\xbb\xbf" + FIXABLE.encode()
    assert run(["fix", "-"], project, stdin=bom).stdout_bytes == b"\xef\xbb\xbf" + FIXED.encode()


def test_fix_stdin_echoes_input_it_cannot_decode(cli, project):
    data = b"x = '\xff'\n"
    r = cli(["fix", "-"], project, stdin=data)
    assert r.code == 1
    assert r.stdout_bytes == data
    assert "PIN001" in r.stderr


# ------------------------------------------------------------------------------------------
# Report options


def test_output_file_gets_the_report_and_stdout_nothing(cli, project):
    r = cli(["check", "--output-file", "report.txt", "fixable.py"], project)
    assert r.code == 1
    assert r.stdout == ""
    report = (project / "report.txt").read_text()
    assert report.startswith(f"fixable.py:5:10: PIN202 [*] {PIN202_MESSAGE}\n")
    assert "\x1b[" not in report
    assert r.stderr == "Found 1 problem (1 error)\n1 fixable with pinless fix\n"


def test_output_file_with_a_machine_format(cli, project):
    r = cli(["check", "--output-format", "json", "-o", "out.json"], project)
    assert (r.code, r.stdout) == (1, "")
    assert [f["code"] for f in json.loads((project / "out.json").read_text())] == ["PIN202", "PIN101"]


def test_statistics(cli, project):
    write(project, {"more.py": FIXABLE})
    r = cli(["check", "--statistics"], project)
    assert r.code == 1
    rows = [line.split() for line in r.stdout.splitlines()[:2]]
    assert rows == [["2", "PIN202", "psycopg-prepare-threshold", "[*]"], ["1", "PIN101", "sql-set-statement"]]
    assert "Found 3 problems" in r.stdout


def test_show_fixes(cli, project):
    r = cli(["check", "--show-fixes", "fixable.py"], project)
    assert r.code == 1
    assert "  fix (safe): pass `prepare_threshold=None`" in r.stdout
    assert '    5 +     with psycopg.connect(event["dsn"], prepare_threshold=None) as conn:' in r.stdout


def test_fix_hint(cli, project):
    r = cli(["check"], project)
    assert r.stdout.endswith("Found 2 problems (2 errors)\n1 fixable with pinless fix\n")
    r = cli(["check", "unfixable.py"], project)
    assert r.stdout.endswith("Found 1 problem (1 error)\n")
    r = cli(["check", "--output-format", "concise", "--unsafe-fixes", "fixable.py"], project)
    assert r.stdout.endswith("Found 1 problem (1 error)\n1 fixable with pinless fix\n")


def test_quiet_prints_only_findings(cli, project):
    r = cli(["check", "-q", "--output-format", "concise"], project)
    assert r.code == 1
    assert len(r.stdout.splitlines()) == 2 and "Found" not in r.stdout and "with pinless fix" not in r.stdout
    assert r.stderr == ""
    assert cli(["check", "-q", "clean.py"], project).stdout == ""


def _has_color(text: str) -> bool:
    return "\x1b[" in text


def test_color_always_and_never(cli, project):
    assert _has_color(cli(["check", "--color", "always", "fixable.py"], project).stdout)
    assert not _has_color(cli(["check", "--color", "never", "fixable.py"], project).stdout)
    # a pipe is not a terminal: auto means no colour
    assert not _has_color(cli(["check", "fixable.py"], project).stdout)
    # always wins over NO_COLOR (it is an explicit request)
    assert _has_color(cli(["check", "--color", "always", "fixable.py"], project, env={"NO_COLOR": "1"}).stdout)


def _run_on_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """stdout of pinless when it is a pseudo-terminal (what `--color auto` looks at)."""
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "pinless", *args], cwd=cwd, env=env,
                                stdout=follower, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=60)
        return b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)


@pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin")), reason="needs a pseudo-terminal")
def test_color_auto_on_a_terminal_honours_no_color(project):
    assert _has_color(_run_on_terminal(["check", "fixable.py"], project, clean_env()))
    assert not _has_color(_run_on_terminal(["check", "fixable.py"], project, clean_env(NO_COLOR="1")))


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_format_smoke(cli, project, fmt):
    r = cli(["check", "--output-format", fmt], project)
    assert r.code == 1, r.stderr
    out = r.stdout
    if fmt in ("full", "concise"):
        assert out.startswith(f"fixable.py:5:10: PIN202 [*] {PIN202_MESSAGE}\n")
        assert ("   5 |     with psycopg.connect" in out) == (fmt == "full")
        return
    # machine formats: only the report on stdout (GitHub's step log also gets a summary line,
    # conventions section 8)
    assert "fixable with" not in out
    assert ("Found" in out) == (fmt == "github")
    if fmt == "json":
        items = json.loads(out)
        assert [(i["code"], i["location"], i["filename"]) for i in items] == [
            ("PIN202", {"row": 5, "column": 10}, str(project / "fixable.py")),
            ("PIN101", {"row": 6, "column": 9}, str(project / "unfixable.py")),
        ]
        assert items[0]["fix"]["applicability"] == "safe" and items[1]["fix"] is None
    elif fmt == "json-lines":
        assert [json.loads(line)["code"] for line in out.splitlines()] == ["PIN202", "PIN101"]
    elif fmt == "github":
        first = out.splitlines()[0]
        assert first.startswith("::error title=pinless (PIN202),file=fixable.py,line=5,")
    elif fmt == "gitlab":
        items = json.loads(out)
        assert [(i["check_name"], i["location"]["path"]) for i in items] == [
            ("PIN202", "fixable.py"), ("PIN101", "unfixable.py")]
    elif fmt == "sarif":
        log = json.loads(out)
        assert log["version"] == "2.1.0"
        results = log["runs"][0]["results"]
        assert [r["ruleId"] for r in results] == ["PIN202", "PIN101"]
    elif fmt == "junit":
        root = ET.fromstring(out)
        assert root.tag == "testsuites" and root.get("failures") == "2"


# ------------------------------------------------------------------------------------------
# fix


def test_fix_diff_prints_a_diff_and_writes_nothing(cli, project):
    path = project / "fixable.py"
    before = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    r = cli(["fix", "--diff", "fixable.py"], project)
    assert r.code == 1
    assert r.stdout.splitlines()[:2] == ["--- a/fixable.py", "+++ b/fixable.py"]
    assert '-    with psycopg.connect(event["dsn"]) as conn:' in r.stdout.splitlines()
    assert '+    with psycopg.connect(event["dsn"], prepare_threshold=None) as conn:' in r.stdout.splitlines()
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in project.iterdir() if p.suffix != ".py" and p.is_file()) == []


def test_fix_diff_exit_codes(cli, project):
    assert cli(["fix", "--diff", "clean.py"], project).code == 0
    unfixable = cli(["fix", "--diff", "unfixable.py"], project)
    assert (unfixable.code, unfixable.stdout) == (1, "")  # no diff, but a finding remains
    assert cli(["fix", "--diff", "--exit-zero", "fixable.py"], project).code == 0


def test_fix_writes_and_reports_what_remains(cli, project):
    r = cli(["fix", "--output-format", "concise"], project)
    assert r.code == 1  # the PIN101 has no fix
    assert (project / "fixable.py").read_text() == FIXED
    assert (project / "unfixable.py").read_text() == UNFIXABLE
    assert "Fixed 1 finding(s) in 1 file(s)." in r.stderr
    assert r.stdout.splitlines()[0].startswith("unfixable.py:6:9: PIN101 ")
    assert cli(["fix", "fixable.py"], project).code == 0  # nothing left to do


def test_fix_writes_atomically_keeping_mode_encoding_bom_and_newlines(project):
    latin = ("# -*- coding: latin-1 -*-\n# café\n" + FIXABLE).replace("\n", "\r\n")
    files = {
        "crlf.py": FIXABLE.replace("\n", "\r\n").encode(),
        "bom.py": b"\xef\xbb\xbf" + FIXABLE.encode(),
        "latin.py": latin.encode("latin-1"),
        "tool.py": FIXABLE.encode(),
    }
    write(project, files)
    os.chmod(project / "tool.py", 0o751)
    inodes = {name: (project / name).stat().st_ino for name in files}
    r = run(["fix", *files], project)
    assert r.code == 0, r.stdout + r.stderr
    assert (project / "crlf.py").read_bytes() == FIXED.replace("\n", "\r\n").encode()
    assert (project / "bom.py").read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()
    assert (project / "latin.py").read_bytes() == latin.replace(
        'connect(event["dsn"])', 'connect(event["dsn"], prepare_threshold=None)').encode("latin-1")
    assert stat.S_IMODE((project / "tool.py").stat().st_mode) == 0o751
    # written to a temporary file and renamed over the original (a new inode), none left behind
    assert all((project / name).stat().st_ino != inode for name, inode in inodes.items())
    assert not [p.name for p in project.iterdir() if p.name.endswith(".pinless")]


def test_fix_through_a_symbolic_link_keeps_the_link(cli, project):
    write(project, {"real/handler.py": FIXABLE})
    (project / "link.py").symlink_to(project / "real" / "handler.py")
    assert cli(["fix", "link.py"], project).code == 0
    assert (project / "link.py").is_symlink()
    assert (project / "real" / "handler.py").read_text() == FIXED


def test_fix_with_a_form_feed_above_the_edit(cli, project):
    # str.splitlines() would count the form feed as a line break and put the edit on a wrong row
    source = "import psycopg\n\x0c\n# page two \x0c and \u2028 in a comment\n" + FIXABLE.split("\n", 1)[1]
    write(project, {"paged.py": source})
    r = cli(["fix", "paged.py"], project)
    assert r.code == 0, r.stderr
    assert (project / "paged.py").read_text() == source.replace(
        'connect(event["dsn"])', 'connect(event["dsn"], prepare_threshold=None)')


# ------------------------------------------------------------------------------------------
# --jobs, cache


def _many(root: Path, count: int = 48) -> None:
    files = {}
    for i in range(count):
        body = FIXABLE if i % 3 else UNFIXABLE
        files[f"svc{i % 4}/handler_{i:02}.py"] = body.replace("SELECT 1", f"SELECT {i}")
    write(root, files)


class _PoolSpy:
    """Counts worker pools the runner starts (wraps ProcessPoolExecutor, does not replace it)."""

    def __init__(self, monkeypatch):
        self.started = 0
        from concurrent import futures

        real = futures.ProcessPoolExecutor
        spy = self

        class Counting(real):
            def __init__(self, *args, **kwargs):
                spy.started += 1
                super().__init__(*args, **kwargs)

        monkeypatch.setattr(futures, "ProcessPoolExecutor", Counting)


def test_jobs_1_and_2_give_identical_output(tmp_path, monkeypatch):
    _many(tmp_path)
    spy = _PoolSpy(monkeypatch)
    one = invoke(["check", "--no-cache", "--jobs", "1", "--output-format", "json"], tmp_path, monkeypatch=monkeypatch)
    assert spy.started == 0
    two = invoke(["check", "--no-cache", "--jobs", "2", "--output-format", "json"], tmp_path, monkeypatch=monkeypatch)
    assert spy.started == 1  # the parallel path really ran (48 files > runner._PARALLEL_MIN)
    assert one.code == two.code == 1
    assert len(json.loads(one.stdout)) == 48
    assert one.stdout == two.stdout
    full1 = run(["check", "--no-cache", "-j", "1"], tmp_path)
    full2 = run(["check", "--no-cache", "-j", "2"], tmp_path)
    assert full1.stdout == full2.stdout and full1.stdout.count("PIN") >= 48


def test_cache_gives_the_same_output_as_no_cache(tmp_path, monkeypatch):
    _many(tmp_path, 30)
    analysed = []
    real = runner.analyse_all
    monkeypatch.setattr(runner, "analyse_all", lambda jobs, workers: analysed.append(len(jobs)) or real(jobs, workers))
    args = ["check", "--output-format", "json", "-j", "1"]
    cold = invoke(args, tmp_path, monkeypatch=monkeypatch)
    warm = invoke(args, tmp_path, monkeypatch=monkeypatch)
    bypass = invoke([*args, "--no-cache"], tmp_path, monkeypatch=monkeypatch)
    # the warm run analysed nothing: the whole run came from the cache (analyse_all not even called)
    assert analysed == [30, 30]
    assert cold.stdout == warm.stdout == bypass.stdout
    # an edit is seen through the cache
    (tmp_path / "svc1" / "handler_01.py").write_text(CLEAN)
    edited = invoke(args, tmp_path, monkeypatch=monkeypatch)
    assert analysed[-1] == 1
    assert len(json.loads(edited.stdout)) == len(json.loads(cold.stdout)) - 1


def test_cache_folder_is_tagged_and_ignored(cli, project):
    cli(["check"], project)
    cache = project / ".pinless_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text() == "*\n"


def test_no_cache_writes_no_cache_folder(cli, project):
    cli(["check", "--no-cache"], project)
    assert not (project / ".pinless_cache").exists()


# ------------------------------------------------------------------------------------------
# rules, explain


def test_rules_lists_every_rule(cli, tmp_path):
    r = cli(["rules"], tmp_path)
    assert r.code == 0
    assert r.stdout.splitlines()[0].split() == ["code", "name", "family", "rds-proxy", "pgbouncer-tx", "fix"]
    rows = {line.split()[0]: line.split()[1] for line in r.stdout.splitlines()[1:]}
    assert rows["PIN001"] == "parse-error" and rows["PIN101"] == "sql-set-statement"
    codes = [c for c in json.loads(cli(["rules", "--output-format", "json"], tmp_path).stdout)]
    assert [c["code"] for c in codes] == sorted(rows)


@pytest.mark.parametrize("name", ["PIN101", "pin101", "sql-set-statement"])
def test_explain_by_code_or_name(cli, tmp_path, name):
    r = cli(["explain", name], tmp_path)
    assert r.code == 0
    assert r.stdout.startswith("# PIN101 sql-set-statement\n")
    for section in ("What it does", "Why it pins", "Example", "Use instead", "Fix safety"):
        assert re.search(rf"^#+ {section}$", r.stdout, re.M), section


@pytest.mark.parametrize("name", ["PIN999", "sql-set"])
def test_explain_unknown_rule(cli, tmp_path, name):
    r = cli(["explain", name], tmp_path)
    assert r.code == 2
    assert one_error_line(r.stderr) == f"pinless: error: unknown rule '{name}' (see `pinless rules`)"


def test_fix_diff_marks_a_last_line_without_newline(tmp_path, cli):
    """The diff applies with patch(1): the missing final newline is marked, not glued on."""
    write(tmp_path, {"a.py": "import psycopg\n\ndef f(dsn):\n    return psycopg.connect(dsn)"})
    r = cli(["fix", "--diff", "--no-cache", "--isolated", "a.py"], tmp_path)
    assert r.stdout.splitlines()[-4:] == [
        "-    return psycopg.connect(dsn)",
        "\\ No newline at end of file",
        "+    return psycopg.connect(dsn, prepare_threshold=None)",
        "\\ No newline at end of file",
    ]
    patched = subprocess.run(["patch", "-p1", "--dry-run"], input=r.stdout, cwd=tmp_path,
                             capture_output=True, text=True)
    assert patched.returncode == 0, patched.stdout + patched.stderr
