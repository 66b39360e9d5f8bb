"""PIN401-PIN407 and PIN107/PIN406 (checks/lifecycle.py, checks/django.py) and the release fixes
(fixes/lifecycle.py), on small projects run through the real pipeline.

Every case names its findings by `CODE:line`. Every fix is checked the same way: the result
parses, a second `pinless fix` changes nothing, and no new finding appears.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pinless import engine
from pinless.config import load_settings
from pinless.finding import Finding
from lintutil import write_config, write_project

REPO = Path(__file__).resolve().parent.parent


def _settings(root: Path, unsafe: bool = False, targets: tuple[str, ...] = ()):
    write_config(root, {}, targets)
    return load_settings(
        first_path=root,
        config_file=None,
        isolated=False,
        overrides={"cache": False, "jobs": 1, "select": ("ALL",), "unsafe_fixes": unsafe or None},
    )


def lint(root: Path, files: dict[str, str], unsafe: bool = False, targets: tuple[str, ...] = ()):
    paths = write_project(root, files)
    settings = _settings(root, unsafe, targets)
    result = engine.lint([p for p in paths if p.suffix == ".py"], settings)
    return settings, result


def codes(result, filename: str | None = None) -> list[str]:
    return sorted(
        f"{f.code}:{f.line}" for f in result.findings if filename is None or f.path.endswith("/" + filename)
    )


def lifecycle_codes(result, filename: str | None = None) -> list[str]:
    return [c for c in codes(result, filename) if c.startswith(("PIN4", "PIN107"))]


def finding(result, code: str) -> Finding:
    return next(f for f in result.findings if f.code == code)


def fixed(root: Path, files: dict[str, str], unsafe: bool = False) -> tuple[dict[str, str], object]:
    """Run the fix loop (without writing); check the fix contract; return the fixed texts."""
    settings, result = lint(root, files, unsafe)
    out = engine.fix(result, settings, write=False)
    texts = {p.relative_to(root).as_posix(): t for p, t in out.texts.items()}
    for name, text in texts.items():
        ast.parse(text, filename=name)  # the fix yields code that parses
    again = engine.fix(out.result, settings, write=False)
    assert again.applied == 0, "a second `pinless fix` must change nothing"
    before = {f.code for f in result.findings}
    assert {f.code for f in out.result.findings} <= before, "a fix introduced a new finding"
    return texts, out


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# ---------------------------------------------------------------------------------------------
# PIN401: entry points that do not release


SQLA_HANDLER = """
import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])


def handler(event, context):
    if not event.get("customer"):
        return {"statusCode": 400}  # early return
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT 1")).all()
    if not rows:
        raise LookupError("nothing")  # exception path
    return {"statusCode": 200, "rows": len(rows)}
