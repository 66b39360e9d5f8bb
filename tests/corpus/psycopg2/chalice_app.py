"""Customer API on Chalice; the connection is shared by every route of the app."""

import os

import psycopg2
from chalice import Chalice, NotFoundError

# ruleid: PIN401
app = Chalice(app_name="customers")

_conn = None


def get_conn():
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ["DATABASE_URL"])
    return _conn


@app.route("/customers/{customer_id}")
def get_customer(customer_id):
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, email, name FROM customers WHERE id = %s", (int(customer_id),))
        row = cur.fetchone()
    if row is None:
        raise NotFoundError(customer_id)
    return {"id": row[0], "email": row[1], "name": row[2]}


@app.route("/customers/{customer_id}/tenant", methods=["PUT"])
def move_customer(customer_id):
    tenant = app.current_request.json_body["tenant"]
    with get_conn() as conn, conn.cursor() as cur:
        # ruleid: PIN101
        cur.execute("SET ROLE tenant_admin")
        # ok: PIN101
        cur.execute("UPDATE customers SET tenant = %s WHERE id = %s", (tenant, int(customer_id)))
        # ruleid: PIN101
        cur.execute("RESET ROLE")
    return {"moved": customer_id}
