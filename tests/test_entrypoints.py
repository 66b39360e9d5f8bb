"""Entry-point discovery: code shapes, framework decorators, adapters and deployment files."""

from __future__ import annotations

import ast
import json
import tempfile
from dataclasses import astuple
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinless.model import entrypoints
from pinless.model.entrypoints import (
    ConfigEntry,
    EntryPoint,
    code_entry_points,
    config_entry_points,
    import_qualifier,
    locate,
    match,
    merge,
)

DATA = Path(__file__).parent / "data" / "entrypoints"


def code_rows(name: str, qualify=None) -> list[tuple]:
    """(function, kind, source, line, is_async, framework, app) for a fixture under code/."""
    tree = ast.parse((DATA / "code" / name).read_text(encoding="utf-8"))
    found = code_entry_points(tree, f"code/{name}", qualify)
    assert all(e.module_path == f"code/{name}" and e.note == "" for e in found)
    return [(e.function, e.kind, e.source, e.line, e.is_async, e.framework, e.app) for e in found]


def py_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))


def resolved(root: Path, handlers=()) -> list[tuple]:
    """(module_path, function, kind, source, framework, app, note) for every configured entry."""
    found = config_entry_points(root, handlers)
    return [
        (e.module_path, e.function, e.kind, e.source, e.framework, e.app, e.note)
        for e in match(found, py_files(root))
    ]


# --- code: signature --------------------------------------------------------------------------


def test_signature_handlers_sync_async_and_accepted_parameter_names():
    assert code_rows("handlers.py") == [
        ("lambda_handler", "function", "signature", 11, False, "", ""),
        ("handler", "function", "signature", 15, False, "", ""),
        ("async_handler", "function", "signature", 19, True, "", ""),
        ("warmup", "function", "signature", 24, False, "", ""),
        ("ping", "function", "signature", 28, False, "", ""),
        ("short", "function", "signature", 32, False, "", ""),
        ("with_options", "function", "signature", 36, False, "", ""),
        # defined in a module-level `except` block: still runs at import time
        ("fallback", "function", "signature", 45, False, "", ""),
    ]
    # private helper, required third/keyword parameter, other names, one parameter, a method,
    # a nested function and a lambda are not entry points


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("event, context", True),
        ("evt, ctx", True),
        ("_event, _context", True),
        ("e, lambda_context", True),
        ("_, context", True),
        ("event, _", True),
        ("event, context=None", True),
        ("event=None, context=None", True),
        ("event, context, /", True),
        ("event, context, *args, **kwargs", True),
        ("event, context, extra", False),
        ("event, context, *, db", False),
        ("context, event", False),
        ("request, context", False),
        ("event", False),
        ("", False),
    ],
)
def test_signature_shape(params, expected):
    fn = ast.parse(f"def f({params}): pass").body[0]
    assert entrypoints.has_lambda_signature(fn) is expected


# --- code: frameworks and adapters ------------------------------------------------------------


def test_chalice_app_object_and_every_event_decorator():
    assert code_rows("chalice_app.py") == [
        ("app", "object", "call chalice.Chalice", 5, False, "chalice", "app"),
        # @app.middleware is a hook, not an entry
        ("list_orders", "function", "decorator @app.route", 18, False, "chalice", "app"),
        ("reconcile", "function", "decorator @app.lambda_function", 23, False, "chalice", "app"),
        ("on_upload", "function", "decorator @app.on_s3_event", 28, False, "chalice", "app"),
        (
            "on_order_event",
            "function",
            "decorator @app.on_sns_message",
            33,
            False,
            "chalice",
            "app",
        ),
        ("on_queue", "function", "decorator @app.on_sqs_message", 38, False, "chalice", "app"),
        ("on_ec2_event", "function", "decorator @app.on_cw_event", 43, False, "chalice", "app"),
        ("hourly", "function", "decorator @app.schedule", 48, False, "chalice", "app"),
        ("token_auth", "function", "decorator @app.authorizer", 53, False, "chalice", "app"),
        ("ws_connect", "function", "decorator @app.on_ws_connect", 58, False, "chalice", "app"),
        ("ws_message", "function", "decorator @app.on_ws_message", 63, False, "chalice", "app"),
    ]


def test_chalice_blueprint_routes_through_module_import():
    assert code_rows("chalice_blueprint.py") == [
        ("daily_report", "function", "decorator @reports.route", 7, False, "chalice", "reports"),
    ]


def test_mangum_handler_object_and_the_wrapped_fastapi_routes():
    assert code_rows("fastapi_mangum.py") == [
        ("list_orders", "function", "decorator @app.get", 15, True, "fastapi", "app"),
        ("create_order", "function", "decorator @app.post", 21, False, "fastapi", "app"),
        ("handler", "object", "call mangum.Mangum", 25, False, "mangum", "app"),
    ]


