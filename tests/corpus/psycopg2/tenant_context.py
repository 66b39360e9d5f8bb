"""Multi-tenant API protected by row-level security: the tenant travels in a setting."""

import json
import os
from contextlib import closing

import psycopg2

DSN = os.environ["DATABASE_URL"]


def _connect():
    # Statement timeout as a startup option: works against the database, refused by the proxy.
    # ruleid: PIN105
    return psycopg2.connect(DSN, options="-c statement_timeout=5000")


def list_devices(event, context):
    tenant = event["requestContext"]["authorizer"]["tenant"]
    with closing(_connect()) as conn:
        with conn, conn.cursor() as cur:
            # ruleid: PIN101
            cur.execute("SELECT set_config('app.tenant', %s, false)", (tenant,))
            cur.execute("SELECT id, status FROM devices ORDER BY id")
            devices = dict(cur.fetchall())
    return {"statusCode": 200, "body": json.dumps(devices)}


def touch_device(event, context):
    tenant = event["requestContext"]["authorizer"]["tenant"]
    device = event["pathParameters"]["device"]
    with closing(_connect()) as conn:
        with conn, conn.cursor() as cur:
            # Transaction-scoped: gone at COMMIT, but the proxy still pins on it.
            # ruleid: PIN102
            cur.execute("SELECT set_config('app.tenant', %s, true)", (tenant,))
            # ruleid: PIN102
            cur.execute("SET LOCAL lock_timeout = '2s'")
            # ok: PIN101
            cur.execute(
                "UPDATE devices SET last_seen = now(), status = 'active' WHERE id = %s AND tenant = %s",
                (device, tenant),
            )
            updated = cur.rowcount
    return {"statusCode": 204 if updated else 404}
