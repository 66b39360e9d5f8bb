import os

import pg8000.native

con = pg8000.native.Connection(
    os.environ["PGUSER"],
    host=os.environ["PGHOST"],
    port=int(os.environ["PGPORT"]),
    database=os.environ["PGDATABASE"],
    password=os.environ["PGPASSWORD"],
)


def handler(event, context):
    global con
    if con is None:
        con = pg8000.native.Connection(
            os.environ["PGUSER"],
            host=os.environ["PGHOST"],
            port=int(os.environ["PGPORT"]),
            database=os.environ["PGDATABASE"],
            password=os.environ["PGPASSWORD"],
        )
    try:
        rows = con.run(
            "SELECT customer, total FROM orders WHERE total >= :minimum ORDER BY id",
            minimum=event.get("min_total", 0),
        )
        return {"statusCode": 200, "orders": [[customer, str(total)] for customer, total in rows]}
    finally:
        con.close()
        con = None
