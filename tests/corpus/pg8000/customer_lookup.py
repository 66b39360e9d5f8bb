"""Customer lookup on pg8000's DB-API, with a connection kept for the container's lifetime."""

import json
import os

import pg8000.dbapi

# ruleid: PIN403
connection = pg8000.dbapi.connect(
    user=os.environ["PGUSER"],
    password=os.environ["PGPASSWORD"],
    host=os.environ["PGHOST"],
    port=int(os.environ["PGPORT"]),
    database=os.environ["PGDATABASE"],
)


# ruleid: PIN401
def handler(event, context):
    email = event["queryStringParameters"]["email"]
    cursor = connection.cursor()
    try:
        # ruleid: PIN101
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.execute("SELECT id, name, tenant FROM customers WHERE email = %s", (email,))
        row = cursor.fetchone()
        connection.commit()
    finally:
        cursor.close()
    if row is None:
        return {"statusCode": 404}
    return {"statusCode": 200, "body": json.dumps(dict(zip(("id", "name", "tenant"), row)))}


def _connect_with_options():
    """Used by the batch tool only; startup options are refused by RDS Proxy."""
    # ruleid: PIN105
    return pg8000.dbapi.connect(
        user=os.environ["PGUSER"],
        password=os.environ["PGPASSWORD"],
        host=os.environ["PGHOST"],
        port=int(os.environ["PGPORT"]),
        database=os.environ["PGDATABASE"],
        startup_params={"options": "-c search_path=reporting,public"},
    )
