"""Account settings API. Nothing here pins: it is the near-miss file for SQL look-alikes.

Notes for reviewers: we used to run SET search_path TO accounts on every connection; the role
now has it (ALTER ROLE app SET search_path = accounts, public), so the code never sends SET.
"""

import json
import logging
import os
import re

import psycopg2

log = logging.getLogger(__name__)

# A string that is never executed: documentation for the on-call runbook.
RUNBOOK = "If the proxy pins, look for SET, RESET, DISCARD ALL or LISTEN in the handler code."

# Matches the statements our migration linter rejects; a regex, not SQL.
FORBIDDEN = re.compile(r"^\s*(SET|RESET|DISCARD|LISTEN)\b", re.IGNORECASE)

UPDATE_FLAG = "UPDATE feature_flags SET set = %s WHERE name = %s"


def _connect():
    return psycopg2.connect(os.environ["DATABASE_URL"])


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    flag, enabled = body.get("flag", "dark_mode"), bool(body.get("enabled", True))
    if FORBIDDEN.match(body.get("note", "")):
        log.warning("note looks like SQL (SET/RESET); storing it as text anyway")
    conn = _connect()
    try:
        with conn, conn.cursor() as cur:
            # ok: PIN101
            cur.execute(UPDATE_FLAG, (enabled, flag))
            # A column named "set", and "reset" in a string literal.
            # ok: PIN101
            cur.execute("SELECT name, set FROM feature_flags WHERE set AND name <> 'reset'")
            enabled_flags = [name for name, _ in cur.fetchall()]
            # ok: PIN101
            cur.execute(
                "INSERT INTO audit_log (actor, action, detail) VALUES (%s, %s, %s)",
                ("api", "SET flag", json.dumps({"flag": flag, "sql": "SET search_path TO x"})),
            )
            # ok: PIN306
            cur.execute("SELECT id FROM orders ORDER BY id DESC LIMIT 1 -- no nextval() here")
            latest = cur.fetchone()
        log.info("RESET ALL is not needed: %s", RUNBOOK)
        print("DISCARD ALL skipped")
        return {"statusCode": 200, "body": json.dumps({"enabled": enabled_flags, "latest": latest[0]})}
    finally:
        conn.close()
