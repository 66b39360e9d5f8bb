"""Export a customer's order history as CSV (SQS-triggered job, one message per customer)."""

import csv
import io
import json
import os

import psycopg2

BATCH = 500


def _connect():
    return psycopg2.connect(
        host=os.environ["PGHOST"],
        port=os.environ.get("PGPORT", "5432"),
        dbname=os.environ["PGDATABASE"],
        user=os.environ["PGUSER"],
        password=os.environ["PGPASSWORD"],
        application_name="order-export",
    )


def export_orders(conn, customer):
    """Stream the rows with a server-side cursor instead of loading the whole history."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "total", "created_at"])
    # todoruleid: PIN302 -- `conn` is a helper's parameter; its only caller passes a psycopg2 connection
    with conn.cursor(name="order_export") as cur:
        cur.itersize = BATCH
        cur.execute("SELECT id, total, created_at FROM orders WHERE customer = %s ORDER BY id", (customer,))
        for row in cur:
            writer.writerow(row)
    return out.getvalue()


def handler(event, context):
    exported = 0
    conn = _connect()
    try:
        for record in event["Records"]:
            customer = json.loads(record["body"])["customer"]
            exported += export_orders(conn, customer).count("\n") - 1
            with conn.cursor() as cur:
                cur.execute("INSERT INTO events (kind, customer) VALUES (%s, %s)", ("export", customer))
            conn.commit()
    finally:
        conn.close()
    return {"exported": exported}


def export_with_hold(event, context):
    """Same export, but the cursor must survive the commit after each batch."""
    conn = _connect()
    try:
        # ruleid: PIN302
        cur = conn.cursor("audit_export", withhold=True)
        cur.execute("SELECT id, kind, customer FROM events ORDER BY id")
        count = 0
        while True:
            rows = cur.fetchmany(BATCH)
            if not rows:
                break
            count += len(rows)
            conn.commit()
        cur.close()
        return {"exported": count}
    finally:
        conn.close()
