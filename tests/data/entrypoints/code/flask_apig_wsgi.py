import flask
from apig_wsgi import make_lambda_handler

api = flask.Flask(__name__)


@api.get("/orders")
def orders():
    return []


lambda_handler = make_lambda_handler(api, binary_support=True)
