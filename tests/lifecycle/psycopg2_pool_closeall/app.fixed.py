import os

import psycopg2.pool

pool = psycopg2.pool.SimpleConnectionPool(1, 1, dsn=os.environ["DATABASE_URL"])


def handler(event, context):
    conn = pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, total FROM orders ORDER BY id DESC LIMIT 5")
            recent = [{"id": order_id, "total": str(total)} for order_id, total in cur]
    finally:
        pool.putconn(conn, close=True)
    return {"statusCode": 200, "recent": recent}
