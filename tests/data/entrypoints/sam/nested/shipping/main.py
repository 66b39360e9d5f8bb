def ship(event, context):
    return {}
