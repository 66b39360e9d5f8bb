"""Nightly stock reconciliation on MySQL (PyMySQL). The connection is checked before use."""

import os

import pymysql

# ping(reconnect=True) below re-opens it when the proxy or the server dropped it.
# ok: PIN403
conn = pymysql.connect(
    host=os.environ["DB_HOST"],
    user=os.environ["DB_USER"],
    password=os.environ["DB_PASSWORD"],
    database=os.environ["DB_NAME"],
    sql_mode="STRICT_ALL_TABLES",
)


# ruleid: PIN401
def handler(event, context):
    conn.ping(reconnect=True)
    with conn.cursor() as cur:
        # Tracked by RDS Proxy: no pin.
        # ok: PIN101
        cur.execute("SET time_zone = '+00:00'")
        # ok: PIN101
        cur.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE'")
        # ruleid: PIN307
        cur.execute("SELECT GET_LOCK('stock-reconcile', 10)")
        try:
            # ruleid: PIN301
            cur.execute("CREATE TEMPORARY TABLE counted (sku VARCHAR(64) PRIMARY KEY, quantity INT)")
            cur.executemany("INSERT INTO counted VALUES (%s, %s)", [(c["sku"], c["quantity"]) for c in event["counts"]])
            # ruleid: PIN307
            cur.execute("LOCK TABLES inventory WRITE, counted READ")
            cur.execute("UPDATE inventory i JOIN counted c ON c.sku = i.sku SET i.quantity = c.quantity")
            cur.execute("UNLOCK TABLES")
            conn.commit()
        finally:
            # ok: PIN307
            cur.execute("SELECT RELEASE_LOCK('stock-reconcile')")
    return {"reconciled": len(event["counts"])}
