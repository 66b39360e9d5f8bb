"""Order status API on psycopg_pool's NullConnectionPool: each connection closes on return."""

import json
import os

from psycopg_pool import NullConnectionPool

pool = NullConnectionPool(
    os.environ["DATABASE_URL"],
    max_size=1,
    open=True,
    kwargs={"autocommit": True, "prepare_threshold": None},
)


def handler(event, context):
    order_id = int(event["pathParameters"]["order_id"])
    with pool.connection() as conn:
        row = conn.execute("SELECT customer, total FROM orders WHERE id = %s", (order_id,)).fetchone()
        # ok: PIN101
        conn.execute("UPDATE orders SET total = total WHERE id = %s", (order_id,))
    if row is None:
        return {"statusCode": 404}
    return {"statusCode": 200, "body": json.dumps({"customer": row[0], "total": str(row[1])})}
