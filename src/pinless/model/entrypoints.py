"""Lambda entry points: the functions and objects AWS Lambda calls.

Two views, joined by ``merge``:

- code: ``code_entry_points`` reads one module's ``ast`` (the parse the analysis already has)
  and finds handlers by their ``(event, context)`` shape, by framework decorators (Chalice,
  Powertools, web routes behind an adapter) and by adapters (Mangum, serverless-wsgi, ...);
- configuration: ``config_entry_points`` reads SAM/CloudFormation templates, Serverless
  Framework and Zappa settings, CDK Python stacks and the ``handlers`` setting, giving handler
  strings that ``match`` resolves to the project's module files.

Nothing here raises on bad input: what cannot be read becomes a one-line note.
"""

from __future__ import annotations

import ast
import functools
import os
import posixpath
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

# yaml, json and tomllib are imported where a deployment file is read: most projects have none,
# and PyYAML alone costs more start-up time than the rest of this module.

Qualify = Callable[[ast.expr], "str | None"]

# ---------------------------------------------------------------------------------------------
# What marks an entry point in code
# ---------------------------------------------------------------------------------------------

EVENT_PARAMS = frozenset({"event", "evt", "e", "_event", "_"})
CONTEXT_PARAMS = frozenset({"context", "ctx", "_context", "lambda_context", "_"})


@dataclass(frozen=True)
class Framework:
    name: str
    root: str  # the import root its classes live under
    classes: frozenset[str]  # classes whose module-level instance carries decorators
    decorators: frozenset[str]  # methods that register a function the framework invokes
    # True: the framework only runs inside Lambda, so its decorated functions are entries on
    # their own; False (web apps): only when this module hands the app to an adapter.
    hosted: bool
    entry_classes: frozenset[str] = frozenset()  # instances Lambda calls directly
    dispatch: frozenset[str] = frozenset()  # methods a handler calls to hand over the event


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _framework(name, root, classes, decorators, hosted, entry_classes="", dispatch=""):
    return Framework(
        name,
        root,
        _words(classes),
        _words(decorators),
        hosted,
        _words(entry_classes),
        _words(dispatch),
    )


FRAMEWORKS = (
    _framework(
        "chalice",
        "chalice",
        "Chalice Blueprint",
        "route authorizer lambda_function schedule on_s3_event on_sns_message on_sqs_message"
        " on_cw_event on_kinesis_record on_dynamodb_record on_ws_connect on_ws_message"
        " on_ws_disconnect",
        hosted=True,
        entry_classes="Chalice",
    ),
    _framework(
        "powertools",
        "aws_lambda_powertools.event_handler",
        "APIGatewayRestResolver APIGatewayHttpResolver ApiGatewayResolver ALBResolver"
        " LambdaFunctionUrlResolver VPCLatticeResolver VPCLatticeV2Resolver BedrockAgentResolver"
        " BedrockAgentFunctionResolver AppSyncResolver AppSyncEventsResolver Router"
        " APIGatewayRouter APIGatewayHttpRouter ALBRouter LambdaFunctionUrlRouter"
        " VPCLatticeRouter VPCLatticeV2Router",
        "get post put delete patch head route resolver batch_resolver async_batch_resolver"
        " on_publish on_subscribe tool",
        hosted=True,
        dispatch="resolve",
    ),
    _framework("flask", "flask", "Flask Blueprint", "route get post put delete patch", False),
    _framework(
        "fastapi",
        "fastapi",
        "FastAPI APIRouter",
        "get post put delete patch head options trace api_route websocket",
        False,
    ),
    _framework("starlette", "starlette", "Starlette", "route websocket_route", False),
    _framework(
        "quart", "quart", "Quart Blueprint", "route get post put delete patch websocket", False
    ),
)

# Calls that turn a web app (their first argument) into a Lambda handler. Bound at module level
# (`handler = Mangum(app)`) the result is an entry object; called inside a function
# (`return serverless_wsgi.handle_request(app, event, context)`) that function is the entry.
ADAPTERS = {
    "mangum.Mangum": "mangum",
    "mangum.adapter.Mangum": "mangum",
    "apig_wsgi.make_lambda_handler": "apig-wsgi",
    "serverless_wsgi.handle_request": "serverless-wsgi",
    "awsgi.response": "aws-wsgi",
}

# Methods that only ever decorate a Lambda handler. Matched on any receiver: Powertools'
# Logger/Tracer/Metrics objects are usually imported from a shared module.
HANDLER_DECORATOR_METHODS = {
    "inject_lambda_context": "powertools",
    "capture_lambda_handler": "powertools",
    "log_metrics": "powertools",
}

# Functions that only ever decorate a Lambda handler: (import root, final names, framework).
HANDLER_DECORATORS = (
    (
        "aws_lambda_powertools",
        frozenset(
            {
                "event_source",
                "event_parser",
                "idempotent",
                "batch_processor",
                "async_batch_processor",
                "validator",
            }
        ),
        "powertools",
    ),
)

# Decorator factories: a function they decorate becomes a handler decorator itself.
MIDDLEWARE_FACTORIES = (
    ("aws_lambda_powertools", frozenset({"lambda_handler_decorator"}), "powertools"),
)

# Resource APIs: `api = Api(app)`; a class registered on `api` (`api.add_resource(Items, url)`,
# or decorated `@api.resource(url)`) serves its HTTP-verb methods as routes of `app`.
# qualified class -> (framework of the app, registering methods, class decorators)
RESOURCE_APIS = {
    "flask_restful.Api": ("flask", frozenset({"add_resource"}), frozenset({"resource"})),
    "flask_restx.Api": ("flask", frozenset({"add_resource"}), frozenset({"route"})),
}
HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head", "options"})
MAX_CLASS_DEPTH = 10  # subclass chains followed across modules

# ---------------------------------------------------------------------------------------------
# What marks an entry point in configuration
# ---------------------------------------------------------------------------------------------

TEMPLATE_NAMES = frozenset({"template.yaml", "template.yml", "template.json"})
TEMPLATE_SUFFIXES = (".template.json", ".template.yaml", ".template.yml")
SERVERLESS_NAMES = frozenset({"serverless.yml", "serverless.yaml", "serverless.json"})
ZAPPA_NAMES = frozenset(
    {"zappa_settings.json", "zappa_settings.yaml", "zappa_settings.yml", "zappa_settings.toml"}
)
# Build output, dependencies and caches: their templates are copies (cdk.out, .aws-sam) and
# their Python files are libraries, not the project.
SKIP_DIRS = frozenset(
    {
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        "cdk.out",
        "venv",
        "site-packages",
    }
)
MAX_CONFIG_BYTES = 5_000_000

# Lambda resource types: type -> (key of the code location, inherits SAM `Globals.Function`)
CFN_FUNCTION_TYPES = {
    "AWS::Serverless::Function": ("CodeUri", True),
    "AWS::Lambda::Function": ("Code", False),
}

# serverless-wsgi writes this module at package time; `custom.wsgi.app` names the real entry.
SERVERLESS_WSGI_HANDLER = "wsgi_handler.handler"

# CDK constructs that define a Lambda function, by qualified name.
CDK_ZIP_FUNCTIONS = frozenset(
    {"aws_cdk.aws_lambda.Function", "aws_cdk.aws_lambda.SingletonFunction"}
)
CDK_IMAGE_FUNCTIONS = frozenset({"aws_cdk.aws_lambda.DockerImageFunction"})
CDK_PYTHON_FUNCTIONS = frozenset(
    {
        "aws_cdk.aws_lambda_python_alpha.PythonFunction",
        "aws_cdk.aws_lambda_python.PythonFunction",
    }
)
# `Code.<method>` / `DockerImageCode.<method>` -> what the code argument means
CDK_CODE_METHODS = {
    "from_asset": "asset",
    "asset": "asset",
    "from_image_asset": "asset",
    "from_inline": "inline",
    "inline": "inline",
}
# Calls that pass a path through unchanged (`str(p)`, `os.path.abspath(p)`, `p.resolve()`).
PATH_IDENTITY = frozenset(
    {
        "str",
        "Path",
        "PurePath",
        "PurePosixPath",
        "abspath",
        "realpath",
        "normpath",
        "fspath",
        "resolve",
        "absolute",
        "as_posix",
    }
)

# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPoint:
    module_path: str  # project-relative, forward slashes; "" when a configured handler is not found
    function: str  # qualname of the function, or the bound name of an entry object
    kind: str  # "function" | "object"
    source: str  # "template.yaml:14", "signature", "decorator @app.route", "config handlers", ...
    line: int  # line of the def, or of the binding of an object; 0 when only configuration knows it
    is_async: bool
    framework: str = ""
    app: str = ""  # the app object a fixer can hang a hook on
    note: str = ""  # why a configured entry could not be resolved; "" when it was


@dataclass(frozen=True)
class ConfigEntry:
    """A handler named by configuration, before it is matched to a module file."""

    handler: str  # as written: "app.lambda_handler", "src/handlers/orders.handler"
    bases: tuple[str, ...]  # project-relative folders the handler is relative to; () = unknown
    source: str
    kind: str = "function"
    framework: str = ""
    note: str = ""  # set when the configuration itself says the code cannot be found

    @property
    def function(self) -> str:
        return self.handler.rsplit(".", 1)[-1] if "." in self.handler else ""

    @property
    def module_file(self) -> str:
        """The handler's module as a relative file path: "src/handlers/orders.py"."""
        module = self.handler.rsplit(".", 1)[0]
        return "/".join(part for part in re.split(r"[./]", module) if part) + ".py"


class Found(list):
    """A list of results that also carries one-line notes about what could not be read."""

    def __init__(self, items: Iterable = (), notes: Iterable[str] = ()):
        super().__init__(items)
        self.notes: list[str] = list(notes)


@dataclass(frozen=True)
class Route:
    """A function registered on a module-level object that this module alone cannot show is
    served from Lambda: a web app no adapter here wraps (deployment configuration may name it),
    or an object of a class defined in another module (it may subclass a framework class)."""

    app: str  # the object's bound name
    method: str  # the registering attribute (`route`, `get`); "" for a resource API registration
    entry: EntryPoint  # what the function becomes when the app is served from Lambda


@dataclass(frozen=True)
class AppObject:
    """A module-level `name = Cls(...)` whose class this module cannot place."""

    name: str
    call: str  # the class as called: qualified, or the name of a local class
    bases: tuple[str, ...]  # qualified names: the class, or the bases of a local class
    line: int


@dataclass(frozen=True)
class ClassInfo:
    """A module-level class other modules may instantiate or register."""

    name: str
    bases: tuple[str, ...]  # qualified names (local base classes followed to theirs)
    line: int
    methods: tuple[tuple[str, int, bool], ...] = ()  # HTTP-verb methods: (name, line, is_async)


@dataclass(frozen=True)
class Registration:
    """A class defined in another module registered on a resource API (`api.add_resource`)."""

    app: str  # the app the API object serves
    framework: str
    cls: str  # qualified name of the class, as this module imports it
    source: str


@dataclass(frozen=True)
class Latent:
    """What one module knows about entry points that only the whole project can decide."""

    routes: tuple[Route, ...] = ()
    objects: tuple[AppObject, ...] = ()
    classes: tuple[ClassInfo, ...] = ()
    resources: tuple[Registration, ...] = ()
    wrapped: frozenset[str] = frozenset()  # objects handed to an adapter in this module

    def __bool__(self) -> bool:
        return bool(self.routes or self.classes or self.resources)


NO_LATENT = Latent()


class CodeEntries(list):
    """``code_entry_points``' result: the module's entry points, and in ``latent`` what the
    project's configuration and other modules may still make entry points (``promote``)."""

    def __init__(self, items: Iterable = (), latent: Latent = NO_LATENT):
        super().__init__(items)
        self.latent = latent


@dataclass(frozen=True)
class _Clue:
    """One reason to think a function is an entry point."""

    rank: int  # which source is shown first: 0 decorator, 1 call, 2 signature
    source: str
    framework: str = ""
    app: str = ""


@dataclass(frozen=True)
class _Object:
    framework: Framework
    cls: str  # final name of the class
    qualname: str
    line: int


# ---------------------------------------------------------------------------------------------
# Names through imports
# ---------------------------------------------------------------------------------------------


def _module_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Statements that run at import time, including inside module-level if/try/with."""
    stack = list(reversed(tree.body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
            nested = [*getattr(stmt, "body", []), *getattr(stmt, "orelse", [])]
            for handler in getattr(stmt, "handlers", []):
                nested.extend(handler.body)
            nested.extend(getattr(stmt, "finalbody", []))
            stack.extend(reversed(nested))


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for stmt in _module_statements(tree):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(stmt, ast.ImportFrom):
            module = "." * stmt.level + (stmt.module or "")
            sep = "" if module.endswith(".") else "."
            for alias in stmt.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{module}{sep}{alias.name}"
    return aliases


def import_qualifier(tree: ast.Module) -> Qualify:
    """`qualify(expr)` from the module-level imports: ``Mangum`` -> "mangum.Mangum"."""
    return _qualifier(_import_aliases(tree))


def _qualifier(aliases: dict[str, str]) -> Qualify:
    def qualify(expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return aliases.get(expr.id)
        if isinstance(expr, ast.Attribute):
            base = qualify(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None

    return qualify


def _in_package(qualname: str | None, root: str, names: frozenset[str]) -> bool:
    if not qualname or not qualname.startswith(root + "."):
        return False
    return qualname.rsplit(".", 1)[1] in names


def _package_match(qualname: str | None, table) -> str:
    for root, names, framework in table:
        if _in_package(qualname, root, names):
            return framework
    return ""


# ---------------------------------------------------------------------------------------------
# Entry points in code
# ---------------------------------------------------------------------------------------------


def code_entry_points(
    tree: ast.Module, module_path: str, qualify: Qualify | None = None
) -> CodeEntries:
    """Entry points one module defines, ordered by line; ``.latent`` holds the routes, objects,
    classes and resource registrations whose fate other modules or configuration decide."""
    aliases = _import_aliases(tree)
    qualify = qualify or _qualifier(aliases)
    statements = list(_module_statements(tree))
    classes = _local_classes(statements, qualify)
    objects, unplaced = _framework_objects(statements, qualify, classes)
    functions = [s for s in statements if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    found: dict[str, EntryPoint] = {}
    for stmt, name, clue in _bound_adapters(statements, qualify):
        found[name] = EntryPoint(
            module_path, name, "object", clue.source, stmt.lineno, False, clue.framework, clue.app
        )
    for name, obj in objects.items():
        if obj.cls in obj.framework.entry_classes:
            found[name] = EntryPoint(
                module_path,
                name,
                "object",
                f"call {obj.qualname}",
                obj.line,
                False,
                obj.framework.name,
                name,
            )
    imported = {q.lstrip(".").split(".")[0] for q in aliases.values()}
    calls = _call_clues(imported, functions, qualify, objects)
    wrapped = {c.app for cs in calls.values() for c in cs if c.framework in ADAPTERS.values()}
    wrapped |= {e.app for e in found.values() if e.framework in ADAPTERS.values()}
    middlewares = _middlewares(functions, qualify)
    routes: list[Route] = []
    for fn in functions:
        clues = [
            *_decorator_clues(fn, qualify, objects, wrapped, middlewares),
            *calls.get(fn.name, ()),
            *_signature_clues(fn),
        ]
        if clues:
            found[fn.name] = _function_entry(module_path, fn, clues)
        else:
            routes.extend(_latent_routes(module_path, fn, objects, unplaced))
    registrations: list[Registration] = []
    for app, entry in _resource_methods(module_path, statements, qualify, classes):
        if isinstance(entry, Registration):
            registrations.append(entry)
        elif app in wrapped:
            found.setdefault(entry.function, replace(entry, app=app))  # a route of that app
        else:
            routes.append(Route(app, "", entry))
    entries = sorted(found.values(), key=lambda e: (e.line, e.function))
    return CodeEntries(entries, _latent(routes, unplaced, classes, registrations, wrapped))


def _latent(routes, unplaced, classes, registrations, wrapped) -> Latent:
    routes = [r for r in routes if r.entry.function]
    apps = {r.app for r in routes} | {r.app for r in registrations}
    kept = tuple(o for name, o in unplaced.items() if name in apps)
    infos = tuple(c for c in classes.values() if c.bases)
    if not (routes or infos or registrations):
        return NO_LATENT
    return Latent(tuple(routes), kept, infos, tuple(registrations), frozenset(wrapped & apps))


def _function_entry(
    module_path: str, fn: ast.FunctionDef | ast.AsyncFunctionDef, clues
) -> EntryPoint:
    clues = sorted(clues, key=lambda c: c.rank)
    # The clue that names an app says who dispatches (a Flask app behind serverless-wsgi beats
    # the Powertools logger decorator on the same handler).
    owner = next((c for c in clues if c.app), None) or next((c for c in clues if c.framework), None)
    return EntryPoint(
        module_path,
        fn.name,
        "function",
        clues[0].source,
        fn.lineno,
        isinstance(fn, ast.AsyncFunctionDef),
        owner.framework if owner else "",
        owner.app if owner else "",
    )


def _bound_name(stmt: ast.stmt) -> tuple[str, ast.expr] | None:
    """`name = value` / `name: T = value` at module level."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None
    return (target.id, value) if isinstance(target, ast.Name) else None