"""


def test_missing_release_flagged_at_def_line_and_fixed_on_every_path(tmp_path):
    _, result = lint(tmp_path, {"handler.py": SQLA_HANDLER})
    assert codes(result) == ["PIN401:8"]
    f = finding(result, "PIN401")
    assert "`engine` (SQLAlchemy)" in f.message and "pinning pattern" not in f.message
    assert f.fix is not None and f.fix.applicability == "safe"
    texts, _ = fixed(tmp_path / "fix", {"handler.py": SQLA_HANDLER})
    assert texts["handler.py"] == dedent("""
        import os

        from sqlalchemy import create_engine, text

        engine = create_engine(os.environ["DATABASE_URL"])


        def handler(event, context):
            try:
                if not event.get("customer"):
                    return {"statusCode": 400}  # early return
                with engine.connect() as connection:
                    rows = connection.execute(text("SELECT 1")).all()
                if not rows:
                    raise LookupError("nothing")  # exception path
                return {"statusCode": 200, "rows": len(rows)}
            finally:
                engine.dispose()
    """)


def test_message_says_when_a_pin_is_reachable(tmp_path):
    files = {"handler.py": SQLA_HANDLER.replace('text("SELECT 1")', 'text("SET search_path TO app")')}
    _, result = lint(tmp_path, files)
    assert codes(result) == ["PIN101:12", "PIN401:8"]
    assert "a pinning pattern is reachable from it (PIN101 at line 12)" in finding(result, "PIN401").message


def test_reach_through_another_module_and_a_pin_in_a_listener(tmp_path):
    files = {
        "db.py": """
            import os

            from sqlalchemy import create_engine, event

            engine = create_engine(os.environ["DATABASE_URL"])


            @event.listens_for(engine, "connect")
            def _defaults(dbapi_connection, record):
                with dbapi_connection.cursor() as cur:
                    cur.execute("SET statement_timeout = '5s'")
        """,
        "repo.py": """
            from db import engine


            def count():
                with engine.connect() as c:
                    return c.exec_driver_sql("SELECT count(*) FROM t").scalar()
        """,
        "app.py": """
            from repo import count


            def handler(event, context):
                return {"n": count()}
        """,
    }
    _, result = lint(tmp_path, files)
    assert lifecycle_codes(result) == ["PIN401:4"]
    message = finding(result, "PIN401").message
    assert "reachable from it (PIN101 at db.py:11)" in message
    texts, out = fixed(tmp_path / "fix", files)
    assert "from db import engine\n" in texts["app.py"]
    assert texts["app.py"].endswith("    finally:\n        engine.dispose()\n")
    assert lifecycle_codes(out.result) == []


def test_relative_import_of_a_session_factory_releases_its_engine(tmp_path):
    files = {
        "orders/__init__.py": "",
        "orders/db.py": """
            import os

            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            engine = create_engine(os.environ["DATABASE_URL"])
            SessionLocal = sessionmaker(bind=engine)
        """,
        "orders/handler.py": """
            from .db import SessionLocal


            def handler(event, context):
                with SessionLocal() as session:
                    return session.execute("SELECT 1").scalar()
        """,
    }
    _, result = lint(tmp_path, files)
    assert lifecycle_codes(result, "handler.py") == ["PIN401:4"]
    texts, _ = fixed(tmp_path / "fix", files)
    assert texts["orders/handler.py"] == dedent("""
        from .db import SessionLocal
        from .db import engine


        def handler(event, context):
            try:
                with SessionLocal() as session:
                    return session.execute("SELECT 1").scalar()
            finally:
                engine.dispose()
    """)


def test_unknown_engine_behind_a_factory_gets_no_fix_and_says_why(tmp_path):
    files = {
        "handler.py": """
        from sqlalchemy.orm import sessionmaker

        Session = sessionmaker()


        def handler(event, context):
            with Session() as session:
                return session.execute("SELECT 1").scalar()
    """
    }
    _, result = lint(tmp_path, files)
    f = finding(result, "PIN401")
    assert f.fix is None and "no fix:" in f.message and "bind" in f.message


@pytest.mark.parametrize(
    "release",
    [
        "    finally:\n        engine.dispose()\n",
        "    finally:\n        cleanup()\n",
    ],
)
def test_release_already_in_finally_is_clean(tmp_path, release):
    code = (
        dedent("""
        import os

        from sqlalchemy import create_engine, text

        engine = create_engine(os.environ["DATABASE_URL"])


        def cleanup():
            engine.dispose()


        def handler(event, context):
            try:
                with engine.connect() as connection:
                    return connection.execute(text("SELECT 1")).scalar_one()
    """)
        + release
    )
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == []


def test_release_on_some_paths_only_gets_no_second_release(tmp_path):
    code = """
        import os

        from sqlalchemy import create_engine, text

        engine = create_engine(os.environ["DATABASE_URL"])


        def handler(event, context):
            with engine.connect() as connection:
                n = connection.execute(text("SELECT 1")).scalar_one()
            engine.dispose()
            return n
    """
    _, result = lint(tmp_path, {"handler.py": code})
    f = finding(result, "PIN401")
    assert f.fix is None and "releases on some paths" in f.message
    texts, _ = fixed(tmp_path / "fix", {"handler.py": code})
    assert texts == {}


def test_dispose_close_false_is_not_a_release(tmp_path):
    code = SQLA_HANDLER.replace(
        '    return {"statusCode": 200, "rows": len(rows)}',
        '    engine.dispose(close=False)\n    return {"statusCode": 200}',
    )
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == ["PIN401:8"]


def test_nullpool_engine_needs_no_release(tmp_path):
    code = """
        import os

        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(os.environ["DATABASE_URL"], poolclass=NullPool)


        def handler(event, context):
            with engine.connect() as connection:
                return connection.execute(text("SELECT 1")).scalar_one()
    """
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == []


def test_module_without_entry_point_is_not_checked(tmp_path):
    code = """
        import os

        from sqlalchemy import create_engine, text

        engine = create_engine(os.environ["DATABASE_URL"])


        def count_rows():
            with engine.connect() as connection:
                return connection.execute(text("SELECT 1")).scalar_one()
    """
    _, result = lint(tmp_path, {"jobs.py": code})
    assert codes(result) == []


def test_handler_named_only_in_configuration(tmp_path):
    files = {
        "jobs.py": """
            import os

            from sqlalchemy import create_engine, text

            engine = create_engine(os.environ["DATABASE_URL"])


            def run(payload, ctx_obj):
                with engine.connect() as connection:
                    return connection.execute(text("SELECT 1")).scalar_one()
        """,
        "template.yaml": dedent("""
            Resources:
              Job:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: .
                  Handler: jobs.run
                  Runtime: python3.12
        """),
    }
    _, result = lint(tmp_path, files)
    assert codes(result) == ["PIN401:8"]
    assert any(e.function == "run" and "template.yaml" in e.source for e in result.entry_points)


def test_django_connection_gets_close_all_and_one_import(tmp_path):
    code = """
        from django.db import connection, connections


        def handler(event, context):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                return cursor.fetchone()
    """
    texts, _ = fixed(tmp_path, {"handler.py": code})
    assert texts["handler.py"] == dedent("""
        from django.db import connection, connections


        def handler(event, context):
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    return cursor.fetchone()
            finally:
                connections.close_all()
    """)


# ---------------------------------------------------------------------------------------------
# Raw connections and pools: the unsafe rebinding fix, PIN403


RAW = """
import os

