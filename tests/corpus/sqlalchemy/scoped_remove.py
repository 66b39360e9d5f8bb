"""Device registry (IoT Core rule -> Lambda). Two handlers, two cleanups that keep the
connection open."""

import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://", 1),
    pool_size=1,
    max_overflow=0,
)
Session = scoped_session(sessionmaker(bind=engine))

TOUCH = text("UPDATE devices SET last_seen = now(), status = :status WHERE id = :id")


# remove() hands the connection back to the pool, where it stays open.
# ruleid: PIN401
def heartbeat(event, context):
    try:
        # ok: PIN101
        Session.execute(TOUCH, {"id": event["device"], "status": event.get("status", "active")})
        Session.commit()
    finally:
        Session.remove()


# dispose(close=False) drops the pool without closing its connections.
# ruleid: PIN401
def deregister(event, context):
    try:
        with engine.begin() as conn:
            conn.execute(TOUCH, {"id": event["device"], "status": "retired"})
    finally:
        engine.dispose(close=False)
