"""Customer activity feed (API Gateway). The pool is created on the first request and kept."""

import asyncio
import json
import os

import asyncpg

_pool = None

FEED = """
    SELECT kind, at
    FROM events
    WHERE customer = $1
    ORDER BY at DESC
    LIMIT 50
"""


async def get_pool():
    global _pool
    if _pool is None:
        # ruleid: PIN108, PIN203, PIN405, PIN407
        _pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], command_timeout=10)
    return _pool


async def _feed(customer):
    pool = await get_pool()
    async with pool.acquire() as conn:
        rows = await conn.fetch(FEED, customer)
    return [{"kind": r["kind"], "at": r["at"].isoformat()} for r in rows]


# ruleid: PIN401
def handler(event, context):
    customer = event["pathParameters"]["customer"]
    items = asyncio.run(_feed(customer))
    return {"statusCode": 200, "body": json.dumps(items)}
