"""Reporting functions (EventBridge schedules) on the Django ORM."""

import os
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reports.settings")
django.setup()

from django.db import connection, connections  # noqa: E402  (after setup)

from reports.models import Event, Order  # noqa: E402


def revenue_by_customer(event, context):
    try:
        totals = {}
        # iterator() streams through a server-side cursor (DECLARE ... WITH HOLD).
        # ruleid: PIN302
        for order in Order.objects.filter(total__gt=0).order_by("id").iterator(chunk_size=500):
            totals[order.customer] = totals.get(order.customer, Decimal(0)) + order.total
        with connection.cursor() as cursor:
            # ok: PIN101
            cursor.execute("UPDATE events SET kind = kind WHERE kind = %s", ["report"])
            cursor.execute("SELECT count(*) FROM events WHERE kind = %s", ["export"])
            exports = cursor.fetchone()[0]
        return {"totals": {c: str(t) for c, t in totals.items()}, "exports": exports}
    finally:
        connections.close_all()


# todoruleid: PIN401 -- the ORM query opens Django's connection without naming `connection`
def recent_events(event, context):
    kinds = list(Event.objects.order_by("-id").values_list("kind", flat=True)[:20])
    return {"kinds": kinds}
