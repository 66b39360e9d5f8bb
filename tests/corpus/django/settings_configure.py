"""Order export function: Django ORM configured in code (no settings module), pooled."""

import os

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=[],
    USE_TZ=True,
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["PGDATABASE"],
            "USER": os.environ["PGUSER"],
            "PASSWORD": os.environ["PGPASSWORD"],
            "HOST": os.environ["PGHOST"],
            "PORT": os.environ.get("PGPORT", "5432"),
            # Server-side cursors are off: iterator() fetches in chunks client-side.
            "DISABLE_SERVER_SIDE_CURSORS": True,
            "OPTIONS": {
                # ruleid: PIN406, PIN407
                "pool": {"min_size": 2, "max_size": 4},
            },
        }
    },
)
django.setup()

from django.db import connection  # noqa: E402
from django.db.models.expressions import RawSQL  # noqa: E402


# ruleid: PIN401
def handler(event, context):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, customer, total FROM orders WHERE total > %s ORDER BY id", [event.get("min_total", 0)])
        rows = cursor.fetchall()
        # ruleid: PIN306
        cursor.execute("SELECT nextval('invoice_number_seq')")
        batch = cursor.fetchone()[0]
    return {"batch": batch, "orders": [{"id": i, "customer": c, "total": str(t)} for i, c, t in rows]}


def with_rank():
    """Annotation used by the admin export (not deployed as a function)."""
    # ok: PIN101
    return RawSQL("rank() OVER (ORDER BY total DESC)", [])
