def create(event, context):
    return {"statusCode": 201}
