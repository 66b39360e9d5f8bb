"""Ground truth for the corpus from a real PostgreSQL server (log_statement=all).

Every PostgreSQL project of tests/corpus/ that can run against the throwaway cluster has a sample
event file beside its handler module (``<module>.json``). The module is imported once in a fresh
process (a cold start) and its handlers are invoked as the file says (warm invocations), with
``DATABASE_URL`` and the ``PG*`` variables pointing at the cluster. The process traces which lines
of the project ran. Then, for that project:

(a) every statement the server logged that pins (SET/RESET/set_config, DECLARE, LISTEN,
    PREPARE/EXECUTE/DEALLOCATE, advisory locks, sequence functions, CREATE TEMP, DISCARD, LOAD,
    a named protocol-level statement or portal, a statement over 16 KB) must be claimed by a
    PIN1xx-PIN3xx finding pinless reported for the project (by statement kind; for SET-like
    statements also by parameter), by a ``todoruleid`` annotation (a known miss), or by an entry
    of ALLOWED (driver-internal statements no source shows, with the reason);
(b) every PIN1xx-PIN3xx finding on a line the run executed must have its statement in the log,
    unless the finding is annotated ``todook`` (a known false alarm, which the log confirms) or
    UNOBSERVED says why this run cannot show it.

Named prepared statements do not appear as SQL text: the server logs ``execute <name>: ...``
(``_pg3_0``, ``__asyncpg_stmt_1__``, ``pg8000_statement_0``; asyncpg cursors as
``__asyncpg_stmt_1__/__asyncpg_portal_2__``), and the name is the ground truth for PIN202/203/204/
207 and asyncpg's PIN302. The classifier here is deliberately independent of pinless.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from test_corpus import CORPUS, PROJECTS, Project, annotations_of, lint_project

pytestmark = pytest.mark.postgres

POSTGRES_LIBRARIES = ("psycopg2", "psycopg", "psycopg_pool", "asyncpg", "pg8000", "sqlalchemy", "django", "peewee")
# Libraries whose projects never run here, and why.
NOT_RUN_LIBRARIES = {
    "pymysql": "MySQL: no MySQL server in the test environment",
    "mysqlclient": "MySQL: no MySQL server (and mysqlclient is not installed)",
    "mysql_connector": "MySQL: no MySQL server in the test environment",
    "aiomysql": "MySQL: no MySQL server in the test environment",
    "rds_data": "RDS Data API: HTTPS calls to AWS, no database connection to observe",
}
# PostgreSQL-library projects that do not run against the cluster, and why.
EXCLUDED = {
    "psycopg2/chalice_app.py": "Chalice is not installed (the app object needs it at import)",
    "sqlalchemy/mysql_engine.py": "MySQL engine (mysql+pymysql) with a hard-coded proxy endpoint",
    "sqlalchemy/iam_auth_21": "hard-coded RDS Proxy endpoint with IAM tokens from boto3",
    "sqlalchemy/iam_auth_20": "hard-coded RDS Proxy endpoint with IAM tokens; declares SQLAlchemy 2.0 "
                              "while 2.1 is installed, so a run would not show its verdict",
    "sqlalchemy/fastapi_mangum": "FastAPI and Mangum are not installed; hard-coded proxy endpoint",
    "sqlalchemy/maintenance.py": "a cron script with a main(argv), not a Lambda handler",
    "sqlalchemy/flask_teardown": "Flask and serverless-wsgi are not installed",
    "django/wsgi_project": "apig-wsgi is not installed; hard-coded settings for the proxy endpoint",
}

# (a) Statements the server logs that no application source shows: (project, kind, regex on the
# statement, reason). Each entry must match something in its project's run.
ALLOWED = [
    ("asyncpg/shipments.py", "set", r"set_config\('jit'",
     "asyncpg introspects the ENUM column's type once per connection and wraps the query in "
     "set_config('jit', 'off', false) / set_config('jit', <old>, false) (drivers.md section 4): "
     "invisible in application SQL, so no static rule can point at it"),
]

# (b) Findings on executed lines whose statement this run cannot produce: (file, code) -> reason.
# Each entry must apply to an executed finding of its run.
UNOBSERVED = {
    ("psycopg/async_notify.py", "PIN202"):
        "each statement runs once per connection (a new connection per invocation); psycopg names "
        "a statement only from its sixth execution on one connection",
    ("psycopg_pool/reports_pool.py", "PIN202"):
        "drain() replaces the pool's connections after every invocation, so no statement reaches "
        "its sixth execution on one connection",
}

# Rules whose effect is not a statement: never expected in the statement log.
NOT_A_STATEMENT = {
    "PIN105": "a startup parameter: PostgreSQL accepts `options`, RDS Proxy refuses the connection",
}

SCHEMA = """
CREATE TYPE shipment_status AS ENUM ('pending', 'in_transit', 'delivered');
CREATE TABLE customers (
    id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text NOT NULL,
    tenant text NOT NULL DEFAULT 'acme'
);
INSERT INTO customers (email, name) VALUES ('ada@example.com', 'Ada'), ('grace@example.com', 'Grace');
CREATE TABLE feature_flags (name text PRIMARY KEY, set boolean NOT NULL DEFAULT false, tenant text);
INSERT INTO feature_flags VALUES ('dark_mode', true, 'acme'), ('beta', false, 'acme');
CREATE SEQUENCE invoice_number_seq START 1000;
CREATE TABLE invoices (
    id serial PRIMARY KEY, number bigint, customer text NOT NULL, amount numeric(10, 2) NOT NULL,
    status text NOT NULL DEFAULT 'draft', issued_at timestamptz
);
CREATE TABLE inventory (sku text PRIMARY KEY, quantity integer NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
INSERT INTO inventory (sku, quantity) VALUES ('A-1', 10), ('B-2', 2);
CREATE TABLE prices (sku text PRIMARY KEY, amount numeric(10, 2) NOT NULL, currency text NOT NULL DEFAULT 'EUR');
INSERT INTO prices (sku, amount) VALUES ('A-1', 9.99), ('B-2', 4.50);
CREATE TABLE job_queue (
    id serial PRIMARY KEY, kind text NOT NULL, payload jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'queued', run_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO job_queue (kind) SELECT 'email' FROM generate_series(1, 6);
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY, actor text, action text NOT NULL, detail jsonb,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE devices (id text PRIMARY KEY, tenant text NOT NULL, status text NOT NULL DEFAULT 'active', last_seen timestamptz);
INSERT INTO devices (id, tenant) VALUES ('dev-1', 'acme'), ('dev-2', 'acme'), ('dev-9', 'globex');
CREATE TABLE shipments (id serial PRIMARY KEY, order_id integer, carrier text NOT NULL, status shipment_status NOT NULL DEFAULT 'pending');
INSERT INTO shipments (order_id, carrier, status) VALUES (1, 'dhl', 'in_transit'), (2, 'dhl', 'pending'), (3, 'ups', 'delivered');
INSERT INTO events (kind, customer) VALUES ('login', 'ada'), ('export', 'ada'), ('login', 'grace');
GRANT ALL ON ALL TABLES IN SCHEMA public TO reporting;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO reporting;
"""

RUNNER = r'''
import asyncio, importlib, inspect, json, os, sys, threading, time, traceback, uuid

root, module_name, spec_file, out_file = sys.argv[1:5]
root = os.path.realpath(root)
sys.path.insert(0, root)
os.chdir(root)
prefix = root + os.sep
executed = set()


def _local(frame, event, arg):
    if event == "line":
        executed.add((frame.f_code.co_filename, frame.f_lineno))
    return _local


def _global(frame, event, arg):
    if frame.f_code.co_filename.startswith(prefix):
        executed.add((frame.f_code.co_filename, frame.f_lineno))
        return _local
    return None


class Context:
    function_name = "pinless-corpus"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:pinless-corpus"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def error(exc):
    return {"type": type(exc).__name__, "message": str(exc)[:500], "traceback": traceback.format_exc()[-3000:]}


def _preload():
    """Import the project's third-party libraries before tracing starts: a cold start imports
    them anyway, and tracing their import only costs time."""
    import ast

    local = {name.split(".")[0] for name in os.listdir(root)}
    wanted = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as fh:
                    tree = ast.parse(fh.read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        wanted.update(a.name for a in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                        wanted.add(node.module)
    for name in sorted(wanted):
        if name.split(".")[0] not in local:
            try:
                importlib.import_module(name)
            except Exception:
                pass


spec = json.load(open(spec_file))
report = {"import_error": None, "outcomes": []}
_preload()
threading.settrace(_global)
sys.settrace(_global)
try:
    module = importlib.import_module(module_name)
except BaseException as exc:
    report["import_error"] = error(exc)
else:
    for invocation in spec["invocations"]:
        handler = getattr(module, invocation["handler"])
        for _ in range(invocation.get("times", 1)):
            try:
                result = handler(invocation["event"], Context())
                if inspect.iscoroutine(result):
                    asyncio.run(result)
                report["outcomes"].append({"handler": invocation["handler"], "error": None})
            except BaseException as exc:
                report["outcomes"].append({"handler": invocation["handler"], "error": error(exc)})
sys.settrace(None)
threading.settrace(None)
report["executed"] = sorted([os.path.relpath(f, root), n] for f, n in executed)
with open(out_file, "w") as fh:
    json.dump(report, fh)
'''


# ---------------------------------------------------------------------------------------------
# Runs


@dataclass(frozen=True)
class Run:
    project: Project
    sidecar: Path  # <module>.json beside the handler module

    @property
    def id(self) -> str:
        return self.project.rel(self.sidecar.with_suffix(".py"))

    @property
    def module(self) -> str:
        rel = self.sidecar.with_suffix("").relative_to(self.project.root)
        return ".".join(rel.parts)


def sidecars(project: Project) -> list[Path]:
    return [p.with_suffix(".json") for p in project.python_files() if p.with_suffix(".json").exists()]


def runs() -> list[Run]:
    return [Run(p, s) for p in PROJECTS if p.id not in EXCLUDED for s in sidecars(p)]


RUNS = runs()


def expand(value):
    """Sample-event shorthand: ``{"$json": x}`` is ``json.dumps(x)``, ``{"$repeat": [x, n]}`` is
    a list of n copies of x."""
    if isinstance(value, dict):
        if set(value) == {"$json"}:
            return json.dumps(expand(value["$json"]))
        if set(value) == {"$repeat"}:
            item, count = value["$repeat"]
            return [expand(item) for _ in range(count)]
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# What the server logged


_LOGGED = re.compile(r"^(?:statement|execute (?P<name>[^:]+)): (?P<text>.*)$", re.S)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_SET_CONFIG = re.compile(r"\bset_config\s*\(\s*'((?:[^']|'')*)'\s*,[^,()]*(?:\([^()]*\)[^,()]*)*,\s*(\w+)\s*\)", re.I)
_FUNCTIONS = {
    "advisory": re.compile(r"\bpg_(?:try_)?advisory_\w+\s*\(", re.I),
    "sequence": re.compile(r"\b(?:nextval|setval|currval|lastval)\s*\(", re.I),
}
_LEADING = [
    ("set_local", re.compile(r"^set\s+(?:local|transaction)\b")),
    ("set", re.compile(r"^(?:set|reset)\b")),
    ("discard", re.compile(r"^discard\b")),
    ("declare", re.compile(r"^declare\b")),
    ("listen", re.compile(r"^listen\b")),
    ("load", re.compile(r"^load\b")),
    ("prepare", re.compile(r"^(?:prepare|execute)\b")),
    ("deallocate", re.compile(r"^deallocate\b")),
    ("temp", re.compile(r"^create\s+(?:(?:global|local)\s+)?temp(?:orary)?\b")),
]
MAX_STATEMENT = 16 * 1024


def set_target(statement: str) -> str:
    """The parameter a SET/RESET statement changes, normalised (``time zone`` -> ``timezone``)."""
    s = re.sub(r"\s+", " ", statement.strip().lower())
    s = re.sub(r"^(?:set|reset) (?:session |local )?", "", s)
    if s.startswith("characteristics"):
        return "session characteristics"
    if s.startswith(("time zone", "timezone")):
        return "timezone"
    if s.startswith("session authorization"):
        return "session authorization"
    return re.split(r"[\s=]", s, maxsplit=1)[0].strip('"')


def classify(name: str | None, text: str) -> set[tuple[str, str]]:
    """Pinning facts of one logged statement: ``(kind, detail)``; detail is the parameter of a
    SET-like statement, else empty."""
    facts: set[tuple[str, str]] = set()
    if name:
        statement, _, portal = name.removeprefix("fetch from ").partition("/")
        if portal and portal.strip() != "<unnamed>":
            facts.add(("named_portal", ""))
        elif statement.strip() != "<unnamed>":
            facts.add(("named", ""))
    if len(text.encode()) > MAX_STATEMENT:
        facts.add(("large", ""))
    lowered = text.lower()
    if "pg_advisory_unlock_all()" in lowered and "reset all" in lowered:
        return facts | {("pool_reset", "")}  # asyncpg's pool reset, one simple-query message
    for match in _SET_CONFIG.finditer(text):
        local = match.group(2).lower() == "true"
        facts.add(("set_local" if local else "set", match.group(1).lower()))
    code = _COMMENT.sub(" ", _LITERAL.sub("''", text))
    for kind, pattern in _FUNCTIONS.items():
        if pattern.search(code):
            facts.add((kind, ""))
    for statement in code.split(";"):
        s = re.sub(r"\s+", " ", statement.strip().lower())
        for kind, pattern in _LEADING:
            if pattern.match(s):
                detail = set_target(statement) if kind in ("set", "set_local") else ""
                facts.add((kind, detail))
                break
    return facts


def logged_statements(pg, mark: int) -> list[tuple[str, set[tuple[str, str]]]]:
    out = []
    for entry in pg.entries_since(mark):
        if entry.user != "app" or entry.level != "LOG":
            continue
        match = _LOGGED.match(entry.message)
        if match:
            out.append((entry.message, classify(match["name"], match["text"])))
    return out


# ---------------------------------------------------------------------------------------------
# What pinless claims


SQL_CODE_KIND = {"PIN101": "set", "PIN102": "set_local"}
CLAIMS = {
    "PIN103": {"discard"},
    "PIN108": {"pool_reset"},
    "PIN201": {"prepare", "deallocate"},
    "PIN202": {"named", "deallocate"},
    "PIN203": {"named"},
    "PIN204": {"named", "deallocate"},
    "PIN206": {"large"},
    "PIN207": {"named"},
    "PIN301": {"temp"},
    "PIN302": {"declare", "named_portal"},
    "PIN303": {"listen"},
    "PIN304": {"load"},
    "PIN305": {"advisory"},
    "PIN306": {"sequence"},
}
# Driver settings (PIN104, PIN107): the SET they make the driver send, from words of the message.
DRIVER_SETS = [
    ("client_encoding", {"client_encoding"}),
    ("set_session", {"default_transaction_isolation", "default_transaction_read_only",
                     "default_transaction_deferrable"}),
    ("on pg8000", {"session characteristics"}),
    ("assume_role", {"role"}),
    ("isolation_level", {"default_transaction_isolation"}),
    ("TimeZone", {"timezone"}),
]
_CONSTRUCT = re.compile(r"^`([^`]*)`")


def claims(code: str, message: str) -> set[tuple[str, str | None]]:
    """The logged facts a finding stands for; a detail of None matches any parameter."""
    if code in SQL_CODE_KIND:
        construct = (_CONSTRUCT.match(message) or [None, ""])[1]
        config = re.match(r"set_config\('([^']*)'", construct)
        if config:
            return {(SQL_CODE_KIND[code], config.group(1).lower())}
        if re.match(r"(?i)(?:set|reset)\b", construct):
            return {(SQL_CODE_KIND[code], set_target(construct))}
        return {(SQL_CODE_KIND[code], None)}
    if code in ("PIN104", "PIN107"):
        targets = {t for word, names in DRIVER_SETS if word in message for t in names}
        return {("set", t) for t in targets} or {("set", None)}
    return {(kind, None) for kind in CLAIMS.get(code, ())}


def covers(claim: tuple[str, str | None], fact: tuple[str, str]) -> bool:
    return claim[0] == fact[0] and claim[1] in (None, fact[1])


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def corpus_db(pg):
    """The cluster with the corpus tables (once per cluster) and a runner script."""
    admin = pg.admin()
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = 'reporting'")
        if cur.fetchone() is None:
            cur.execute("CREATE ROLE reporting NOLOGIN")
            cur.execute("GRANT reporting TO app")
    import psycopg2

    conn = psycopg2.connect(pg.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT to_regclass('public.customers') IS NOT NULL")
            if not cur.fetchone()[0]:
                cur.execute(SCHEMA)
    finally:
        conn.close()
    runner = pg.base / "corpus_runner.py"
    runner.write_text(RUNNER)
    return pg, runner


def child_env(pg) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(pg.env(), PYTHONDONTWRITEBYTECODE="1")
    return env


# ---------------------------------------------------------------------------------------------
# Tests


def test_every_postgres_project_runs_or_is_excluded():
    for project in PROJECTS:
        if project.library in NOT_RUN_LIBRARIES:
            assert not sidecars(project), f"{project.id}: {NOT_RUN_LIBRARIES[project.library]}, yet it has a sample event"
            continue
        assert project.library in POSTGRES_LIBRARIES, project.id
        if project.id in EXCLUDED:
            assert not sidecars(project), f"{project.id} is excluded ({EXCLUDED[project.id]}) but has a sample event"
        else:
            assert sidecars(project), f"{project.id}: no <module>.json sample event and not in EXCLUDED"
    assert set(EXCLUDED) <= {p.id for p in PROJECTS}


def test_classifier():
    assert classify(None, "SET statement_timeout = '10s'") == {("set", "statement_timeout")}
    assert classify(None, "SET LOCAL lock_timeout = '2s'") == {("set_local", "lock_timeout")}
    assert classify(None, "SELECT set_config('app.tenant', 'acme', true)") == {("set_local", "app.tenant")}
    assert classify("<unnamed>", "SELECT current_setting('jit') AS cur, set_config('jit', 'off', false) AS new") \
        == {("set", "jit")}
    assert classify(None, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY") == {("set", "session characteristics")}
    assert classify(None, "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;") == {("pool_reset", "")}
    assert classify("_pg3_0", "SELECT 1 FROM t WHERE a = $1") == {("named", "")}
    assert classify("__asyncpg_stmt_1__/__asyncpg_portal_2__", "SELECT id FROM t") == {("named_portal", "")}
    assert classify("<unnamed>", "DECLARE \"c\" CURSOR FOR SELECT 1") == {("declare", "")}
    assert classify(None, "UPDATE feature_flags SET set = true WHERE name = 'reset'") == set()
    assert classify(None, "SELECT id FROM orders -- no nextval() here") == set()
    assert classify(None, "INSERT INTO a (x) VALUES ('SET search_path TO x; LISTEN y')") == set()
    assert classify(None, "SELECT pg_try_advisory_lock(7)") == {("advisory", "")}
    assert classify(None, "CREATE TEMP TABLE IF NOT EXISTS s (a int)") == {("temp", "")}
    assert classify(None, "SET TIME ZONE 'UTC'") == {("set", "timezone")}


@pytest.mark.parametrize("run", RUNS, ids=[r.id for r in RUNS])
def test_server_ground_truth(run, corpus_db, tmp_path):
    pg, runner = corpus_db
    spec = expand(json.loads(run.sidecar.read_text()))
    spec_file, out_file = tmp_path / "spec.json", tmp_path / "report.json"
    spec_file.write_text(json.dumps(spec))
    mark = pg.log_mark()
    proc = subprocess.run(
        [sys.executable, str(runner), str(run.project.root), run.module, str(spec_file), str(out_file)],
        env=child_env(pg), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0 and out_file.exists(), f"runner failed:\n{proc.stdout}\n{proc.stderr}"
    report = json.loads(out_file.read_text())
    assert report["import_error"] is None, report["import_error"]["traceback"]

    # The handlers behave as the sample event file says (an expected error names its type).
    expected = [inv.get("error") for inv in spec["invocations"] for _ in range(inv.get("times", 1))]
    got = [o["error"]["type"] if o["error"] else None for o in report["outcomes"]]
    assert got == expected, "\n".join(o["error"]["traceback"] for o in report["outcomes"] if o["error"])

    root_rel = run.project.root.relative_to(CORPUS).as_posix()
    executed = {(f"{root_rel}/{path}", line) for path, line in report["executed"]}
    logged = logged_statements(pg, mark)
    findings = [f for f in lint_project(run.project) if f[2][:4] in ("PIN1", "PIN2", "PIN3")]
    todo_miss, todo_alarm = set(), set()
    for path in run.project.python_files():
        notes = annotations_of(path)
        todo_miss |= {code for _, code in notes.codes("todoruleid")}
        todo_alarm |= {(run.project.rel(path), line, code) for line, code in notes.codes("todook")}

    problems, summary = [], []
    used_allowed, used_unobserved = set(), set()

    # (a) every pinning statement in the log is claimed
    finding_claims = {c for _, _, code, msg in findings for c in claims(code, msg)}
    known_claims = {c for code in todo_miss for c in claims(code, "")}
    for message, facts in logged:
        for fact in sorted(facts):
            if any(covers(c, fact) for c in finding_claims):
                summary.append(f"logged {fact[0]}{':' + fact[1] if fact[1] else ''}: reported")
                continue
            allowed = [i for i, (proj, kind, pattern, _) in enumerate(ALLOWED)
                       if proj == run.project.id and kind == fact[0] and re.search(pattern, message)]
            if allowed:
                used_allowed.update(allowed)
                summary.append(f"logged {fact[0]}:{fact[1]}: allowed (driver-internal)")
            elif any(covers(c, fact) for c in known_claims):
                summary.append(f"logged {fact[0]}{':' + fact[1] if fact[1] else ''}: KNOWN MISS (todoruleid)")
            else:
                problems.append(f"(a) the server logged a pinning statement no finding claims "
                                f"({fact[0]} {fact[1]}): {message[:300]}")
    for i, (proj, kind, pattern, _) in enumerate(ALLOWED):
        if proj == run.project.id and i not in used_allowed:
            problems.append(f"ALLOWED entry {kind} /{pattern}/ matched nothing in this run: remove it")

    # (b) every executed finding's statement is in the log
    facts_logged = {fact for _, facts in logged for fact in facts}
    for path, line, code, msg in findings:
        if code in NOT_A_STATEMENT:
            summary.append(f"{path}:{line} {code}: not a statement ({NOT_A_STATEMENT[code]})")
            continue
        if (path, line) not in executed:
            summary.append(f"{path}:{line} {code}: not executed by this run")
            continue
        seen = any(covers(c, fact) for c in claims(code, msg) for fact in facts_logged)
        alarm = (path, line, code) in todo_alarm
        if seen and alarm:
            problems.append(f"(b) {path}:{line} {code} is annotated todook, but the server logged its "
                            f"statement: the finding is right, make it `ruleid`")
        elif seen:
            summary.append(f"{path}:{line} {code}: confirmed by the log")
        elif alarm:
            summary.append(f"{path}:{line} {code}: KNOWN FALSE ALARM confirmed (todook, nothing logged)")
        elif (path, code) in UNOBSERVED:
            used_unobserved.add((path, code))
            summary.append(f"{path}:{line} {code}: not observable in this run ({UNOBSERVED[(path, code)]})")
        else:
            problems.append(f"(b) {path}:{line} {code} ran, but the server logged no matching statement: {msg}")
    for key in UNOBSERVED:
        in_project = key[0] == run.project.id or key[0].startswith(run.project.id + "/")
        if in_project and key not in used_unobserved:
            problems.append(f"UNOBSERVED entry {key} applied to no executed finding: remove it")

    print(f"\n{run.id}:\n  " + "\n  ".join(dict.fromkeys(summary)))
    assert not problems, "\n".join(problems) + "\n\nserver log:\n" + "\n".join(m[:200] for m, _ in logged)