def _framework_of(qualname: str | None) -> Framework | None:
    for fw in FRAMEWORKS:
        if _in_package(qualname, fw.root, fw.classes):
            return fw
    return None


def _framework_objects(
    statements, qualify: Qualify, classes: dict[str, ClassInfo]
) -> tuple[dict[str, _Object], dict[str, AppObject]]:
    """Module-level `app = Chalice(...)`-style bindings (the caller's resolver cannot know them),
    a local subclass of a framework class included; and the `name = Cls(...)` bindings of
    classes this module cannot place (imported from the project, or subclassing such a class)."""
    objects: dict[str, _Object] = {}
    unplaced: dict[str, AppObject] = {}
    for stmt in statements:
        bound = _bound_name(stmt)
        if not (bound and isinstance(bound[1], ast.Call)):
            continue
        name, func = bound[0], bound[1].func
        qualname = qualify(func)
        local = classes.get(func.id) if isinstance(func, ast.Name) and not qualname else None
        bases = (qualname,) if qualname else local.bases if local else ()
        fw, base = next(((_framework_of(b), b) for b in bases if _framework_of(b)), (None, ""))
        if fw:
            objects[name] = _Object(fw, base.rsplit(".", 1)[1], qualname or func.id, stmt.lineno)
        elif bases:
            unplaced[name] = AppObject(name, qualname or func.id, bases, stmt.lineno)
    return objects, unplaced


def _local_classes(statements, qualify: Qualify) -> dict[str, ClassInfo]:
    """Module-level classes with the qualified names of their bases; a base defined in this
    module is followed to its own bases."""
    defs = {s.name: s for s in statements if isinstance(s, ast.ClassDef)}
    memo: dict[str, tuple[str, ...]] = {}

    def bases_of(name: str, seen: frozenset[str]) -> tuple[str, ...]:
        if name not in memo:
            out: list[str] = []
            for base in defs[name].bases:
                if isinstance(base, ast.Name) and base.id in defs and not qualify(base):
                    if base.id not in seen:
                        out.extend(bases_of(base.id, seen | {base.id}))
                else:
                    qualname = qualify(base)
                    if qualname:
                        out.append(qualname)
            memo[name] = tuple(dict.fromkeys(out))
        return memo[name]

    return {
        name: ClassInfo(name, bases_of(name, frozenset({name})), node.lineno, _verb_methods(node))
        for name, node in defs.items()
    }


def _verb_methods(node: ast.ClassDef) -> tuple[tuple[str, int, bool], ...]:
    return tuple(
        (s.name, s.lineno, isinstance(s, ast.AsyncFunctionDef))
        for s in node.body
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in HTTP_METHODS
    )


def _latent_routes(
    module_path: str, fn, objects: dict[str, _Object], unplaced: dict[str, AppObject]
) -> Iterator[Route]:
    """`@app.route` on a web app no adapter in this module wraps, or `@app.<method>` on an
    object of a class this module cannot place."""
    for decorator in fn.decorator_list:
        target = _decorator_target(decorator)
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
            continue
        owner = target.value.id
        obj = objects.get(owner)
        if obj is not None and target.attr not in obj.framework.decorators:
            continue
        if obj is None and owner not in unplaced:
            continue
        clue = _Clue(0, f"decorator @{ast.unparse(target)}", obj.framework.name if obj else "", owner)
        yield Route(owner, target.attr, _function_entry(module_path, fn, [clue]))
        return


def _resource_methods(
    module_path: str, statements, qualify: Qualify, classes: dict[str, ClassInfo]
) -> Iterator[tuple[str, EntryPoint | Registration]]:
    """(app, entry) for the HTTP-verb methods of classes registered on a resource API
    (`api = Api(app)`; `api.add_resource(Items, "/items")` or `@api.resource("/items")`);
    (app, Registration) for a class defined in another module."""
    apis: dict[str, tuple[str, Any]] = {}
    for stmt in statements:
        bound = _bound_name(stmt)
        if bound and isinstance(bound[1], ast.Call):
            spec = RESOURCE_APIS.get(qualify(bound[1].func) or "")
            app = _first_arg_name(bound[1])
            if spec and app:
                apis[bound[0]] = (app, spec)
    if not apis:
        return
    for stmt in statements:
        for api, method, cls in _registrations(stmt, apis):
            app, (framework, _, _) = apis[api]
            source = f"route {api}.{method}({cls})"
            local = classes.get(cls)
            if local is not None:
                for name, line, is_async in local.methods:
                    yield app, EntryPoint(
                        module_path, f"{cls}.{name}", "function", source, line, is_async, framework
                    )
            else:
                qualname = qualify(ast.Name(cls, ast.Load()))
                if qualname:
                    yield app, Registration(app, framework, qualname, f"{source} in {module_path}")


