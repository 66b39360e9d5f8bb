import os

import django
from django.conf import settings
from django.db import connection

settings.configure(
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["PGDATABASE"],
            "USER": os.environ["PGUSER"],
            "PASSWORD": os.environ["PGPASSWORD"],
            "HOST": os.environ["PGHOST"],
            "PORT": os.environ["PGPORT"],
            "CONN_MAX_AGE": 0,
        }
    },
    USE_TZ=True,
)
django.setup()


def handler(event, context):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer, count(*) FROM orders WHERE customer = %s GROUP BY customer",
            [event["customer"]],
        )
        rows = cursor.fetchall()
    return {"statusCode": 200, "orders": dict(rows)}
