"""GET /orders/{id}"""

import json

from db import fetch_order


def lambda_handler(event, context):
    order = fetch_order(int(event["pathParameters"]["id"]))
    if order is None:
        return {"statusCode": 404, "body": json.dumps({"error": "not found"})}
    return {"statusCode": 200, "body": json.dumps(order, default=str)}
