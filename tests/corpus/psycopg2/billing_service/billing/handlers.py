"""Invoice runs (EventBridge schedule per customer) and refunds (API Gateway)."""

import json
import logging
from decimal import Decimal

from .db import get_conn

log = logging.getLogger(__name__)

NEXT_INVOICE_NUMBER = "SELECT nextval('invoice_number_seq')"

OPEN_TOTAL = """
    SELECT coalesce(sum(total), 0)
    FROM orders
    WHERE customer = %(customer)s
"""

INSERT_INVOICE = """
    INSERT INTO invoices (number, customer, amount, status, issued_at)
    VALUES (%(number)s, %(customer)s, %(amount)s, 'issued', now())
    RETURNING id
"""


def _customer(event):
    return event.get("detail", {}).get("customer") or event["pathParameters"]["customer"]


def charge(event, context):
    customer = _customer(event)
    with get_conn() as conn, conn.cursor() as cur:
        # One invoice run per customer at a time; the lock ends with the transaction.
        # ruleid: PIN305
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (customer,))
        cur.execute(OPEN_TOTAL, {"customer": customer})
        amount = cur.fetchone()[0]
        # ruleid: PIN306
        cur.execute(NEXT_INVOICE_NUMBER)
        number = cur.fetchone()[0]
        cur.execute(INSERT_INVOICE, {"number": number, "customer": customer, "amount": amount})
        invoice_id = cur.fetchone()[0]
    log.info("issued invoice %s (%s) for %s", number, invoice_id, customer)
    return {"invoice": invoice_id, "number": number, "amount": str(amount)}


def refund(event, context):
    body = json.loads(event["body"])
    with get_conn() as conn, conn.cursor() as cur:
        # ok: PIN101
        cur.execute(
            "UPDATE invoices SET status = 'refunded', amount = amount - %s WHERE id = %s RETURNING amount",
            (Decimal(body["amount"]), body["invoice"]),
        )
        row = cur.fetchone()
    if row is None:
        return {"statusCode": 404, "body": json.dumps({"error": "no such invoice"})}
    return {"statusCode": 200, "body": json.dumps({"remaining": str(row[0])})}