def _registrations(stmt: ast.stmt, apis) -> Iterator[tuple[str, str, str]]:
    """(api, method, class name) registered by one module-level statement."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            api = func.value.id
            if api in apis and func.attr in apis[api][1][1] and stmt.value.args:
                cls = stmt.value.args[0]
                if isinstance(cls, ast.Name):
                    yield api, func.attr, cls.id
    elif isinstance(stmt, ast.ClassDef):
        for decorator in stmt.decorator_list:
            target = _decorator_target(decorator)
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                api = target.value.id
                if api in apis and target.attr in apis[api][1][2]:
                    yield api, target.attr, stmt.name


def _first_arg_name(call: ast.Call) -> str:
    arg = (
        call.args[0]
        if call.args
        else next((k.value for k in call.keywords if k.arg == "app"), None)
    )
    return arg.id if isinstance(arg, ast.Name) else ""


def _adapter_clue(call: ast.Call, qualify: Qualify) -> _Clue | None:
    qualname = qualify(call.func)
    if qualname in ADAPTERS:
        return _Clue(1, f"call {qualname}", ADAPTERS[qualname], _first_arg_name(call))
    return None


def _bound_adapters(statements, qualify: Qualify) -> Iterator[tuple[ast.stmt, str, _Clue]]:
    for stmt in statements:
        bound = _bound_name(stmt)
        if bound and isinstance(bound[1], ast.Call):
            clue = _adapter_clue(bound[1], qualify)
            if clue:
                yield stmt, bound[0], clue


def _call_clues(imported: set[str], functions, qualify: Qualify, objects) -> dict[str, list[_Clue]]:
    """Functions that hand the event to an adapter or a resolver (`app.resolve(event, context)`)."""
    roots = {name.split(".")[0] for name in ADAPTERS}
    dispatchers = {n for n, o in objects.items() if o.framework.dispatch}
    if not (roots & imported or dispatchers):
        return {}  # nothing to find: skip walking every function body
    clues: dict[str, list[_Clue]] = {}
    for fn in functions:
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                clue = _adapter_clue(node, qualify) or _dispatch_clue(node, objects)
                if clue:
                    clues.setdefault(fn.name, []).append(clue)
    return clues


def _dispatch_clue(call: ast.Call, objects) -> _Clue | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        obj = objects.get(func.value.id)
        if obj and func.attr in obj.framework.dispatch:
            return _Clue(1, f"call {func.value.id}.{func.attr}", obj.framework.name, func.value.id)
    return None


def _decorator_target(decorator: ast.expr) -> ast.expr:
    return decorator.func if isinstance(decorator, ast.Call) else decorator


def _middlewares(functions, qualify: Qualify) -> dict[str, str]:
    """Functions made into handler decorators (`@lambda_handler_decorator def middleware(...)`)."""
    made: dict[str, str] = {}
    for fn in functions:
        for decorator in fn.decorator_list:
            framework = _package_match(qualify(_decorator_target(decorator)), MIDDLEWARE_FACTORIES)
            if framework:
                made[fn.name] = framework
    return made


def _decorator_clues(fn, qualify: Qualify, objects, wrapped, middlewares) -> Iterator[_Clue]:
    for decorator in fn.decorator_list:
        target = _decorator_target(decorator)
        clue = _decorator_clue(target, qualify, objects, wrapped, middlewares)
        if clue:
            yield clue


def _decorator_clue(
    target: ast.expr, qualify: Qualify, objects, wrapped, middlewares
) -> _Clue | None:
    source = f"decorator @{ast.unparse(target)}"
    if isinstance(target, ast.Attribute):
        owner = target.value.id if isinstance(target.value, ast.Name) else ""
        obj = objects.get(owner)
        if obj and target.attr in obj.framework.decorators:
            if obj.framework.hosted or owner in wrapped:
                return _Clue(0, source, obj.framework.name, owner)
            return None
        if target.attr in HANDLER_DECORATOR_METHODS:
            return _Clue(0, source, HANDLER_DECORATOR_METHODS[target.attr])
    if isinstance(target, ast.Name) and target.id in middlewares:
        return _Clue(0, source, middlewares[target.id])
    framework = _package_match(qualify(target), HANDLER_DECORATORS)
    return _Clue(0, source, framework) if framework else None


def _signature_clues(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[_Clue]:
    # A private name with the handler's shape is a helper the handler calls, not what Lambda calls.
    if fn.name.startswith("_") or not has_lambda_signature(fn):
        return []
    return [_Clue(2, "signature")]


def has_lambda_signature(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Two leading positional parameters named like `(event, context)`, nothing else required."""
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    required = len(positional) - len(args.defaults)
    if len(positional) < 2 or required > 2:
        return False
    if any(default is None for default in args.kw_defaults):
        return False  # a required keyword-only parameter: Lambda never passes it
    return positional[0].arg in EVENT_PARAMS and positional[1].arg in CONTEXT_PARAMS


def locate(entry: EntryPoint, tree: ast.Module) -> EntryPoint:
    """Fill in line, kind and async-ness of a configured entry from its module's `ast`."""
    for stmt in _module_statements(tree):
        if (
            isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
            and stmt.name == entry.function
        ):
            return replace(
                entry,
                kind="function",
                line=stmt.lineno,
                is_async=isinstance(stmt, ast.AsyncFunctionDef),
            )
        bound = _bound_name(stmt)
        if bound and bound[0] == entry.function:
            return replace(entry, kind="object", line=stmt.lineno, is_async=False)
    return replace(entry, note=f"no `{entry.function}` defined in {entry.module_path}")


# ---------------------------------------------------------------------------------------------
# Entry points in configuration
# ---------------------------------------------------------------------------------------------


def config_entry_points(
    root: Path | str,
    handlers: Sequence[str] = (),
    *,
    skip: Callable[[str], bool] | None = None,
    files: Iterable[str] | None = None,
) -> Found:
    """Handlers named by the project's deployment files and the `handlers` setting.

    Without `files`, the project is walked for them: `skip(relative_path)` lets the caller
    apply its excludes (directories and files); build output, virtual environments and hidden
    folders are always skipped. `files` replaces that walk: the project-relative POSIX paths of
    the candidate deployment files, in any order (``discover.project_listing(...).deploy``,
    found by the discovery walk with `deployment_file_kind` and `skips_folder`); names no
    reader knows are ignored, a Python file counts only when it mentions `aws_cdk`, and `skip`,
    when given, still applies to them.
    """
    root = Path(root)
    found = Found()
    keep = skip or (lambda rel: False)
    if files is None:
        listed = _config_files(root, keep)
    else:
        listed = _listed_files(files, keep)
    for rel, reader in listed:
        try:
            found.extend(reader(root, rel, found.notes))
        except Exception as exc:  # a broken deployment file must never stop a run
            found.notes.append(f"{rel}: skipped ({type(exc).__name__}: {_one_line(exc)})")
    found.extend(ConfigEntry(h, ("",), "config handlers") for h in handlers)
    return found


def _one_line(exc: BaseException) -> str:
    yaml = sys.modules.get("yaml")  # not loaded: the error cannot be one of its
    if yaml is not None and isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f"{exc.problem} (line {exc.problem_mark.line + 1})"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _reader_for(name: str):
    for matches, reader in _READERS:
        if matches(name):
            return reader
    return None


def deployment_file_kind(name: str) -> str | None:
    """What a file of this name is to the deployment readers: "config" (SAM / CloudFormation,
    Serverless, Zappa: always read), "python" (a CDK app, read only when `mentions_cdk`), or
    None. With `skips_folder`, what the discovery walk uses to list the candidates."""
    reader = _reader_for(name)
    if reader is None:
        return None
    return "python" if reader is _read_cdk else "config"


def skips_folder(name: str) -> bool:
    """A folder whose deployment files never count, whatever the excludes: build output,
    dependencies, caches and hidden folders (virtual environments are skipped too, by their
    `pyvenv.cfg`)."""
    return name in SKIP_DIRS or name.startswith(".")


def mentions_cdk(path: Path | str) -> bool:
    """Whether a Python file may define a CDK app: it mentions `aws_cdk`."""
    try:
        with open(path, "rb", buffering=0) as fh:  # one read of the whole file, no buffer
            return b"aws_cdk" in fh.read()
    except OSError:
        return False


def _config_files(root: Path, skip: Callable[[str], bool]) -> Iterator[tuple[str, Any]]:
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel_dir = here.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames[:] = sorted(
            d for d in dirnames if not _skip_dir(here / d, posixpath.join(rel_dir, d), skip)
        )
        for name in sorted(filenames):
            kind = deployment_file_kind(name)
            if kind is None or kind == "python" and not mentions_cdk(here / name):
                continue  # the exclusion test costs more than this look at a Python file
            rel = posixpath.join(rel_dir, name)
            if not skip(rel):
                yield rel, _reader_for(name)


