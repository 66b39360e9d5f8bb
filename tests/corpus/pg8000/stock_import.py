"""Nightly stock import (S3 -> Lambda) with pg8000's native API."""

import os

import pg8000.native

ROWS_FROM_EVENT = "rows"


def _connect():
    return pg8000.native.Connection(
        user=os.environ["PGUSER"],
        password=os.environ["PGPASSWORD"],
        host=os.environ["PGHOST"],
        port=int(os.environ["PGPORT"]),
        database=os.environ["PGDATABASE"],
        application_name="stock-import",
    )


def handler(event, context):
    con = _connect()
    try:
        con.run("START TRANSACTION")
        # ruleid: PIN301
        con.run("CREATE TEMPORARY TABLE stock_import (sku text, quantity int) ON COMMIT DROP")
        # ruleid: PIN207
        insert = con.prepare("INSERT INTO stock_import (sku, quantity) VALUES (:sku, :quantity)")
        for row in event[ROWS_FROM_EVENT]:
            insert.run(sku=row["sku"], quantity=int(row["quantity"]))
        insert.close()
        # ok: PIN101
        con.run(
            "UPDATE inventory i SET quantity = s.quantity, updated_at = now() "
            "FROM stock_import s WHERE s.sku = i.sku"
        )
        updated = con.row_count
        con.run("COMMIT")
        return {"updated": updated}
    finally:
        con.close()
