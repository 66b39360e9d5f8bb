"""Engine and session factory shared by the order functions."""

import os

from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

DATABASE_URL = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://", 1)

engine = create_engine(DATABASE_URL, pool_size=1, max_overflow=0, pool_pre_ping=True)
Session = sessionmaker(bind=engine, expire_on_commit=False)


@event.listens_for(engine, "connect")
def _set_search_path(dbapi_connection, connection_record):
    # The orders schema first; runs once for every new DBAPI connection.
    existing_autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    # ruleid: PIN101
    cursor.execute("SET search_path TO public")
    cursor.close()
    dbapi_connection.autocommit = existing_autocommit
