"""Seat reservation on aiomysql: one connection per invocation, closed in finally."""

import asyncio
import json
import os

import aiomysql


async def _reserve(event):
    conn = await aiomysql.connect(
        host=os.environ["DB_HOST"],
        user=os.environ["DB_USER"],
        password=os.environ["DB_PASSWORD"],
        db=os.environ["DB_NAME"],
    )
    try:
        async with conn.cursor() as cur:
            # ruleid: PIN307
            await cur.execute("SELECT GET_LOCK(%s, 10)", (f"show-{event['show']}",))
            await cur.execute(
                "UPDATE seats SET reserved_by = %s WHERE show_id = %s AND seat = %s AND reserved_by IS NULL",
                (event["customer"], event["show"], event["seat"]),
            )
            # ruleid: PIN309
            await cur.execute("SELECT ROW_COUNT()")
            (changed,) = await cur.fetchone()
            await conn.commit()
            # ok: PIN307
            await cur.execute("SELECT RELEASE_LOCK(%s)", (f"show-{event['show']}",))
        return changed == 1
    finally:
        conn.close()


def handler(event, context):
    ok = asyncio.run(_reserve(json.loads(event["body"])))
    return {"statusCode": 200 if ok else 409}
