import asyncpg


async def fetch(pool):
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT 1")


def handler(event, context):
    return {"ok": True}
