"""Async order search (API Gateway) on SQLAlchemy asyncio + asyncpg, disposed per invocation."""

import asyncio
import json
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

DB_USER = os.environ["PGUSER"]
DB_PASSWORD = os.environ["PGPASSWORD"]
DB_HOST = os.environ["PGHOST"]
DB_PORT = os.environ.get("PGPORT", "5432")
DB_NAME = os.environ["PGDATABASE"]

# ruleid: PIN204
engine = create_async_engine(
    f"postgresql+asyncpg://{DB_USER}:{DB_PASSWORD}@{DB_HOST}:{DB_PORT}/{DB_NAME}",
    pool_size=1,
    max_overflow=0,
)

SEARCH = text("SELECT id, customer, total FROM orders WHERE customer ILIKE :q ORDER BY id")


async def _search(q):
    try:
        async with engine.connect() as conn:
            result = await conn.execute(SEARCH, {"q": f"%{q}%"})
            found = [{"id": r.id, "customer": r.customer, "total": str(r.total)} for r in result]
            # ruleid: PIN302
            stream = await conn.stream(text("SELECT id FROM events ORDER BY id"))
            events = [row.id async for row in stream]
        return found, len(events)
    finally:
        await engine.dispose()


def handler(event, context):
    found, events = asyncio.run(_search(event["queryStringParameters"]["q"]))
    return {"statusCode": 200, "body": json.dumps({"orders": found, "events": events})}
