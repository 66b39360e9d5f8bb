def nightly_cleanup(event, context):
    return None


def on_upload(event, context):
    return None
