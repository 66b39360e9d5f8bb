"""Search API on psycopg 3. The timeout rides in PGOPTIONS, which libpq sends as the startup
`options` parameter - RDS Proxy refuses such connections."""

import json
import os

import psycopg

# ruleid: PIN105
os.environ["PGOPTIONS"] = "-c statement_timeout=5000"
# ok: PIN105
os.environ.setdefault("PGAPPNAME", "search-api")

SEARCH = "SELECT id, name FROM customers WHERE name ILIKE %s ORDER BY name LIMIT 20"


def handler(event, context):
    term = event["queryStringParameters"]["q"]
    with psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=None) as conn:
        rows = conn.execute(SEARCH, (f"%{term}%",)).fetchall()
        # The per-statement timeout belongs in the role instead:
        # ALTER ROLE search SET statement_timeout = '5s' (run once by the DBA, not here).
        # ok: PIN101
        conn.execute("SELECT 'SET statement_timeout' AS hint")
    return {"statusCode": 200, "body": json.dumps([{"id": i, "name": n} for i, n in rows])}
