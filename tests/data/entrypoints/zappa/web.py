from flask import Flask

from db import engine

app = Flask(__name__)


@app.route("/orders")
def orders():
    with engine.connect() as conn:
        return {"count": conn.exec_driver_sql("SELECT count(*) FROM orders").scalar()}