def test_serverless_wsgi_handler_names_the_flask_app_over_the_logger_decorator():
    assert code_rows("flask_serverless_wsgi.py") == [
        ("health", "function", "decorator @app.route", 17, False, "flask", "app"),
        (
            "handler",
            "function",
            "decorator @logger.inject_lambda_context",
            22,
            False,
            "serverless-wsgi",
            "app",
        ),
    ]


def test_apig_wsgi_handler_object():
    assert code_rows("flask_apig_wsgi.py") == [
        ("orders", "function", "decorator @api.get", 8, False, "flask", "api"),
        (
            "lambda_handler",
            "object",
            "call apig_wsgi.make_lambda_handler",
            12,
            False,
            "apig-wsgi",
            "api",
        ),
    ]


def test_web_routes_without_an_adapter_are_not_entries():
    assert code_rows("flask_not_lambda.py") == []


def test_powertools_resolver_routes_and_the_decorated_handler():
    assert code_rows("powertools_api.py") == [
        ("list_orders", "function", "decorator @app.get", 16, False, "powertools", "app"),
        ("create_order", "function", "decorator @app.post", 22, False, "powertools", "app"),
        ("update_order", "function", "decorator @app.route", 27, False, "powertools", "app"),
        (
            "lambda_handler",
            "function",
            "decorator @logger.inject_lambda_context",
            34,
            False,
            "powertools",
            "app",
        ),
    ]


def test_powertools_router_in_its_own_module():
    assert code_rows("powertools_router.py") == [
        ("list_items", "function", "decorator @router.get", 7, False, "powertools", "router"),
    ]


def test_powertools_utility_decorators_and_made_middleware():
    assert code_rows("powertools_utilities.py") == [
        ("on_queue", "function", "decorator @event_source", 25, False, "powertools", ""),
        ("on_order", "function", "decorator @event_parser", 30, False, "powertools", ""),
        ("charge", "function", "decorator @idempotent", 35, False, "powertools", ""),
        # `release_db` became a handler decorator through @lambda_handler_decorator
        ("nightly", "function", "decorator @release_db", 40, False, "powertools", ""),
        # the tracer is imported from a shared module: the method name is enough
        (
            "traced",
            "function",
            "decorator @tracer.capture_lambda_handler",
            45,
            True,
            "powertools",
            "",
        ),
    ]


def test_handler_calling_an_adapter_or_resolver_without_the_usual_parameter_names():
    source = (
        "import awsgi\n"
        "from mangum import Mangum\n"
        "from aws_lambda_powertools.event_handler import ALBResolver\n"
        "from api import app\n"
        "resolver = ALBResolver()\n"
        "def wsgi(request, runtime):\n"
        "    return awsgi.response(app, request, runtime)\n"
        "def asgi(request, runtime):\n"
        "    return Mangum(app)(request, runtime)\n"
        "def alb(request, runtime):\n"
        "    return resolver.resolve(request, runtime)\n"
    )
    found = code_entry_points(ast.parse(source), "handlers/web.py")
    assert [astuple(e) for e in found] == [
        (
            "handlers/web.py",
            "wsgi",
            "function",
            "call awsgi.response",
            6,
            False,
            "aws-wsgi",
            "app",
            "",
        ),
        (
            "handlers/web.py",
            "asgi",
            "function",
            "call mangum.Mangum",
            8,
            False,
            "mangum",
            "app",
            "",
        ),
        (
            "handlers/web.py",
            "alb",
            "function",
            "call resolver.resolve",
            10,
            False,
            "powertools",
            "resolver",
            "",
        ),
    ]


def test_caller_qualify_is_used_instead_of_the_imports():
    # A resolver that knows no imports: frameworks are invisible, shapes remain.
    rows = code_rows("chalice_app.py", qualify=lambda expr: None)
    assert rows == [("reconcile", "function", "signature", 23, False, "", "")]


def test_import_qualifier():
    tree = ast.parse(
        "import os.path\n"
        "import aws_cdk.aws_lambda as lambda_\n"
        "from mangum import Mangum as Adapter\n"
        "from . import sibling\n"
        "from .pkg import thing\n"
        "from chalice import *\n"
        "try:\n"
        "    import serverless_wsgi\n"
        "except ImportError:\n"
        "    serverless_wsgi = None\n"
        "def f():\n"
        "    import hidden\n"
    )
    qualify = import_qualifier(tree)
    expr = lambda text: ast.parse(text, mode="eval").body  # noqa: E731
    assert qualify(expr("os.path.join")) == "os.path.join"
    assert qualify(expr("lambda_.Function")) == "aws_cdk.aws_lambda.Function"
    assert qualify(expr("Adapter")) == "mangum.Mangum"
    assert qualify(expr("sibling.x")) == ".sibling.x"
    assert qualify(expr("thing")) == ".pkg.thing"
    assert qualify(expr("serverless_wsgi.handle_request")) == "serverless_wsgi.handle_request"
    assert qualify(expr("hidden")) is None
    assert qualify(expr("Chalice")) is None
    assert qualify(expr("make()()")) is None


# --- configuration: SAM / CloudFormation --------------------------------------------------------


