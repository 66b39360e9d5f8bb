"""Product search on Aurora MySQL through SQLAlchemy + PyMySQL, with total counts for paging."""

import json
import os

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

# ruleid: PIN106
engine = create_engine(
    "mysql+pymysql://catalog@catalog-proxy.proxy-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com/catalog",
    connect_args={
        "password": os.environ.get("DB_PASSWORD", ""),
        "init_command": "SET SESSION group_concat_max_len = 1000000",
    },
    poolclass=NullPool,
)

# ok: PIN106
tracked_engine = create_engine(
    "mysql+pymysql://catalog@catalog-proxy.proxy-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com/catalog",
    connect_args={"init_command": "SET time_zone = '+00:00'"},
    poolclass=NullPool,
)

PAGE = text(
    "SELECT SQL_CALC_FOUND_ROWS id, name, price FROM products "
    "WHERE name LIKE :q ORDER BY name LIMIT :limit OFFSET :offset"
)


def handler(event, context):
    params = event.get("queryStringParameters") or {}
    page, size = int(params.get("page", 0)), 20
    with engine.connect() as conn:
        # ok: PIN101
        conn.execute(text("SET NAMES utf8mb4"))
        # ruleid: PIN309
        rows = conn.execute(PAGE, {"q": f"%{params.get('q', '')}%", "limit": size, "offset": page * size}).all()
        # ruleid: PIN309
        total = conn.execute(text("SELECT FOUND_ROWS()")).scalar_one()
    items = [{"id": r.id, "name": r.name, "price": str(r.price)} for r in rows]
    return {"statusCode": 200, "body": json.dumps({"items": items, "total": total})}
