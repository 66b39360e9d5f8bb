"""Tenant device API on a psycopg_pool pool; every pool connection gets the app's timeout."""

import json
import logging
import os

from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)


def _configure(conn):
    """Runs once for each new connection the pool opens."""
    conn.autocommit = True
    # ruleid: PIN101
    conn.execute("SET statement_timeout = '3s'")
    conn.autocommit = False


# ruleid: PIN407
pool = ConnectionPool(
    os.environ["DATABASE_URL"],
    min_size=2,
    max_size=4,
    open=True,
    configure=_configure,
    kwargs={"prepare_threshold": None},
    name="tenant-api",
)


# ruleid: PIN401
def handler(event, context):
    tenant = event["requestContext"]["authorizer"]["tenant"]
    log.info("listing devices for %s (pool %s)", tenant, pool.name)
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT id, status FROM devices WHERE tenant = %s ORDER BY id", (tenant,)
        ).fetchall()
    return {"statusCode": 200, "body": json.dumps(dict(rows))}
