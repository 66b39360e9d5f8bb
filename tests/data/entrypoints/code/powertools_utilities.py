from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent
from aws_lambda_powertools.utilities.parser import BaseModel, event_parser

from shared.db import engine
from shared.observability import tracer

persistence = DynamoDBPersistenceLayer(table_name="idempotency")


class Order(BaseModel):
    id: str


@lambda_handler_decorator
def release_db(handler, event, context):
    try:
        return handler(event, context)
    finally:
        engine.dispose()


@event_source(data_class=SQSEvent)
def on_queue(event: SQSEvent, context):
    return [record.body for record in event.records]


@event_parser(model=Order)
def on_order(order: Order, _ctx):
    return order.id


@idempotent(persistence_store=persistence)
def charge(event, context):
    return {"charged": True}


@release_db
def nightly(job, lambda_ctx):
    return job


@tracer.capture_lambda_handler
async def traced(payload, runtime_context):
    return payload
