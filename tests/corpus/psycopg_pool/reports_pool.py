"""Two reporting functions sharing a pool, each with a different wrong idea of cleanup."""

import json
import os

from psycopg_pool import ConnectionPool

# Default min_size=4: four connections open during the cold start.
# ruleid: PIN202, PIN407
pool = ConnectionPool(os.environ["DATABASE_URL"], open=True)

TOP_CUSTOMERS = "SELECT customer, sum(total) FROM orders GROUP BY customer ORDER BY 2 DESC LIMIT %s"


# drain() closes the idle connections and opens replacements at once.
# ruleid: PIN401
def top_customers(event, context):
    try:
        with pool.connection() as conn:
            rows = conn.execute(TOP_CUSTOMERS, (int(event.get("limit", 3)),)).fetchall()
        return {"statusCode": 200, "body": json.dumps([[c, str(t)] for c, t in rows])}
    finally:
        pool.drain()


def order_count(event, context):
    try:
        with pool.connection() as conn:
            count = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        return {"statusCode": 200, "body": json.dumps({"orders": count})}
    finally:
        # The next warm invocation gets PoolClosed.
        # ruleid: PIN402
        pool.close()
