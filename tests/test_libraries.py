"""Library data (rules/libraries/*.toml) through the real pipeline, one library at a time.

Each case is a small module written as ``handler.py``; the assertion is the exact list of
``CODE:line`` findings. Connections are received as parameters or opened and closed inside a
function, so no lifecycle finding (PIN4xx) appears unless a case is about one (the PIN407 cases
are Lambda handlers on purpose).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lintutil import codes_at, lint

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LIBRARIES = Path(__file__).resolve().parent.parent / "rules" / "libraries"


def case(name: str, code: str, expected: list[str], *marks):
    return pytest.param(code, expected, id=name, marks=marks)


def run(tmp_path: Path, code: str) -> list[str]:
    return codes_at(lint(tmp_path, {"handler.py": code}), "handler.py")


# ---------------------------------------------------------------------------------------------
# asyncpg

ASYNCPG = [
    case("connect-default-cache", '''
        import asyncpg


        async def load(dsn, customer):
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute("SET search_path TO app, public")
                return await conn.fetch("SELECT id FROM orders WHERE customer = $1", customer)
            finally:
                await conn.close()
        ''', ["PIN203:5", "PIN101:7"]),
    case("create-pool-defaults", '''
        import asyncpg


        async def totals(dsn):
            pool = await asyncpg.create_pool(dsn)
            try:
                async with pool.acquire() as conn:
                    return await conn.fetchval("SELECT sum(total) FROM orders")
            finally:
                await pool.close()
        ''', ["PIN108:5", "PIN203:5"]),  # PIN407: see test_pool_size
    case("create-pool-reset-none-min-size", '''
        import asyncpg


        async def totals(dsn):
            pool = await asyncpg.create_pool(dsn, min_size=5, statement_cache_size=0, reset=None)
            try:
                return await pool.fetchval("SELECT sum(total) FROM orders")
            finally:
                await pool.close()
        ''', ["PIN108:5"]),
    case("clean-annotated-parameter", '''
        import asyncpg


        async def work(conn: asyncpg.Connection, notify):
            stmt = await conn.prepare("SELECT id FROM orders WHERE id = $1", name="by_id")
            async with conn.transaction():
                async for row in conn.cursor("SELECT id FROM orders"):
                    notify(row)
            await conn.add_listener("orders", notify)
            await conn.reset()
            return stmt
        ''', []),  # an annotated parameter is not typed: nothing is guessed
    case("connection-apis-typed", '''
        import asyncpg


        async def work(dsn, notify):
            conn = await asyncpg.connect(dsn, statement_cache_size=0)
            try:
                stmt = await conn.prepare("SELECT id FROM orders WHERE id = $1", name="by_id")
                async with conn.transaction():
                    async for row in conn.cursor("SELECT id FROM orders"):
                        notify(row)
                await conn.add_listener("orders", notify)
                await conn.reset()
                return await stmt.fetchval(1)
            finally:
                await conn.close()
        ''', ["PIN207:7", "PIN302:9", "PIN303:11", "PIN108:12"]),
    case("session-sql-through-pool-and-connection", '''
        import asyncpg


        async def next_order(dsn):
            pool = await asyncpg.create_pool(dsn, min_size=1, statement_cache_size=0, reset=_keep)
            try:
                async with pool.acquire() as conn:
                    await conn.execute("SELECT pg_advisory_lock($1)", 42)
                    await conn.execute("CREATE TEMP TABLE scratch (id int)")
                    return await pool.fetchval("SELECT nextval('order_ids')")
            finally:
                await pool.close()


        async def _keep(conn):
            pass
        ''', ["PIN305:8", "PIN301:9", "PIN306:10"]),
    case("startup-options", '''
        import asyncpg


        async def connect(dsn):
            conn = await asyncpg.connect(
                dsn, statement_cache_size=0, server_settings={"options": "-c statement_timeout=5000"}
            )
            try:
                return await conn.fetchval("SELECT 1")
            finally:
                await conn.close()


        async def connect_url():
            conn = await asyncpg.connect(
                "postgresql://app@proxy/orders?options=-c%20search_path%3Dapp", statement_cache_size=0
            )
            await conn.close()
        ''', ["PIN105:5", "PIN105:15"]),
    case("pool-class", '''
        import asyncpg


        async def _keep(conn):
            pass


        async def open_pool(dsn):
            pool = asyncpg.Pool(dsn, min_size=1, max_size=1, reset=_keep)
            await pool
            return pool
        ''', ["PIN203:9"]),
    case("statement-cache-size-nonzero", '''
        import asyncpg


        async def connect(dsn):
            conn = await asyncpg.connect(dsn, statement_cache_size=100)
            await conn.close()
        ''', ["PIN203:5"]),
    case("callback-after-pool", '''
        import asyncpg


        async def open_pool(dsn):
            return await asyncpg.create_pool(
                dsn, min_size=1, statement_cache_size=0, reset=_reset, init=_init
            )


        async def _reset(link):
            pass


        async def _init(link):
            await link.execute("SET TIME ZONE 'UTC'")
        ''', ["PIN101:15"]),
    # clean
    case("clean-cache-off", '''
        import asyncpg


        async def rename(dsn, order_id, name):
            """Runs UPDATE orders SET name = $1 (never a SET statement)."""
            conn = await asyncpg.connect(dsn, statement_cache_size=0)
            try:
                # SET statement_timeout would pin: it lives in the parameter group
                await conn.execute("UPDATE orders SET name = $1 WHERE id = $2", name, order_id)
                await conn.executemany("INSERT INTO flags (set) VALUES ($1)", [("a",), ("b",)])
                stmt = await conn.prepare("SELECT set FROM flags")
                return await stmt.fetch()
            finally:
                await conn.close()
        ''', []),
    case("clean-pool-configured", '''
        import asyncpg


        async def _keep_session(conn):
            pass


        async def report(dsn, customer):
            pool = await asyncpg.create_pool(
                dsn,
                min_size=1,
                max_size=1,
                statement_cache_size=0,
                reset=_keep_session,
                server_settings={"application_name": "orders"},
            )
            try:
                async with pool.acquire() as conn:
                    async with conn.transaction(isolation="serializable", readonly=True):
                        return await conn.fetch("SELECT * FROM orders WHERE customer = $1", customer)
            finally:
                await pool.close()
        ''', []),
    case("clean-strings-not-executed", '''
        import logging

        import asyncpg

        log = logging.getLogger(__name__)
        RESET_SQL = "RESET ALL"


        async def run(conn, client):
            log.info("SET search_path skipped")
            print("LISTEN orders")
            await client.execute("SET search_path TO app")
            return await conn.fetch("SELECT id, note FROM orders WHERE note LIKE 'SET %'")
        ''', []),
    case("prepare-default-cache", '''
        import asyncpg


        async def by_id(dsn, order_id):
            conn = await asyncpg.connect(dsn)
            try:
                stmt = await conn.prepare("SELECT * FROM orders WHERE id = $1")
                return await stmt.fetchrow(order_id)
            finally:
                await conn.close()
        ''', ["PIN203:5", "PIN207:7"]),
    case("pool-default-cache-prepare", '''
        import asyncpg


        async def _keep(conn):
            pass


        async def by_id(dsn, order_id):
            pool = await asyncpg.create_pool(dsn, min_size=1, reset=_keep)
            try:
                async with pool.acquire() as conn:
                    stmt = await conn.prepare("SELECT * FROM orders WHERE id = $1")
                    return await stmt.fetchrow(order_id)
            finally:
                await pool.close()
        ''', ["PIN203:9", "PIN207:12"]),
    case("run-until-complete", '''
        import asyncio

        import asyncpg


        def tune(dsn):
            loop = asyncio.new_event_loop()
            link = loop.run_until_complete(asyncpg.connect(dsn, statement_cache_size=0))
            try:
                loop.run_until_complete(link.execute("SET search_path TO app"))
            finally:
                loop.run_until_complete(link.close())
                loop.close()
        ''', ["PIN101:10"]),
    case("callback-before-pool", '''
        import asyncpg


        async def _init(link):
            await link.execute("SET TIME ZONE 'UTC'")


        async def _reset(link):
            pass


        async def open_pool(dsn):
            return await asyncpg.create_pool(
                dsn, min_size=1, statement_cache_size=0, reset=_reset, init=_init
            )
        ''', ["PIN101:5"]),
]


@pytest.mark.parametrize("code,expected", ASYNCPG)
def test_asyncpg(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


def test_asyncpg_statement_cache_fix(tmp_path):
    findings = lint(tmp_path, {"handler.py": '''
        import asyncpg


        async def connect(dsn):
            pool = await asyncpg.create_pool(dsn, min_size=1, reset=_keep)
            await pool.close()


        async def _keep(conn):
            pass
        '''})
    (finding,) = [f for f in findings if f.code == "PIN203"]
    assert finding.fix is not None and finding.fix.applicability == "safe"
    assert [e.content for e in finding.fix.edits] == [", statement_cache_size=0"]


# ---------------------------------------------------------------------------------------------
# pg8000

PG8000 = [
    case("native-run-set", '''
        import pg8000.native


        def orders(user, host, customer):
            con = pg8000.native.Connection(user, host=host, database="orders")
            try:
                con.run("SET search_path TO app")
                return con.run("SELECT id FROM orders WHERE customer = :c", c=customer)
            finally:
                con.close()
        ''', ["PIN101:7"]),
    case("native-prepare", '''
        import pg8000.native


        def totals(user, host, customers):
            con = pg8000.native.Connection(user, host=host)
            try:
                ps = con.prepare("SELECT sum(total) FROM orders WHERE customer = :c")
                return [ps.run(c=c) for c in customers]
            finally:
                con.close()
        ''', ["PIN207:7"]),
    case("dbapi-cursor", '''
        import pg8000.dbapi


        def listen(user, host):
            conn = pg8000.dbapi.connect(user, host=host)
            try:
                cursor = conn.cursor()
                cursor.execute("LISTEN order_events")
                cursor.execute("CREATE TEMPORARY TABLE batch (id int)")
                cursor.executemany("INSERT INTO batch VALUES (nextval('batch_ids'))", [(), ()])
            finally:
                conn.close()
        ''', ["PIN303:8", "PIN301:9", "PIN306:10"]),
    case("legacy-connect", '''
        import pg8000


        def lock(user):
            conn = pg8000.connect(user, database="orders")
            try:
                conn.run("SELECT pg_advisory_lock(1)")
                conn.prepare("SELECT 1")
                conn.cursor().execute("DISCARD ALL")
            finally:
                conn.close()
        ''', ["PIN305:7", "PIN207:8", "PIN103:9"]),
    case("startup-options", '''
        from pg8000.native import Connection


        def connect(user):
            con = Connection(user, startup_params={"options": "-c statement_timeout=5000"})
            con.close()
        ''', ["PIN105:5"]),
    # clean
    case("clean-run", '''
        import pg8000.native


        def rename(user, order_id, name):
            """UPDATE orders SET name = :name, never SET."""
            con = pg8000.native.Connection(user, application_name="orders")
            try:
                # SET statement_timeout lives in the parameter group
                con.run("UPDATE orders SET name = :n WHERE id = :i", n=name, i=order_id)
                return con.run("SELECT set FROM flags")
            finally:
                con.close()
        ''', []),
    case("clean-dbapi", '''
        import pg8000.dbapi


        def report(user, scheduler):
            conn = pg8000.dbapi.connect(user, startup_params={"search_path_hint": "unused"})
            try:
                cur = conn.cursor()
                cur.callproc("refresh_totals", [1])
                cur.execute("SELECT id FROM orders WHERE note = %s", ("SET x",))
                scheduler.execute("SET search_path TO app")
                return cur.fetchall()
            finally:
                conn.close()
        ''', []),
    case("clean-unexecuted", '''
        import logging

        import pg8000.native

        log = logging.getLogger(__name__)
        DISCARD = "DISCARD ALL"


        def noop(con):
            log.warning("LISTEN is not used here")
            return con.run("SELECT 1")
        ''', []),
]


@pytest.mark.parametrize("code,expected", PG8000)
def test_pg8000(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


# ---------------------------------------------------------------------------------------------
# Django

DJANGO = [
    case("connection-cursor", '''
        from django.db import connection


        def tune():
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 1000")
                cursor.execute("SELECT id FROM orders")
                return cursor.fetchall()
        ''', ["PIN101:6"]),
    case("connections-item", '''
        from django.db import connections


        def lock(order_id):
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [order_id])
            cur = connections["replica"].cursor()
            cur.executemany("SELECT nextval('ids')", [[], []])
        ''', ["PIN305:6", "PIN306:8"]),
    case("module-import", '''
        import django.db


        def temp():
            cursor = django.db.connection.cursor()
            cursor.execute("CREATE TEMP TABLE t (id int)")
        ''', ["PIN301:6"]),
    case("raw-sql-expression", '''
        from django.db.models import RawSQL


        def annotate(queryset):
            return queryset.annotate(next_id=RawSQL("SELECT nextval('order_ids')", []))
        ''', ["PIN306:5"]),
    case("chunked-cursor", '''
        from django.db import connection


        def stream():
            cursor = connection.chunked_cursor()
            cursor.execute("SELECT id FROM orders")
            return cursor
        ''', ["PIN302:5"]),
    # clean
    case("clean-cursor", '''
        import logging

        from django.db import connection, connections

        log = logging.getLogger(__name__)


        def rename(order_id, name):
            """UPDATE orders SET name = %s; no SET statement."""
            try:
                # SET statement_timeout lives in the parameter group
                log.info("SET statement_timeout skipped")
                with connection.cursor() as cursor:
                    cursor.execute("UPDATE orders SET name = %s WHERE id = %s", [name, order_id])
                    cursor.execute("SELECT set FROM flags")
            finally:
                connections.close_all()
        ''', []),
    case("clean-orm", '''
        from django.db import models


        class Order(models.Model):
            customer = models.TextField()


        def orders(customer):
            rows = Order.objects.raw("SELECT * FROM app_order WHERE customer = %s", [customer])
            return [o.customer for o in Order.objects.filter(customer=customer)] + list(rows)
        ''', []),
    case("clean-unrelated-execute", '''
        from django.db import connection


        def run(editor, scheduler):
            scheduler.execute("SET search_path TO app")
            text_cursor = editor.text_cursor()
            text_cursor.execute("LISTEN jobs")
            connection.close()
        ''', []),
    case("queryset-iterator", '''
        from django.db import models


        class Order(models.Model):
            customer = models.TextField()


        def export(customer):
            return list(Order.objects.filter(customer=customer).iterator(chunk_size=500))
        ''', ["PIN302:9"]),
    case("model-raw-set", '''
        from django.db import models


        class Order(models.Model):
            customer = models.TextField()


        def tenant(name):
            return list(Order.objects.raw("SET search_path TO %s", [name]))
        ''', ["PIN101:9"]),
]


@pytest.mark.parametrize("code,expected", DJANGO)
def test_django(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


def test_django_model_in_another_module(tmp_path):
    findings = lint(tmp_path, {
        "orders/models.py": """
            from django.db import models


            class Order(models.Model):
                customer = models.TextField()
            """,
        "orders/handler.py": """
            from .models import Order


            def export(customer):
                rows = Order.objects.filter(customer=customer).iterator()
                return list(rows) + list(Order.objects.raw("SELECT pg_advisory_lock(1)"))
            """,
    })
    assert codes_at(findings, "handler.py") == ["PIN302:5", "PIN305:6"]


# ---------------------------------------------------------------------------------------------
# peewee

PEEWEE = [
    case("postgres-startup-options", '''
        from peewee import PostgresqlDatabase


        def make_db():
            return PostgresqlDatabase("orders", options="-c statement_timeout=5000")
        ''', ["PIN105:5"]),
    case("execute-sql", '''
        from peewee import PostgresqlDatabase


        def tune():
            db = PostgresqlDatabase("orders", host="proxy")
            try:
                db.execute_sql("SET TIME ZONE 'UTC'")
                db.cursor().execute("SELECT pg_advisory_lock(1)")
                return db.execute_sql("SELECT id FROM orders").fetchall()
            finally:
                db.close()
        ''', ["PIN101:7", "PIN305:8"]),
    case("server-side-cursors", '''
        from playhouse.pool import PooledPostgresqlDatabase
        from playhouse.postgres_ext import PooledPostgresqlExtDatabase, PostgresqlExtDatabase, ServerSide


        def databases():
            a = PostgresqlExtDatabase("orders", server_side_cursors=True)
            b = PooledPostgresqlExtDatabase("orders", max_connections=1, server_side_cursors=True)
            c = PooledPostgresqlDatabase("orders", max_connections=1)
            return a, b, c


        def export(query, db):
            for row in ServerSide(query):
                yield row
        ''', ["PIN302:6", "PIN302:7", "PIN302:13"]),
    case("named-cursor-methods", '''
        from playhouse.postgres_ext import PostgresqlExtDatabase


        def export():
            db = PostgresqlExtDatabase("orders")
            try:
                return db.execute_sql("SELECT * FROM orders", None, True).fetchall()
            finally:
                db.close()
        ''', ["PIN302:7"]),
    case("psycopg3-and-encoding", '''
        from peewee import PostgresqlDatabase
        from playhouse.postgres_ext import Psycopg3Database


        def databases():
            a = Psycopg3Database("orders")
            b = PostgresqlDatabase("orders", prefer_psycopg3=True)
            c = PostgresqlDatabase("orders", encoding="latin1")
            return a, b, c
        ''', ["PIN202:6", "PIN202:7", "PIN104:8"]),
    case("mysql", '''
        from peewee import MySQLDatabase
        from playhouse.pool import PooledMySQLDatabase


        def lock(name):
            db = MySQLDatabase("orders", init_command="SET @tenant = 'a'")
            pool = PooledMySQLDatabase("orders", max_connections=1)
            try:
                db.execute_sql("SELECT GET_LOCK(%s, 10)", (name,))
                pool.execute_sql("SET @x = 1")
            finally:
                db.close()
                pool.close_all()
        ''', ["PIN106:6", "PIN307:9", "PIN308:10"]),
    # clean
    case("clean-postgres", '''
        import logging

        from peewee import PostgresqlDatabase
        from playhouse.pool import PooledPostgresqlDatabase
        from playhouse.postgres_ext import Psycopg3Database

        log = logging.getLogger(__name__)


        def rename(order_id, name):
            """UPDATE orders SET name = %s, never SET."""
            db = PostgresqlDatabase("orders", isolation_level=3, host="proxy")
            pooled = PooledPostgresqlDatabase("orders", max_connections=20, stale_timeout=300)
            modern = Psycopg3Database("orders", prepare_threshold=None)
            try:
                # SET statement_timeout lives in the parameter group
                log.info("SET skipped")
                db.execute_sql("UPDATE orders SET name = %s WHERE id = %s", (name, order_id))
                pooled.execute_sql("SELECT set FROM flags")
                modern.execute_sql("SELECT 1")
            finally:
                db.close()
                pooled.close_all()
                modern.close()
        ''', []),
    case("clean-mysql", '''
        from peewee import MySQLDatabase


        def session(db: MySQLDatabase):
            real = MySQLDatabase("orders", charset="utf8mb4")
            try:
                real.execute_sql("SET NAMES utf8mb4")
                real.execute_sql("SET time_zone = '+00:00'")
                real.execute_sql("UPDATE orders SET total = 0")
            finally:
                real.close()
        ''', []),
    case("clean-unrelated", '''
        from peewee import Model, TextField


        class Order(Model):
            customer = TextField()


        def run(executor, customer):
            executor.execute_sql("SET search_path TO app")
            return list(Order.select().where(Order.customer == customer).iterator())
        ''', []),
    case("model-raw", '''
        from peewee import Model, TextField


        class Order(Model):
            customer = TextField()


        def tenant():
            return list(Order.raw("SET search_path TO tenant_a"))
        ''', ["PIN101:9"]),
    case("clean-init-command-tracked", '''
        from playhouse.pool import PooledMySQLDatabase


        def make_db():
            return PooledMySQLDatabase("orders", max_connections=4, init_command="SET time_zone = '+00:00'")
        ''', []),
]


@pytest.mark.parametrize("code,expected", PEEWEE)
def test_peewee(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


def test_peewee_psycopg3_fix(tmp_path):
    findings = lint(tmp_path, {"handler.py": '''
        from playhouse.postgres_ext import Psycopg3Database


        def make_db():
            return Psycopg3Database("orders", host="proxy")
        '''})
    (finding,) = findings
    assert finding.code == "PIN202" and finding.fix is not None
    assert [e.content for e in finding.fix.edits] == [", prepare_threshold=None"]


# ---------------------------------------------------------------------------------------------
# PyMySQL

PYMYSQL = [
    case("init-command-user-variable", '''
        import pymysql


        def connect(host):
            return pymysql.connect(host=host, user="app", init_command="SET @tenant = 'a'")
        ''', ["PIN106:5"]),
    case("cursor-session-state", '''
        import pymysql


        def tune(host):
            conn = pymysql.connect(host=host, user="app")
            try:
                with conn.cursor() as cur:
                    cur.execute("SET SESSION innodb_lock_wait_timeout = 5")
                    cur.execute("LOCK TABLES orders WRITE")
                    cur.execute("SELECT id INTO @last FROM orders ORDER BY id DESC LIMIT 1")
                    cur.execute("SELECT FOUND_ROWS()")
            finally:
                conn.close()
        ''', ["PIN101:8", "PIN307:9", "PIN308:10", "PIN309:11"]),
    case("aliases-and-callproc", '''
        import pymysql
        from pymysql.connections import Connection


        def work(host):
            a = pymysql.Connect(host=host)
            b = Connection(host=host)
            try:
                a.cursor().callproc("refresh_totals", (1, 2))
                b.query("SELECT GET_LOCK('nightly', 0)")
                b.cursor().executemany("SET @x = %s", [(1,), (2,)])
            finally:
                a.close()
                b.close()
        ''', ["PIN308:9", "PIN307:10", "PIN308:11"]),
    # clean
    case("clean-tracked", '''
        import pymysql


        def session(host):
            conn = pymysql.connect(host=host, user="app", charset="utf8mb4", autocommit=True)
            try:
                with conn.cursor() as cur:
                    cur.execute("SET NAMES utf8mb4")
                    cur.execute("SET autocommit = 1")
                    cur.execute("SET SESSION time_zone = '+00:00'")
                    cur.execute("SET @@session.sql_mode = 'STRICT_ALL_TABLES'")
                    cur.callproc("refresh_totals")
            finally:
                conn.close()
        ''', []),
    case("clean-near-misses", '''
        import logging

        import pymysql

        log = logging.getLogger(__name__)
        UNUSED = "SET @tenant = 1"


        def rename(conn, order_id, name):
            """UPDATE orders SET name = %s (never SET @x)."""
            # SET @x would pin
            log.info("LOCK TABLES skipped")
            with conn.cursor() as cur:
                cur.execute("UPDATE orders SET name = %s WHERE id = %s", (name, order_id))
                cur.execute("SELECT `set` FROM flags WHERE note = '@x'")
        ''', []),
    case("clean-unrelated-execute", '''
        import pymysql


        def run(cache, editor):
            cache.execute("SET @x = 1")
            text_cursor = editor.cursor
            text_cursor.execute("LOCK TABLES t WRITE")
        ''', []),
    case("init-command-tracked", '''
        import pymysql


        def connect(host):
            return pymysql.connect(host=host, init_command="SET NAMES utf8mb4")
        ''', []),
]


@pytest.mark.parametrize("code,expected", PYMYSQL)
def test_pymysql(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


# ---------------------------------------------------------------------------------------------
# mysqlclient (MySQLdb)

MYSQLCLIENT = [
    case("init-command", '''
        import MySQLdb


        def connect(host):
            return MySQLdb.connect(host=host, init_command="SET SESSION max_execution_time = 1000")
        ''', ["PIN106:5"]),
    case("cursor-and-query", '''
        import MySQLdb


        def batch(host):
            db = MySQLdb.Connect(host=host, user="app")
            try:
                cur = db.cursor()
                cur.execute("CREATE TEMPORARY TABLE batch (id int)")
                cur.callproc("load_batch", (10,))
                db.query("FLUSH TABLES WITH READ LOCK")
            finally:
                db.close()
        ''', ["PIN301:8", "PIN308:9", "PIN307:10"]),
    case("connections-class", '''
        from MySQLdb.connections import Connection


        def last_id(host):
            db = Connection(host=host)
            try:
                cur = db.cursor()
                cur.execute("INSERT INTO orders (total) VALUES (%s)", (1,))
                cur.execute("SELECT LAST_INSERT_ID()")
                return cur.fetchone()
            finally:
                db.close()
        ''', ["PIN309:9"]),
    # clean
    case("clean-tracked", '''
        import MySQLdb


        def session(host):
            db = MySQLdb.connect(host=host, charset="utf8mb4", sql_mode="STRICT_ALL_TABLES")
            try:
                cur = db.cursor()
                cur.execute("SET NAMES utf8mb4")
                cur.execute("SET SESSION transaction_isolation = 'READ-COMMITTED'")
                cur.callproc("refresh")
            finally:
                db.close()
        ''', []),
    case("clean-near-misses", '''
        import MySQLdb


        def rename(db, order_id, name):
            """UPDATE orders SET name = %s."""
            cur = db.cursor()
            # FLUSH TABLES WITH READ LOCK is for backups only
            cur.execute("UPDATE orders SET name = %s WHERE id = %s", (name, order_id))
            cur.execute("SELECT `set`, lock FROM flags")
        ''', []),
    case("clean-unrelated", '''
        import MySQLdb

        LOCK = "LOCK TABLES orders WRITE"


        def run(redis, pipe):
            redis.execute("SET @x = 1")
            pipe.query("GET_LOCK('a', 1)")
        ''', []),
    case("clean-init-command-tracked", '''
        import MySQLdb


        def connect(host):
            return MySQLdb.connect(host=host, init_command="SET SESSION sql_mode = 'STRICT_ALL_TABLES'")
        ''', []),
]


@pytest.mark.parametrize("code,expected", MYSQLCLIENT)
def test_mysqlclient(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


# ---------------------------------------------------------------------------------------------
# mysql-connector-python

MYSQL_CONNECTOR = [
    case("prepared-cursor", '''
        import mysql.connector


        def totals(host):
            cnx = mysql.connector.connect(host=host, user="app")
            try:
                cur = cnx.cursor(prepared=True)
                cur.execute("SELECT sum(total) FROM orders WHERE customer = %s", ("a",))
                cnx.cmd_stmt_prepare(b"SELECT 1")
                return cur.fetchone()
            finally:
                cnx.close()
        ''', ["PIN205:7", "PIN205:9"]),
    case("pools-in-functions", '''
        import mysql.connector
        from mysql.connector import pooling


        def orders_pool(host):
            return pooling.MySQLConnectionPool(pool_name="orders", pool_size=5, host=host)


        def reports_pool(host):
            return pooling.MySQLConnectionPool(pool_name="reports", host=host)


        def legacy_connection(host):
            return mysql.connector.connect(pool_name="legacy", host=host)


        def sized_connection(host):
            return mysql.connector.connect(pool_size=3, host=host)
        ''', []),  # not module-level pools: see test_pool_size
    case("session-state", '''
        import mysql.connector
        from mysql.connector.cursor import MySQLCursorPrepared


        def work(host):
            cnx = mysql.connector.connect(host=host, init_command="SET @tenant = 'a'")
            try:
                cnx.cmd_query("SET @batch = 1")
                cnx.reset_session(user_variables={"tenant": "a"})
                cur = MySQLCursorPrepared(cnx)
                cnx.cursor().callproc("refresh", (1,))
                cnx.cursor().execute("SELECT RELEASE_LOCK('a'), GET_LOCK('b', 1)")
            finally:
                cnx.close()
        ''', ["PIN106:6", "PIN308:8", "PIN308:9", "PIN205:10", "PIN308:11", "PIN307:12"]),
    case("pooled-connection", '''
        from mysql.connector.pooling import MySQLConnectionPool

        pool = MySQLConnectionPool(pool_size=1, host="proxy")


        def lock():
            cnx = pool.get_connection()
            try:
                cur = cnx.cursor(dictionary=True)
                cur.execute("SET SESSION innodb_lock_wait_timeout = 5")
                cnx.cursor(True, False, True).execute("SELECT 1")
            finally:
                cnx.close()
        ''', ["PIN101:10", "PIN205:11"]),
    # clean
    case("clean-tracked", '''
        import mysql.connector


        def session(host):
            cnx = mysql.connector.connect(host=host, time_zone="+00:00", sql_mode="TRADITIONAL")
            try:
                cur = cnx.cursor(buffered=True, dictionary=True)
                cur.execute("SET time_zone = '+00:00'")
                cur.execute("SET @@session.sql_mode = 'TRADITIONAL'")
                cnx.cmd_query("SELECT 1")
                cnx.reset_session()
                cur.callproc("refresh")
            finally:
                cnx.close()
        ''', []),
    case("clean-pool-of-one", '''
        from mysql.connector.pooling import MySQLConnectionPool


        def pool(host):
            return MySQLConnectionPool(pool_name="orders", pool_size=1, host=host)
        ''', []),
    case("clean-near-misses", '''
        import logging

        import mysql.connector

        log = logging.getLogger(__name__)


        def rename(cnx, bus, order_id, name):
            """UPDATE orders SET name = %s; the cursor is not prepared."""
            log.info("cursor(prepared=True) is avoided: SET @x would pin too")
            cur = cnx.cursor()
            cur.execute("UPDATE orders SET name = %s WHERE id = %s", (name, order_id))
            bus.cmd_query("SET @x = 1")
        ''', []),
    case("cursor-class-prepared", '''
        import mysql.connector
        from mysql.connector.cursor import MySQLCursorPrepared


        def totals(host):
            cnx = mysql.connector.connect(host=host)
            try:
                return cnx.cursor(cursor_class=MySQLCursorPrepared)
            finally:
                cnx.close()
        ''', ["PIN205:8"]),
    case("init-command-tracked-and-pooled", '''
        import mysql.connector
        from mysql.connector.pooling import MySQLConnectionPool


        def connect(host):
            return mysql.connector.connect(
                host=host, init_command="SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"
            )


        def pool(host):
            return MySQLConnectionPool(pool_size=1, host=host, init_command="SET autocommit = 0; SET @a = 1")
        ''', ["PIN106:12"]),
]


@pytest.mark.parametrize("code,expected", MYSQL_CONNECTOR)
def test_mysql_connector(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


# ---------------------------------------------------------------------------------------------
# aiomysql

AIOMYSQL = [
    case("init-command", '''
        import aiomysql


        async def connect(host):
            return await aiomysql.connect(host=host, init_command="SET SESSION max_execution_time = 1000")
        ''', ["PIN106:5"]),
    case("cursor-session-state", '''
        import aiomysql


        async def nightly(host):
            conn = await aiomysql.connect(host=host, user="app")
            try:
                async with conn.cursor() as cur:
                    await cur.execute("SELECT GET_LOCK('nightly', 0)")
                    await cur.callproc("refresh", [1])
                cur = await conn.cursor()
                await cur.executemany("INSERT INTO t VALUES (%s)", [(1,)])
                await conn.query("SET @batch = 1")
            finally:
                conn.close()
        ''', ["PIN307:8", "PIN308:9", "PIN308:12"]),
    case("pool", '''
        import aiomysql


        async def report(host):
            pool = await aiomysql.create_pool(host=host, minsize=5, maxsize=5)
            try:
                async with pool.acquire() as conn:
                    async with conn.cursor() as cur:
                        await cur.execute("CREATE TEMPORARY TABLE t (id int)")
            finally:
                pool.close()
                await pool.wait_closed()
        ''', ["PIN301:9"]),
    # clean
    case("clean-default-pool", '''
        import aiomysql


        async def report(host, customer):
            pool = await aiomysql.create_pool(host=host, maxsize=10, autocommit=True)
            try:
                async with pool.acquire() as conn:
                    async with conn.cursor() as cur:
                        await cur.execute("SET NAMES utf8mb4")
                        await cur.execute("SELECT * FROM orders WHERE customer = %s", (customer,))
                        return await cur.fetchall()
            finally:
                await pool.clear()
        ''', []),
    case("clean-near-misses", '''
        import logging

        import aiomysql

        log = logging.getLogger(__name__)


        async def rename(conn, order_id, name):
            """UPDATE orders SET name = %s."""
            # SET @x would pin
            log.info("GET_LOCK skipped")
            async with conn.cursor() as cur:
                await cur.execute("UPDATE orders SET name = %s WHERE id = %s", (name, order_id))
                await cur.execute("SELECT `set` FROM flags")
        ''', []),
    case("clean-unrelated", '''
        import aiomysql


        async def run(client, http):
            await client.execute("SET @x = 1")
            await http.query("LOCK TABLES t WRITE")
        ''', []),
    case("clean-init-command-tracked", '''
        import aiomysql


        async def make_pool(host):
            return await aiomysql.create_pool(host=host, minsize=1, maxsize=1, init_command="SET NAMES utf8mb4")
        ''', []),
]


@pytest.mark.parametrize("code,expected", AIOMYSQL)
def test_aiomysql(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


# ---------------------------------------------------------------------------------------------
# PIN407: client pools that open more than one connection up front. The rule holds only for a
# module-level pool (or one bound to a module-level name in the handler) in a Lambda project;
# the function-scoped pools above are not reported. Each module below uses its pool the way
# drivers.md section 10 says keeps it usable between invocations.

POOL_SIZE = [
    case("asyncpg-default-min-size", '''
        import os

        import asyncpg

        pool = None


        async def _keep_session(connection):
            pass


        async def handler(event, context):
            global pool
            if pool is None:
                pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], statement_cache_size=0, reset=_keep_session)
            try:
                async with pool.acquire() as conn:
                    return await conn.fetchval("SELECT count(*) FROM orders")
            finally:
                await pool.close()
                pool = None
        ''', ["PIN407:15"]),
    case("asyncpg-min-size-one", '''
        import os

        import asyncpg

        pool = None


        async def _keep_session(connection):
            pass


        async def handler(event, context):
            global pool
            if pool is None:
                pool = await asyncpg.create_pool(
                    os.environ["DATABASE_URL"], min_size=1, max_size=1, statement_cache_size=0, reset=_keep_session
                )
            try:
                async with pool.acquire() as conn:
                    return await conn.fetchval("SELECT count(*) FROM orders")
            finally:
                await pool.close()
                pool = None
        ''', []),
    case("aiomysql-minsize", '''
        import os

        import aiomysql

        pool = None


        async def handler(event, context):
            global pool
            if pool is None:
                pool = await aiomysql.create_pool(host=os.environ["DB_HOST"], minsize=5, maxsize=5)
            try:
                async with pool.acquire() as conn:
                    async with conn.cursor() as cur:
                        await cur.execute("SELECT count(*) FROM orders")
                        return await cur.fetchone()
            finally:
                pool.close()
                await pool.wait_closed()
                pool = None
        ''', ["PIN407:11"]),
    case("aiomysql-default-minsize", '''
        import os

        import aiomysql

        pool = None


        async def handler(event, context):
            global pool
            if pool is None:
                pool = await aiomysql.create_pool(host=os.environ["DB_HOST"], maxsize=10)
            try:
                async with pool.acquire() as conn:
                    async with conn.cursor() as cur:
                        await cur.execute("SELECT count(*) FROM orders")
                        return await cur.fetchone()
            finally:
                pool.close()
                await pool.wait_closed()
                pool = None
        ''', []),
    # mysql-connector pools have no call that closes their connections and keeps the pool
    # usable, so the handler also gets PIN401 (intended: that is what the data says).
    case("mysql-connector-pool-size", '''
        import os

        from mysql.connector.pooling import MySQLConnectionPool

        pool = MySQLConnectionPool(pool_name="orders", pool_size=5, host=os.environ["DB_HOST"])


        def handler(event, context):
            cnx = pool.get_connection()
            try:
                cur = cnx.cursor()
                cur.execute("SELECT count(*) FROM orders")
                return cur.fetchone()
            finally:
                cnx.close()
        ''', ["PIN407:5", "PIN401:8"]),
    case("psycopg2-minconn", '''
        import os

        from psycopg2.pool import SimpleConnectionPool

        pool = SimpleConnectionPool(2, 4, os.environ["DATABASE_URL"])


        def handler(event, context):
            conn = pool.getconn()
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT count(*) FROM orders")
                    return cur.fetchone()
            finally:
                pool.putconn(conn, close=True)
        ''', ["PIN407:5"]),
    # peewee pools open connections on demand, one per thread: max_connections is a cap
    case("peewee-pool-not-reported", '''
        import os

        from playhouse.pool import PooledPostgresqlDatabase

        db = PooledPostgresqlDatabase("orders", max_connections=20, host=os.environ["DB_HOST"])


        def handler(event, context):
            try:
                db.connect(reuse_if_open=True)
                return db.execute_sql("SELECT count(*) FROM orders").fetchone()
            finally:
                db.close_all()
        ''', []),
]


@pytest.mark.parametrize("code,expected", POOL_SIZE)
def test_pool_size(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


# ---------------------------------------------------------------------------------------------
# Existing library files: facts added alongside the new libraries

EXTENDED = [
    case("psycopg2-pools-in-functions", '''
        from psycopg2.pool import SimpleConnectionPool, ThreadedConnectionPool


        def simple(dsn):
            return SimpleConnectionPool(2, 4, dsn)


        def threaded(dsn):
            return ThreadedConnectionPool(1, 1, dsn)
        ''', []),
    case("psycopg-async-connect", '''
        import psycopg


        async def connect():
            a = await psycopg.AsyncConnection.connect("host=proxy options='-c search_path=app'", prepare_threshold=None)
            b = await psycopg.AsyncConnection.connect("host=proxy", prepare_threshold=5)
            await a.close()
            await b.close()
        ''', ["PIN105:5", "PIN202:6"]),
    case("psycopg-pool-configure", '''
        from psycopg_pool import ConnectionPool


        def pool(conninfo):
            return ConnectionPool(
                conninfo, min_size=1, kwargs={"prepare_threshold": None}, configure=_configure
            )


        def _configure(link):
            link.execute("SET search_path TO app")
        ''', ["PIN101:11"]),
    case("psycopg-prepare-true-default-threshold", '''
        import psycopg


        def price_of(dsn, sku):
            with psycopg.connect(dsn) as conn:
                return conn.execute("SELECT cents FROM prices WHERE sku = %s", (sku,), prepare=True).fetchone()
        ''', ["PIN202:5", "PIN202:6"]),
    case("psycopg-prepare-true-ignored", '''
        import psycopg


        def price_of(dsn, sku):
            # prepare_threshold=None makes psycopg ignore prepare=True
            with psycopg.connect(dsn, prepare_threshold=None) as conn:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1", prepare=True)
                return conn.execute("SELECT cents FROM prices WHERE sku = %s", (sku,), prepare=True).fetchone()
        ''', []),
    case("sqlalchemy-connect-args-init-command", '''
        from sqlalchemy import create_engine
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_engine(
            "mysql+pymysql://tenant_app@proxy/saas", connect_args={"init_command": "SET @tenant_id = 42"}
        )
        async_engine = create_async_engine(
            "mysql+aiomysql://tenant_app@proxy/saas", connect_args={"init_command": "SET @tenant_id = 42"}
        )
        ''', ["PIN106:4", "PIN106:7"]),
    case("sqlalchemy-connect-args-init-command-tracked", '''
        from sqlalchemy import create_engine

        engine = create_engine(
            "mysql+pymysql://app@proxy/saas", connect_args={"init_command": "SET NAMES utf8mb4"}
        )
        ''', []),
]


@pytest.mark.parametrize("code,expected", EXTENDED)
def test_extended_libraries(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


# ---------------------------------------------------------------------------------------------
# The RDS Data API (boto3 `rds-data`) sends statements over HTTPS: it never pins.

RDS_DATA = [
    case("client-names", '''
        import boto3

        client = boto3.client("rds-data")
        rds_data = boto3.client("rds-data", region_name="eu-west-1")
        rds = boto3.session.Session().client("rds-data")
        data_api = boto3.client(service_name="rds-data")
        ARN = "arn:aws:rds:eu-west-1:1:cluster:orders"
        SECRET = "arn:aws:secretsmanager:eu-west-1:1:secret:orders"


        def tune():
            client.execute_statement(resourceArn=ARN, secretArn=SECRET, sql="SET statement_timeout = '5s'")
            rds_data.execute_statement(resourceArn=ARN, secretArn=SECRET, sql="LISTEN orders")
            rds.batch_execute_statement(resourceArn=ARN, secretArn=SECRET, sql="SELECT nextval('s')", parameterSets=[])
            tx = data_api.begin_transaction(resourceArn=ARN, secretArn=SECRET)
            data_api.execute_statement(
                resourceArn=ARN, secretArn=SECRET, sql="CREATE TEMP TABLE t (id int)",
                transactionId=tx["transactionId"],
            )
            data_api.commit_transaction(resourceArn=ARN, secretArn=SECRET, transactionId=tx["transactionId"])
        ''', []),
    case("handler", '''
        import boto3

        rds_data = boto3.client("rds-data")


        def handler(event, context):
            return rds_data.execute_statement(
                resourceArn="arn:aws:rds:eu-west-1:1:cluster:orders",
                secretArn="arn:aws:secretsmanager:eu-west-1:1:secret:orders",
                sql="SET statement_timeout = '5s'",
            )
        ''', []),
    case("connection-like-names", '''
        import boto3


        def run(sql):
            conn = boto3.client("rds-data")
            db = conn
            db.execute_statement(resourceArn="a", secretArn="s", sql="SET search_path TO app")
            conn.execute_statement(resourceArn="a", secretArn="s", sql="SELECT pg_advisory_lock(1)")
            return conn.execute_statement(resourceArn="a", secretArn="s", sql=sql, database="orders")
        ''', []),
    case("mysql-cluster", '''
        import boto3
        import pymysql

        data_api = boto3.client("rds-data")


        def tenant(name):
            data_api.execute_statement(resourceArn="a", secretArn="s", sql="SET @tenant = :t",
                                       parameters=[{"name": "t", "value": {"stringValue": name}}])
        ''', []),
]


@pytest.mark.parametrize("code,expected", RDS_DATA)
def test_rds_data_api_is_silent(tmp_path, code, expected):
    assert run(tmp_path, code) == expected


# ---------------------------------------------------------------------------------------------
# The data files themselves: every kind they name exists, every rule code is documented, every
# condition test is one the engine documents.

KNOWN_TESTS = {"absent", "present", "truthy", "not-none", "not-false", "equals", "not-equals",
               "greater", "contains", "matches", "names"}


def _data() -> dict[str, dict]:
    return {p.stem: tomllib.loads(p.read_text()) for p in sorted(LIBRARIES.glob("*.toml"))}


def _rule_entries(spec: dict):
    yield from spec.get("rules", ())


def test_library_data_is_consistent():
    data = _data()
    kinds = {k for lib in data.values() for k in lib.get("kinds", {})}
    internals = (LIBRARIES.parent.parent / "docs" / "internals.md").read_text()
    problems = []

    def check_rules(where: str, spec: dict):
        for entry in _rule_entries(spec):
            if f"| {entry['rule']} |" not in internals:
                problems.append(f"{where}: undocumented rule {entry['rule']}")
            for cond in entry.get("when", ()):
                if cond["test"] not in KNOWN_TESTS:
                    problems.append(f"{where}: unknown condition test {cond['test']}")
        for choice in spec.get("returns-when", ()):
            if choice["returns"] not in kinds:
                problems.append(f"{where}: returns-when names unknown kind {choice['returns']}")
        if "returns" in spec and spec["returns"] not in kinds:
            problems.append(f"{where}: returns unknown kind {spec['returns']}")
        for kind in spec.get("callback", {}).get("params", {}).values():
            if kind not in kinds:
                problems.append(f"{where}: callback names unknown kind {kind}")

    for name, lib in data.items():
        for qual, spec in lib.get("calls", {}).items():
            check_rules(f"{name}: calls.{qual}", spec)
        for table in ("objects", "attribute-fallbacks"):
            for qual, kind in lib.get(table, {}).items():
                if kind not in kinds:
                    problems.append(f"{name}: {table}.{qual} names unknown kind {kind}")
        for kname, spec in lib.get("kinds", {}).items():
            for ref in [spec.get("call"), spec.get("item"), spec.get("inherits"),
                        *spec.get("attrs", {}).values()]:
                if ref and ref not in kinds:
                    problems.append(f"{name}: kinds.{kname} names unknown kind {ref}")
            for method, mspec in spec.get("methods", {}).items():
                check_rules(f"{name}: {kname}.{method}", mspec)
                lifecycle = mspec.get("lifecycle")
                if lifecycle and lifecycle not in ("release", "destroy", "return", "acquire", "check", "scoped"):
                    problems.append(f"{name}: {kname}.{method} lifecycle {lifecycle}")
        for entry in lib.get("django-settings", {}).get("rules", ()):
            check_rules(f"{name}: django-settings", {"rules": [entry]})
    assert problems == []


def test_every_library_declares_its_imports():
    for name, lib in _data().items():
        if not lib.get("imports") and name in ("dbapi", "libpq_env"):
            continue  # generic data: DB-API objects, the libpq environment
        assert lib.get("imports"), name
        assert lib.get("distributions"), name
        roots = set(lib["imports"])
        for qual in list(lib.get("calls", {})) + list(lib.get("objects", {})):
            assert qual.split(".")[0] in roots, f"{name}: {qual} is outside its import roots"