def test_sam_template_entries_as_read():
    found = config_entry_points(DATA / "sam")
    assert found.notes == []
    assert list(found) == [
        ConfigEntry("app.lambda_handler", ("functions/orders",), "template.yaml:33"),
        # CodeUri from Globals, Handler from a parameter's default
        ConfigEntry("handlers.payments.handler", ("src",), "template.yaml:44"),
        # !If: both branches
        ConfigEntry("handlers/refunds.handler", ("src",), "template.yaml:51"),
        ConfigEntry("handlers/refunds.debug_handler", ("src",), "template.yaml:51"),
        # !Sub over a parameter default in CodeUri
        ConfigEntry("report.run", ("functions/dev_reports",), "template.yaml:57"),
        # image: ImageConfig.Command, relative to Metadata.DockerContext
        ConfigEntry("worker.handle", ("images/worker",), "template.yaml:64"),
        # image without Command: the Dockerfile's CMD
        ConfigEntry(
            "exporter.main.export", ("images/exporter",), "images/exporter/Dockerfile.lambda:11"
        ),
        # the nodejs function is skipped; inline code has no file
        ConfigEntry("index.handler", (), "template.yaml:89", note="inline code in the template"),
        ConfigEntry("legacy_job.main", ("legacy",), "template.yaml:98"),
        # code in S3: location unknown
        ConfigEntry("archive.handler", (), "template.yaml:106"),
        ConfigEntry("app.handler", ("functions/missing",), "template.yaml:116"),
        # template.yml in a subfolder; Handler from Globals, the resource line as source
        ConfigEntry("main.handler", ("nested/billing",), "nested/template.yml:8"),
        ConfigEntry("main.ship", ("nested/shipping",), "nested/template.yml:16"),
        # node_modules/ and .aws-sam/ templates are not read
    ]


def test_sam_template_entries_resolved_to_modules():
    assert resolved(DATA / "sam") == [
        ("functions/orders/app.py", "lambda_handler", "function", "template.yaml:33", "", "", ""),
        ("src/handlers/payments.py", "handler", "function", "template.yaml:44", "", "", ""),
        ("src/handlers/refunds.py", "handler", "function", "template.yaml:51", "", "", ""),
        ("src/handlers/refunds.py", "debug_handler", "function", "template.yaml:51", "", "", ""),
        ("functions/dev_reports/report.py", "run", "function", "template.yaml:57", "", "", ""),
        ("images/worker/worker.py", "handle", "function", "template.yaml:64", "", "", ""),
        (
            "images/exporter/exporter/main.py",
            "export",
            "function",
            "images/exporter/Dockerfile.lambda:11",
            "",
            "",
            "",
        ),
        ("", "handler", "function", "template.yaml:89", "", "", "inline code in the template"),
        ("legacy/legacy_job.py", "main", "function", "template.yaml:98", "", "", ""),
        # S3 code: the one project file with that name
        ("tools/archive.py", "handler", "function", "template.yaml:106", "", "", ""),
        (
            "",
            "handler",
            "function",
            "template.yaml:116",
            "",
            "",
            "no functions/missing/app.py in the project",
        ),
        ("nested/billing/main.py", "handler", "function", "nested/template.yml:8", "", "", ""),
        ("nested/shipping/main.py", "ship", "function", "nested/template.yml:16", "", "", ""),
    ]


def test_json_template_that_yaml_rejects_falls_back_to_json_without_lines():
    root = DATA / "broken" / "jsonfallback"
    assert resolved(root) == [
        ("code/main.py", "handler", "function", "stack.template.json", "", "", ""),
    ]


def test_cloudformation_json_with_line_numbers(tmp_path):
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": {"Fn::Join": [".", ["app", "handler"]]},
                    "Code": "src",
                },
            },
            "Node": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Runtime": "nodejs20.x", "Handler": "index.handler", "Code": "web"},
            },
        },
    }
    (tmp_path / "template.json").write_text(json.dumps(template, indent=2))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context): pass\n")
    assert resolved(tmp_path) == [
        ("src/app.py", "handler", "function", "template.json:8", "", "", "")
    ]


# --- configuration: Serverless, Zappa, CDK, settings ----------------------------------------------


def test_serverless_framework_service():
    found = config_entry_points(DATA / "serverless")
    assert found.notes == []
    assert list(found) == [
        # serverless-wsgi: `custom.wsgi.app` is the entry; its generated wsgi_handler is skipped
        ConfigEntry("api/app.app", ("",), "serverless.yml:27", "object", "serverless-wsgi"),
        ConfigEntry("src/handlers/orders.create", ("",), "serverless.yml:36"),
        # serverless-python-requirements `module:` folder first
        ConfigEntry("jobs.nightly.run", ("jobs_service", ""), "serverless.yml:41"),
        ConfigEntry(
            "src/handlers/${self:custom.stage}.handler",
            (),
            "serverless.yml:44",
            note="handler uses a variable",
        ),
        # nodejs function skipped; the image's command is relative to its ECR build path
        ConfigEntry("report.handler", ("images/report",), "serverless.yml:51"),
    ]
    assert resolved(DATA / "serverless") == [
        ("api/app.py", "app", "object", "serverless.yml:27", "serverless-wsgi", "app", ""),
        ("src/handlers/orders.py", "create", "function", "serverless.yml:36", "", "", ""),
        ("jobs_service/jobs/nightly.py", "run", "function", "serverless.yml:41", "", "", ""),
        ("", "handler", "function", "serverless.yml:44", "", "", "handler uses a variable"),
        ("images/report/report.py", "handler", "function", "serverless.yml:51", "", "", ""),
    ]


