"""Async device heartbeat endpoint on an AsyncConnectionPool opened at the first request."""

import asyncio
import os

from psycopg_pool import AsyncConnectionPool

# ruleid: PIN405
pool = AsyncConnectionPool(
    os.environ["DATABASE_URL"],
    min_size=1,
    max_size=1,
    open=False,
    kwargs={"autocommit": True, "prepare_threshold": None},
)


async def _heartbeat(device):
    await pool.open()
    async with pool.connection() as conn:
        await conn.execute("UPDATE devices SET last_seen = now() WHERE id = %s", (device,))


# ruleid: PIN401
def handler(event, context):
    asyncio.run(_heartbeat(event["pathParameters"]["device"]))
    return {"statusCode": 204}
