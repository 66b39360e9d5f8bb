"""Engine for the proxy endpoint with IAM authentication (a fresh token per connection)."""

import os

import boto3
from sqlalchemy import create_engine, event

PROXY_HOST = "orders-proxy.proxy-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"
REGION = os.environ.get("AWS_REGION", "eu-west-1")

rds = boto3.client("rds", region_name=REGION)

# SQLAlchemy 2.0 maps the bare URL to psycopg2 (simple query protocol).
# ok: PIN204
engine = create_engine(f"postgresql://orders_app@{PROXY_HOST}:5432/orders", pool_pre_ping=True)


@event.listens_for(engine, "do_connect")
def _token(dialect, conn_rec, cargs, cparams):
    cparams["password"] = rds.generate_db_auth_token(PROXY_HOST, 5432, "orders_app", REGION)
    cparams["sslmode"] = "require"
