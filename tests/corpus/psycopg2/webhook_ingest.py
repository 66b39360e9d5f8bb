"""Audit webhook ingestion (SQS batches). Producers batch up to BATCH_SIZE entries per message."""

import json
import os

import psycopg2
from psycopg2.extras import Json, execute_values

BATCH_SIZE = 1200
ROW = "(%s, %s, %s)"
# One multi-row INSERT per full batch: fewer round trips than executemany().
INSERT_FULL_BATCH = "INSERT INTO audit_log (actor, action, detail) VALUES " + ", ".join([ROW] * BATCH_SIZE)
INSERT_PAGE = "INSERT INTO audit_log (actor, action, detail) VALUES %s"


def _rows(record):
    return [(e["actor"], e["action"], Json(e.get("detail", {}))) for e in json.loads(record["body"])]


def handler(event, context):
    inserted = 0
    # Leaving the block commits; it does not close the connection.
    # ruleid: PIN404
    with psycopg2.connect(os.environ["DATABASE_URL"]) as conn:
        with conn.cursor() as cur:
            for record in event["Records"]:
                rows = _rows(record)
                if len(rows) == BATCH_SIZE:
                    # todoruleid: PIN206 -- INSERT_FULL_BATCH is str.join over a constant list: 16,851 bytes
                    cur.execute(INSERT_FULL_BATCH, [value for row in rows for value in row])
                else:
                    execute_values(cur, INSERT_PAGE, rows, page_size=100)
                inserted += len(rows)
    return {"inserted": inserted}
