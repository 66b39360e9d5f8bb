def export(event, context):
    return {"exported": 0}
