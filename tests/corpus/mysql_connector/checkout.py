"""Checkout on mysql-connector-python: one connection per invocation, closed in finally."""

import json
import os

import mysql.connector


def handler(event, context):
    body = json.loads(event["body"])
    cnx = mysql.connector.connect(
        host=os.environ["DB_HOST"],
        user=os.environ["DB_USER"],
        password=os.environ["DB_PASSWORD"],
        database=os.environ["DB_NAME"],
        time_zone="+00:00",
    )
    try:
        cur = cnx.cursor()
        # ok: PIN101
        cur.execute("SET @@session.time_zone = '+00:00'")
        # ruleid: PIN101
        cur.execute("SET SESSION group_concat_max_len = 65536")
        # ruleid: PIN307
        cur.execute("SELECT GET_LOCK(%s, 5)", (f"cart-{body['cart']}",))
        cur.execute(
            "SELECT GROUP_CONCAT(sku) FROM cart_items WHERE cart_id = %s", (body["cart"],)
        )
        skus = (cur.fetchone()[0] or "").split(",")
        cur.execute("INSERT INTO orders (customer, total) VALUES (%s, %s)", (body["customer"], body["total"]))
        order_id = cur.lastrowid
        cnx.commit()
        # ok: PIN307
        cur.execute("SELECT RELEASE_LOCK(%s)", (f"cart-{body['cart']}",))
        cur.close()
    finally:
        cnx.close()
    return {"statusCode": 201, "body": json.dumps({"order": order_id, "items": skus})}
