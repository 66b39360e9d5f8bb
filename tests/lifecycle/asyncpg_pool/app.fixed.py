import os

import asyncpg

pool = None


async def _keep_session(connection):
    # asyncpg's default reset (RESET ALL, pg_advisory_unlock_all(), ...) pins every connection.
    pass


async def handler(event, context):
    global pool
    if pool is None:
        pool = await asyncpg.create_pool(
            os.environ["DATABASE_URL"],
            min_size=1,
            max_size=1,
            statement_cache_size=0,
            reset=_keep_session,
        )
    try:
        async with pool.acquire() as connection:
            rows = await connection.fetch(
                "SELECT id, total FROM orders WHERE customer = $1 ORDER BY id", event["customer"]
            )
        return {"statusCode": 200, "orders": [{"id": r["id"], "total": str(r["total"])} for r in rows]}
    finally:
        await pool.close()
        pool = None
