"""Order ranking and checkout on Aurora MySQL (PyMySQL), connection kept for the container."""

import json
import os

import pymysql
import pymysql.cursors

# ruleid: PIN106, PIN403
conn = pymysql.connect(
    host=os.environ["DB_HOST"],
    user=os.environ["DB_USER"],
    password=os.environ["DB_PASSWORD"],
    database=os.environ["DB_NAME"],
    charset="utf8mb4",
    cursorclass=pymysql.cursors.DictCursor,
    init_command="SET SESSION innodb_lock_wait_timeout = 5",
    autocommit=True,
)


# ruleid: PIN401
def leaderboard(event, context):
    with conn.cursor() as cur:
        # ruleid: PIN308
        cur.execute("SET @rank := 0")
        # ruleid: PIN308
        cur.execute(
            "SELECT customer, total, (@rank := @rank + 1) AS position FROM orders ORDER BY total DESC LIMIT 10"
        )
        rows = cur.fetchall()
    return {"statusCode": 200, "body": json.dumps(rows, default=str)}


# ruleid: PIN401
def checkout(event, context):
    body = json.loads(event["body"])
    with conn.cursor() as cur:
        # ok: PIN101
        cur.execute("SET NAMES utf8mb4")
        cur.execute("INSERT INTO orders (customer, total) VALUES (%s, %s)", (body["customer"], body["total"]))
        # ruleid: PIN309
        cur.execute("SELECT LAST_INSERT_ID() AS id")
        order_id = cur.fetchone()["id"]
        # ruleid: PIN308
        cur.callproc("recalculate_customer_totals", (body["customer"],))
        # cursor.lastrowid comes from the OK packet: no session function.
        second_id = cur.lastrowid
    return {"statusCode": 201, "body": json.dumps({"id": order_id, "last": second_id})}
