def main(event, context):
    return {"paid": True}
