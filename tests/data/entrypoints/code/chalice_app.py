from chalice import Chalice, Rate

from chalicelib.db import engine

app = Chalice(app_name="orders")
app.debug = False


@app.middleware("all")
def release_connections(event, get_response):
    try:
        return get_response(event)
    finally:
        engine.dispose()


@app.route("/orders", methods=["GET"])
def list_orders():
    return {"orders": []}


@app.lambda_function(name="reconcile")
def reconcile(event, context):
    return {"reconciled": True}


@app.on_s3_event(bucket="orders-uploads", events=["s3:ObjectCreated:*"])
def on_upload(event):
    return event.key


@app.on_sns_message(topic="order-events")
def on_order_event(event):
    return event.message


@app.on_sqs_message(queue="orders", batch_size=10)
def on_queue(event):
    return [record.body for record in event]


@app.on_cw_event({"source": ["aws.ec2"]})
def on_ec2_event(event):
    return event.detail


@app.schedule(Rate(1, unit=Rate.HOURS))
def hourly(event):
    return None


@app.authorizer()
def token_auth(auth_request):
    return None


@app.on_ws_connect()
def ws_connect(event):
    return None


@app.on_ws_message()
def ws_message(event):
    return None


def helper():
    return None
