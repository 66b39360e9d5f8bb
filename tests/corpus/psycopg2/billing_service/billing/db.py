"""Connection handling shared by the billing functions."""

import logging
import os
from contextlib import contextmanager

from psycopg2.pool import SimpleConnectionPool

log = logging.getLogger(__name__)

_pool = None


def pool():
    """The container's pool, created on first use (one connection: one invocation at a time)."""
    global _pool
    if _pool is None:
        _pool = SimpleConnectionPool(1, 1, dsn=os.environ["DATABASE_URL"])
    return _pool


@contextmanager
def get_conn():
    """A connection in a transaction; committed on success, rolled back on error."""
    conn = pool().getconn()
    try:
        yield conn
        conn.commit()
    except Exception:
        log.exception("rolling back")
        conn.rollback()
        raise
    finally:
        # close=True: no proxy connection is kept while the container is frozen
        pool().putconn(conn, close=True)
