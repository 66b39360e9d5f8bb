"""Read-only analytics endpoints and a nightly consistency check."""

import json
import os

import psycopg2
from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ, ISOLATION_LEVEL_SERIALIZABLE


def _connect():
    return psycopg2.connect(os.environ["DATABASE_URL"])


def revenue(event, context):
    conn = _connect()
    try:
        conn.autocommit = True
        # In autocommit mode psycopg2 sends SET default_transaction_isolation / _read_only.
        # ruleid: PIN104
        conn.set_session(isolation_level=ISOLATION_LEVEL_SERIALIZABLE, readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT sum(total) FROM orders")
            total = cur.fetchone()[0]
        return {"statusCode": 200, "body": json.dumps({"revenue": str(total)})}
    finally:
        conn.close()


def nightly_check(event, context):
    conn = _connect()
    try:
        # Not in autocommit mode: the characteristics ride on the next BEGIN.
        # ok: PIN104
        conn.set_session(readonly=True)
        conn.set_isolation_level(ISOLATION_LEVEL_REPEATABLE_READ)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM orders WHERE total < 0")
            negative = cur.fetchone()[0]
        conn.rollback()
        return {"negative_totals": negative}
    finally:
        conn.close()


def legacy_export(event, context):
    """The old exporter talks to a LATIN1 downstream system."""
    conn = _connect()
    try:
        # ruleid: PIN104
        conn.set_client_encoding("LATIN1")
        with conn.cursor() as cur:
            cur.execute("SELECT customer FROM orders ORDER BY id")
            return {"customers": [r[0] for r in cur.fetchall()]}
    finally:
        conn.close()
