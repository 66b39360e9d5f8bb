"""Scheduled report builder (EventBridge). Only one run may build a given report at a time."""

import logging
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# NullPool: every connection is closed when it is returned, nothing outlives the invocation.
engine = create_engine(
    make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg2"),
    poolclass=NullPool,
)

TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
UNLOCK = text("SELECT pg_advisory_unlock(:key)")
BUILD = text("""
    INSERT INTO audit_log (actor, action, detail)
    SELECT 'reports', 'daily_totals', jsonb_build_object('customer', customer, 'total', sum(total))
    FROM orders GROUP BY customer
""")


def handler(event, context):
    key = int(event.get("report_id", 42))
    with engine.connect() as conn:
        # ruleid: PIN305
        got = conn.execute(TRY_LOCK, {"key": key}).scalar_one()
        conn.commit()  # the session-level lock outlives the transaction that took it
        if not got:
            log.info("report %s is being built elsewhere", key)
            return {"built": False}
        try:
            with conn.begin():
                # LOCK TABLE is released at commit: not session state.
                # ok: PIN101
                conn.exec_driver_sql("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
                conn.execute(BUILD)
        finally:
            # ok: PIN305
            conn.execute(UNLOCK, {"key": key})
            conn.commit()
    return {"built": True}