import psycopg2

conn = psycopg2.connect(os.environ["DATABASE_URL"])


def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        return cur.fetchone()
"""


def test_raw_connection_fix_is_unsafe_and_only_applied_with_the_flag(tmp_path):
    _, result = lint(tmp_path, {"handler.py": RAW})
    assert codes(result) == ["PIN401:8", "PIN403:5"]
    assert {f.fix.applicability for f in result.findings} == {"unsafe"}
    safe_only, _ = fixed(tmp_path / "safe", {"handler.py": RAW})
    assert safe_only == {}
    texts, out = fixed(tmp_path / "unsafe", {"handler.py": RAW}, unsafe=True)
    assert texts["handler.py"] == dedent("""
        import os

        import psycopg2

        conn = psycopg2.connect(os.environ["DATABASE_URL"])


        def handler(event, context):
            global conn
            if conn is None:
                conn = psycopg2.connect(os.environ["DATABASE_URL"])
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                    return cur.fetchone()
            finally:
                conn.close()
                conn = None
    """)
    assert out.result.findings == []


def test_raw_connection_of_another_module_cannot_be_rebound(tmp_path):
    files = {
        "db.py": "import os\n\nimport psycopg2\n\nconn = psycopg2.connect(os.environ['DATABASE_URL'])\n",
        "app.py": """
            from db import conn


            def handler(event, context):
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
        """,
    }
    _, result = lint(tmp_path, files)
    assert codes(result) == ["PIN401:4", "PIN403:5"]
    f = finding(result, "PIN401")
    assert f.fix is None and "db.py" in f.message


def test_script_connection_is_not_pin403(tmp_path):
    code = RAW.replace("def handler(event, context):", "def main():")
    _, result = lint(tmp_path, {"migrate.py": code})
    assert codes(result) == []


# ---------------------------------------------------------------------------------------------
# PIN402: destructive teardown


def test_closeall_becomes_putconn_close_true(tmp_path):
    code = """
        import os

        from psycopg2.pool import SimpleConnectionPool

        pool = SimpleConnectionPool(1, 1, os.environ["DATABASE_URL"])


        def handler(event, context):
            conn = pool.getconn()
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
            finally:
                pool.closeall()  # no connections while frozen
    """
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == ["PIN402:14"]
    assert finding(result, "PIN402").message.startswith("`pool.closeall()` destroys module-level `pool`")
    texts, out = fixed(tmp_path / "fix", {"handler.py": code})
    assert texts["handler.py"].endswith("    finally:\n        pool.putconn(conn, close=True)\n")
    assert out.result.findings == []


def test_destroy_with_lazy_recreation_is_clean(tmp_path):
    code = """
        import os

        import psycopg2

        conn = None


        def handler(event, context):
            global conn
            if conn is None:
                conn = psycopg2.connect(os.environ["DATABASE_URL"])
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
            finally:
                conn.close()
                conn = None
    """
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == []


@pytest.mark.parametrize("guard,expected", [
    ("conn is None or conn.closed", []),  # re-created whenever the last one was closed
    ("conn is None", ["PIN402:17"]),  # the next invocation uses the closed connection
    ("conn is None or not ready", ["PIN402:17"]),
])
def test_destroy_with_recreation_when_closed(tmp_path, guard, expected):
    """`if conn is None or conn.closed:` (library data: `closed-test`) re-creates what a destroy
    closed, without resetting the name to None."""
    code = f"""
        import os

        import psycopg2

        conn = None
        ready = True


        def handler(event, context):
            global conn
            if {guard}:
                conn = psycopg2.connect(os.environ["DATABASE_URL"])
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
            finally:
                conn.close()
    """
    _, result = lint(tmp_path, {"handler.py": code})
    assert lifecycle_codes(result) == expected


# ---------------------------------------------------------------------------------------------
# PIN404: connections opened per invocation


def test_local_connection_closed_outside_finally_is_wrapped(tmp_path):
    code = """
        import os

        import psycopg


        def handler(event, context):
            conn = psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=None)
            conn.execute("SELECT 1")
            conn.close()
            return {"ok": True}
    """
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == ["PIN404:7"]
    texts, out = fixed(tmp_path / "fix", {"handler.py": code})
    assert texts["handler.py"] == dedent("""
        import os

        import psycopg


        def handler(event, context):
            conn = psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=None)
            try:
                conn.execute("SELECT 1")
            finally:
                conn.close()
            return {"ok": True}
    """)
    assert out.result.findings == []


@pytest.mark.parametrize(
    "body,expected",
    [
        # psycopg2's `with conn:` only ends the transaction
        (
            "    with psycopg2.connect(DSN) as conn:\n        conn.cursor().execute('SELECT 1')\n",
            ["PIN404:8"],
        ),
        ("    with closing(psycopg2.connect(DSN)) as conn:\n        conn.cursor().execute('SELECT 1')\n", []),
        (
            "    conn = open_conn()\n    try:\n        conn.cursor().execute('SELECT 1')\n    finally:\n"
            "        conn.close()\n",
            [],
        ),
        ("    conn = open_conn()\n    conn.cursor().execute('SELECT 1')\n", ["PIN404:8"]),
        # the connection bound first, the `with` on the name: the same as `with connect() as conn`
        ("    conn = psycopg2.connect(DSN)\n    with conn:\n        conn.cursor().execute('SELECT 1')\n",
         ["PIN404:8"]),
        ("    conn = psycopg.connect(DSN, prepare_threshold=None)\n    with conn:\n        conn.execute('SELECT 1')\n", []),
        ("    conn = psycopg.connect(DSN, prepare_threshold=None)\n    conn = other()\n    with conn:\n        pass\n", ["PIN404:8"]),
    ],
)
def test_connection_opened_in_the_invocation(tmp_path, body, expected):
    code = (
        dedent("""
        from contextlib import closing

        import psycopg
        import psycopg2

        DSN = "postgresql://proxy/app"
        def handler(event, context):
    """)
        + body
        + "\n\ndef open_conn():\n    return psycopg2.connect(DSN)\n"
    )
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == expected


# ---------------------------------------------------------------------------------------------
# async: PIN405 and releases on the right loop


ASYNC_ENGINE = """
import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(os.environ["DATABASE_URL"])


