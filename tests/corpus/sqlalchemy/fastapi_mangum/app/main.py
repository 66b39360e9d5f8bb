"""Orders API: FastAPI behind API Gateway through Mangum."""

from fastapi import Depends, FastAPI, HTTPException
from mangum import Mangum
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from .database import SessionLocal, engine, get_session

app = FastAPI(title="orders")


@app.get("/orders/{order_id}")
async def read_order(order_id: int, session: AsyncSession = Depends(get_session)):
    row = (await session.execute(text("SELECT id, customer, total FROM orders WHERE id = :id"), {"id": order_id})).one_or_none()
    if row is None:
        raise HTTPException(status_code=404)
    return {"id": row.id, "customer": row.customer, "total": str(row.total)}


@app.post("/orders/{order_id}/lock")
async def lock_order(order_id: int):
    async with SessionLocal() as session:
        # ruleid: PIN305
        await session.execute(text("SELECT pg_advisory_lock(:id)"), {"id": order_id})
        return {"locked": order_id, "pool": engine.pool.status()}


# ruleid: PIN401
handler = Mangum(app, lifespan="off")
