"""Job runner (EventBridge, every minute): takes the queue lock, runs due jobs, listens for
cancellations while it works."""

import asyncio
import logging
import os

import asyncpg

log = logging.getLogger(__name__)

QUEUE_LOCK = 72_001
DUE_JOBS = """
    SELECT id, kind, payload
    FROM job_queue
    WHERE status = 'queued' AND run_at <= now()
    ORDER BY id
    LIMIT $1
"""


def _on_cancel(connection, pid, channel, payload):
    log.info("job %s cancelled", payload)


async def _run(batch):
    # ruleid: PIN203
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        # ruleid: PIN305
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", QUEUE_LOCK):
            log.info("another runner holds the queue")
            return 0
        # ruleid: PIN303
        await conn.add_listener("job_cancelled", _on_cancel)
        done = 0
        for job in await conn.fetch(DUE_JOBS, batch):
            # ok: PIN101
            await conn.execute("UPDATE job_queue SET status = 'done' WHERE id = $1", job["id"])
            done += 1
        # Releases are not findings: the lock above is.
        # ok: PIN305
        await conn.execute("SELECT pg_advisory_unlock($1)", QUEUE_LOCK)
        return done
    finally:
        await conn.close()


def handler(event, context):
    return {"done": asyncio.run(_run(int(event.get("batch", 10))))}
