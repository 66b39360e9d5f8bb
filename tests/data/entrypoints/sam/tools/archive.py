def handler(event, context):
    return {"archived": True}
