"""Order events: publish a notification, and drain pending ones for a short while."""

import asyncio
import json
import os

import psycopg

CHANNEL = "order_events"


async def _publish_and_drain(event):
    # ruleid: PIN202
    # ok: PIN404 -- `async with aconn:` closes the connection on every path
    aconn = await psycopg.AsyncConnection.connect(os.environ["DATABASE_URL"], autocommit=True)
    async with aconn:
        # ruleid: PIN303
        await aconn.execute("LISTEN order_events")
        payload = json.dumps({"order": event["detail"]["order"], "status": event["detail"]["status"]})
        # NOTIFY creates no session state.
        # ok: PIN303
        await aconn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        received = []
        gen = aconn.notifies(timeout=0.2)
        async for note in gen:
            received.append(note.payload)
        return received


def handler(event, context):
    received = asyncio.run(_publish_and_drain(event))
    return {"received": len(received)}
