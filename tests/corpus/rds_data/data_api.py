"""Tenant settings API on the Aurora Data API (HTTP): no client connection, nothing to pin.

Every statement here would pin a proxied connection if it went through a driver; through
the Data API they run on connections the service manages.
"""

import json
import os

import boto3

CLUSTER_ARN = os.environ["CLUSTER_ARN"]
SECRET_ARN = os.environ["SECRET_ARN"]
DATABASE = os.environ.get("DB_NAME", "app")

rds_data = boto3.client("rds-data")


class DataApi:
    """Thin wrapper that keeps the ARNs in one place."""

    def __init__(self, client, transaction_id=None):
        self.client = client
        self.transaction_id = transaction_id

    def execute(self, sql, **params):
        kwargs = {"resourceArn": CLUSTER_ARN, "secretArn": SECRET_ARN, "database": DATABASE, "sql": sql}
        if params:
            kwargs["parameters"] = [{"name": k, "value": {"stringValue": str(v)}} for k, v in params.items()]
        if self.transaction_id:
            kwargs["transactionId"] = self.transaction_id
        return self.client.execute_statement(**kwargs)


def handler(event, context):
    tenant = event["requestContext"]["authorizer"]["tenant"]
    tx = rds_data.begin_transaction(resourceArn=CLUSTER_ARN, secretArn=SECRET_ARN, database=DATABASE)
    db = DataApi(rds_data, tx["transactionId"])
    # ok: PIN102
    db.execute("SELECT set_config('app.tenant', :tenant, true)", tenant=tenant)
    # ok: PIN306
    number = db.execute("SELECT nextval('invoice_number_seq')")["records"][0][0]["longValue"]
    rds_data.commit_transaction(resourceArn=CLUSTER_ARN, secretArn=SECRET_ARN, transactionId=tx["transactionId"])
    # ok: PIN101
    rds_data.execute_statement(
        resourceArn=CLUSTER_ARN,
        secretArn=SECRET_ARN,
        database=DATABASE,
        sql="SET statement_timeout = '5s'",
    )
    # ok: PIN305
    rds_data.batch_execute_statement(
        resourceArn=CLUSTER_ARN,
        secretArn=SECRET_ARN,
        database=DATABASE,
        sql="SELECT pg_advisory_xact_lock(:k)",
        parameterSets=[[{"name": "k", "value": {"longValue": 1}}]],
    )
    return {"statusCode": 200, "body": json.dumps({"number": number})}
