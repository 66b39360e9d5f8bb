import os

from playhouse.pool import PooledPostgresqlDatabase

db = PooledPostgresqlDatabase(
    os.environ["PGDATABASE"],
    max_connections=1,
    stale_timeout=300,
    user=os.environ["PGUSER"],
    password=os.environ["PGPASSWORD"],
    host=os.environ["PGHOST"],
    port=int(os.environ["PGPORT"]),
)


def handler(event, context):
    # connection_context() returns the connection to the pool on exit; it stays open there.
    with db.connection_context():
        cursor = db.execute_sql("SELECT customer, sum(total) FROM orders GROUP BY customer")
        totals = {customer: str(total) for customer, total in cursor.fetchall()}
    return {"statusCode": 200, "totals": totals}
