"""Exchange-rate conversion: rates come from PostgreSQL once per container and are cached in
SQLite under /tmp. The SQLite statements never reach the proxy."""

import os
import sqlite3
from contextlib import closing

import psycopg2

CACHE = os.environ.get("RATE_CACHE", "/tmp/rates.sqlite3")


def _load_rates():
    with closing(psycopg2.connect(os.environ["DATABASE_URL"])) as pg, pg.cursor() as cur:
        cur.execute("SELECT sku, amount FROM prices")
        return cur.fetchall()


def handler(event, context):
    conn = sqlite3.connect(CACHE)
    try:
        # A SQLite temporary table: local to this file, not a PostgreSQL session.
        # ok: PIN301
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS price_cache (sku TEXT PRIMARY KEY, amount TEXT)")
        if conn.execute("SELECT count(*) FROM price_cache").fetchone()[0] == 0:
            conn.executemany("INSERT INTO price_cache VALUES (?, ?)", [(s, str(a)) for s, a in _load_rates()])
        row = conn.execute("SELECT amount FROM price_cache WHERE sku = ?", (event["sku"],)).fetchone()
        return {"sku": event["sku"], "amount": row[0] if row else None}
    finally:
        conn.close()
