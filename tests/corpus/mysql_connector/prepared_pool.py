"""Catalog API on mysql-connector-python with a connection pool and prepared cursors."""

import json
import os

from mysql.connector import pooling

DB = {
    "host": os.environ["DB_HOST"],
    "user": os.environ["DB_USER"],
    "password": os.environ["DB_PASSWORD"],
    "database": os.environ["DB_NAME"],
}

# Five connections opened during the cold start.
# ruleid: PIN407
pool = pooling.MySQLConnectionPool(pool_name="catalog", pool_size=5, pool_reset_session=True, **DB)


# A pooled connection's close() returns it to the pool, still open.
# ruleid: PIN401
def handler(event, context):
    sku = event["pathParameters"]["sku"]
    cnx = pool.get_connection()
    try:
        # ruleid: PIN205
        cur = cnx.cursor(prepared=True)
        cur.execute("SELECT sku, name, price FROM products WHERE sku = %s", (sku,))
        row = cur.fetchone()
        cur.close()
        # ok: PIN205
        plain = cnx.cursor(dictionary=True)
        plain.execute("SELECT count(*) AS n FROM products")
        count = plain.fetchone()["n"]
        plain.close()
    finally:
        cnx.close()
    if row is None:
        return {"statusCode": 404}
    return {"statusCode": 200, "body": json.dumps({"sku": row[0], "name": row[1], "price": str(row[2]), "of": count})}
