import os

from psycopg_pool import ConnectionPool

pool = ConnectionPool(
    os.environ["DATABASE_URL"],
    min_size=1,
    max_size=1,
    kwargs={"prepare_threshold": None},
    open=True,
)


def handler(event, context):
    minimum = event.get("min_total", 10)
    with pool.connection() as conn:
        conn.execute("SET statement_timeout = '2s'")
        row = conn.execute("SELECT count(*) FROM orders WHERE total >= %s", (minimum,)).fetchone()
    return {"statusCode": 200, "count": row[0]}
