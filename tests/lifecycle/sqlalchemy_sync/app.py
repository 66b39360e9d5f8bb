import json

from sqlalchemy import text

from db import engine

TOTALS = text("SELECT customer, sum(total) AS total FROM orders GROUP BY customer ORDER BY customer")


def handler(event, context):
    with engine.connect() as connection:
        rows = connection.execute(TOTALS).all()
    # Decimal totals are not JSON serialisable.
    body = {customer: str(total) for customer, total in rows}
    return {"statusCode": 200, "body": json.dumps(body)}
