import os

from psycopg2.pool import SimpleConnectionPool

# The pool opens `minconn` connections right here, during the cold start.
pool = SimpleConnectionPool(1, 1, os.environ["DATABASE_URL"])


def handler(event, context):
    conn = pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SET statement_timeout = '2s'")
            cur.execute(
                "SELECT count(*), coalesce(sum(total), 0) FROM orders WHERE customer = %s",
                (event["customer"],),
            )
            count, total = cur.fetchone()
        conn.commit()
    finally:
        pool.putconn(conn, close=True)
    return {"statusCode": 200, "count": count, "total": str(total)}
