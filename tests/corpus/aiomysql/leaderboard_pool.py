"""Async leaderboard on aiomysql: a pool created lazily and kept in a global."""

import asyncio
import json
import os

import aiomysql

_pool = None


async def get_pool():
    global _pool
    if _pool is None:
        # ruleid: PIN405, PIN407
        _pool = await aiomysql.create_pool(
            host=os.environ["DB_HOST"],
            user=os.environ["DB_USER"],
            password=os.environ["DB_PASSWORD"],
            db=os.environ["DB_NAME"],
            minsize=2,
            maxsize=5,
            autocommit=True,
        )
    return _pool


async def _ranking():
    pool = await get_pool()
    async with pool.acquire() as conn:
        async with conn.cursor(aiomysql.DictCursor) as cur:
            # ruleid: PIN308
            await cur.execute("SET @row_number = 0")
            # ruleid: PIN308
            await cur.execute(
                "SELECT (@row_number := @row_number + 1) AS position, customer, total "
                "FROM orders ORDER BY total DESC LIMIT 10"
            )
            return await cur.fetchall()


# ruleid: PIN401
def handler(event, context):
    rows = asyncio.run(_ranking())
    return {"statusCode": 200, "body": json.dumps(rows, default=str)}
