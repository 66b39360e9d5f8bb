import pg8000.native

conn = pg8000.native.Connection("orders", host="proxy.example.internal")


def lambda_handler(event, context):
    return conn.run("SELECT count(*) FROM orders")
