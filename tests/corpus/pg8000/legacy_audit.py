"""Audit trail writer (Kinesis -> Lambda) on pg8000's legacy top-level API."""

import base64
import json
import os

import pg8000


def _connect():
    return pg8000.connect(
        user=os.environ["PGUSER"],
        password=os.environ["PGPASSWORD"],
        host=os.environ["PGHOST"],
        port=int(os.environ["PGPORT"]),
        database=os.environ["PGDATABASE"],
    )


def handler(event, context):
    # Never closed: every invocation leaves one more connection behind.
    # ruleid: PIN404
    conn = _connect()
    cursor = conn.cursor()
    written = 0
    for record in event["Records"]:
        entry = json.loads(base64.b64decode(record["kinesis"]["data"]))
        cursor.execute(
            "INSERT INTO audit_log (actor, action, detail) VALUES (%s, %s, %s)",
            (entry["actor"], entry["action"], json.dumps(entry.get("detail", {}))),
        )
        written += 1
    # ruleid: PIN306
    cursor.execute("SELECT currval('audit_log_id_seq')")
    last_id = cursor.fetchone()[0]
    conn.commit()
    return {"written": written, "last_id": last_id}
