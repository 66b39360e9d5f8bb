"""Price lookup for a basket: one prepared statement, run once per SKU."""

import asyncio
import json
import os

import asyncpg

PRICE = "SELECT amount, currency FROM prices WHERE sku = $1"


async def _prices(skus):
    # ruleid: PIN203
    conn = await asyncpg.connect(os.environ["DATABASE_URL"], timeout=5)
    try:
        # ruleid: PIN207
        stmt = await conn.prepare(PRICE)
        out = {}
        for sku in skus:
            row = await stmt.fetchrow(sku)
            out[sku] = None if row is None else f"{row['amount']} {row['currency']}"
        return out
    finally:
        await conn.close()


def handler(event, context):
    skus = json.loads(event["body"])["skus"]
    return {"statusCode": 200, "body": json.dumps(asyncio.run(_prices(skus)))}