def test_serverless_functions_as_a_list_and_as_a_variable(tmp_path):
    (tmp_path / "serverless.yml").write_text(
        "service: a\n"
        "provider:\n  name: aws\n  runtime: python3.11\n"
        "functions:\n"
        "  - hello:\n      handler: handler.hello\n"
        "  - ${file(./more-functions.yml)}\n"
    )
    (tmp_path / "handler.py").write_text("def hello(event, context): pass\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "serverless.yaml").write_text("service: b\nfunctions: ${file(./fns.yml)}\n")
    found = config_entry_points(tmp_path)
    assert list(found) == [ConfigEntry("handler.hello", ("",), "serverless.yml:7")]
    assert found.notes == [
        "sub/serverless.yaml: `functions` is a variable (${file(./fns.yml)}); not followed"
    ]


def test_zappa_settings_json_stages_listed_once():
    assert resolved(DATA / "zappa") == [
        ("web.py", "app", "object", "zappa_settings.json:3", "zappa", "app", ""),
        ("tasks.py", "nightly_cleanup", "function", "zappa_settings.json:11", "zappa", "", ""),
        ("tasks.py", "on_upload", "function", "zappa_settings.json:15", "zappa", "", ""),
        ("worker/main.py", "handler", "function", "zappa_settings.json:35", "zappa", "", ""),
    ]


def test_zappa_settings_yaml_django_application():
    assert resolved(DATA / "zappa_yaml") == [
        (
            "project/wsgi.py",
            "application",
            "object",
            "zappa_settings.yml:2",
            "zappa",
            "application",
            "",
        ),
    ]


def test_zappa_settings_toml(tmp_path):
    (tmp_path / "zappa_settings.toml").write_text('[dev]\napp_function = "main.app"\n')
    (tmp_path / "main.py").write_text("app = object()\n")
    assert resolved(tmp_path) == [
        ("main.py", "app", "object", "zappa_settings.toml", "zappa", "app", "")
    ]


def test_cdk_python_stack():
    found = config_entry_points(DATA / "cdk")
    stack = "infra/stacks/api_stack.py"
    assert found.notes == []
    assert list(found) == [
        # relative asset paths start at the folder of cdk.json
        ConfigEntry("app.handler", ("infra/lambda/orders",), f"{stack}:17"),
        # os.path.join(os.path.dirname(__file__), "..", "lambda") through two variables
        ConfigEntry("payments.main", ("infra/lambda/payments",), f"{stack}:27"),
        # PythonFunction: entry folder + index file + handler; str(Path(__file__).parent / ...)
        ConfigEntry("report_app.lambda_handler", ("infra/services/reports",), f"{stack}:35"),
        # PythonFunction defaults: index.py, handler
        ConfigEntry("index.handler", ("infra/services/audit",), f"{stack}:44"),
        # the nodejs function is skipped
        ConfigEntry("index.handler", (), f"{stack}:54", note="inline code in the stack"),
        ConfigEntry("worker.handle", ("infra/docker/worker",), f"{stack}:62"),
        # no cmd=: the Dockerfile's shell-form CMD
        ConfigEntry("export.run", ("infra/docker/exporter",), f"{stack}:68"),
        ConfigEntry("", (), f"{stack}:77", note="handler is not a literal"),
        # cdk.out/*.template.json is synthesized output and not read
    ]
    assert [e.module_path for e in match(found, py_files(DATA / "cdk"))] == [
        "infra/lambda/orders/app.py",
        "infra/lambda/payments/payments.py",
        "infra/services/reports/report_app.py",
        "infra/services/audit/index.py",
        "",
        "infra/docker/worker/worker.py",
        "infra/docker/exporter/export.py",
        "",
    ]


def test_cdk_entries_from_a_tree_the_caller_already_parsed():
    tree = ast.parse(
        "from aws_cdk.aws_lambda import Code, Function, Runtime\n"
        "def build(scope):\n"
        "    Function(scope, 'Fn', runtime=Runtime.PYTHON_3_12, handler='svc.main',\n"
        "             code=Code.from_asset('../svc'))\n"
    )
    assert entrypoints.cdk_config_entries(tree, "deploy/stack.py", app_dir="deploy") == [
        ConfigEntry("svc.main", ("svc",), "deploy/stack.py:3"),
    ]
    not_cdk = ast.parse("Function = dict\nFunction(handler='a.b')\n")
    assert entrypoints.cdk_config_entries(not_cdk, "x.py") == []


def test_configured_handlers_in_both_spellings():
    root = DATA / "configured"
    handlers = ["orders/app.lambda_handler", "orders.app.lambda_handler", "billing.handler"]
    assert resolved(root, handlers) == [
        ("orders/app.py", "lambda_handler", "function", "config handlers", "", "", ""),
        ("orders/app.py", "lambda_handler", "function", "config handlers", "", "", ""),
        ("", "handler", "function", "config handlers", "", "", "no billing.py in the project"),
    ]


def test_package_module_resolves_to_init():
    entry = ConfigEntry("orders.lambda_handler", ("",), "config handlers")
    assert (
        match([entry], ["orders/__init__.py", "orders/app.py"])[0].module_path
        == "orders/__init__.py"
    )


def test_file_name_fallback_needs_exactly_one_candidate():
    entry = ConfigEntry("app.handler", (), "template.yaml:5")
    assert match([entry], ["a/app.py", "b/app.py"])[0].note == (
        "the code is outside the project and no single app.py matches"
    )
    assert match([entry], ["a/app.py", "b/main.py"])[0].module_path == "a/app.py"


def test_skip_hook_applies_the_callers_excludes():
    found = config_entry_points(
        DATA / "sam", skip=lambda rel: rel == "nested" or rel.startswith("images/")
    )
    assert [e.source for e in found] == [
        "template.yaml:33",
        "template.yaml:44",
        "template.yaml:51",
        "template.yaml:51",
        "template.yaml:57",
        "template.yaml:64",
        # the exporter's Dockerfile is read through the template, not walked
        "images/exporter/Dockerfile.lambda:11",
        "template.yaml:89",
        "template.yaml:98",
        "template.yaml:106",
        "template.yaml:116",
    ]


# --- robustness -------------------------------------------------------------------------------


def test_broken_and_foreign_files_give_notes_not_errors():
    found = config_entry_points(DATA / "broken")
    assert found.notes == [
        "template.json: not valid JSON (Expecting ',' delimiter: line 2 column 1 (char 87))",
        "template.yaml: not valid YAML (did not find expected key (line 6))",
        "zappa_settings.json: not valid JSON (Expecting ',' delimiter: line 5 column 1 (char 83))",
        "k8s/template.yml: not a CloudFormation template (no Resources)",
        "sls/serverless.yml: not valid YAML (could not determine a constructor for the tag"
        " 'tag:yaml.org,2002:python/object/apply:os.system' (line 2))",
    ]
    # venv_like/ holds a pyvenv.cfg: not read
    assert resolved(DATA / "broken") == [
        (
            "jsonfallback/code/main.py",
            "handler",
            "function",
            "jsonfallback/stack.template.json",
            "",
            "",
            "",
        ),
        ("", "", "function", "odd/template.yaml:8", "", "", "Handler is missing or not a literal"),
        ("", "", "function", "odd/template.yaml:10", "", "", "Handler is missing or not a literal"),
        ("", "", "function", "odd/template.yaml:16", "", "", "Handler is missing or not a literal"),
        (
            "",
            "",
            "function",
            "odd/template.yaml:18",
            "",
            "",
            "image function: the handler is set inside the image",
        ),
        ("", "", "function", "odd/template.yaml:25", "", "", "Handler is missing or not a literal"),
        (
            "",
            "handler",
            "function",
            "odd/template.yaml:30",
            "",
            "",
            "the code is outside the project and no single app.py matches",
        ),
        ("", "handler", "function", "odd/template.yaml:35", "", "", "`handler` names no function"),
    ]


def test_oversized_file_is_skipped_with_a_note(monkeypatch):
    monkeypatch.setattr(entrypoints, "MAX_CONFIG_BYTES", 1000)
    found = config_entry_points(DATA / "sam")
    assert found.notes == ["template.yaml: skipped, larger than 1,000 bytes"]
    assert [e.source for e in found] == ["nested/template.yml:8", "nested/template.yml:16"]


def test_unreadable_bytes_give_a_note(tmp_path):
    (tmp_path / "serverless.yml").write_bytes(
        b"service: x\nfunctions:\n  a:\n    handler: \xff\xfe.h\n"
    )
    found = config_entry_points(tmp_path)
    assert list(found) == []
    assert found.notes == [
        "serverless.yml: skipped (UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in"
        " position 40: invalid start byte)"
    ]


def test_yaml_merge_keys_and_anchors(tmp_path):
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Base: &base\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: &props\n"
        "      Runtime: python3.12\n"
        "      CodeUri: src\n"
        "      Handler: a.one\n"
        "  Copy:\n"
        "    <<: *base\n"
        "    Properties:\n"
        "      <<: *props\n"
        "      Handler: b.two\n"
    )
    assert list(config_entry_points(tmp_path)) == [
        ConfigEntry("a.one", ("src",), "template.yaml:7"),
        ConfigEntry("b.two", ("src",), "template.yaml:12"),
    ]


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Resources",
                    "Type",
                    "Properties",
                    "Handler",
                    "CodeUri",
                    "Runtime",
                    "Globals",
                    "Function",
                    "PackageType",
                    "ImageConfig",
                    "Command",
                    "functions",
                    "handler",
                    "custom",
                    "wsgi",
                    "app",
                    "Fn::If",
                    "Ref",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=_json_values,
    text=st.text(max_size=200),
    function_type=st.sampled_from(["AWS::Serverless::Function", "AWS::Lambda::Function"]),
)
def test_config_readers_never_raise(doc, text, function_type):
    template = {"Resources": {"Fn": {"Type": function_type, "Properties": doc}}}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "template.yaml").write_text(yaml.safe_dump(template))
        (root / "template.json").write_text(json.dumps(doc))
        (root / "serverless.yml").write_text(text)
        (root / "zappa_settings.json").write_text(json.dumps({"dev": doc}))
        found = config_entry_points(root)
        match(found, ["app.py", "src/app.py"])


