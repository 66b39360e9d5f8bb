"""Order webhook with AWS Lambda Powertools; PyMySQL connection kept for the container."""

import os

import pymysql
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="orders")
tracer = Tracer(service="orders")

# ruleid: PIN403
connection = pymysql.connect(
    host=os.environ["DB_HOST"],
    user=os.environ["DB_USER"],
    password=os.environ["DB_PASSWORD"],
    database=os.environ["DB_NAME"],
    autocommit=True,
)


@tracer.capture_lambda_handler
@logger.inject_lambda_context(log_event=True)
# ruleid: PIN401
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    detail = event["detail"]
    with connection.cursor() as cursor:
        # ok: PIN308
        cursor.execute(
            "INSERT INTO order_events (order_id, status, note) VALUES (%s, %s, %s)",
            (detail["order_id"], detail["status"], "set @ checkout"),
        )
        # ok: PIN309
        order_event_id = cursor.lastrowid
    logger.info("stored order event", extra={"id": order_event_id})
    return {"id": order_event_id}
