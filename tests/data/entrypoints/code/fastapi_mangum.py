from fastapi import FastAPI
from mangum import Mangum

from db import SessionLocal

app = FastAPI(title="orders")


@app.middleware("http")
async def close_session(request, call_next):
    return await call_next(request)


@app.get("/orders")
async def list_orders():
    async with SessionLocal() as session:
        return await session.execute("SELECT 1")


@app.post("/orders")
def create_order():
    return {}


handler = Mangum(app, lifespan="off")