# --- joining code and configuration -------------------------------------------------------------


def test_merge_and_locate():
    root = DATA / "sam"
    configured = match(config_entry_points(root), py_files(root))
    code = []
    for rel in ("functions/orders/app.py", "src/handlers/refunds.py", "images/worker/worker.py"):
        code += code_entry_points(ast.parse((root / rel).read_text()), rel)
    merged = merge(code, configured)
    assert [astuple(e) for e in merged] == [
        (
            "functions/orders/app.py",
            "lambda_handler",
            "function",
            "template.yaml:33; signature",
            9,
            False,
            "",
            "",
            "",
        ),
        (
            "src/handlers/refunds.py",
            "handler",
            "function",
            "template.yaml:51; signature",
            1,
            False,
            "",
            "",
            "",
        ),
        (
            "src/handlers/refunds.py",
            "debug_handler",
            "function",
            "template.yaml:51; signature",
            5,
            False,
            "",
            "",
            "",
        ),
        (
            "images/worker/worker.py",
            "handle",
            "function",
            "template.yaml:64; signature",
            5,
            False,
            "",
            "",
            "",
        ),
        (
            "src/handlers/payments.py",
            "handler",
            "function",
            "template.yaml:44",
            0,
            False,
            "",
            "",
            "",
        ),
        (
            "functions/dev_reports/report.py",
            "run",
            "function",
            "template.yaml:57",
            0,
            False,
            "",
            "",
            "",
        ),
        (
            "images/exporter/exporter/main.py",
            "export",
            "function",
            "images/exporter/Dockerfile.lambda:11",
            0,
            False,
            "",
            "",
            "",
        ),
        (
            "",
            "handler",
            "function",
            "template.yaml:89",
            0,
            False,
            "",
            "",
            "inline code in the template",
        ),
        ("legacy/legacy_job.py", "main", "function", "template.yaml:98", 0, False, "", "", ""),
        ("tools/archive.py", "handler", "function", "template.yaml:106", 0, False, "", "", ""),
        (
            "",
            "handler",
            "function",
            "template.yaml:116",
            0,
            False,
            "",
            "",
            "no functions/missing/app.py in the project",
        ),
        (
            "nested/billing/main.py",
            "handler",
            "function",
            "nested/template.yml:8",
            0,
            False,
            "",
            "",
            "",
        ),
        (
            "nested/shipping/main.py",
            "ship",
            "function",
            "nested/template.yml:16",
            0,
            False,
            "",
            "",
            "",
        ),
    ]
    payments = next(e for e in merged if e.module_path == "src/handlers/payments.py")
    tree = ast.parse((root / payments.module_path).read_text())
    assert locate(payments, tree) == EntryPoint(
        "src/handlers/payments.py", "handler", "function", "template.yaml:44", 4, False
    )
    assert locate(replace_function(payments, "engine"), tree).note == (
        "no `engine` defined in src/handlers/payments.py"
    )


