"""Legacy ledger export: two engines, two ways of making the dialect send SET."""

import os

from sqlalchemy import create_engine, text

DB_USER = os.environ["PGUSER"]
DB_PASSWORD = os.environ["PGPASSWORD"]
DB_HOST = os.environ["PGHOST"]
DB_PORT = os.environ.get("PGPORT", "5432")
DB_NAME = os.environ["PGDATABASE"]
PSYCOPG2_URL = f"postgresql+psycopg2://{DB_USER}:{DB_PASSWORD}@{DB_HOST}:{DB_PORT}/{DB_NAME}"
PG8000_URL = f"postgresql+pg8000://{DB_USER}:{DB_PASSWORD}@{DB_HOST}:{DB_PORT}/{DB_NAME}"

# ruleid: PIN104
latin1_engine = create_engine(PSYCOPG2_URL, client_encoding="latin1")

# psycopg2 turns the isolation level into BEGIN ISOLATION LEVEL ...: nothing pins.
# ok: PIN104
audit_engine = create_engine(PSYCOPG2_URL, isolation_level="REPEATABLE READ")

# pg8000's dialect sends SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ...
# ruleid: PIN104
ledger_engine = create_engine(PG8000_URL, isolation_level="SERIALIZABLE")

COUNT = text("SELECT count(*) FROM orders")


def handler(event, context):
    try:
        with latin1_engine.connect() as conn:
            customers = conn.execute(text("SELECT customer FROM orders ORDER BY id")).scalars().all()
        with audit_engine.connect() as conn:
            audited = conn.execute(COUNT).scalar_one()
        with ledger_engine.connect() as conn:
            ledger = conn.execute(COUNT).scalar_one()
    finally:
        latin1_engine.dispose()
        audit_engine.dispose()
        ledger_engine.dispose()
    return {"customers": customers, "audited": audited, "ledger": ledger}
