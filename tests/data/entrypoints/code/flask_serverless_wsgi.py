import serverless_wsgi
from aws_lambda_powertools import Logger
from flask import Flask

from db import db

app = Flask(__name__)
logger = Logger()


@app.teardown_appcontext
def close_db(exc):
    db.close()


@app.route("/health")
def health():
    return {"ok": True}


@logger.inject_lambda_context
def handler(event, context):
    return serverless_wsgi.handle_request(app, event, context)
