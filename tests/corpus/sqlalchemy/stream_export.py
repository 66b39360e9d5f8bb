"""Export every order to the data lake (Step Functions task). Large result: stream it."""

import json
import os

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

DB_USER = os.environ["PGUSER"]
DB_PASSWORD = os.environ["PGPASSWORD"]
DB_HOST = os.environ["PGHOST"]
DB_PORT = os.environ.get("PGPORT", "5432")
DB_NAME = os.environ["PGDATABASE"]

engine = create_engine(
    f"postgresql+psycopg2://{DB_USER}:{DB_PASSWORD}@{DB_HOST}:{DB_PORT}/{DB_NAME}",
    pool_pre_ping=True,
)


class Base(DeclarativeBase):
    pass


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    customer: Mapped[str | None]


def export_orders(event, context):
    lines = []
    try:
        with engine.connect() as conn:
            # ruleid: PIN302
            streaming = conn.execution_options(stream_results=True, max_row_buffer=1000)
            for row in streaming.execute(text("SELECT id, customer, total FROM orders ORDER BY id")):
                lines.append(json.dumps({"id": row.id, "customer": row.customer, "total": str(row.total)}))
    finally:
        engine.dispose()
    return {"lines": len(lines)}


def export_events(event, context):
    count = 0
    try:
        with Session(engine) as session:
            # ruleid: PIN302
            for ev in session.query(Event).order_by(Event.id).yield_per(500):
                count += 1
            # Buffered by default: no server-side cursor.
            # ok: PIN302
            kinds = session.scalars(select(Event.kind).distinct()).all()
    finally:
        engine.dispose()
    return {"events": count, "kinds": sorted(kinds)}