def test_merge_joins_sources_and_takes_kind_and_framework_from_code():
    code = code_entry_points(ast.parse((DATA / "code" / "fastapi_mangum.py").read_text()), "api.py")
    configured = [
        EntryPoint("api.py", "handler", "function", "template.yaml:12", 0, False),
        EntryPoint("api.py", "handler", "function", "serverless.yml:30", 0, False),
        EntryPoint("api.py", "handler", "function", "template.yaml:12", 0, False),
    ]
    merged = merge(code, configured)
    assert [e.function for e in merged] == ["list_orders", "create_order", "handler"]
    assert astuple(merged[2]) == (
        "api.py",
        "handler",
        "object",
        "template.yaml:12; serverless.yml:30; call mangum.Mangum",
        25,
        False,
        "mangum",
        "app",
        "",
    )


def test_merge_fills_framework_from_configuration():
    code = [EntryPoint("web.py", "app", "object", "call flask.Flask", 3, False)]
    configured = [
        EntryPoint("web.py", "app", "object", "zappa_settings.json:3", 0, False, "zappa", "app")
    ]
    assert astuple(merge(code, configured)[0]) == (
        "web.py",
        "app",
        "object",
        "zappa_settings.json:3; call flask.Flask",
        3,
        False,
        "zappa",
        "app",
        "",
    )


