import json
import os

import psycopg

conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None)


def handler(event, context):
    global conn
    if conn is None:
        conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None)
    try:
        conn.execute("SET TIME ZONE 'Europe/Paris'")  # reports show local times
        rows = conn.execute(
            "SELECT id, to_char(created_at, 'YYYY-MM-DD HH24:MI') FROM orders"
            " WHERE customer = %s ORDER BY id",
            (event["customer"],),
        ).fetchall()
        return {"statusCode": 200, "body": json.dumps(rows)}
    finally:
        conn.close()
        conn = None
