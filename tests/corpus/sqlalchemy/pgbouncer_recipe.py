"""Async customer API. The engine follows SQLAlchemy's PgBouncer recipe, which names every
prepared statement uniquely - still named statements, so RDS Proxy pins."""

import asyncio
import json
import os
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

URL = "postgresql+asyncpg://{user}:{password}@{host}:{port}/{name}".format(
    user=os.environ["PGUSER"],
    password=os.environ["PGPASSWORD"],
    host=os.environ["PGHOST"],
    port=os.environ.get("PGPORT", "5432"),
    name=os.environ["PGDATABASE"],
)

# ruleid: PIN207
engine = create_async_engine(
    URL,
    poolclass=NullPool,
    connect_args={
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
    },
)


async def _customer(email):
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT id, name FROM customers WHERE email = :e"), {"e": email})).first()
    await engine.dispose()
    return row


def handler(event, context):
    row = asyncio.run(_customer(event["queryStringParameters"]["email"]))
    if row is None:
        return {"statusCode": 404}
    return {"statusCode": 200, "body": json.dumps({"id": row.id, "name": row.name})}
