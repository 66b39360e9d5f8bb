import os

from peewee import DecimalField, Model, PostgresqlDatabase, TextField

db = PostgresqlDatabase(
    os.environ["PGDATABASE"],
    user=os.environ["PGUSER"],
    password=os.environ["PGPASSWORD"],
    host=os.environ["PGHOST"],
    port=int(os.environ["PGPORT"]),
)


class Order(Model):
    customer = TextField()
    total = DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        database = db
        table_name = "orders"