def _listed_files(files: Iterable[str], skip: Callable[[str], bool]) -> Iterator[tuple[str, Any]]:
    """The given candidates in the order of the walk above (files before sub-folders, by name),
    so both give the same entries and notes in the same order."""
    for rel in sorted(set(files), key=_walk_order):
        reader = _reader_for(posixpath.basename(rel))
        if reader is not None and not skip(rel):
            yield rel, reader  # _read_cdk itself skips a Python file without `aws_cdk`


def _walk_order(rel: str) -> list[tuple[int, str]]:
    *folders, name = rel.split("/")
    return [(1, folder) for folder in folders] + [(0, name)]


def _skip_dir(path: Path, rel: str, skip: Callable[[str], bool]) -> bool:
    if skips_folder(path.name) or skip(rel):
        return True
    return (path / "pyvenv.cfg").exists()  # a virtual environment under any name


def _source(rel: str, line: int) -> str:
    return f"{rel}:{line}" if line else rel


def _join(*parts: str) -> str | None:
    """Project-relative normalized path, or None when it leaves the project."""
    if any(p.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", p) for p in parts if p):
        return None
    path = posixpath.normpath(posixpath.join(*[p.replace("\\", "/") for p in parts if p] or ["."]))
    if path == ".." or path.startswith("../"):
        return None
    return "" if path == "." else path


# --- YAML / JSON / TOML loading with line numbers ---------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    def __init__(self, line: int = 0):
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}


@functools.lru_cache(maxsize=None)
def _template_loader() -> type:
    """The YAML loader, built on the first YAML file read."""
    import yaml

    class _TemplateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """Safe loading plus CloudFormation's short tags (`!Ref x` -> {"Ref": "x"})."""

    _TemplateLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    _TemplateLoader.add_multi_constructor("!", _construct_intrinsic)
    return _TemplateLoader


def _construct_map(loader, node):
    import yaml

    data = _Map(node.start_mark.line + 1)
    yield data
    data.update(loader.construct_mapping(node))  # flattens `<<` merge keys first
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            data.key_lines[loader.construct_object(key_node)] = key_node.start_mark.line + 1


def _construct_intrinsic(loader, suffix: str, node):
    import yaml

    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}


def _key_line(mapping: Any, key: str) -> int:
    return getattr(mapping, "key_lines", {}).get(key, 0)


def _load_documents(root: Path, rel: str, notes: list[str]) -> list[Any] | None:
    path = root / rel
    if path.stat().st_size > MAX_CONFIG_BYTES:
        notes.append(f"{rel}: skipped, larger than {MAX_CONFIG_BYTES:,} bytes")
        return None
    text = path.read_text(encoding="utf-8-sig")
    if rel.endswith(".toml"):
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on Python 3.10 only
            import tomli as tomllib
        return [tomllib.loads(text)]
    import json

    import yaml

    try:
        return list(yaml.load_all(text, Loader=_template_loader()))
    except yaml.YAMLError as exc:
        if not rel.endswith(".json"):
            notes.append(f"{rel}: not valid YAML ({_one_line(exc)})")
            return None
    try:  # JSON that YAML rejects (tab indentation): no line numbers then
        return [json.loads(text)]
    except ValueError as exc:
        notes.append(f"{rel}: not valid JSON ({_one_line(exc)})")
        return None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


# --- CloudFormation values ---------------------------------------------------------------------


def _strings(value: Any, params: dict[str, str], depth: int = 0) -> list[str] | None:
    """The literal strings a template value can take: plain text, or intrinsics over defaults."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict) or len(value) != 1 or depth > 8:
        return None
    ((fn, arg),) = value.items()
    evaluate = _INTRINSICS.get(fn)
    return evaluate(arg, params, depth + 1) if evaluate else None


def _ref(arg, params, depth):
    return [params[arg]] if isinstance(arg, str) and arg in params else None


def _if(arg, params, depth):
    if not (isinstance(arg, list) and len(arg) == 3):
        return None
    branches = [_strings(branch, params, depth) for branch in arg[1:]]
    values = [v for branch in branches if branch for v in branch]
    return values or None


def _sub(arg, params, depth):
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        text, local = arg[0], _dict(arg[1])
    elif isinstance(arg, str):
        text, local = arg, {}
    else:
        return None
    values = dict(params)
    for name, expr in local.items():
        literal = _strings(expr, params, depth)
        if literal and len(literal) == 1:
            values[name] = literal[0]
    pattern = re.compile(r"\$\{([^}!]+)\}")  # `${!Literal}` is an escape, left as written
    if any(name not in values for name in pattern.findall(text)):
        return None
    return [pattern.sub(lambda m: values[m.group(1)], text)]


def _join_fn(arg, params, depth):
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
        return None
    parts = [_strings(p, params, depth) for p in arg[1]] if isinstance(arg[1], list) else [None]
    if any(p is None or len(p) != 1 for p in parts):
        return None
    return [arg[0].join(p[0] for p in parts)]


_INTRINSICS = {"Ref": _ref, "Fn::If": _if, "Fn::Sub": _sub, "Fn::Join": _join_fn}


def _is_python(runtime: Any) -> bool:
    """False only for a runtime that is known and not Python (nodejs, java, ...)."""
    return not isinstance(runtime, str) or runtime.startswith("python") or "${" in runtime


@dataclass(frozen=True)
class _Template:
    root: Path
    rel: str
    folder: str
    params: dict[str, str]
    globals_fn: dict


def _read_cloudformation(root: Path, rel: str, notes: list[str]) -> list[ConfigEntry]:
    documents = _load_documents(root, rel, notes)
    if documents is None:
        return []
    templates = [
        d for d in documents if isinstance(d, dict) and isinstance(d.get("Resources"), dict)
    ]
    if not templates:
        notes.append(f"{rel}: not a CloudFormation template (no Resources)")
        return []
    return [entry for t in templates for entry in _template_entries(root, rel, t)]


def _template_entries(root: Path, rel: str, template: dict) -> Iterator[ConfigEntry]:
    params = {
        name: spec["Default"]
        for name, spec in _dict(template.get("Parameters")).items()
        if isinstance(_dict(spec).get("Default"), str)
    }
    globals_fn = _dict(_dict(template.get("Globals")).get("Function"))
    ctx = _Template(root, rel, posixpath.dirname(rel), params, globals_fn)
    resources = template["Resources"]
    for logical_id, resource in resources.items():
        resource = _dict(resource)
        if resource.get("Type") in CFN_FUNCTION_TYPES:
            yield from _cfn_function(ctx, resource, _key_line(resources, logical_id))


def _cfn_function(ctx: _Template, resource: dict, resource_line: int) -> list[ConfigEntry]:
    code_key, inherits = CFN_FUNCTION_TYPES[resource["Type"]]
    props = _dict(resource.get("Properties"))
    settings = {**ctx.globals_fn, **props} if inherits else dict(props)
    if not _is_python(settings.get("Runtime")):
        return []
    line = _key_line(props, "Handler") or resource_line
    source = _source(ctx.rel, line)
    if settings.get("PackageType") == "Image":
        return _cfn_image_function(ctx, resource, settings, resource_line)
    if "InlineCode" in settings or "ZipFile" in _dict(settings.get(code_key)):
        return [_inline(settings.get("Handler"), ctx, source)]
    handlers = _strings(settings.get("Handler"), ctx.params)
    if not handlers:
        return [ConfigEntry("", (), source, note="Handler is missing or not a literal")]
    bases = _cfn_code_bases(settings.get(code_key, "."), ctx)
    return [ConfigEntry(h, bases, source) for h in handlers]


def _inline(handler: Any, ctx: _Template, source: str) -> ConfigEntry:
    names = _strings(handler, ctx.params) or [""]
    return ConfigEntry(names[0], (), source, note="inline code in the template")


def _cfn_code_bases(code: Any, ctx: _Template) -> tuple[str, ...]:
    """Folder of a local CodeUri/Code; () when the code is in S3 or cannot be read."""
    paths = _strings(code, ctx.params)
    if not paths or paths[0].startswith("s3://"):
        return ()
    base = _join(ctx.folder, paths[0])
    return () if base is None else (base,)


def _cfn_image_function(ctx: _Template, resource, settings, resource_line) -> list[ConfigEntry]:
    context = _dict(resource.get("Metadata")).get("DockerContext")
    base = _join(ctx.folder, context) if isinstance(context, str) else None
    bases = () if base is None else (base,)
    image_config = _dict(settings.get("ImageConfig"))
    command = image_config.get("Command")
    if isinstance(command, list) and command and isinstance(command[0], str):
        line = _key_line(image_config, "Command") or resource_line
        return [ConfigEntry(command[0], bases, _source(ctx.rel, line))]
    dockerfile = _dict(resource.get("Metadata")).get("Dockerfile", "Dockerfile")
    cmd = _dockerfile_cmd(ctx.root, base, dockerfile) if base is not None else None
    if cmd:
        return [ConfigEntry(cmd[0], bases, cmd[1])]
    return [
        ConfigEntry(
            "",
            bases,
            _source(ctx.rel, resource_line),
            note="image function: the handler is set inside the image",
        )
    ]


def _dockerfile_cmd(root: Path, folder: str, dockerfile: Any) -> tuple[str, str] | None:
    """The handler in a Lambda image's `CMD ["app.handler"]`, with "path:line"."""
    rel = _join(folder, dockerfile) if isinstance(dockerfile, str) else None
    path = root / rel if rel else None
    if path is None or not path.is_file() or path.stat().st_size > MAX_CONFIG_BYTES:
        return None
    found = None
    for number, text in enumerate(
        path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
    ):
        match_ = re.match(r"\s*CMD\s+(.+)", text, re.IGNORECASE)
        if match_:
            found = (match_.group(1).strip(), number)  # the last CMD wins, as in Docker
    if not found:
        return None
    import json

    try:
        words = json.loads(found[0])
    except ValueError:
        words = found[0].split()
    if isinstance(words, list) and words and isinstance(words[0], str):
        return words[0], f"{rel}:{found[1]}"
    return None


