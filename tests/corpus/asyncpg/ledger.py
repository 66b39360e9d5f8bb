"""Ledger maintenance: re-aligns the invoice number sequence after a bulk import.

A small pool per invocation, closed before the event loop ends; statement cache and the
pool's reset query are turned off for RDS Proxy.
"""

import asyncio
import os

import asyncpg


async def _no_reset(connection):
    return None


async def _realign():
    pool = await asyncpg.create_pool(
        os.environ["DATABASE_URL"],
        min_size=1,
        max_size=1,
        statement_cache_size=0,
        reset=_no_reset,
    )
    try:
        async with pool.acquire() as conn:
            highest = await conn.fetchval("SELECT coalesce(max(number), 999) FROM invoices")
            # ruleid: PIN306
            await conn.execute("SELECT setval('invoice_number_seq', $1)", highest + 1)
            # ok: PIN101
            await conn.execute("UPDATE invoices SET status = 'numbered' WHERE number IS NOT NULL AND status = 'draft'")
        return highest + 1
    finally:
        await pool.close()


def handler(event, context):
    return {"next_number": asyncio.run(_realign())}
