import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1),
    pool_size=1,
    max_overflow=0,
    connect_args={"statement_cache_size": 0},
)

ORDERS = text("SELECT id, total FROM orders WHERE customer = :customer ORDER BY id")


async def list_orders(customer):
    async with engine.begin() as connection:
        # Row-level security policies read the tenant from this setting.
        await connection.execute(
            text("SELECT set_config('app.tenant', :tenant, false)"), {"tenant": customer}
        )
        result = await connection.execute(ORDERS, {"customer": customer})
        return [{"id": row.id, "total": str(row.total)} for row in result]


def handler(event, context):
    orders = asyncio.run(list_orders(event["customer"]))
    return {"statusCode": 200, "orders": orders}