# --- Serverless Framework ----------------------------------------------------------------------


def _read_serverless(root: Path, rel: str, notes: list[str]) -> list[ConfigEntry]:
    documents = _load_documents(root, rel, notes)
    doc = next((d for d in documents or () if isinstance(d, dict)), None)
    if doc is None:
        if documents is not None:
            notes.append(f"{rel}: not a Serverless Framework service (no mapping)")
        return []
    folder = posixpath.dirname(rel)
    entries = _serverless_wsgi_app(doc, rel, folder)
    functions = doc.get("functions")
    if isinstance(functions, str):
        notes.append(f"{rel}: `functions` is a variable ({functions}); not followed")
    provider = _dict(doc.get("provider"))
    for spec in _serverless_specs(functions):
        if isinstance(spec, dict) and _is_python(spec.get("runtime", provider.get("runtime"))):
            entry = _serverless_function(spec, provider, rel, folder, bool(entries))
            if entry:
                entries.append(entry)
    return entries


def _serverless_specs(functions: Any) -> list[Any]:
    """`functions:` is a mapping of name -> spec, or a list of such mappings."""
    if isinstance(functions, dict):
        return list(functions.values())
    if isinstance(functions, list):
        return [spec for part in functions if isinstance(part, dict) for spec in part.values()]
    return []


def _serverless_wsgi_app(doc: dict, rel: str, folder: str) -> list[ConfigEntry]:
    wsgi = _dict(_dict(doc.get("custom")).get("wsgi"))
    app = wsgi.get("app")
    if not isinstance(app, str):
        return []
    return [
        ConfigEntry(
            app, (folder,), _source(rel, _key_line(wsgi, "app")), "object", "serverless-wsgi"
        )
    ]


def _serverless_function(spec, provider, rel, folder, has_wsgi_app) -> ConfigEntry | None:
    handler, bases, line = spec.get("handler"), [folder], _key_line(spec, "handler")
    if handler is None and isinstance(spec.get("image"), dict):
        handler, bases, line = _serverless_image(spec["image"], provider, folder)
    if not isinstance(handler, str) or (has_wsgi_app and handler == SERVERLESS_WSGI_HANDLER):
        return None
    module = spec.get("module")  # serverless-python-requirements: code lives in a subfolder
    if isinstance(module, str):
        bases.insert(0, _join(folder, module))
    source = _source(rel, line or getattr(spec, "line", 0))
    if "${" in handler:
        return ConfigEntry(handler, (), source, note="handler uses a variable")
    return ConfigEntry(handler, tuple(b for b in bases if b is not None), source)


def _serverless_image(image: dict, provider: dict, folder: str):
    command = image.get("command")
    handler = command[0] if isinstance(command, list) and command else None
    built = _dict(_dict(_dict(provider.get("ecr")).get("images")).get(image.get("name")))
    path = built.get("path")
    base = _join(folder, path) if isinstance(path, str) else None
    return handler, [base] if base is not None else [], _key_line(image, "command")


# --- Zappa -------------------------------------------------------------------------------------

# setting -> (kind, framework); `events[].function` is handled beside them
ZAPPA_SETTINGS = {"app_function": ("object", "zappa"), "lambda_handler": ("function", "zappa")}


def _read_zappa(root: Path, rel: str, notes: list[str]) -> list[ConfigEntry]:
    documents = _load_documents(root, rel, notes)
    doc = next((d for d in documents or () if isinstance(d, dict)), None)
    if doc is None:
        return []
    folder, seen, entries = posixpath.dirname(rel), set(), []
    for stage in doc.values():  # stages repeat settings through `extends`: list each once
        for handler, line, kind, framework in _zappa_stage(_dict(stage)):
            if isinstance(handler, str) and (handler, kind) not in seen:
                seen.add((handler, kind))
                entries.append(ConfigEntry(handler, (folder,), _source(rel, line), kind, framework))
    return entries


def _zappa_stage(stage: dict) -> Iterator[tuple[Any, int, str, str]]:
    for key, (kind, framework) in ZAPPA_SETTINGS.items():
        if key in stage:
            yield stage[key], _key_line(stage, key), kind, framework
    for event in stage.get("events") or ():
        if isinstance(event, dict) and "function" in event:
            yield event["function"], _key_line(event, "function"), "function", "zappa"


# --- AWS CDK (Python) --------------------------------------------------------------------------


def _read_cdk(root: Path, rel: str, notes: list[str]) -> list[ConfigEntry]:
    path = root / rel
    if path.stat().st_size > MAX_CONFIG_BYTES:
        return []
    data = path.read_bytes()
    if b"aws_cdk" not in data:  # cheap test before parsing: most files are not stacks
        return []
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return []  # reported as PIN001 by the analysis pass
    return cdk_config_entries(tree, rel, _cdk_app_dir(root, rel), root=root)


def _cdk_app_dir(root: Path, rel: str) -> str:
    """The folder `cdk synth` runs the app from (nearest `cdk.json`): relative paths start there."""
    folder = posixpath.dirname(rel)
    while True:
        if (root / folder / "cdk.json").is_file():
            return folder
        if not folder:
            return ""
        folder = posixpath.dirname(folder)


