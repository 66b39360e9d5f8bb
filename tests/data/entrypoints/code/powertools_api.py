from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.db import engine

tracer = Tracer()
logger = Logger()
metrics = Metrics(namespace="Orders")
app = APIGatewayRestResolver()


@app.get("/orders")
@tracer.capture_method
def list_orders():
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT id FROM orders").all()


@app.post("/orders")
def create_order():
    return {}


@app.route("/orders/<order_id>", method=["PUT", "PATCH"])
def update_order(order_id: str):
    return {"id": order_id}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
