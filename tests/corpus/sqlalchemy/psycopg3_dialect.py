"""Leaderboard API on SQLAlchemy's psycopg (3) dialect: the same query on every request."""

import json
import os

from sqlalchemy import create_engine, text

DB_USER = os.environ["PGUSER"]
DB_PASSWORD = os.environ["PGPASSWORD"]
DB_HOST = os.environ["PGHOST"]
DB_PORT = os.environ.get("PGPORT", "5432")
DB_NAME = os.environ["PGDATABASE"]
URL = f"postgresql+psycopg://{DB_USER}:{DB_PASSWORD}@{DB_HOST}:{DB_PORT}/{DB_NAME}"

# After five runs of the same statement on a connection, psycopg prepares it (_pg3_0).
# ruleid: PIN204
engine = create_engine(URL, pool_size=1, max_overflow=0)

# The reporting replica has auto-prepare off.
# ok: PIN204
reporting_engine = create_engine(URL, connect_args={"prepare_threshold": None}, pool_size=1)

TOP = text("SELECT customer, sum(total) AS total FROM orders GROUP BY customer ORDER BY total DESC LIMIT :n")
VIEWED = text("INSERT INTO audit_log (actor, action) VALUES (:actor, 'leaderboard_view')")


# The transaction commits, so psycopg keeps counting executions across invocations
# (a rollback would reset its counts).
# ruleid: PIN401
def leaderboard(event, context):
    with engine.begin() as conn:
        conn.execute(VIEWED, {"actor": event.get("user", "anonymous")})
        rows = conn.execute(TOP, {"n": int(event.get("n", 3))}).all()
    return {"statusCode": 200, "body": json.dumps([[c, str(t)] for c, t in rows])}


def report(event, context):
    try:
        with reporting_engine.begin() as conn:
            conn.execute(VIEWED, {"actor": "report"})
            rows = conn.execute(TOP, {"n": 10}).all()
        return {"rows": len(rows)}
    finally:
        reporting_engine.dispose()
