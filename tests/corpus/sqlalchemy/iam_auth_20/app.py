"""Order lookup behind API Gateway."""

import json

from sqlalchemy import text

from db import engine

ORDER = text("SELECT id, customer, total FROM orders WHERE id = :id")


def lambda_handler(event, context):
    try:
        with engine.connect() as conn:
            row = conn.execute(ORDER, {"id": int(event["pathParameters"]["id"])}).one_or_none()
    finally:
        engine.dispose()
    if row is None:
        return {"statusCode": 404}
    return {"statusCode": 200, "body": json.dumps({"id": row.id, "customer": row.customer, "total": str(row.total)})}
