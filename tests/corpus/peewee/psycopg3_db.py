"""Basket pricing on peewee's psycopg 3 database: one lookup per line item."""

import json
import os

from peewee import DecimalField, Model, TextField
from playhouse.postgres_ext import Psycopg3Database

# psycopg 3 prepares a statement after five runs on one connection (the per-item lookup).
# ruleid: PIN202
db = Psycopg3Database(
    os.environ["PGDATABASE"],
    user=os.environ["PGUSER"],
    password=os.environ["PGPASSWORD"],
    host=os.environ["PGHOST"],
    port=int(os.environ.get("PGPORT", 5432)),
)


class Price(Model):
    sku = TextField(primary_key=True)
    amount = DecimalField(max_digits=10, decimal_places=2)
    currency = TextField()

    class Meta:
        database = db
        table_name = "prices"


# connection_context() connects on entry and closes on exit.
# ok: PIN401
def handler(event, context):
    items = json.loads(event["body"])["items"]
    with db.connection_context():
        total = 0
        for item in items:
            price = Price.get_or_none(Price.sku == item["sku"])
            if price is not None:
                total += price.amount * item["quantity"]
    return {"statusCode": 200, "body": json.dumps({"total": str(total)})}