async def count():
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT 1"))).scalar_one()


def handler(event, context):
    return {"n": asyncio.run(count())}
"""


def test_sync_handler_with_asyncio_run_disposes_inside_the_coroutine(tmp_path):
    _, result = lint(tmp_path, {"handler.py": ASYNC_ENGINE})
    assert codes(result) == ["PIN401:15", "PIN405:7"]
    texts, _ = fixed(tmp_path / "fix", {"handler.py": ASYNC_ENGINE})
    assert "async def count():\n    try:\n" in texts["handler.py"]
    assert "    finally:\n        await engine.dispose()\n" in texts["handler.py"]


def test_module_level_loop_is_not_a_loop_per_invocation(tmp_path):
    code = ASYNC_ENGINE.replace(
        "engine = create", "loop = asyncio.new_event_loop()\nengine = create"
    ).replace("asyncio.run(count())", "loop.run_until_complete(count())")
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == ["PIN401:16"]


def test_async_handler_with_module_pool(tmp_path):
    code = """
        import os

        import asyncpg

        pool = None


        async def _keep(connection):
            pass


        async def handler(event, context):
            global pool
            if pool is None:
                pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1,
                                                 statement_cache_size=0, reset=_keep)
            return await pool.fetchval("SELECT 1")
    """
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == ["PIN401:12", "PIN405:15"]
    texts, out = fixed(tmp_path / "fix", {"handler.py": code}, unsafe=True)
    assert texts["handler.py"].endswith(
        '    try:\n        return await pool.fetchval("SELECT 1")\n'
        "    finally:\n        await pool.close()\n        pool = None\n"
    )
    assert out.result.findings == []


# ---------------------------------------------------------------------------------------------
# Frameworks: Chalice middleware, Flask teardown, a wrapper around an adapter object


def test_chalice_gets_a_middleware(tmp_path):
    code = """
        import os

        from chalice import Chalice
        from sqlalchemy import create_engine, text

        app = Chalice(app_name="orders")
        engine = create_engine(os.environ["DATABASE_URL"])


        @app.route("/orders")
        def orders():
            with engine.connect() as c:
                return {"n": c.execute(text("SELECT 1")).scalar_one()}
    """
    _, result = lint(tmp_path, {"app.py": code})
    assert codes(result) == ["PIN401:6"]
    texts, out = fixed(tmp_path / "fix", {"app.py": code})
    assert (
        dedent("""
        engine = create_engine(os.environ["DATABASE_URL"])


        @app.middleware("all")
        def _release_connections(event, get_response):
            try:
                return get_response(event)
            finally:
                engine.dispose()


        @app.route("/orders")
    """)
        in texts["app.py"]
    )
    assert out.result.findings == []


FLASK_ROUTE = """
    import os

    import serverless_wsgi
    from flask import Flask
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["DATABASE_URL"])
    app = Flask(__name__)


    @app.route("/orders")
    def orders():
        with engine.connect() as c:
            return {"n": c.execute(text("SELECT 1")).scalar_one()}


    def handler(event, context):
        return serverless_wsgi.handle_request(app, event, context)
