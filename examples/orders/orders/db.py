"""Database access for the orders function.

The engine lives at module level so warm invocations reuse it. Every new connection gets a
statement timeout and the tenant's search path, which is exactly what makes RDS Proxy pin it.
"""

import os

from sqlalchemy import create_engine, event, text

engine = create_engine(os.environ["DATABASE_URL"], pool_size=5)


@event.listens_for(engine, "connect")
def configure_session(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("SET statement_timeout = '5s'")
    cursor.execute("SET search_path TO orders, public")
    cursor.close()


def fetch_order(order_id):
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT id, status, total FROM orders WHERE id = :id"), {"id": order_id}
        ).one_or_none()
    return None if row is None else dict(row._mapping)
