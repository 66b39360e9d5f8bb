# Helpers shared by the aws_cdk stacks; this module does not import aws_cdk itself.
def function_name(stage: str, name: str) -> str:
    return f"{stage}-{name}"


def handler(event, context):
    return None