def replace_function(entry: EntryPoint, name: str) -> EntryPoint:
    from dataclasses import replace

    return replace(entry, function=name)


# --- entry points only the whole project shows (entrypoints.promote, runner.find_entry_points) --


def project_rows(root: Path, files: dict[str, str], cache: bool = False) -> list[tuple]:
    """(module_path, function, kind, source, framework, app) of every entry point a check of
    the whole directory finds."""
    import textwrap

    from pinless import engine
    from pinless.config import load_settings

    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n") if rel.endswith(".py") else text)
    settings = load_settings(first_path=root, config_file=None, isolated=True,
                             overrides={"cache": cache, "jobs": 1})
    result = engine.lint([root], settings)
    return sorted((e.module_path, e.function, e.kind, e.source, e.framework, e.app)
                  for e in result.entry_points)


def latent_of(files: dict[str, str]) -> tuple[list[EntryPoint], dict]:
    """The entry points code shows per module, and each module's latent part."""
    import textwrap

    found, latent = [], {}
    for rel, text in files.items():
        entries = code_entry_points(ast.parse(textwrap.dedent(text).lstrip("\n")), rel)
        found += entries
        if entries.latent:
            latent[rel] = entries.latent
    return found, latent


FLASK_APP = """
    import pymysql
    from flask import Flask

    app = Flask(__name__)


    @app.route("/items")
    def items():
        return pymysql.connect(host="db")


    def helper():
        return 1
"""


def test_routes_of_an_app_that_configuration_names_are_entries():
    found, latent = latent_of({"web.py": FLASK_APP})
    assert found == []  # no adapter in the code: routes are not entries on their own
    served = [EntryPoint("web.py", "app", "object", "zappa_settings.json:1", 4, False, "zappa", "app")]
    assert entrypoints.promote(latent, found, served) == [
        EntryPoint("web.py", "items", "function", "decorator @app.route", 8, False, "flask", "app"),
    ]


def test_routes_of_an_app_that_configuration_does_not_name_stay_out():
    found, latent = latent_of({"web.py": FLASK_APP})
    other = [
        EntryPoint("web.py", "helper", "function", "template.yaml:3", 12, False),  # a function
        EntryPoint("other.py", "app", "object", "zappa_settings.json:1", 1, False, "zappa", "app"),
        EntryPoint("", "app", "object", "zappa_settings.json:1", 0, False, note="no web.py"),
    ]
    assert entrypoints.promote(latent, found, other) == []


def test_serverless_wsgi_app_named_in_custom_wsgi_brings_its_routes(tmp_path):
    rows = project_rows(tmp_path, {
        "serverless.yml": "service: s\ncustom:\n  wsgi:\n    app: web.app\n"
                          "functions:\n  api:\n    handler: wsgi_handler.handler\n",
        "web.py": FLASK_APP,
    })
    assert rows == [
        ("web.py", "app", "object", "serverless.yml:4", "serverless-wsgi", "app"),
        ("web.py", "items", "function", "decorator @app.route", "flask", "app"),
    ]


SERVER = """
    import chalice


    class Server(chalice.Chalice):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
"""

SERVER_APP = """
    import psycopg2

    from server import Server

    app = Server(app_name="query")


    @app.route("/health")
    def health():
        return psycopg2.connect("dbname=app")


    @app.schedule("rate(1 hour)")
    def hourly(event):
        return None


    @app.not_a_decorator
    def other():
        return None
"""


def test_an_instance_of_a_framework_subclass_defined_in_another_module():
    found, latent = latent_of({"server.py": SERVER, "app.py": SERVER_APP})
    assert found == []
    assert entrypoints.promote(latent, found, []) == [
        EntryPoint("app.py", "app", "object", "call server.Server", 5, False, "chalice", "app"),
        EntryPoint("app.py", "health", "function", "decorator @app.route", 9, False, "chalice", "app"),
        EntryPoint("app.py", "hourly", "function", "decorator @app.schedule", 14, False, "chalice",
                   "app"),
    ]


def test_a_subclass_chain_across_modules_and_a_relative_import():
    files = {
        "pkg/base.py": SERVER,
        "pkg/server.py": """
            from .base import Server as Base


            class Server(Base):
                pass
        """,
        "pkg/app.py": SERVER_APP.replace("from server import", "from pkg.server import"),
        "pkg/local.py": """
            from .server import Server


            class Local(Server):
                pass


            app = Local(app_name="local")


            @app.lambda_function()
            def run(payload, context):
                return None
        """,
    }
    found, latent = latent_of(files)
    promoted = [(e.module_path, e.function, e.framework) for e in entrypoints.promote(latent, found, [])]
    assert promoted == [
        ("pkg/app.py", "app", "chalice"),
        ("pkg/app.py", "health", "chalice"),
        ("pkg/app.py", "hourly", "chalice"),
        ("pkg/local.py", "app", "chalice"),
        ("pkg/local.py", "run", "chalice"),
    ]


