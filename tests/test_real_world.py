"""Regressions from running pinless on public Lambda projects (issue 3).

Every snippet is a minimal rewrite of a pattern seen in a real project, not a copy of it. The
passing tests pin down findings that were right (true positives) and silences that were right
(true negatives). The strict xfails are engine problems found there: false alarms, misses and a
hang, each with the engine change it needs in its reason; remove the mark when the engine is
fixed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pinless import engine
from pinless.config import load_settings
from pinless.finding import Finding
from lintutil import codes_at, lint, write_config, write_project


def lint_tree(root: Path, files: dict[str, str]) -> list[str]:
    """``CODE:relpath:line`` for a check of the whole directory, as `pinless check DIR` runs it
    (discovery and its excludes apply, unlike `lint`, which names every file)."""
    write_project(root, files)
    write_config(root, {})
    settings = load_settings(first_path=root, config_file=None, isolated=False,
                             overrides={"cache": False, "jobs": 1})
    found = engine.lint([root], settings).findings
    return sorted(f"{f.code}:{Path(f.path).relative_to(root).as_posix()}:{f.line}"
                  for f in sorted(found, key=Finding.sort_key))


# ---------------------------------------------------------------------------------------------
# Right answers seen on real projects: keep them


def test_connection_from_a_helper_that_the_handler_never_closes(tmp_path):
    # A helper builds an IAM-token PyMySQL connection and returns it; the handler queries and
    # returns without closing it (two AWS RDS Proxy samples do exactly this).
    found = lint(tmp_path, {"app.py": """
        import os

        import pymysql


        def open_db():
            try:
                conn = pymysql.connect(host=os.environ["PROXY_HOST"], user="app", password="token")
            except pymysql.MySQLError as exc:
                return exc
            return conn


        def lambda_handler(event, context):
            conn = open_db()
            cur = conn.cursor()
            cur.execute("SELECT CURDATE()")
            return {"statusCode": 200, "body": str(cur.fetchone())}
    """})
    assert codes_at(found) == ["PIN404:15"]


def test_module_level_pymysql_connection_shared_by_warm_invocations(tmp_path):
    found = lint(tmp_path, {"app.py": """
        import pymysql

        db = pymysql.connect(host="proxy.example", user="app", password="secret")
        cursor = db.cursor()


        def lambda_handler(event, context):
            cursor.execute("SELECT NOW()")
            db.commit()
            return {"statusCode": 200, "body": str(cursor.fetchone()[0])}
    """})
    assert codes_at(found) == ["PIN403:3", "PIN401:7"]


def test_connection_closed_in_finally_behind_an_is_connected_guard(tmp_path):
    # mysql-connector connection per request, closed in `finally` only when still connected.
    found = lint(tmp_path, {"app.py": """
        import mysql.connector


        def get_cnx():
            cnx = mysql.connector.connect(host="db", database="movies", user="app", password="pw")
            return cnx


        def lambda_handler(event, context):
            try:
                cnx = get_cnx()
                cursor = cnx.cursor()
                cursor.execute("DELETE FROM favorite WHERE user_id = %s", (event["user"],))
                cnx.commit()
            except mysql.connector.Error as exc:
                return {"error": str(exc)}
            finally:
                if cnx.is_connected():
                    cursor.close()
                    cnx.close()
            return {"ok": True}
    """})
    assert codes_at(found) == []


def test_contextmanager_helper_that_closes_in_finally(tmp_path):
    found = lint(tmp_path, {"app.py": """
        import os
        from contextlib import contextmanager

        import psycopg2


        @contextmanager
        def connection():
            conn = None
            try:
                conn = psycopg2.connect(host=os.environ["PROXY"], dbname="app", sslmode="require")
                yield conn
            finally:
                if conn:
                    conn.close()


        def handler(event, context):
            with connection() as conn:
                with conn.cursor() as cur:
                    cur.execute("SELECT version()")
                    version = cur.fetchone()[0]
            return {"statusCode": 200, "body": version}
    """})
    assert codes_at(found) == []


def test_prepared_cursor_inside_a_small_wrapper_class(tmp_path):
    # A demo of RDS Proxy pinning: a wrapper opens a MySQLConnection per query and can use a
    # prepared cursor; the Flask route asks for it.
    found = lint(tmp_path, {"dbwrap.py": """
        import mysql.connector


        class Database:
            def __init__(self, **params):
                self.params = params
                self.cnx = None

            def query(self, stmt, *args, prepared=False):
                self.cnx = mysql.connector.MySQLConnection(**self.params)
                if prepared:
                    cur = self.cnx.cursor(prepared=True)
                    cur.execute(stmt, args)
                else:
                    cur = self.cnx.cursor()
                    cur.execute(stmt)
                rows = cur.fetchall()
                cur.close()
                self.cnx.close()
                return rows
    """})
    assert codes_at(found, "dbwrap.py") == ["PIN205:12"]


def test_lazily_created_global_engine_used_by_chalice_routes(tmp_path):
    # The engine is created on first use into a module global (default QueuePool); routes close
    # their Session, which only returns the connection to the pool.
    found = lint(tmp_path, {
        "chalicelib/db.py": """
            import os

            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            engine = None
            session = None


            def init_db():
                global engine, session
                if engine is None:
                    engine = create_engine(os.environ["DATABASE_URL"], isolation_level="AUTOCOMMIT")
                    session = sessionmaker(bind=engine)()
                return session
        """,
        "app.py": """
            from chalice import Chalice
            from sqlalchemy import text

            from chalicelib.db import init_db

            app = Chalice(app_name="tickets")


            @app.route("/tickets/{ticket_id}")
            def get_ticket(ticket_id):
                session = init_db()
                try:
                    row = session.execute(text("SELECT * FROM ticket WHERE id = :i"), {"i": ticket_id}).first()
                finally:
                    session.close()
                return {"ticket": dict(row._mapping) if row else None}
        """,
    })
    assert codes_at(found, "app.py") == ["PIN401:6"]


def test_engine_created_per_invocation_and_never_disposed(tmp_path):
    found = lint(tmp_path, {"app.py": """
        import ssl

        import sqlalchemy as sa


        def lambda_handler(event, context):
            engine = sa.create_engine(event["url"], connect_args={"ssl_context": ssl.create_default_context()})
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT * FROM hw")).fetchall()
            return {"statusCode": 200, "body": str(rows)}
    """})
    assert codes_at(found) == ["PIN404:7"]


def test_connection_returned_with_its_cursor_and_closed_by_a_helper_in_finally(tmp_path):
    found = lint(tmp_path, {"app.py": """
        import pymysql
        from chalice import Chalice

        app = Chalice(app_name="todo")


        class Db:
            def open(self):
                conn = pymysql.connect(host="db", user="app", passwd="pw", db="todo")
                return conn, conn.cursor()

            def close(self, cursor, conn):
                cursor.close()
                conn.close()


        @app.route("/tasks")
        def list_tasks():
            db = Db()
            conn, cursor = db.open()
            try:
                cursor.execute("SELECT * FROM todolist")
                return {"tasks": cursor.fetchall()}
            finally:
                db.close(cursor, conn)
    """})
    assert codes_at(found) == []


def test_module_level_psycopg2_connection_in_a_data_access_module(tmp_path):
    # Each data-access module opens its own connection at import; the router handler calls
    # into it and never releases it.
    found = lint(tmp_path, {
        "users.py": """
            import psycopg2

            connection = psycopg2.connect(dbname="app", host="db", port="5432")


            def get_user(email):
                cursor = connection.cursor()
                cursor.execute("SELECT id, email FROM users WHERE email = %s", (email,))
                row = cursor.fetchone()
                cursor.close()
                connection.commit()
                return row
        """,
        "router.py": """
            import users


            def lambda_handler(event, context):
                return {"statusCode": 200, "body": str(users.get_user(event["email"]))}
        """,
    })
    assert codes_at(found, "users.py") == ["PIN403:3"]
    assert codes_at(found, "router.py") == ["PIN401:4"]


# ---------------------------------------------------------------------------------------------
# Engine problems (strict xfails): a hang, false alarms, misses


def test_a_function_redefined_after_a_call_does_not_hang(tmp_path):
    (tmp_path / "handler.py").write_text(textwrap.dedent("""
        import sqlalchemy


        def helper():
            return 1


        helper()


        def helper():
            return 2
    """).lstrip())
    cmd = [sys.executable, "-m", "pinless", "check", "--isolated", "--no-cache", "-j", "1",
           "--exit-zero", str(tmp_path / "handler.py")]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("pinless check did not finish in 20 s")
    assert proc.returncode == 0, proc.stderr


def test_close_right_after_open_is_not_a_leak(tmp_path):
    # A "test the database" route: connect, close at once, report success.
    found = lint(tmp_path, {"app.py": """
        import mysql.connector


        def lambda_handler(event, context):
            try:
                conn = mysql.connector.connect(host="db", user="app", password="pw")
                conn.close()
                return {"status": "connection successful"}
            except Exception as exc:
                return {"error": str(exc)}
    """})
    assert codes_at(found) == []


def test_libraries_installed_next_to_the_handler_are_not_checked(tmp_path):
    found = lint_tree(tmp_path, {
        "main.py": """
            import mysql.connector


            def lambda_handler(event, context):
                conn = mysql.connector.connect(host="db")
                try:
                    cur = conn.cursor()
                    cur.execute("SELECT 1")
                    return cur.fetchone()
                finally:
                    conn.close()
        """,
        "package/vendored_sql-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: vendored-sql\nVersion: 1.0\n",
        "package/vendored_sql-1.0.dist-info/RECORD": (
            "vendored_sql/__init__.py,,\nvendored_sql/session.py,,\n"
            "vendored_sql-1.0.dist-info/METADATA,,\nvendored_sql-1.0.dist-info/RECORD,,\n"
        ),
        "package/vendored_sql/__init__.py": "",
        "package/vendored_sql/session.py": """
            import pymysql


            def reset(conn, variables):
                cur = conn.cursor()
                for key, value in variables.items():
                    cur.execute(f"SET @`{key}` = {value}")
                cur.execute("SET SESSION sql_safe_updates = 1")
        """,
    })
    assert found == []


def test_python_312_f_string_quotes_are_not_a_broken_file(tmp_path):
    found = lint(tmp_path, {"utils.py": '''
        import datetime

        import psycopg


        def day_label(dt: datetime.datetime) -> str:
            return f"{int(dt.strftime("%d"))} {dt.strftime("%b")}, {dt.strftime("%Y")}"
    '''})
    errors = [f for f in found if f.code == "PIN001"]
    assert all("3.12" in f.message for f in errors), [f.message for f in errors]


def test_asyncpg_connection_used_only_for_argumentless_execute(tmp_path):
    found = lint(tmp_path, {"app.py": """
        import asyncio
        import os

        import asyncpg


        async def insert(query):
            conn = await asyncpg.connect(host=os.environ["DB_HOST"], database="scraper")
            try:
                await conn.execute(query)
            finally:
                await conn.close()


        def lambda_handler(event, context):
            asyncio.run(insert("INSERT INTO raw (payload) VALUES ('x')"))
    """})
    assert codes_at(found) == []


def test_multi_line_connect_that_is_never_closed(tmp_path):
    found = lint(tmp_path, {"app.py": """
        import psycopg2


        def lambda_handler(event, context):
            connection = psycopg2.connect(
                dbname="app",
                host="db",
                port="5432",
            )
            cursor = connection.cursor()
            cursor.execute("SELECT * FROM users WHERE email = %s", (event["email"],))
            rows = cursor.fetchall()
            cursor.close()
            connection.commit()
            return {"statusCode": 200, "body": str(rows)}
    """})
    assert codes_at(found) == ["PIN404:5"]


def test_routes_of_a_flask_app_named_in_zappa_settings(tmp_path):
    found = lint(tmp_path, {
        "zappa_settings.json": '{"dev": {"app_function": "app.app", "runtime": "python3.12"}}\n',
        "app.py": """
            import mysql.connector
            from flask import Flask

            app = Flask(__name__)


            @app.route("/items")
            def items():
                cnx = mysql.connector.connect(host="db")
                cur = cnx.cursor()
                cur.execute("SELECT 1")
                return {"rows": cur.fetchall()}
        """,
    })
    assert codes_at(found, "app.py") == ["PIN404:9"]


def test_routes_of_a_chalice_subclass_instance(tmp_path):
    found = lint(tmp_path, {
        "server.py": """
            import chalice


            class Server(chalice.Chalice):
                def __init__(self, *args, **kwargs):
                    super().__init__(*args, **kwargs)
        """,
        "app.py": """
            import psycopg2

            from server import Server

            app = Server(app_name="query")


            @app.route("/health")
            def health():
                conn = psycopg2.connect("dbname=app")
                cur = conn.cursor()
                cur.execute("SELECT 1")
                return {"ok": cur.fetchone()[0] == 1}
        """,
    })
    assert codes_at(found, "app.py") == ["PIN404:10"]


def test_flask_restful_resource_methods(tmp_path):
    found = lint(tmp_path, {"app.py": """
        import mysql.connector
        import serverless_wsgi
        from flask import Flask
        from flask_restful import Api, Resource

        app = Flask(__name__)
        api = Api(app)


        class Items(Resource):
            def get(self):
                cnx = mysql.connector.connect(host="db")
                cur = cnx.cursor()
                cur.execute("SELECT 1")
                return {"rows": cur.fetchall()}


        api.add_resource(Items, "/items")


        def handler(event, context):
            return serverless_wsgi.handle_request(app, event, context)
    """})
    assert codes_at(found) == ["PIN404:12"]


# ---------------------------------------------------------------------------------------------
# Fixes that break the code they fix (strict xfails)

_CHALICE_STUB = '''
class Chalice:
    """Just enough of chalice.Chalice to call a route through its middlewares."""

    def __init__(self, app_name, **kwargs):
        self.routes, self.middlewares = {}, []

    def route(self, path, **kwargs):
        def register(fn):
            self.routes[path] = fn
            return fn
        return register

    def middleware(self, event_type="all"):
        def register(fn):
            self.middlewares.append(fn)
            return fn
        return register

    def call(self, path):
        handler = lambda event: self.routes[path]()
        for mw in reversed(self.middlewares):
            handler = (lambda mw, inner: lambda event: mw(event, inner))(mw, handler)
        return handler({})
'''


def test_middleware_fix_releases_a_lazily_created_engine(tmp_path):
    root = tmp_path / "project"
    files = {
        "chalicelib/__init__.py": "",
        "chalicelib/db.py": """
            import os

            from sqlalchemy import create_engine
            from sqlalchemy.orm import declarative_base, sessionmaker

            Base = declarative_base()
            db_session = None
            engine = None


            def init_db(migrate=False):
                global db_session
                global engine
                if engine is None or db_session is None:
                    engine = create_engine(os.environ["DATABASE_URL"])
                    Session = sessionmaker(bind=engine)
                    db_session = Session()
                    if migrate:
                        Base.metadata.create_all(engine)
                return db_session
        """,
        "app.py": """
            from chalice import Chalice

            from chalicelib.db import engine, init_db

            app = Chalice(app_name="tickets")


            @app.route("/migrate", methods=["POST"])
            def migrate():
                init_db(migrate=True)
                return {"migrated": True}
        """,
    }
    write_project(root, files)
    write_config(root, {})
    settings = load_settings(first_path=root, config_file=None, isolated=False,
                             overrides={"cache": False, "jobs": 1})
    first = engine.lint([root], settings)
    assert [f"{f.code}:{f.line}" for f in first.findings] == ["PIN401:5"]
    out = engine.fix(first, settings, write=True)
    assert out.applied == 1
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "chalice.py").write_text(_CHALICE_STUB)
    script = "import app; print(app.app.call('/migrate'))"
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True,
                          timeout=60, env={"PYTHONPATH": f"{stubs}", "DATABASE_URL": "sqlite://",
                                           "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr


def test_reconnect_fix_does_not_strand_a_module_level_cursor(tmp_path):
    files = {"app.py": """
        import psycopg2

        db = psycopg2.connect("dbname=app")
        cursor = db.cursor()


        def lambda_handler(event, context):
            cursor.execute("SELECT now()")
            row = cursor.fetchone()
            db.commit()
            return {"statusCode": 200, "body": str(row[0])}
    """}
    write_project(tmp_path, files)
    write_config(tmp_path, {})
    settings = load_settings(first_path=tmp_path, config_file=None, isolated=False,
                             overrides={"cache": False, "jobs": 1, "unsafe_fixes": True})
    out = engine.fix(engine.lint([tmp_path], settings), settings, write=False)
    text = next(iter(out.texts.values()), None)
    if text is None:
        return  # no fix offered: fine
    handler = next(n for n in ast.parse(text).body
                   if isinstance(n, ast.FunctionDef) and n.name == "lambda_handler")
    rebinds_cursor = any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "cursor"
                                                             for t in n.targets)
                         for n in ast.walk(handler))
    closes_db = "db.close()" in ast.unparse(handler)
    assert rebinds_cursor or not closes_db, text


def test_fix_diff_of_a_file_without_final_newline_is_a_valid_patch(tmp_path):
    original = ('import psycopg2\n\n\ndef handler(event, context):\n'
                '    conn = psycopg2.connect("dbname=app")\n    cur = conn.cursor()\n'
                '    cur.execute("SELECT 1")\n    return cur.fetchone()')
    (tmp_path / "h.py").write_text(original)
    proc = subprocess.run([sys.executable, "-m", "pinless", "fix", "--isolated", "--no-cache",
                           "--diff", "h.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    removed = [line[1:] for line in proc.stdout.splitlines()
               if line.startswith("-") and not line.startswith("---")]
    assert removed and all(line in original.splitlines() for line in removed), proc.stdout


def test_asyncpg_connection_that_fetches_still_reports_the_cache(tmp_path):
    """The near miss of the case above: one use that prepares keeps PIN203."""
    found = lint(tmp_path, {"app.py": """
        import asyncpg


        async def insert(dsn, query):
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute(query)
                return await conn.fetch("SELECT 1")
            finally:
                await conn.close()
    """})
    assert codes_at(found) == ["PIN203:5"]
