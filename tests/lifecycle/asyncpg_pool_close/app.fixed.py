import os

import asyncpg

DSN = os.environ["DATABASE_URL"]

pool = None


async def _keep_session(connection):
    pass


async def handler(event, context):
    global pool
    if pool is None:
        pool = await asyncpg.create_pool(
            DSN, min_size=1, max_size=1, statement_cache_size=0, reset=_keep_session
        )
    try:
        async with pool.acquire() as connection:
            await connection.execute("SET statement_timeout = 2000")
            total = await connection.fetchval("SELECT sum(total) FROM orders")
        return {"statusCode": 200, "total": str(total)}
    finally:
        # Close the connections before the container is frozen.
        await pool.close()
        pool = None
