"""Order totals for the reporting dashboard (API Gateway: GET /reports/orders?days=7)."""

import json
import logging
import os

import psycopg2
import psycopg2.extras

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Reports scan the whole table: keep a runaway query from holding the function for minutes.
STATEMENT_TIMEOUT = "SET statement_timeout = '10s'"

TOTALS_SQL = """
    SELECT customer, count(*) AS orders, sum(total) AS revenue
    FROM orders
    WHERE created_at >= now() - make_interval(days => %s)
    GROUP BY customer
    ORDER BY revenue DESC
"""

# Opened once per container, during the cold start.
# ruleid: PIN403
conn = psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=5)


# ruleid: PIN401
def handler(event, context):
    params = event.get("queryStringParameters") or {}
    days = int(params.get("days", 7))
    logger.info("SET statement_timeout, then totals for %s days", days)
    with conn:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            # ruleid: PIN101
            cur.execute(STATEMENT_TIMEOUT)
            cur.execute(TOTALS_SQL, (days,))
            rows = cur.fetchall()
    body = [
        {"customer": r["customer"], "orders": r["orders"], "revenue": str(r["revenue"])}
        for r in rows
    ]
    return {"statusCode": 200, "body": json.dumps(body)}
