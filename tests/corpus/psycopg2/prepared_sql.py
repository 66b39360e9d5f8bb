"""Order lookups tuned by hand: SQL-level PREPARE/EXECUTE, an explicit cursor, and an optional
auto_explain session for slow-query hunting."""

import json
import os

import psycopg2

PREPARE_LOOKUP = "PREPARE order_by_id (int) AS SELECT id, customer, total FROM orders WHERE id = $1"
EXPLAIN_SLOW = os.environ.get("EXPLAIN_SLOW_QUERIES") == "1"


def handler(event, context):
    ids = [int(i) for i in event["ids"]]
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    try:
        with conn.cursor() as cur:
            if EXPLAIN_SLOW:
                # ruleid: PIN304
                cur.execute("LOAD 'auto_explain'")
                # ruleid: PIN101
                cur.execute("SET auto_explain.log_min_duration = 250")
            # ruleid: PIN201
            cur.execute(PREPARE_LOOKUP)
            orders = []
            for order_id in ids:
                # ruleid: PIN201
                cur.execute("EXECUTE order_by_id (%s)", (order_id,))
                row = cur.fetchone()
                if row:
                    orders.append({"id": row[0], "customer": row[1], "total": str(row[2])})
            # ruleid: PIN201
            cur.execute("DEALLOCATE order_by_id")
            # ruleid: PIN302
            cur.execute("DECLARE recent NO SCROLL CURSOR FOR SELECT id FROM events ORDER BY id DESC")
            cur.execute("FETCH 10 FROM recent")
            recent = [r[0] for r in cur.fetchall()]
            cur.execute("CLOSE recent")
        conn.rollback()
        return {"statusCode": 200, "body": json.dumps({"orders": orders, "recent_events": recent})}
    finally:
        conn.close()
