"""Order API (API Gateway proxy integration): GET /orders/{id}, POST /orders."""

import json
from decimal import Decimal

from sqlalchemy import select, text, update

from .db import Session, engine
from .models import Event, Order


# ruleid: PIN401
def get_order(event, context):
    order_id = int(event["pathParameters"]["id"])
    with Session() as session:
        order = session.scalars(select(Order).where(Order.id == order_id)).one_or_none()
        if order is None:
            return {"statusCode": 404}
        return {"statusCode": 200, "body": json.dumps(order.to_dict())}


def create_order(event, context):
    body = json.loads(event["body"])
    try:
        with Session.begin() as session:
            # Serialise orders of one customer; the lock ends with the transaction.
            # ruleid: PIN305
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": body["customer"]})
            order = Order(customer=body["customer"], total=Decimal(body["total"]))
            session.add(order)
            session.add(Event(kind="order_created", customer=body["customer"]))
            session.flush()
            # ok: PIN101
            session.execute(update(Order).where(Order.id == order.id).values(total=Order.total))
            created = order.to_dict()
        return {"statusCode": 201, "body": json.dumps(created)}
    finally:
        engine.dispose()
