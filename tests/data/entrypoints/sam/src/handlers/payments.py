from handlers.db import engine


def handler(event, context):
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT 1")
    return {"ok": True}
