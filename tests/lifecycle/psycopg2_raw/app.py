import os

import psycopg2

# Opened during the cold start and reused by every warm invocation.
conn = psycopg2.connect(os.environ["DATABASE_URL"])


def handler(event, context):
    """Append an audit event; one writer per customer at a time."""
    with conn.cursor() as cur:
        # Session-level lock: held until the explicit unlock below, not until commit.
        cur.execute("SELECT pg_advisory_lock(hashtext(%s))", (event["customer"],))
        cur.execute(
            "INSERT INTO events (kind, customer) VALUES (%s, %s) RETURNING id",
            ("order.viewed", event["customer"]),
        )
        event_id = cur.fetchone()[0]
        cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", (event["customer"],))
    conn.commit()
    return {"statusCode": 201, "id": event_id}
