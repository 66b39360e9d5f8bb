"""A statement corpus shaped like the SQL that Python code hands to database drivers.

Generated, deterministic (seeded): 60% PostgreSQL, 40% MySQL; mostly SELECT/INSERT/UPDATE/
DELETE with the placeholders each driver family uses, plus the session-state statements the
classifier looks for (SET/RESET/set_config, PREPARE/EXECUTE/DEALLOCATE, CREATE TEMP, LISTEN/
NOTIFY, locks, DDL). Used by tests/test_sql.py (soundness of ``might_pin``) and by
measure.py (sqlglot parse-failure rates). ``¶`` in a template marks a placeholder.
"""

from __future__ import annotations

import random

TABLES = ["orders", "customers", "events", "invoices", "sessions", "audit_log"]
QUOTED = {"postgres": '"Order Items"', "mysql": "`Order Items`"}
COLUMNS = ["id", "customer_id", "status", "created_at", "amount", "name", "email", "tenant"]

# (weight, template). Weights roughly follow what application code sends: reads and writes
# dominate; session-state SQL is a small minority.
PG_TEMPLATES = [
    (10, "SELECT id, name FROM {t} ORDER BY id"),
    (4, "SELECT 1"),
    (2, "SELECT version()"),
    (30, "SELECT id, status, amount FROM {t} WHERE customer_id = ¶ ORDER BY created_at DESC LIMIT ¶"),
    (20, "SELECT * FROM {t} WHERE id = ¶"),
    (8, "SELECT count(*) FROM {t} WHERE status = ¶ AND created_at > ¶::timestamptz"),
    (6, "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ANY(¶)"),
    (5, "WITH recent AS (SELECT * FROM {t} WHERE created_at > now() - interval '1 day') SELECT id FROM recent WHERE tenant = ¶"),
    (14, "INSERT INTO {t} (customer_id, status, amount) VALUES (¶, ¶, ¶) RETURNING id"),
    (6, "INSERT INTO {t} (id, name) VALUES (¶, ¶) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name"),
    (12, "UPDATE {t} SET status = ¶, amount = ¶ WHERE id = ¶"),
    (6, "DELETE FROM {t} WHERE id = ¶"),
    (3, "SELECT id FROM {t} WHERE status = ¶ FOR UPDATE SKIP LOCKED LIMIT 10"),
    (2, "SELECT name FROM {t} WHERE name ILIKE 'a%%' AND tenant = ¶"),
    (2, "SELECT payload->>'kind' AS kind FROM {t} WHERE payload @> ¶::jsonb"),
    (3, "SET statement_timeout = '5s'"),
    (2, "SET search_path TO tenant_a, public"),
    (1, "SET LOCAL lock_timeout = '2s'"),
    (1, "SET TIME ZONE 'UTC'"),
    (1, "SET ROLE app_reader"),
    (1, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
    (1, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
    (1, "RESET ALL"),
    (1, "RESET statement_timeout"),
    (2, "SELECT set_config('app.tenant', ¶, false)"),
    (1, "SELECT set_config('app.user_id', ¶, true)"),
    (1, "DISCARD ALL"),
    (1, "PREPARE get_order (int) AS SELECT * FROM orders WHERE id = $1"),
    (1, "EXECUTE get_order(¶)"),
    (1, "DEALLOCATE get_order"),
    (1, "DEALLOCATE ALL"),
    (2, "CREATE TEMP TABLE staging (id int, payload jsonb) ON COMMIT DROP"),
    (1, "CREATE TEMPORARY TABLE IF NOT EXISTS scratch AS SELECT * FROM {t} WHERE tenant = ¶"),
    (1, "SELECT * INTO TEMP recent_orders FROM orders WHERE created_at > ¶"),
    (1, "DECLARE big_cursor CURSOR WITH HOLD FOR SELECT * FROM {t}"),
    (1, "LISTEN order_events"),
    (1, "UNLISTEN *"),
    (2, "NOTIFY order_events, 'created'"),
    (1, "SELECT pg_notify('order_events', ¶)"),
    (1, "LOAD 'auto_explain'"),
    (2, "SELECT pg_advisory_lock(¶)"),
    (1, "SELECT pg_try_advisory_xact_lock(hashtext(¶))"),
    (1, "SELECT pg_advisory_unlock(¶)"),
    (2, "INSERT INTO {t} (id, name) VALUES (nextval('orders_id_seq'), ¶)"),
    (1, "SELECT currval('orders_id_seq')"),
    (1, "LOCK TABLE {t} IN SHARE ROW EXCLUSIVE MODE"),
    (2, "CREATE TABLE IF NOT EXISTS {t} (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now())"),
    (1, "CREATE TABLE counters (id int DEFAULT nextval('counter_seq'), n int)"),
    (1, "ALTER TABLE {t} ADD COLUMN note text"),
    (1, "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_status ON {t} (status)"),
    (1, "DO $$ BEGIN PERFORM pg_advisory_lock(1); EXECUTE 'SET x = 1'; END $$"),
    (1, "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY"),
    (1, "VACUUM ANALYZE {t}"),
]

MYSQL_TEMPLATES = [
    (10, "SELECT id, name FROM {t} ORDER BY id"),
    (4, "SELECT 1"),
    (2, "SELECT VERSION()"),
    (30, "SELECT id, status, amount FROM {t} WHERE customer_id = ¶ ORDER BY created_at DESC LIMIT ¶"),
    (20, "SELECT * FROM {t} WHERE id = ¶"),
    (8, "SELECT COUNT(*) FROM {t} WHERE status = ¶ AND created_at > ¶"),
    (14, "INSERT INTO {t} (customer_id, status, amount) VALUES (¶, ¶, ¶)"),
    (6, "INSERT INTO {t} (id, name) VALUES (¶, ¶) ON DUPLICATE KEY UPDATE name = VALUES(name)"),
    (12, "UPDATE {t} SET status = ¶ WHERE id = ¶"),
    (6, "DELETE FROM {t} WHERE id = ¶ LIMIT 1"),
    (2, "SELECT name FROM {t} WHERE name LIKE 'a%%' AND tenant = ¶"),
    (3, "SET NAMES utf8mb4"),
    (2, "SET autocommit = 0"),
    (2, "SET SESSION innodb_lock_wait_timeout = 5"),
    (1, "SET @@session.max_execution_time = 1000"),
    (1, "SET GLOBAL max_connections = 500"),
    (2, "SET @tenant = ¶"),
    (1, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"),
    (1, "SELECT id INTO @last_id FROM {t} ORDER BY id DESC LIMIT 1"),
    (1, "SELECT @rownum := @rownum + 1 AS n, id FROM {t}"),
    (1, "PREPARE stmt FROM 'SELECT * FROM orders WHERE id = ?'"),
    (1, "EXECUTE stmt USING @id"),
    (1, "DEALLOCATE PREPARE stmt"),
    (2, "CREATE TEMPORARY TABLE tmp_ids (id INT PRIMARY KEY)"),
    (2, "LOCK TABLES {t} WRITE"),
    (1, "UNLOCK TABLES"),
    (1, "FLUSH TABLES WITH READ LOCK"),
    (1, "FLUSH TABLES {t}"),
    (2, "SELECT GET_LOCK(¶, 10)"),
    (1, "SELECT RELEASE_LOCK(¶)"),
    (2, "SELECT LAST_INSERT_ID()"),
    (1, "SELECT SQL_CALC_FOUND_ROWS id FROM {t} LIMIT 10"),
    (1, "SELECT FOUND_ROWS()"),
    (1, "SELECT ROW_COUNT()"),
    (1, "LOAD DATA LOCAL INFILE '/tmp/orders.csv' INTO TABLE {t} FIELDS TERMINATED BY ','"),
    (2, "CREATE TABLE IF NOT EXISTS {t} (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL) ENGINE=InnoDB"),
    (1, "ALTER TABLE {t} ADD COLUMN note TEXT"),
    (1, "START TRANSACTION READ ONLY"),
]

# Placeholder styles by driver family, with how often code bases use them.
PG_STYLES = [(45, "%s"), (15, "%(name)s"), (15, "$n"), (25, ":name")]  # psycopg, asyncpg, SQLAlchemy
MYSQL_STYLES = [(50, "%s"), (15, "%(name)s"), (5, "?"), (30, ":name")]  # PyMySQL/mysqlclient, connector, SQLAlchemy


def _pick(rng: random.Random, weighted: list[tuple[int, str]]) -> str:
    return rng.choices([item for _, item in weighted], weights=[w for w, _ in weighted])[0]


def _fill(rng: random.Random, template: str, style: str, dialect: str) -> str:
    table = QUOTED[dialect] if rng.random() < 0.05 else rng.choice(TABLES)
    text = template.replace("{t}", table)
    if "¶" not in text:
        return text.replace("%%", "%") if style in ("$n", ":name") else text
    if style in ("$n", ":name"):  # drivers without pyformat: a literal percent is written once
        text = text.replace("%%", "%")
    parts = text.split("¶")
    out = [parts[0]]
    for n, part in enumerate(parts[1:], start=1):
        name = rng.choice(COLUMNS)
        out.append({"%s": "%s", "%(name)s": f"%({name})s", "$n": f"${n}", ":name": f":{name}",
                    "?": "?"}[style])
        out.append(part)
    return "".join(out)


def statements(n: int = 10_000, seed: int = 20240501) -> list[tuple[str, str]]:
    """(dialect, sql) pairs."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.6:
            out.append(("postgres", _fill(rng, _pick(rng, PG_TEMPLATES), _pick(rng, PG_STYLES), "postgres")))
        else:
            out.append(("mysql", _fill(rng, _pick(rng, MYSQL_TEMPLATES), _pick(rng, MYSQL_STYLES), "mysql")))
    return out
