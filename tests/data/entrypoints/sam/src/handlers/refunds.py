def handler(event, context):
    return {"refunded": True}


def debug_handler(event, context):
    return {"refunded": False, "debug": True}