def cdk_config_entries(
    tree: ast.Module,
    module_path: str,
    app_dir: str = "",
    qualify: Qualify | None = None,
    root: Path | None = None,
) -> list[ConfigEntry]:
    """Python Lambda functions a CDK stack module defines.

    `app_dir` is the folder of the app's `cdk.json`: relative asset paths start there.
    """
    qualify = qualify or import_qualifier(tree)
    if not any(q.startswith("aws_cdk") for q in _import_aliases(tree).values()):
        return []
    env = _CdkEnv(module_path, app_dir, _assignments(tree), qualify, root)
    entries: list[ConfigEntry] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            reader = _CDK_READERS.get(qualify(node.func) or "")
            entries.extend(reader(node, env) if reader else ())
    return sorted(entries, key=lambda e: int(e.source.rsplit(":", 1)[1]))


@dataclass(frozen=True)
class _CdkEnv:
    module_path: str
    app_dir: str
    names: dict[str, ast.expr | None]
    qualify: Qualify
    root: Path | None  # to read a Dockerfile's CMD; None when only the tree is known

    def source(self, node: ast.AST) -> str:
        return f"{self.module_path}:{node.lineno}"


def _assignments(tree: ast.Module) -> dict[str, ast.expr | None]:
    """`name = expr` anywhere in the file; None when a name is bound to different things."""
    names: dict[str, ast.expr | None] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            bound = _bound_name(node)
            if bound:
                name, value = bound
                same = name not in names or (
                    names[name] is not None and ast.dump(names[name]) == ast.dump(value)
                )
                names[name] = value if same else None
    return names


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _deref(expr: ast.expr | None, env: _CdkEnv, depth: int = 0) -> ast.expr | None:
    while isinstance(expr, ast.Name) and expr.id in env.names and depth < 10:
        expr, depth = env.names[expr.id], depth + 1
    return expr


def _text(expr: ast.expr | None, env: _CdkEnv) -> str | None:
    expr = _deref(expr, env)
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None


def _cdk_runtime_is_python(call: ast.Call, env: _CdkEnv) -> bool:
    runtime = _deref(_keyword(call, "runtime"), env)
    if isinstance(runtime, ast.Attribute) and runtime.attr.isupper():
        return runtime.attr.startswith("PYTHON") or runtime.attr == "FROM_IMAGE"
    return True  # not spelled as `Runtime.X`: cannot tell


def _cdk_code(call_expr: ast.expr | None, env: _CdkEnv) -> tuple[str, ast.Call | None]:
    """("asset" | "inline" | "other", the Code.* call)."""
    code = _deref(call_expr, env)
    if isinstance(code, ast.Call) and isinstance(code.func, ast.Attribute):
        return CDK_CODE_METHODS.get(code.func.attr, "other"), code
    return "other", None


def _cdk_asset_bases(code: ast.Call | None, env: _CdkEnv) -> tuple[str, ...]:
    if code is None:
        return ()
    path = _cdk_path(code.args[0] if code.args else _keyword(code, "directory"), env)
    return () if path is None else (path,)


def _cdk_zip_function(call: ast.Call, env: _CdkEnv) -> list[ConfigEntry]:
    if not _cdk_runtime_is_python(call, env):
        return []
    handler = _text(_keyword(call, "handler"), env)
    kind, code = _cdk_code(_keyword(call, "code"), env)
    if handler is None:
        return [ConfigEntry("", (), env.source(call), note="handler is not a literal")]
    if kind == "inline":
        return [ConfigEntry(handler, (), env.source(call), note="inline code in the stack")]
    bases = _cdk_asset_bases(code, env) if kind == "asset" else ()
    return [ConfigEntry(handler, bases, env.source(call))]


def _cdk_image_function(call: ast.Call, env: _CdkEnv) -> list[ConfigEntry]:
    kind, code = _cdk_code(_keyword(call, "code"), env)
    bases = _cdk_asset_bases(code, env) if kind == "asset" else ()
    cmd = _deref(_keyword(code, "cmd"), env) if code else None
    first = cmd.elts[0] if isinstance(cmd, (ast.List, ast.Tuple)) and cmd.elts else None
    handler = _text(first, env)
    if handler is None and bases and env.root is not None:
        found = _dockerfile_cmd(env.root, bases[0], "Dockerfile")
        handler = found[0] if found else None
    if handler is None:
        return [
            ConfigEntry(
                "",
                bases,
                env.source(call),
                note="image function: the handler is set inside the image",
            )
        ]
    return [ConfigEntry(handler, bases, env.source(call))]


def _cdk_python_function(call: ast.Call, env: _CdkEnv) -> list[ConfigEntry]:
    if not _cdk_runtime_is_python(call, env):
        return []
    entry = _cdk_path(_keyword(call, "entry"), env)
    index = _text(_keyword(call, "index"), env) if _keyword(call, "index") else "index.py"
    handler = _text(_keyword(call, "handler"), env) if _keyword(call, "handler") else "handler"
    if entry is None or index is None or handler is None:
        return [
            ConfigEntry("", (), env.source(call), note="entry, index or handler is not a literal")
        ]
    module = index[:-3] if index.endswith(".py") else index
    return [ConfigEntry(f"{module}.{handler}", (entry,), env.source(call))]


_CDK_READERS = {
    **dict.fromkeys(CDK_ZIP_FUNCTIONS, _cdk_zip_function),
    **dict.fromkeys(CDK_IMAGE_FUNCTIONS, _cdk_image_function),
    **dict.fromkeys(CDK_PYTHON_FUNCTIONS, _cdk_python_function),
}


def _cdk_path(expr: ast.expr | None, env: _CdkEnv) -> str | None:
    """A project-relative folder from a path expression (relative literals start at the app dir)."""
    value = _path_value(expr, env, 0)
    if value is None:
        return None
    path, anchored = value
    return _join(path) if anchored else _join(env.app_dir, path)


def _path_value(expr: ast.expr | None, env: _CdkEnv, depth: int) -> tuple[str, bool] | None:
    """(path, anchored): anchored paths are project-relative (built from `__file__`)."""
    expr = _deref(expr, env)
    if expr is None or depth > 20:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value, False
    if isinstance(expr, ast.Name) and expr.id == "__file__":
        return env.module_path, True
    if isinstance(expr, ast.Attribute) and expr.attr == "parent":
        return _parent(_path_value(expr.value, env, depth + 1))
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        return _path_join([expr.left, expr.right], env, depth)
    if isinstance(expr, ast.Call):
        return _path_call(expr, env, depth)
    return None


def _path_call(call: ast.Call, env: _CdkEnv, depth: int) -> tuple[str, bool] | None:
    func = call.func
    name = (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )
    receiver = func.value if isinstance(func, ast.Attribute) else None
    method_on_path = receiver is not None and (env.qualify(receiver) or "").split(".")[0] not in (
        "os",
        "posixpath",
        "ntpath",
        "pathlib",
    )
    if name == "getcwd":
        return "", False
    if name == "dirname" and call.args:
        return _parent(_path_value(call.args[0], env, depth + 1))
    if name == "join" and call.args:
        return _path_join(call.args, env, depth)
    if name == "joinpath" and receiver is not None:
        return _path_join([receiver, *call.args], env, depth)
    if name in PATH_IDENTITY:
        inner = (
            receiver if method_on_path and not call.args else (call.args[0] if call.args else None)
        )
        return _path_value(inner, env, depth + 1)
    return None


def _parent(value: tuple[str, bool] | None) -> tuple[str, bool] | None:
    if value is None:
        return None
    return posixpath.normpath(posixpath.join(value[0] or ".", "..")), value[1]


