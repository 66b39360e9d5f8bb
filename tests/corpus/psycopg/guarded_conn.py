"""Customer lookup with a connection that is re-created when needed and closed after each call."""

import json
import os

import psycopg

conn = None


def _connection():
    global conn
    if conn is None or conn.closed:
        conn = psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=None)
    return conn


def handler(event, context):
    global conn
    email = event["queryStringParameters"]["email"]
    try:
        with _connection().cursor() as cur:
            cur.execute("SELECT id, name FROM customers WHERE email = %s", (email,))
            row = cur.fetchone()
        _connection().rollback()
    finally:
        if conn is not None:
            conn.close()
            conn = None
    if row is None:
        return {"statusCode": 404}
    return {"statusCode": 200, "body": json.dumps({"id": row[0], "name": row[1]})}
