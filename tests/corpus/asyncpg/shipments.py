"""Shipment tracking (API Gateway). One connection per invocation, statement cache off."""

import asyncio
import json
import os

import asyncpg

STATUS = "SELECT id, carrier, status FROM shipments WHERE id = $1"
BY_CARRIER = "SELECT id, status::text AS status FROM shipments WHERE carrier = $1 ORDER BY id"


async def _track(shipment_id, carrier):
    conn = await asyncpg.connect(os.environ["DATABASE_URL"], statement_cache_size=0)
    try:
        # `status` is an ENUM: asyncpg introspects the type (set_config('jit', ...)) on first use.
        row = await conn.fetchrow(STATUS, shipment_id)
        others = []
        async with conn.transaction():
            # Cursors use a named statement and portal even with the cache off.
            # ruleid: PIN302
            async for rec in conn.cursor(BY_CARRIER, carrier, prefetch=50):
                others.append({"id": rec["id"], "status": rec["status"]})
        return row, others
    finally:
        await conn.close()


def handler(event, context):
    params = event["queryStringParameters"]
    row, others = asyncio.run(_track(int(params["id"]), params.get("carrier", "dhl")))
    if row is None:
        return {"statusCode": 404}
    body = {"id": row["id"], "carrier": row["carrier"], "status": row["status"], "same_carrier": others}
    return {"statusCode": 200, "body": json.dumps(body)}
