from flask import Flask

app = Flask(__name__)


@app.route("/orders")
def orders():
    return {"orders": []}
