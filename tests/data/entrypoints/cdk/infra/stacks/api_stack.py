import os
from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as _lambda
from aws_cdk.aws_lambda_python_alpha import PythonFunction
from constructs import Construct

HERE = Path(__file__).parent
LAMBDA_DIR = os.path.join(os.path.dirname(__file__), "..", "lambda")


class ApiStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        _lambda.Function(
            self,
            "Orders",
            runtime=_lambda.Runtime.PYTHON_3_12,
            handler="app.handler",
            code=_lambda.Code.from_asset("lambda/orders"),
            timeout=Duration.seconds(10),
        )

        payments_code = _lambda.Code.from_asset(os.path.join(LAMBDA_DIR, "payments"))
        _lambda.Function(
            self,
            "Payments",
            runtime=_lambda.Runtime.PYTHON_3_12,
            handler="payments.main",
            code=payments_code,
        )

        PythonFunction(
            self,
            "Reports",
            entry=str(HERE / ".." / "services" / "reports"),
            index="report_app.py",
            handler="lambda_handler",
            runtime=_lambda.Runtime.PYTHON_3_12,
        )

        PythonFunction(self, "Audit", entry="services/audit", runtime=_lambda.Runtime.PYTHON_3_11)

        _lambda.Function(
            self,
            "Edge",
            runtime=_lambda.Runtime.NODEJS_20_X,
            handler="index.handler",
            code=_lambda.Code.from_asset("edge"),
        )

        _lambda.Function(
            self,
            "Ping",
            runtime=_lambda.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=_lambda.Code.from_inline("def handler(event, context):\n    return 'pong'\n"),
        )

        _lambda.DockerImageFunction(
            self,
            "Worker",
            code=_lambda.DockerImageCode.from_image_asset("docker/worker", cmd=["worker.handle"]),
        )

        _lambda.DockerImageFunction(
            self,
            "Exporter",
            code=_lambda.DockerImageCode.from_image_asset(
                str(Path(__file__).resolve().parent.parent / "docker" / "exporter")
            ),
        )

        prefix = self.node.try_get_context("handler_prefix")
        _lambda.Function(
            self,
            "Dynamic",
            runtime=_lambda.Runtime.PYTHON_3_12,
            handler=f"{prefix}.handler",
            code=_lambda.Code.from_asset("lambda/orders"),
        )
