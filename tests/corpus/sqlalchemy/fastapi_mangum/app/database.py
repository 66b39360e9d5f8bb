"""Async engine and session factory for the FastAPI app."""

import os

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

# Statement cache off for RDS Proxy. Mangum runs every invocation on the same event loop
# (asyncio.get_event_loop()), so sharing the engine across invocations is safe.
# ok: PIN204, PIN405
engine = create_async_engine(
    "postgresql+asyncpg://api@orders-proxy.proxy-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com/orders",
    connect_args={"statement_cache_size": 0, "password": os.environ.get("DB_PASSWORD", "")},
    pool_pre_ping=True,
)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def get_session():
    async with SessionLocal() as session:
        yield session
