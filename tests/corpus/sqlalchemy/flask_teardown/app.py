"""Inventory API: Flask behind serverless-wsgi, SQLAlchemy engine released after every request."""

import os

import serverless_wsgi
from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://", 1),
    pool_pre_ping=True,
)


@app.teardown_appcontext
def release_connections(exc):
    # Disconnect (the engine stays usable) before the container is frozen.
    engine.dispose()


@app.get("/inventory/<sku>")
def stock(sku):
    with engine.connect() as conn:
        row = conn.execute(text("SELECT quantity FROM inventory WHERE sku = :s"), {"s": sku}).first()
    return jsonify({"sku": sku, "quantity": row.quantity if row else 0})


@app.post("/inventory/<sku>/reserve")
def reserve(sku):
    qty = int(request.json["quantity"])
    with engine.begin() as conn:
        # ruleid: PIN305
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": sku})
        # ok: PIN101
        conn.execute(text("UPDATE inventory SET quantity = quantity - :q WHERE sku = :s"), {"q": qty, "s": sku})
    return jsonify({"reserved": qty}), 201


# ok: PIN401
def handler(event, context):
    return serverless_wsgi.handle_request(app, event, context)
