"""CSV import of price lists into a staging table, then a merge (S3 event -> handler).

The connection lives for the whole container: opened at import, never checked.
"""

import csv
import io
import os

import psycopg
from psycopg import sql

# ruleid: PIN403
conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None)

STAGING = "CREATE TEMP TABLE IF NOT EXISTS price_staging (sku text, amount numeric(10, 2))"
MERGE = """
    INSERT INTO prices (sku, amount)
    SELECT sku, amount FROM price_staging
    ON CONFLICT (sku) DO UPDATE SET amount = EXCLUDED.amount
"""


def _rows(event):
    # The real function reads the S3 object; the sample event carries the CSV inline.
    text = event["Records"][0].get("csv", "sku,amount\n")
    return list(csv.reader(io.StringIO(text)))[1:]


# ruleid: PIN401
def handler(event, context):
    schema = event.get("schema", "public")
    # ruleid: PIN101
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    # ruleid: PIN301
    conn.execute(STAGING)
    with conn.cursor() as cur:
        with cur.copy("COPY price_staging (sku, amount) FROM STDIN") as copy:
            for row in _rows(event):
                copy.write_row(row)
        cur.execute(MERGE)
        merged = cur.rowcount
    # Drop the staging table so the next warm invocation starts empty.
    # ruleid: PIN103
    conn.execute("DISCARD TEMP")
    return {"merged": merged}
