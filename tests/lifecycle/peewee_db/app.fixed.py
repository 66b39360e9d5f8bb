from db import Order, db


def handler(event, context):
    try:
        db.connect(reuse_if_open=True)
        orders = Order.select().where(Order.customer == event["customer"]).order_by(Order.id)
        return {"statusCode": 200, "totals": [str(order.total) for order in orders]}
    finally:
        db.close()
