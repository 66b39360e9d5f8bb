"""Database engine shared by the orders API handlers."""

import os

from sqlalchemy import create_engine, event

engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://", 1),
    pool_size=1,
    max_overflow=0,
    pool_pre_ping=True,
)


@event.listens_for(engine, "connect")
def _session_defaults(dbapi_connection, connection_record):
    # Runs once per new DBAPI connection; autocommit so the SET outlives the first transaction.
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '5s'")
    dbapi_connection.autocommit = False
