"""Order handlers that Lambda calls directly: found by their (event, context) shape."""

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from db import pool


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps(_orders(event, context))}


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"ok": True}


async def async_handler(evt, ctx):
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT 1")


def warmup(_event, _context=None):
    return None


def ping(_, lambda_context):
    return "pong"


def short(e, ctx):
    return e


def with_options(event, context, *, retries=3):
    return retries


try:
    import sentry_sdk
except ImportError:  # pragma: no cover
    sentry_sdk = None

    def fallback(event, context):
        return None


# Near misses: none of these is called by Lambda.


def _orders(event, context):
    return []


def needs_third(event, context, db):
    return db


def needs_keyword(event, context, *, db):
    return db


def view(request, response):
    return response


def one(event):
    return event


class Consumer:
    def handle(self, event, context):
        return None


def make_handler():
    def inner(event, context):
        return None

    return inner


typed_lambda = lambda event, context: None  # noqa: E731
