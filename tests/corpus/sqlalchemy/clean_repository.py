"""Feature flag service: repository pattern over SQLAlchemy Core. The near-miss file:
`set` columns, UPDATE ... SET, SQL words in strings that are never executed."""

import json
import logging
import os

from sqlalchemy import Boolean, Column, MetaData, String, Table, create_engine, select, text, update
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

metadata = MetaData()
feature_flags = Table(
    "feature_flags",
    metadata,
    Column("name", String, primary_key=True),
    Column("set", Boolean, nullable=False),
    Column("tenant", String),
)

engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://", 1),
    poolclass=NullPool,
)

HELP = "Flags are toggled with UPDATE feature_flags SET set = true; never with SET ROLE."


class FlagRepository:
    def __init__(self, connection):
        self.connection = connection

    def enabled(self, tenant):
        query = select(feature_flags.c.name).where(feature_flags.c.set.is_(True), feature_flags.c.tenant == tenant)
        return [row.name for row in self.connection.execute(query)]

    def toggle(self, name, value):
        stmt = update(feature_flags).where(feature_flags.c.name == name).values({"set": value})
        self.connection.execute(stmt)

    def raw_toggle(self, name, value):
        # ok: PIN101
        self.connection.execute(text("UPDATE feature_flags SET set = :v WHERE name = :n"), {"v": value, "n": name})


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    log.info("SET flag %s (see HELP: %s)", body.get("flag"), HELP)
    with engine.begin() as conn:
        repo = FlagRepository(conn)
        if "flag" in body:
            repo.toggle(body["flag"], bool(body.get("value", True)))
            repo.raw_toggle(body["flag"], bool(body.get("value", True)))
        # A string literal that mentions nextval() is not a call.
        # ok: PIN306
        conn.execute(text("INSERT INTO audit_log (actor, action) VALUES ('flags', 'nextval() not used')"))
        names = repo.enabled(body.get("tenant", "acme"))
    return {"statusCode": 200, "body": json.dumps({"enabled": names})}
