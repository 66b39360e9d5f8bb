"""Price quotes: the hot path prepares its statement on purpose; the admin path does not."""

import json
import os

import psycopg

PRICE = "SELECT amount, currency FROM prices WHERE sku = %s"


def quote(event, context):
    skus = json.loads(event["body"])["skus"]
    # ruleid: PIN202
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        with conn.cursor() as cur:
            quotes = {}
            for sku in skus:
                # ruleid: PIN202
                cur.execute(PRICE, (sku,), prepare=True)
                row = cur.fetchone()
                quotes[sku] = None if row is None else f"{row[0]} {row[1]}"
    return {"statusCode": 200, "body": json.dumps(quotes)}


def admin_set_price(event, context):
    body = json.loads(event["body"])
    with psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=None) as conn:
        # prepare_threshold=None makes psycopg ignore prepare=True.
        # ok: PIN202
        conn.execute(
            "INSERT INTO prices (sku, amount) VALUES (%s, %s) "
            "ON CONFLICT (sku) DO UPDATE SET amount = EXCLUDED.amount",
            (body["sku"], body["amount"]),
            prepare=True,
        )
    return {"statusCode": 204}
