"""A Flask app served by gunicorn: its routes are not Lambda entry points."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello"


def shutdown(signum, frame):
    return None
