"""Monthly revenue report on asyncpg, written for RDS Proxy: statement cache off, read-only
serializable transactions instead of session settings, JSON codec registered up front."""

import asyncio
import json
import os

import asyncpg

REVENUE = """
    SELECT customer, sum(total) AS revenue
    FROM orders
    WHERE created_at >= date_trunc('month', now())
    GROUP BY customer
"""
# Documentation only: the statement we must never send again.
OLD_WAY = "SET default_transaction_read_only = on"


async def _report(event):
    # ok: PIN203, PIN105
    conn = await asyncpg.connect(
        os.environ["DATABASE_URL"],
        statement_cache_size=0,
        server_settings={"application_name": "revenue-report"},
    )
    try:
        # Built-in type: no introspection query, no set_config.
        await conn.set_type_codec("jsonb", schema="pg_catalog", encoder=json.dumps, decoder=json.loads, format="text")
        # BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY: part of the transaction, not a SET.
        # ok: PIN102
        async with conn.transaction(isolation="serializable", readonly=True):
            rows = await conn.fetch(REVENUE)
        # ok: PIN303
        await conn.execute("NOTIFY report_ready, 'revenue'")
        # ok: PIN101
        await conn.execute(
            "INSERT INTO audit_log (actor, action, detail) VALUES ($1, $2, $3::jsonb)",
            "reports", "generated (no SET, no RESET)", json.dumps({"rows": len(rows)}),
        )
        await conn.copy_records_to_table(
            "audit_log", records=[("reports", "copied")], columns=["actor", "action"]
        )
        return {r["customer"]: str(r["revenue"]) for r in rows}
    finally:
        await conn.close()


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(asyncio.run(_report(event)))}
