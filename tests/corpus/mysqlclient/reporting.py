"""Paged customer report on MySQL via mysqlclient (MySQLdb); one connection per invocation."""

import json
import os
from contextlib import closing

import MySQLdb
import MySQLdb.cursors


def _connect():
    # ruleid: PIN106
    return MySQLdb.connect(
        host=os.environ["DB_HOST"],
        user=os.environ["DB_USER"],
        passwd=os.environ["DB_PASSWORD"],
        db=os.environ["DB_NAME"],
        charset="utf8mb4",
        cursorclass=MySQLdb.cursors.DictCursor,
        init_command="SET SESSION max_execution_time = 5000",
    )


def handler(event, context):
    params = event.get("queryStringParameters") or {}
    page = int(params.get("page", 0))
    with closing(_connect()) as conn:
        cur = conn.cursor()
        # ok: PIN101
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        # ruleid: PIN309
        cur.execute(
            "SELECT SQL_CALC_FOUND_ROWS id, name, email FROM customers ORDER BY id LIMIT %s OFFSET %s",
            (50, page * 50),
        )
        rows = cur.fetchall()
        # ruleid: PIN309
        cur.execute("SELECT FOUND_ROWS() AS total")
        total = cur.fetchone()["total"]
        cur.close()
    return {"statusCode": 200, "body": json.dumps({"rows": rows, "total": total})}
