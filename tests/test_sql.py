"""The SQL classifier (src/pinless/model/sql.py): kinds, constructs, robustness, pre-test."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pinless.model import sql
from pinless.model.sql import SqlFact, classify, might_pin, normalize_placeholders

_spec = importlib.util.spec_from_file_location("sql_corpus", Path(__file__).parent / "data" / "sql" / "corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

PG, MY = "postgres", "mysql"
BIG = "SELECT '" + "x" * 20_000 + "'"

# (text, dialect, expected kinds in order)
CASES = [
    # --- PostgreSQL SET / RESET / set_config -------------------------------------------
    ("SET statement_timeout = '5s'", PG, ["set"]),
    ("SET statement_timeout TO 5000", PG, ["set"]),
    ("set Statement_Timeout = 1", PG, ["set"]),
    ("SeT search_path TO tenant_a, public", PG, ["set"]),
    ("SET SESSION statement_timeout = 5", PG, ["set"]),
    ("SET LOCAL statement_timeout = 5", PG, ["set_local"]),
    ("SET LOCAL TIME ZONE 'UTC'", PG, ["set_local"]),
    ("SET TIME ZONE 'UTC'", PG, ["set"]),
    ("SET ROLE app_reader", PG, ["set"]),
    ("SET SESSION AUTHORIZATION DEFAULT", PG, ["set"]),
    ("SET SCHEMA 'tenant_a'", PG, ["set"]),
    ("SET NAMES 'UTF8'", PG, ["set"]),
    ("SET client_encoding = 'UTF8'", PG, ["set"]),
    ("SET app.tenant = 'a'", PG, ["set"]),
    ('SET "my.var" = 1', PG, ["set"]),
    ("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", PG, ["set"]),
    ("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", PG, ["set_local"]),
    ("SET TRANSACTION READ ONLY", PG, ["set_local"]),
    ("SET CONSTRAINTS ALL DEFERRED", PG, ["set_local"]),
    ("SET search_path = %s", PG, ["set"]),
    ("SET search_path = $1", PG, ["set"]),
    ("SET ROLE %(role)s", PG, ["set"]),
    ("RESET ALL", PG, ["reset"]),
    ("reset statement_timeout", PG, ["reset"]),
    ("RESET ROLE", PG, ["reset"]),
    ("RESET SESSION AUTHORIZATION", PG, ["reset"]),
    ("DISCARD ALL", PG, ["discard"]),
    ("discard plans", PG, ["discard"]),
    ("DISCARD ALL", MY, []),
    ("SELECT set_config('app.tenant', %s, false)", PG, ["set_config"]),
    ("SELECT set_config('app.tenant', 'a', FALSE)", PG, ["set_config"]),
    ("SELECT set_config('app.tenant', 'a', 'off')", PG, ["set_config"]),
    ("SELECT set_config('app.tenant', 'a', true)", PG, ["set_local"]),
    ("SELECT set_config('app.tenant', 'a', 't'::boolean)", PG, ["set_local"]),
    ("select SET_CONFIG('app.tenant', 'a', 'on')", PG, ["set_local"]),
    ("SELECT set_config('app.tenant', 'a', %s)", PG, ["set_config"]),
    ("SELECT set_config('app.tenant', 'a', $3)", PG, ["set_config"]),
    ("SELECT set_config('app.tenant', 'a', :is_local)", PG, ["set_config"]),
    ("SELECT set_config('app.tenant', 'a', '%s')", PG, ["set_config"]),
    ("SELECT set_config('app.tenant', 'a', NOT false)", PG, ["set_config"]),
    ("SELECT set_config('app.tenant', 'a')", PG, ["set_config"]),
    ("WITH t AS (SELECT 1) SELECT set_config('a.b', 'c', false) FROM t", PG, ["set_config"]),
    ("(SELECT set_config('a.b', 'c', true))", PG, ["set_local"]),
    ("SELECT current_setting('app.tenant')", PG, []),
    # --- transactions, row locks and DML that only look like SET ------------------------
    ("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY", PG, []),
    ("START TRANSACTION ISOLATION LEVEL SERIALIZABLE", PG, []),
    ("BEGIN; SET LOCAL lock_timeout = '1s'; COMMIT", PG, ["set_local"]),
    ("SELECT * FROM orders WHERE id = %s FOR UPDATE", PG, []),
    ("SELECT * FROM orders FOR UPDATE SKIP LOCKED", MY, []),
    ("UPDATE t SET a = 1 WHERE id = %s", PG, []),
    ("UPDATE t SET a = 1 WHERE id = %s", MY, []),
    ("INSERT INTO t (id, a) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a", PG, []),
    ("INSERT INTO t (id, a) VALUES (%s, %s) ON DUPLICATE KEY UPDATE a = VALUES(a)", MY, []),
    ("ALTER ROLE app SET statement_timeout = '5s'", PG, []),
    ("ALTER DATABASE orders SET search_path = tenant_a", PG, []),
    ("ALTER TABLE t ALTER COLUMN a SET DEFAULT 0", PG, []),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = public AS 'SELECT 1'", PG, []),
    ("SELECT set FROM flags", PG, []),
    ("SELECT offset, dataset FROM assets", PG, []),
    # --- prepared statements ---------------------------------------------------------------
    ("PREPARE get_order (int) AS SELECT * FROM orders WHERE id = $1", PG, ["prepare"]),
    ("EXECUTE get_order(1)", PG, ["execute_prepared"]),
    ("execute get_order (%s)", PG, ["execute_prepared"]),
    ("DEALLOCATE get_order", PG, ["deallocate"]),
    ("DEALLOCATE PREPARE ALL", PG, ["deallocate"]),
    ("PREPARE TRANSACTION 'tx1'", PG, []),
    ("COMMIT PREPARED 'tx1'", PG, []),
    ("DO $$ BEGIN EXECUTE 'SET statement_timeout = 1'; END $$", PG, []),
    ("DO $body$ BEGIN PERFORM pg_advisory_lock(1); END $body$ LANGUAGE plpgsql", PG, []),
    ("PREPARE stmt FROM 'SELECT * FROM t WHERE id = ?'", MY, ["prepare"]),
    ("EXECUTE stmt USING @id", MY, ["execute_prepared"]),
    ("DEALLOCATE PREPARE stmt", MY, ["deallocate"]),
    ("DROP PREPARE stmt", MY, ["deallocate"]),
    ("DROP TABLE t", MY, []),
    # --- temporary objects -----------------------------------------------------------------
    ("CREATE TEMP TABLE staging (id int)", PG, ["temp_object"]),
    ("CREATE TEMPORARY TABLE staging (id int) ON COMMIT DROP", PG, ["temp_object"]),
    ("create temp table if not exists s as select * from t", PG, ["temp_object"]),
    ("CREATE TEMPORARY VIEW v AS SELECT 1", PG, ["temp_object"]),
    ("CREATE OR REPLACE TEMP VIEW v AS SELECT 1", PG, ["temp_object"]),
    ("CREATE TEMP SEQUENCE s", PG, ["temp_object"]),
    ("CREATE GLOBAL TEMPORARY TABLE g (id int)", PG, ["temp_object"]),
    ("CREATE LOCAL TEMP TABLE l (id int)", PG, ["temp_object"]),
    ("SELECT * INTO TEMP recent FROM orders WHERE id > %s", PG, ["temp_object"]),
    ("SELECT * INTO TEMPORARY TABLE recent FROM orders", PG, ["temp_object"]),
    ("SELECT * INTO recent FROM orders", PG, []),
    ("INSERT INTO temp (a) VALUES (1)", PG, []),
    ("CREATE TABLE t (id int, temp int)", PG, []),
    ("CREATE UNLOGGED TABLE t (id int)", PG, []),
    ("CREATE TEMPORARY TABLE tmp_ids (id INT PRIMARY KEY)", MY, ["temp_object"]),
    ("CREATE TABLE t (id INT)", MY, []),
    # --- cursors, LISTEN, LOAD -------------------------------------------------------------
    ("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM t", PG, ["declare_cursor"]),
    ("DECLARE c NO SCROLL CURSOR FOR SELECT 1", PG, ["declare_cursor"]),
    ("DECLARE c CURSOR FOR SELECT 1", MY, []),
    ("LISTEN order_events", PG, ["listen"]),
    ('listen "Order Events"', PG, ["listen"]),
    ("UNLISTEN *", PG, []),
    ("UNLISTEN order_events", PG, []),
    ("NOTIFY order_events, 'created'", PG, []),
    ("SELECT pg_notify('order_events', %s)", PG, []),
    ("LOAD 'auto_explain'", PG, ["load"]),
    ("LOAD DATA INFILE '/tmp/x.csv' INTO TABLE t", MY, []),
    ("LOAD DATA LOCAL INFILE '/tmp/x.csv' INTO TABLE t FIELDS TERMINATED BY ','", MY, []),
    ("LOAD XML INFILE '/tmp/x.xml' INTO TABLE t", MY, []),
    # --- advisory locks and sequences ------------------------------------------------------
    ("SELECT pg_advisory_lock(42)", PG, ["advisory_lock"]),
    ("SELECT pg_advisory_lock_shared(%s)", PG, ["advisory_lock"]),
    ("SELECT pg_try_advisory_lock(hashtext(%s))", PG, ["advisory_lock"]),
    ("SELECT pg_try_advisory_lock_shared(1, 2)", PG, ["advisory_lock"]),
    ("SELECT pg_advisory_xact_lock(1)", PG, ["advisory_xact_lock"]),
    ("SELECT pg_advisory_xact_lock_shared(1)", PG, ["advisory_xact_lock"]),
    ("SELECT pg_try_advisory_xact_lock(1)", PG, ["advisory_xact_lock"]),
    ("SELECT pg_try_advisory_xact_lock_shared(1)", PG, ["advisory_xact_lock"]),
    ("SELECT pg_catalog.pg_advisory_lock(1)", PG, ["advisory_lock"]),
    ("SELECT pg_advisory_unlock(1)", PG, []),
    ("SELECT pg_advisory_unlock_all()", PG, []),
    ("SELECT pg_advisory_lock(1)", MY, []),
    ("INSERT INTO t (id, a) VALUES (nextval('t_id_seq'), %s)", PG, ["sequence_function"]),
    ("SELECT setval('s', 42)", PG, ["sequence_function"]),
    ("SELECT currval('s')", PG, ["sequence_function"]),
    ("SELECT lastval()", PG, ["sequence_function"]),
    ("CREATE TABLE t (id int DEFAULT nextval('s'))", PG, []),
    ("ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('s')", PG, []),
    ("CREATE VIEW v AS SELECT nextval('s')", PG, []),
    ("CREATE TABLE copy AS SELECT nextval('s') AS id FROM t", PG, ["sequence_function"]),
    ("SELECT 'nextval(1)'", PG, []),
    ("SELECT nextval FROM t", PG, []),
    # --- MySQL SET and user variables ------------------------------------------------------
    ("SET NAMES utf8mb4", MY, []),
    ("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'", MY, []),
    ("SET CHARACTER SET utf8mb4", MY, []),
    ("SET CHARSET utf8mb4", MY, []),
    ("SET autocommit = 0", MY, []),
    ("SET autocommit=1, sql_mode = 'STRICT_ALL_TABLES'", MY, []),
    ("SET SESSION time_zone = '+00:00'", MY, []),
    ("SET @@session.wait_timeout = 60", MY, []),
    ("SET @@SESSION.sql_mode = ''", MY, []),
    ("SET `sql_mode` = ''", MY, []),
    ("SET TRANSACTION ISOLATION LEVEL READ COMMITTED", MY, []),
    ("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", MY, []),
    ("SET tx_isolation = 'READ-COMMITTED'", MY, []),
    ("SET SESSION innodb_lock_wait_timeout = 5", MY, ["set"]),
    ("SET max_execution_time = %s", MY, ["set"]),
    ("SET @@max_execution_time = 1000", MY, ["set"]),
    ("SET @@session.foo = 1", MY, ["set"]),
    ("SET LOCAL foo = 1", MY, ["set"]),
    ("SET GLOBAL max_connections = 500", MY, ["set"]),
    ("SET @@global.max_connections = 500", MY, ["set"]),
    ("SET GLOBAL time_zone = '+00:00'", MY, ["set"]),
    ("SET PERSIST max_connections = 500", MY, ["set"]),
    ("SET GLOBAL TRANSACTION ISOLATION LEVEL SERIALIZABLE", MY, ["set"]),
    ("SET ROLE app_reader", MY, ["set"]),
    ("SET @tenant = %s", MY, ["user_variable"]),
    ("SET @a := 1", MY, ["user_variable"]),
    ("SET @a = 1, @b = 2", MY, ["user_variable"]),
    ("SET @a = 1, wait_timeout = 5, foo = 2", MY, ["user_variable", "set"]),
    ("set @`my var` = 1", MY, ["user_variable"]),
    ("SELECT a INTO @x FROM t", MY, ["user_variable"]),
    ("SELECT a, b FROM t WHERE id = %s INTO @x, @y", MY, ["user_variable"]),
    ("SELECT @x := 1", MY, ["user_variable"]),
    ("SELECT @rownum:=@rownum+1 AS n, id FROM t", MY, ["user_variable"]),
    ("SELECT @x", MY, []),
    ("SELECT a INTO OUTFILE '/tmp/a' FROM t", MY, []),
    ("SELECT * FROM t WHERE a = @x", MY, []),
    ("CREATE USER 'app'@'%' IDENTIFIED BY %s", MY, []),
    ("SELECT a INTO @x FROM t", PG, []),
    # --- MySQL locks and session functions -------------------------------------------------
    ("LOCK TABLES t WRITE", MY, ["lock_tables"]),
    ("lock tables t read, u write", MY, ["lock_tables"]),
    ("LOCK TABLE t READ", MY, ["lock_tables"]),
    ("UNLOCK TABLES", MY, []),
    ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", PG, []),
    ("FLUSH TABLES WITH READ LOCK", MY, ["flush_tables_lock"]),
    ("FLUSH TABLES t1, t2 WITH READ LOCK", MY, ["flush_tables_lock"]),
    ("FLUSH TABLES t FOR EXPORT", MY, ["flush_tables_lock"]),
    ("FLUSH TABLES t", MY, []),
    ("FLUSH PRIVILEGES", MY, []),
    ("SELECT GET_LOCK('job', 10)", MY, ["get_lock"]),
    ("SELECT get_lock(%s, 0)", MY, ["get_lock"]),
    ("SELECT RELEASE_LOCK('job')", MY, []),
    ("SELECT RELEASE_ALL_LOCKS()", MY, []),
    ("SELECT IS_FREE_LOCK('job')", MY, []),
    ("SELECT FOUND_ROWS()", MY, ["session_function"]),
    ("SELECT ROW_COUNT()", MY, ["session_function"]),
    ("SELECT LAST_INSERT_ID()", MY, ["session_function"]),
    ("INSERT INTO t (a) VALUES (%s) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)", MY, ["session_function"]),
    ("SELECT SQL_CALC_FOUND_ROWS id FROM t LIMIT 10", MY, ["session_function"]),
    ("SELECT lastval()", MY, []),
    ("SELECT GET_LOCK('job', 10)", PG, []),
    ("SELECT LAST_INSERT_ID()", PG, []),
    ("RESET QUERY CACHE", MY, []),
    ("LISTEN ch", MY, []),
    # --- placeholders, casts, comments, strings, quoting, case, layout ----------------------
    ("SELECT * FROM t WHERE a = %s AND b = %(b)s AND c = $1 AND d = :d AND e = ?", PG, []),
    ("SELECT a::text, b::timestamptz FROM t WHERE c = :c", PG, []),
    ("SELECT name FROM t WHERE name LIKE 'a%%' AND id = %s", MY, []),
    ("SELECT 1 -- SET statement_timeout = 1", PG, []),
    ("-- SET x = 1\nSELECT 1", PG, []),
    ("/* SET x = 1 */ SELECT 1", PG, []),
    ("SELECT 1 /* LISTEN x; SET y = 1 */", PG, []),
    ("# SET @x = 1\nSELECT 1", MY, []),
    ("SELECT 'SET x = 1'", PG, []),
    ("SELECT 'it''s; SET x = 1'", PG, []),
    ("SELECT E'\\'; SET x = 1'", PG, []),
    ("SELECT 'a\\'; SET @x = 1'", MY, []),
    ("SELECT $$; SET x = 1$$", PG, []),
    ('SELECT "SET" FROM t', PG, []),
    ("SELECT `LOCK` FROM t", MY, []),
    ("INSERT INTO log (msg) VALUES ('LOCK TABLES t WRITE; SELECT GET_LOCK(1)')", MY, []),
    ("   \n\t SET statement_timeout = 1", PG, ["set"]),
    ("\n\nLISTEN x\n", PG, ["listen"]),
    ("SELECT 1; SET x = 1", PG, ["set"]),
    ("SELECT 1;SET x = 1;LISTEN c;", PG, ["set", "listen"]),
    ("SET @a = 1; SELECT GET_LOCK('x', 1); LOCK TABLES t WRITE", MY, ["user_variable", "get_lock", "lock_tables"]),
    (";;;", PG, []),
    ("", PG, []),
    ("SET", PG, []),
    # --- f-string holes and unparsable statements ------------------------------------------
    ("SET pinless_hole = 1", PG, ["set"]),
    ("SET search_path = pinless_hole", PG, ["set"]),
    ("SET search_path = 'pinless_hole'", PG, ["set"]),
    ("SET search_path = 'pinless_hole", PG, ["set"]),
    ("SET pinless_hole", PG, ["set"]),
    ("SET pinless_hole", MY, ["set"]),
    ("SET pinless_hole = 1", MY, ["set"]),
    ("SET time_zone = pinless_hole", MY, []),
    ("SET @pinless_hole = 1", MY, ["user_variable"]),
    ("pinless_hole", PG, []),
    ("pinless_hole statement_timeout = 1", PG, []),
    ("SELECT * FROM pinless_hole WHERE id = %s", PG, []),
    ("SELECT pinless_hole('s')", PG, []),
    ("SELECT set_config('app.tenant', pinless_hole, pinless_hole)", PG, ["set_config"]),
    ("LISTEN pinless_hole", PG, ["listen"]),
    ("CREATE TEMP TABLE pinless_hole (id int)", PG, ["temp_object"]),
    ("SELECT 1; pinless_hole", PG, []),
    ("SET x = = =", PG, ["set"]),
    ("SET x = = =", MY, ["set"]),
    ("SET @x = 1, y = = 2", MY, ["user_variable", "set"]),
    ("SELECT nextval('s' FROM", PG, ["sequence_function"]),
    ("SELECT 'unterminated", PG, []),
    # --- routine bodies ---------------------------------------------------------------------
    ("CREATE PROCEDURE p() BEGIN SET @x = 1; IF 1 THEN SELECT 1; END IF; END; SET @y = 2", MY, ["user_variable"]),
    ("CREATE TRIGGER t BEFORE INSERT ON o FOR EACH ROW SET NEW.a = 1", MY, []),
    ("CREATE DEFINER=`app`@`%` TRIGGER t BEFORE INSERT ON o FOR EACH ROW BEGIN SET @n = @n + 1; "
     "CASE WHEN 1 THEN SET @m = 1; END CASE; END; SELECT GET_LOCK('x', 1)", MY, ["get_lock"]),
    ("CREATE TABLE periods (begin date, finish date); SET x = 1", PG, ["set"]),
    ("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT nextval('s'); END", PG, []),
    # --- size ---------------------------------------------------------------------------------
    (BIG, PG, ["statement_too_large"]),
    (BIG, MY, ["statement_too_large"]),
    ("SELECT '" + "x" * 16374 + "'", PG, []),  # 16383 bytes
    ("SELECT '" + "x" * 16375 + "'", PG, []),  # 16384 bytes: not larger than 16 KB
    ("SELECT '" + "x" * 16376 + "'", PG, ["statement_too_large"]),  # 16385 bytes
    ("SELECT '" + "é" * 8200 + "'", PG, ["statement_too_large"]),  # 8209 characters, 16409 bytes
    ("SET x = 1; SELECT '" + "x" * 20_000 + "'", PG, ["statement_too_large", "set"]),
]


@pytest.mark.parametrize("text,dialect,kinds", CASES, ids=[f"{d}:{t[:50]}" for t, d, _ in CASES])
def test_kinds(text, dialect, kinds):
    assert [f.kind for f in classify(text, dialect)] == kinds


def test_case_table_is_broad():
    assert len(CASES) >= 120
    assert len({(t, d) for t, d, _ in CASES}) == len(CASES)
    kinds = {k for _, _, ks in CASES for k in ks}
    documented = {
        "set", "reset", "set_config", "set_local", "discard", "prepare", "execute_prepared",
        "deallocate", "statement_too_large", "temp_object", "declare_cursor", "listen", "load",
        "advisory_lock", "advisory_xact_lock", "sequence_function", "lock_tables",
        "flush_tables_lock", "get_lock", "user_variable", "session_function",
    }
    assert kinds == documented


# (text, dialect, expected facts) with exact constructs and parse status
CONSTRUCTS = [
    ("SET statement_timeout = '5s'", PG, [SqlFact("set", "SET statement_timeout")]),
    ("SET SESSION statement_timeout TO 5", PG, [SqlFact("set", "SET SESSION statement_timeout")]),
    ("SET LOCAL lock_timeout = '1s'", PG, [SqlFact("set_local", "SET LOCAL lock_timeout")]),
    ("set time zone 'UTC'", PG, [SqlFact("set", "SET TIME ZONE")]),
    ("SET SESSION AUTHORIZATION app", PG, [SqlFact("set", "SET SESSION AUTHORIZATION")]),
    ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", PG,
     [SqlFact("set", "SET SESSION CHARACTERISTICS")]),
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", PG, [SqlFact("set_local", "SET TRANSACTION")]),
    ("SET app.tenant = %s", PG, [SqlFact("set", "SET app.tenant")]),
    ("SET pinless_hole = 1", PG, [SqlFact("set", "SET pinless_hole")]),
    ("SET search_path = pinless_hole", PG, [SqlFact("set", "SET search_path")]),
    ("SET search_path = 'pinless_hole", PG, [SqlFact("set", "SET search_path", False)]),
    ("SET x = = =", PG, [SqlFact("set", "SET x", False)]),
    ("RESET ALL", PG, [SqlFact("reset", "RESET ALL")]),
    ("reset all", PG, [SqlFact("reset", "RESET ALL")]),
    ("RESET statement_timeout", PG, [SqlFact("reset", "RESET statement_timeout")]),
    ("DISCARD ALL", PG, [SqlFact("discard", "DISCARD ALL")]),
    ("discard temp", PG, [SqlFact("discard", "DISCARD TEMP")]),
    ("SELECT set_config('app.tenant', %s, false)", PG,
     [SqlFact("set_config", "set_config('app.tenant', ..., false)")]),
    ("SELECT set_config('app.tenant', %s, true)", PG,
     [SqlFact("set_local", "set_config('app.tenant', ..., true)")]),
    ("SELECT set_config('app.tenant', 'a', %(local)s)", PG,
     [SqlFact("set_config", "set_config('app.tenant', ..., %(local)s)")]),
    ("SELECT set_config(%s, %s, $3)", PG, [SqlFact("set_config", "set_config(%s, ..., $3)")]),
    ("PREPARE q AS SELECT 1", PG, [SqlFact("prepare", "PREPARE")]),
    ("EXECUTE q(1)", PG, [SqlFact("execute_prepared", "EXECUTE")]),
    ("DEALLOCATE ALL", PG, [SqlFact("deallocate", "DEALLOCATE ALL")]),
    ("DEALLOCATE PREPARE stmt", MY, [SqlFact("deallocate", "DEALLOCATE PREPARE", False)]),
    ("CREATE TEMP TABLE t (a int)", PG, [SqlFact("temp_object", "CREATE TEMP TABLE")]),
    ("CREATE GLOBAL TEMPORARY TABLE t (a int)", PG, [SqlFact("temp_object", "CREATE GLOBAL TEMPORARY TABLE")]),
    ("create temporary view v as select 1", PG, [SqlFact("temp_object", "CREATE TEMPORARY VIEW")]),
    ("SELECT * INTO TEMP t FROM x", PG, [SqlFact("temp_object", "SELECT ... INTO TEMP")]),
    ("DECLARE c CURSOR WITH HOLD FOR SELECT 1", PG, [SqlFact("declare_cursor", "DECLARE ... CURSOR WITH HOLD")]),
    ("DECLARE c CURSOR FOR SELECT 1", PG, [SqlFact("declare_cursor", "DECLARE ... CURSOR")]),
    ("LISTEN ch", PG, [SqlFact("listen", "LISTEN")]),
    ("LOAD 'auto_explain'", PG, [SqlFact("load", "LOAD")]),
    ("SELECT pg_advisory_lock(1)", PG, [SqlFact("advisory_lock", "pg_advisory_lock()")]),
    ("SELECT PG_TRY_ADVISORY_XACT_LOCK_SHARED(1)", PG,
     [SqlFact("advisory_xact_lock", "pg_try_advisory_xact_lock_shared()")]),
    ("INSERT INTO t VALUES (nextval('s'))", PG, [SqlFact("sequence_function", "nextval()")]),
    ("SELECT nextval('s' FROM", PG, [SqlFact("sequence_function", "nextval()", False)]),
    ("SET @@session.foo = 1", MY, [SqlFact("set", "SET @@session.foo")]),
    ("SET @@global.max_connections = 1", MY, [SqlFact("set", "SET @@global.max_connections")]),
    ("SET GLOBAL time_zone = 'UTC'", MY, [SqlFact("set", "SET GLOBAL time_zone")]),
    ("SET SESSION innodb_lock_wait_timeout = 5", MY, [SqlFact("set", "SET SESSION innodb_lock_wait_timeout")]),
    ("SET GLOBAL TRANSACTION READ ONLY", MY, [SqlFact("set", "SET GLOBAL TRANSACTION")]),
    ("SET @a = 1, @b := 2, sql_mode = '', foo = 1", MY,
     [SqlFact("user_variable", "SET @a, @b"), SqlFact("set", "SET foo")]),
    ("SET @a = 1, y = = 2", MY, [SqlFact("user_variable", "SET @a", False), SqlFact("set", "SET y", False)]),
    ("SET ROLE r", MY, [SqlFact("set", "SET ROLE r")]),
    ("SELECT a INTO @x FROM t", MY, [SqlFact("user_variable", "SELECT ... INTO @x")]),
    ("SELECT a, b INTO @x, @`y z` FROM t", MY, [SqlFact("user_variable", "SELECT ... INTO @x, @`y z`", False)]),
    ("SELECT @x := 1", MY, [SqlFact("user_variable", "@x :=")]),
    ("LOCK TABLES t WRITE", MY, [SqlFact("lock_tables", "LOCK TABLES")]),
    ("lock table t read", MY, [SqlFact("lock_tables", "LOCK TABLE", False)]),
    ("FLUSH TABLES WITH READ LOCK", MY, [SqlFact("flush_tables_lock", "FLUSH TABLES WITH READ LOCK", False)]),
    ("SELECT GET_LOCK('x', 10)", MY, [SqlFact("get_lock", "GET_LOCK()")]),
    ("select found_rows()", MY, [SqlFact("session_function", "FOUND_ROWS()")]),
    ("SELECT SQL_CALC_FOUND_ROWS * FROM t", MY, [SqlFact("session_function", "SQL_CALC_FOUND_ROWS")]),
    (BIG, PG, [SqlFact("statement_too_large", "20009-byte statement")]),
    ("SELECT '" + "é" * 8200 + "'", MY, [SqlFact("statement_too_large", "16409-byte statement")]),
]


@pytest.mark.parametrize("text,dialect,facts", CONSTRUCTS, ids=[f"{d}:{t[:50]}" for t, d, _ in CONSTRUCTS])
def test_constructs(text, dialect, facts):
    assert list(classify(text, dialect)) == facts


def test_unknown_dialect_reads_as_postgres():
    assert classify("LISTEN x", "sqlite") == classify("LISTEN x", PG)


def test_classify_is_cached(monkeypatch):
    from pinless.model import sql

    calls = []
    real = sql._classify
    monkeypatch.setattr(sql, "_classify", lambda *key: calls.append(key) or real(*key))
    text = "SET statement_timeout = 1 -- cache probe"
    first = classify(text, PG)
    assert classify(text, PG) is first
    assert calls == [(text, PG)]
    assert classify(text, MY) is not first  # the dialect is part of the key
    assert calls == [(text, PG), (text, MY)]
    from pinless import memo

    assert memo.learned()["sql"][(text, MY)] == classify(text, MY)


def test_remembered_answers_are_not_computed_again(monkeypatch):
    from pinless.model import sql

    text = "SET search_path = remembered -- probe"
    from pinless import memo

    memo.load({"sql": {(text, PG): ()}})
    monkeypatch.setattr(sql, "_classify", lambda *key: pytest.fail("classified again"))
    assert classify(text, PG) == ()


# --- normalization -------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("a = %s", "a = 1 "),
    ("a = %(name)s", "a = 1       "),
    ("a = $12", "a = 1  "),
    ("a = :name", "a = 1    "),
    ("a = ?", "a = 1"),
    ("a::text", "a::text"),
    ("LIKE 'x%%s'", "LIKE 'x% s'"),
    ("'10:30' || a[1:2]", "'10:30' || a[1:2]"),
    ("@x := 1", "@x := 1"),
    ("%snextval(", "%snextval("),
])
def test_normalize_placeholders(text, expected):
    assert normalize_placeholders(text) == expected


@given(st.text())
def test_normalization_keeps_length(text):
    assert len(normalize_placeholders(text)) == len(text)


# --- robustness ----------------------------------------------------------------------------

CORPUS = sorted({s for _, s in corpus.statements(2000)} | {t for t, _, _ in CASES if len(t) < 500})
NOISE = st.lists(st.sampled_from(list("  \n\t;,()'\"`$@%?:=*-/#\\.\x00éſı1_aZ") + [
    "%s", "$1", ":n", "%%", "--", "/*", "*/", "$$", "pinless_hole", "SET ", "@@", "::", "ééé", "0x",
]), max_size=8).map("".join)


@st.composite
def noisy_sql(draw):
    """A corpus statement (or two) with noise inserted at random points."""
    text = draw(st.sampled_from(CORPUS))
    if draw(st.booleans()):
        text = text + draw(st.sampled_from([";", "; ", "\n", ""])) + draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(NOISE) + text[at:]
    if draw(st.booleans()):  # cut it anywhere: unbalanced quotes, half keywords
        text = text[:draw(st.integers(0, len(text)))]
    return text


ANY_TEXT = st.one_of(st.text(), noisy_sql(), st.text(alphabet=st.characters(codec="utf-8")))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT, dialect=st.sampled_from([PG, MY]))
@example(text="SELECT 'unterminated", dialect=PG)
@example(text="\x00SET\x00 x = 1\x00", dialect=PG)
@example(text="SET x = '\ud800'", dialect=MY)
@example(text="/* unterminated SET x", dialect=PG)
@example(text="$$ SET x", dialect=PG)
@example(text="`", dialect=MY)
@example(text="(((((((((((((((((((((((((((((((((((((((((((((((((( nextval('s')", dialect=PG)
@example(text="SET @", dialect=MY)
@example(text="SELECT set_config(", dialect=PG)
@example(text="SELECT a INTO @", dialect=MY)
@example(text="DECLARE", dialect=PG)
@example(text="CREATE TEMP", dialect=PG)
@example(text="CREATE PROCEDURE p() BEGIN SET @x = 1;", dialect=MY)
def test_never_raises(text, dialect):
    facts = sql._classify(text, dialect)
    assert all(isinstance(f, SqlFact) and f.kind and f.construct for f in facts)


@settings(max_examples=20, deadline=None)
@given(body=st.text(min_size=1, max_size=50), times=st.integers(400, 2000), dialect=st.sampled_from([PG, MY]))
def test_never_raises_on_huge_text(body, times, dialect):
    text = body * times
    facts = classify(text, dialect)
    large = len(text.encode("utf-8", "surrogatepass")) > sql.MAX_STATEMENT_BYTES
    assert ("statement_too_large" in [f.kind for f in facts]) == large


def test_never_raises_on_a_megabyte():
    text = "SELECT 1; " * 100_000 + "SET x = 1"
    assert [f.kind for f in classify(text, PG)] == ["statement_too_large", "set"]


# --- the cheap pre-test ----------------------------------------------------------------------

@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(noisy_sql(), st.text()), dialect=st.sampled_from([PG, MY]))
@example(text="SELECT 1;1nextval('s')", dialect=PG)
@example(text="SELECT 1e5pg_advisory_lock(1)", dialect=PG)
@example(text="SELECT %snextval('s')", dialect=PG)
@example(text="SELECT %%nextval('s')", dialect=PG)
@example(text="SELECT 0xnextval('s')", dialect=PG)
@example(text="ſet x = 1", dialect=PG)
@example(text="lıSTEN x", dialect=PG)
def test_might_pin_is_sound(text, dialect):
    """might_pin must never reject a string the full classifier would flag."""
    if sql._classify(text, dialect):
        assert might_pin(text)


def test_might_pin_is_sound_on_the_corpus():
    for dialect, text in corpus.statements(3000):
        if sql._classify(text, dialect):
            assert might_pin(text), text


def test_might_pin_rejects_plain_queries():
    for text in ["SELECT id FROM orders WHERE id = %s", "INSERT INTO t (a) VALUES ($1)",
                 "DELETE FROM t WHERE id = :id", "SELECT offset, asset FROM datasets"]:
        assert not might_pin(text)
    assert might_pin("x" * 16385)
    assert not might_pin("x" * 16384)
    assert might_pin("é" * 8193)
