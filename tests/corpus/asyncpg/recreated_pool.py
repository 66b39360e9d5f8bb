"""Order status webhook on an asyncpg pool that is closed at the end of every invocation and
re-created lazily by the next one, on its own event loop."""

import asyncio
import json
import os

import asyncpg

_pool = None


async def _skip_reset(connection):
    return None


async def _get_pool():
    global _pool
    if _pool is None or _pool.is_closing():
        # ok: PIN108, PIN203, PIN405, PIN407
        _pool = await asyncpg.create_pool(
            os.environ["DATABASE_URL"],
            min_size=1,
            max_size=1,
            statement_cache_size=0,
            reset=_skip_reset,
        )
    return _pool


async def _update(order_id, status):
    pool = await _get_pool()
    try:
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO events (kind, customer) SELECT $2, customer FROM orders WHERE id = $1",
                order_id, f"status:{status}",
            )
    finally:
        # ok: PIN402 -- _get_pool() re-creates the pool when is_closing(); the next invocation works
        await pool.close()


# ok: PIN401
def handler(event, context):
    body = json.loads(event["body"])
    asyncio.run(_update(int(body["order"]), body["status"]))
    return {"statusCode": 202}
