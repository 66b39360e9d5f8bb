async def _work(event):
    return event


def handle(event, context):
    return {"done": True}
