"""Reporting over the Data API through the aurora-data-api DB-API driver (no sockets)."""

import os

import aurora_data_api


def handler(event, context):
    with aurora_data_api.connect(
        aurora_cluster_arn=os.environ["CLUSTER_ARN"],
        secret_arn=os.environ["SECRET_ARN"],
        database="app",
    ) as conn:
        with conn.cursor() as cursor:
            # Each statement is an HTTPS request; the Data API owns the connections.
            # ok: PIN101
            cursor.execute("SET search_path TO reporting, public")
            cursor.execute("SELECT customer, sum(total) FROM orders GROUP BY customer")
            return {"totals": [[c, str(t)] for c, t in cursor.fetchall()]}
