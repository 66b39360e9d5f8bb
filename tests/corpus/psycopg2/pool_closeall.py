"""Device status API. The pool is closed at the end of every invocation "so that the proxy
does not keep our connections" - which breaks the next warm invocation."""

import json
import os

from psycopg2.pool import ThreadedConnectionPool

# ruleid: PIN407
pool = ThreadedConnectionPool(2, 5, os.environ["DATABASE_URL"])


def handler(event, context):
    tenant = event["requestContext"]["authorizer"]["tenant"]
    conn = pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT id, status, last_seen FROM devices WHERE tenant = %s ORDER BY id",
                (tenant,),
            )
            devices = [{"id": i, "status": s, "last_seen": str(seen)} for i, s, seen in cur.fetchall()]
        return {"statusCode": 200, "body": json.dumps(devices)}
    finally:
        pool.putconn(conn)
        # ruleid: PIN402
        pool.closeall()