def _path_join(parts: list[ast.expr], env: _CdkEnv, depth: int) -> tuple[str, bool] | None:
    values = [_path_value(p, env, depth + 1) for p in parts]
    if any(v is None for v in values):
        return None
    path, anchored = values[0]
    for segment, segment_anchored in values[1:]:
        path, anchored = (
            (segment, True) if segment_anchored else (posixpath.join(path, segment), anchored)
        )
    return path, anchored


_READERS = (
    (lambda name: name in TEMPLATE_NAMES or name.endswith(TEMPLATE_SUFFIXES), _read_cloudformation),
    (lambda name: name in SERVERLESS_NAMES, _read_serverless),
    (lambda name: name in ZAPPA_NAMES, _read_zappa),
    (lambda name: name.endswith(".py"), _read_cdk),
)

# ---------------------------------------------------------------------------------------------
# Matching configuration to modules, and joining both views
# ---------------------------------------------------------------------------------------------


def _candidates(entry: ConfigEntry) -> list[str]:
    module_file = entry.module_file
    package = module_file[: -len(".py")] + "/__init__.py"
    paths = [_join(base, name) for base in entry.bases for name in (module_file, package)]
    return [p for p in paths if p]


def match(config_entries: Iterable[ConfigEntry], module_paths: Iterable[str]) -> list[EntryPoint]:
    """Resolve configured handlers to project modules; unresolved ones keep a note and no path."""
    paths = {p.replace("\\", "/") for p in module_paths}
    return [_resolve(entry, paths) for entry in config_entries]


def _resolve(entry: ConfigEntry, paths: set[str]) -> EntryPoint:
    app = entry.function if entry.kind == "object" else ""
    unresolved = EntryPoint(
        "", entry.function, entry.kind, entry.source, 0, False, entry.framework, app
    )
    if entry.note:
        return replace(unresolved, note=entry.note)
    if not entry.function:
        return replace(
            unresolved, function=entry.handler, note=f"`{entry.handler}` names no function"
        )
    candidates = _candidates(entry)
    hit = next((c for c in candidates if c in paths), None)
    if hit is None and not entry.bases:
        hit = _by_file_name(entry.module_file, paths)
    if hit is None:
        where = candidates[0] if candidates else entry.module_file
        detail = (
            f"no {where} in the project"
            if entry.bases
            else (f"the code is outside the project and no single {entry.module_file} matches")
        )
        return replace(unresolved, note=detail)
    return replace(unresolved, module_path=hit)


def _by_file_name(module_file: str, paths: set[str]) -> str | None:
    """The one project file whose path ends with the handler's module path, if exactly one."""
    hits = [p for p in paths if p == module_file or p.endswith("/" + module_file)]
    return hits[0] if len(hits) == 1 else None


def merge(code: Iterable[EntryPoint], configured: Iterable[EntryPoint]) -> list[EntryPoint]:
    """One record per entry point, its sources joined ("template.yaml:14; signature").

    Code knows line, kind, async-ness and framework; configuration knows where Lambda is told
    to call it, so its sources come first. Unresolved configured entries are kept as they are.
    """
    result = list(code)
    index = {(e.module_path, e.function): i for i, e in enumerate(result)}
    config_sources: dict[int, list[str]] = {}
    for entry in configured:
        key = (entry.module_path, entry.function)
        if entry.note:
            result.append(entry)
            continue
        if key not in index:
            index[key] = len(result)
            result.append(entry)
        i = index[key]
        sources = config_sources.setdefault(i, [])
        if entry.source not in sources:
            sources.append(entry.source)
        if not result[i].framework and entry.framework:
            result[i] = replace(
                result[i], framework=entry.framework, app=result[i].app or entry.app
            )
    for i, sources in config_sources.items():
        own = [s for s in result[i].source.split("; ") if s not in sources]
        result[i] = replace(result[i], source="; ".join([*sources, *own]))
    return result


# ---------------------------------------------------------------------------------------------
# Entry points only the whole project shows
# ---------------------------------------------------------------------------------------------

_BY_NAME = {fw.name: fw for fw in FRAMEWORKS}


def promote(
    latent: Mapping[str, Latent], found: Iterable[EntryPoint], configured: Iterable[EntryPoint]
) -> list[EntryPoint]:
    """Entry points that need more than one module (``latent``: relpath -> the module's
    ``CodeEntries.latent``): the routes of an app that deployment configuration names (a
    configured entry object), the objects and routes of a framework class subclassed in
    another module, and the methods of resources defined in another module. ``found`` (the
    entry points found in code) are not repeated."""
    from pinless.model.project import module_key

    keys = {module_key(rel): rel for rel in latent}
    classes = {rel: {c.name: c for c in info.classes} for rel, info in latent.items()}
    served = {
        (e.module_path, e.function)
        for e in configured
        if e.kind == "object" and e.module_path and not e.note
    }
    have = {(e.module_path, e.function) for e in found}
    out: list[EntryPoint] = []

    def add(entry: EntryPoint) -> None:
        if (entry.module_path, entry.function) not in have:
            have.add((entry.module_path, entry.function))
            out.append(entry)

    for rel in sorted(latent):
        info = latent[rel]
        placed: dict[str, Framework] = {}
        for obj in info.objects:
            fw, cls = _place(rel, obj.bases, keys, classes)
            if fw is None:
                continue
            placed[obj.name] = fw
            if cls in fw.entry_classes:
                add(EntryPoint(rel, obj.name, "object", f"call {obj.call}", obj.line, False,
                               fw.name, obj.name))

        def live(app: str, hosted: bool = False) -> bool:
            return hosted or app in info.wrapped or (rel, app) in served

        for route in info.routes:
            entry = route.entry
            if route.method:  # a decorator: on a framework object, or one placed above
                fw = placed.get(route.app) or _BY_NAME.get(entry.framework)
                if fw is None or route.method not in fw.decorators:
                    continue
                if live(route.app, fw.hosted):
                    add(replace(entry, framework=fw.name))
            elif live(route.app):
                add(entry)
        for reg in info.resources:
            hit = _find_class(rel, reg.cls, keys, classes) if live(reg.app) else None
            if hit is not None:
                where, cls_info = hit
                for name, line, is_async in cls_info.methods:
                    add(EntryPoint(where, f"{cls_info.name}.{name}", "function", reg.source,
                                   line, is_async, reg.framework))
    order = {rel: i for i, rel in enumerate(sorted(latent))}
    return sorted(out, key=lambda e: (order.get(e.module_path, -1), e.line, e.function))


def _find_class(
    rel: str, qualname: str, keys: Mapping[str, str], classes: Mapping[str, Mapping[str, ClassInfo]]
) -> tuple[str, ClassInfo] | None:
    """The project class a module names `qualname` (as its imports qualify it), resolved the
    way the project linker resolves imports: (relpath, class)."""
    from pinless.model.project import import_keys

    level = len(qualname) - len(qualname.lstrip("."))
    dotted = qualname[level:]
    if "." in dotted:
        module, name = dotted.rsplit(".", 1)
    elif level:
        module, name = "", dotted
    else:
        return None
    for key in import_keys(posixpath.dirname(rel), "." * level + module):
        where = keys.get(key)
        if where is not None:
            info = classes[where].get(name)
            return (where, info) if info is not None else None
    return None


def _place(
    rel: str, bases: Iterable[str], keys, classes, depth: int = 0
) -> tuple[Framework | None, str]:
    """(framework, final name of its class) a class with these bases derives from, following
    project classes across modules; (None, "") when it derives from none."""
    for base in bases:
        fw = _framework_of(base)
        if fw is not None:
            return fw, base.rsplit(".", 1)[1]
        hit = _find_class(rel, base, keys, classes) if depth < MAX_CLASS_DEPTH else None
        if hit is not None:
            fw, cls = _place(hit[0], hit[1].bases, keys, classes, depth + 1)
            if fw is not None:
                return fw, cls
    return None, ""
