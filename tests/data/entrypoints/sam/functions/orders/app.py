import json
import os

import psycopg2

conn = psycopg2.connect(host=os.environ["DB_HOST"])


def lambda_handler(event, context):
    with conn.cursor() as cur:
        cur.execute("SELECT id, total FROM orders ORDER BY id DESC LIMIT 20")
        rows = cur.fetchall()
    return {"statusCode": 200, "body": json.dumps(rows)}
