"""Job queue API on peewee with playhouse's pooled PostgreSQL database."""

import json
import os

from peewee import CharField, DateTimeField, IntegerField, Model, TextField
from playhouse.pool import PooledPostgresqlDatabase
from playhouse.postgres_ext import BinaryJSONField

# Opens connections on demand (one per thread): not oversized for a Lambda.
# ok: PIN407
db = PooledPostgresqlDatabase(
    os.environ["PGDATABASE"],
    user=os.environ["PGUSER"],
    password=os.environ["PGPASSWORD"],
    host=os.environ["PGHOST"],
    port=int(os.environ.get("PGPORT", 5432)),
    max_connections=8,
    stale_timeout=300,
)


class Job(Model):
    kind = TextField()
    payload = BinaryJSONField(default=dict)
    status = CharField(default="queued")
    run_at = DateTimeField()

    class Meta:
        database = db
        table_name = "job_queue"


class Inventory(Model):
    sku = TextField(primary_key=True)
    quantity = IntegerField()

    class Meta:
        database = db
        table_name = "inventory"


# close() hands the connection back to the pool, where it stays open.
# ruleid: PIN401
def claim_jobs(event, context):
    db.connect(reuse_if_open=True)
    try:
        with db.atomic():
            # ruleid: PIN102
            db.execute_sql("SET LOCAL lock_timeout = '2s'")
            # ok: PIN101
            jobs = list(Job.raw(
                "UPDATE job_queue SET status = 'running' WHERE id IN ("
                " SELECT id FROM job_queue WHERE status = 'queued' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
                ") RETURNING id, kind, payload, status, run_at",
                int(event.get("batch", 5)),
            ))
        return {"claimed": [j.id for j in jobs]}
    finally:
        db.close()


def restock(event, context):
    db.connect(reuse_if_open=True)
    try:
        body = json.loads(event["body"])
        Inventory.insert(sku=body["sku"], quantity=body["quantity"]).on_conflict(
            conflict_target=[Inventory.sku], update={Inventory.quantity: body["quantity"]}
        ).execute()
        return {"statusCode": 204}
    finally:
        db.close_all()
