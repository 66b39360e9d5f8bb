"""Customer export on playhouse's extended PostgreSQL database with server-side cursors."""

import os

from peewee import DecimalField, Model, TextField
from playhouse.postgres_ext import PooledPostgresqlExtDatabase

# Every SELECT runs on a named cursor.
# ruleid: PIN302
db = PooledPostgresqlExtDatabase(
    os.environ["PGDATABASE"],
    user=os.environ["PGUSER"],
    password=os.environ["PGPASSWORD"],
    host=os.environ["PGHOST"],
    port=int(os.environ.get("PGPORT", 5432)),
    max_connections=2,
    server_side_cursors=True,
)


class Order(Model):
    customer = TextField()
    total = DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        database = db
        table_name = "orders"


def handler(event, context):
    db.connect(reuse_if_open=True)
    try:
        with db.atomic():
            rows = [(o.id, o.customer, str(o.total)) for o in Order.select().order_by(Order.id)]
        return {"orders": len(rows)}
    finally:
        db.close_all()