"""
# Resource methods registered on the app's Api are routes of that app: one hook for all.
FLASK_RESTFUL = """
    import os

    import serverless_wsgi
    from flask import Flask
    from flask_restful import Api, Resource
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["DATABASE_URL"])
    app = Flask(__name__)
    api = Api(app)


    class Orders(Resource):
        def get(self):
            with engine.connect() as c:
                return {"n": c.execute(text("SELECT 1")).scalar_one()}


    api.add_resource(Orders, "/orders")


    def handler(event, context):
        return serverless_wsgi.handle_request(app, event, context)
"""


@pytest.mark.parametrize("code,expected", [(FLASK_ROUTE, ["PIN401:17"]), (FLASK_RESTFUL, ["PIN401:22"])],
                         ids=["route", "flask-restful-resource"])
def test_flask_behind_serverless_wsgi_gets_teardown(tmp_path, code, expected):
    _, result = lint(tmp_path, {"app.py": code})
    assert codes(result) == expected
    texts, _ = fixed(tmp_path / "fix", {"app.py": code})
    assert (
        "@app.teardown_appcontext\ndef _release_connections(exception):\n    engine.dispose()\n"
        in texts["app.py"]
    )


def test_mangum_object_gets_a_wrapping_handler(tmp_path):
    code = """
        import os

        from fastapi import FastAPI
        from mangum import Mangum
        from sqlalchemy import create_engine, text

        engine = create_engine(os.environ["DATABASE_URL"])
        app = FastAPI()


        @app.get("/orders")
        def orders():
            with engine.connect() as c:
                return {"n": c.execute(text("SELECT 1")).scalar_one()}


        handler = Mangum(app)
    """
    _, result = lint(tmp_path, {"main.py": code})
    assert codes(result) == ["PIN401:17"]
    texts, out = fixed(tmp_path / "fix", {"main.py": code})
    assert texts["main.py"].endswith(
        dedent("""
        _mangum_handler = Mangum(app)


        def handler(event, context):
            try:
                return _mangum_handler(event, context)
            finally:
                engine.dispose()
    """)
    )
    assert out.result.findings == []


def test_mangum_with_async_engine_reports_without_fix(tmp_path):
    code = """
        import os

        from fastapi import FastAPI
        from mangum import Mangum
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(os.environ["DATABASE_URL"])
        app = FastAPI()


        @app.get("/orders")
        async def orders():
            async with engine.connect() as c:
                return {"n": (await c.execute(text("SELECT 1"))).scalar_one()}


        handler = Mangum(app)
    """
    _, result = lint(tmp_path, {"main.py": code})
    assert codes(result) == ["PIN401:18", "PIN405:8"]
    assert all(f.fix is None and "event loop" in f.message for f in result.findings)


# ---------------------------------------------------------------------------------------------
# Django settings: PIN406, PIN107; pool sizes: PIN407


def test_conn_max_age_only_in_a_lambda_project(tmp_path):
    settings = """
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "shop",
                "CONN_MAX_AGE": 600,
            }
        }
    """
    _, result = lint(tmp_path / "server", {"shop/settings.py": settings})
    assert codes(result) == []
    handler = """
        from django.db import connections


        def handler(event, context):
            try:
                return {}
            finally:
                connections.close_all()
    """
    _, result = lint(tmp_path / "lambda", {"shop/settings.py": settings, "handler.py": handler})
    assert codes(result) == ["PIN406:5"]
    assert finding(result, "PIN406").column == 9  # the "CONN_MAX_AGE" key


def test_settings_configure_in_a_handler_module(tmp_path):
    code = """
        import django
        from django.conf import settings
        from django.db import connections

        settings.configure(
            DATABASES={
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "NAME": "shop",
                    "CONN_MAX_AGE": None,
                    "OPTIONS": {"assume_role": "shop_app"},
                }
            },
            USE_TZ=False,
            TIME_ZONE="Europe/Paris",
        )
        django.setup()


        def handler(event, context):
            try:
                return {}
            finally:
                connections.close_all()
    """
    _, result = lint(tmp_path, {"handler.py": code})
    assert codes(result) == ["PIN107:11", "PIN107:15", "PIN406:10"]


def test_pool_size_gate(tmp_path):
    pool = """
        import os

        from psycopg_pool import ConnectionPool

        pool = ConnectionPool(os.environ["DATABASE_URL"], kwargs={"prepare_threshold": None})
    """
    _, result = lint(tmp_path / "library", {"db.py": pool})
    assert codes(result) == []
    handler = """
        from db import pool


        def handler(event, context):
            with pool.connection() as conn:
                return conn.execute("SELECT 1").fetchone()
    """
    _, result = lint(tmp_path / "lambda", {"db.py": pool, "handler.py": handler})
    assert "PIN407:5" in codes(result, "db.py")


# ---------------------------------------------------------------------------------------------
# The runtime projects' fixes in-process, and the CLI


LIFECYCLE = Path(__file__).resolve().parent / "lifecycle"
PROJECTS = sorted(p for p in LIFECYCLE.iterdir() if (p / "project.toml").exists())


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_runtime_project_fix_converges(tmp_path, project):
    import tomllib

    spec = tomllib.loads((project / "project.toml").read_text())
    files = {p.name: p.read_text() for p in project.glob("*.py") if not p.name.endswith(".fixed.py")}
    _, result = lint(tmp_path / "check", files)
    found = {f.code for f in result.findings if f.code.startswith("PIN4")}
    assert set(spec["fixed_by"]) <= found
    texts, out = fixed(tmp_path / "fix", files, unsafe=spec["fix"] == "unsafe")
    for fixed_file in project.glob("*.fixed.py"):
        name = fixed_file.name[: -len(".fixed.py")] + ".py"
        assert texts.get(name, files[name]) == fixed_file.read_text(), name
    assert not [f for f in out.result.findings if f.code.startswith("PIN4")]


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "pinless", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fix_diff_shows_the_release_and_writes_nothing(tmp_path):
    write_project(tmp_path, {"handler.py": SQLA_HANDLER})
    write_config(tmp_path, {})
    before = (tmp_path / "handler.py").read_text()
    proc = _cli(["fix", "--diff", "--no-cache", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "--- a/handler.py" in proc.stdout and "+++ b/handler.py" in proc.stdout
    assert "+    finally:\n+        engine.dispose()\n" in proc.stdout
    assert (tmp_path / "handler.py").read_text() == before


def test_show_entry_points(tmp_path):
    write_project(tmp_path, {"handler.py": SQLA_HANDLER})
    write_config(tmp_path, {})
    proc = _cli(["check", "--show-entry-points", "--no-cache", "."], tmp_path)
    assert "Entry points:\n  handler.py:8 handler (signature)" in proc.stdout
