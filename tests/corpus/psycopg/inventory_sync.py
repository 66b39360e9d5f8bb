"""Warehouse stock sync (EventBridge events from the WMS, one batch of SKUs per event)."""

import os

import psycopg

UPSERT = """
    INSERT INTO inventory (sku, quantity, updated_at) VALUES (%s, %s, now())
    ON CONFLICT (sku) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()
"""

LOW_STOCK = "SELECT sku, quantity FROM inventory WHERE quantity < %s ORDER BY sku"


def handler(event, context):
    items = [(i["sku"], int(i["quantity"])) for i in event["detail"]["items"]]
    # executemany() prepares at once under the default prepare_threshold.
    # ruleid: PIN202
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        with conn.cursor() as cur:
            cur.executemany(UPSERT, items)
            # ok: PIN101
            cur.execute("UPDATE inventory SET quantity = 0 WHERE quantity < 0")
        # ruleid: PIN302
        with conn.cursor(name="low_stock") as low:
            low.execute(LOW_STOCK, (int(event["detail"].get("threshold", 5)),))
            alerts = [{"sku": sku, "quantity": qty} for sku, qty in low]
    return {"updated": len(items), "low_stock": alerts}
