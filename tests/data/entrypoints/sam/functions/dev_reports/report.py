def run(event, context):
    return {"report": "daily"}