def test_a_class_that_subclasses_something_else_is_not_an_app():
    files = {
        "server.py": """
            from werkzeug.routing import Map


            class Server(Map):
                pass


            class Plain:
                pass
        """,
        "app.py": """
            from server import Plain, Server
            from cache import Cache

            app = Server()
            plain = Plain()
            cache = Cache()


            @app.route("/a")
            def a():
                return None


            @plain.route("/b")
            def b():
                return None


            @cache.memoize(50)
            def c():
                return None
        """,
    }
    found, latent = latent_of(files)
    assert found == []
    assert entrypoints.promote(latent, found, []) == []


def test_subclass_cycles_end():
    files = {
        "a.py": "from b import B\n\n\nclass A(B):\n    pass\n",
        "b.py": "from a import A\n\n\nclass B(A):\n    pass\n",
        "app.py": "from a import A\n\napp = A()\n\n\n@app.route('/')\ndef index():\n    return 1\n",
    }
    found, latent = latent_of(files)
    assert entrypoints.promote(latent, found, []) == []


def test_a_local_framework_subclass_is_a_framework_object():
    rows = code_rows_of("""
        import serverless_wsgi
        from flask import Flask


        class App(Flask):
            pass


        class Api(App):
            pass


        app = Api(__name__)


        @app.get("/orders")
        def orders():
            return []


        def handler(event, context):
            return serverless_wsgi.handle_request(app, event, context)
    """)
    assert rows == [
        ("orders", "function", "decorator @app.get", 17, False, "flask", "app"),
        ("handler", "function", "call serverless_wsgi.handle_request", 21, False, "serverless-wsgi",
         "app"),
    ]


def code_rows_of(text: str) -> list[tuple]:
    import textwrap

    found = code_entry_points(ast.parse(textwrap.dedent(text).lstrip("\n")), "m.py")
    return [(e.function, e.kind, e.source, e.line, e.is_async, e.framework, e.app) for e in found]


RESTFUL = """
    import serverless_wsgi
    from flask import Flask
    from flask_restful import Api, Resource

    app = Flask(__name__)
    api = Api(app)


    class Items(Resource):
        def get(self):
            return []

        async def post(self):
            return {}

        def _helper(self):
            return None


    class Unused(Resource):
        def get(self):
            return []


    @api.resource("/health")
    class Health(Resource):
        def get(self):
            return "ok"


    api.add_resource(Items, "/items")


    def handler(event, context):
        return serverless_wsgi.handle_request(app, event, context)
"""


def test_flask_restful_resources_on_a_wrapped_app():
    assert code_rows_of(RESTFUL) == [
        ("Items.get", "function", "route api.add_resource(Items)", 10, False, "flask", "app"),
        ("Items.post", "function", "route api.add_resource(Items)", 13, True, "flask", "app"),
        ("Health.get", "function", "route api.resource(Health)", 27, False, "flask", "app"),
        ("handler", "function", "call serverless_wsgi.handle_request", 34, False, "serverless-wsgi",
         "app"),
    ]  # `Unused` is never registered: not an entry point


def test_flask_restful_resources_of_an_unwrapped_app_wait_for_configuration():
    text = RESTFUL.split("    def handler")[0]
    found, latent = latent_of({"web.py": text})
    assert found == []
    assert entrypoints.promote(latent, found, []) == []
    served = [EntryPoint("web.py", "app", "object", "zappa_settings.json:1", 5, False, "zappa", "app")]
    assert [e.function for e in entrypoints.promote(latent, found, served)] == [
        "Items.get", "Items.post", "Health.get",
    ]


def test_flask_restful_resource_defined_in_another_module():
    files = {
        "resources/items.py": """
            from flask_restful import Resource


            class Items(Resource):
                def get(self):
                    return []


            class Unused(Resource):
                def get(self):
                    return []
        """,
        "app.py": """
            import serverless_wsgi
            from flask import Flask
            from flask_restful import Api

            from resources.items import Items

            app = Flask(__name__)
            api = Api(app)
            api.add_resource(Items, "/items")


            def handler(event, context):
                return serverless_wsgi.handle_request(app, event, context)
        """,
    }
    found, latent = latent_of(files)
    assert entrypoints.promote(latent, found, []) == [
        EntryPoint("resources/items.py", "Items.get", "function",
                   "route api.add_resource(Items) in app.py", 5, False, "flask"),
    ]


def test_subclass_entries_follow_an_edit_of_the_other_module(tmp_path):
    # the cached run must see the edit of server.py: the entry points are computed after linking
    files = {"server.py": SERVER, "app.py": SERVER_APP}
    assert [r[1] for r in project_rows(tmp_path, files, cache=True)] == ["app", "health", "hourly"]
    edited = {"server.py": SERVER.replace("chalice.Chalice", "object")}
    assert project_rows(tmp_path, edited, cache=True) == []
    assert [r[1] for r in project_rows(tmp_path, files, cache=True)] == ["app", "health", "hourly"]
