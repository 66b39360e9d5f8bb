"""PIN401-PIN405, and the "in a Lambda" gate of PIN407: what each entry point reaches, and
whether its connections are released at the end of every invocation without destroying what
the next warm invocation uses.

The model, computed once per project the first time a module is checked:

- **groups**: the entry points of a module, joined by the app they serve. A function entry is
  a group of its own; routes of a web app (`@app.route`) join the object or function that hands
  the event to the app (`handler = Mangum(app)`, `app = Chalice(...)`,
  `serverless_wsgi.handle_request(app, ...)`), which is where the finding is reported;
- **reach**: the project functions a group calls, transitively and across modules (`Func`
  callees and `Ref`s the project linker resolves), and every use they make of a module-level
  database object (an `Obj` with an `origin`): a method called on it, the object called, or
  the object passed to a call;
- **release**: a use whose method is a `release` in the library data (or a `return` whose
  `release-when` holds, or a `destroy`), made in the `finally` of a try at the top of a function
  whose reach holds every use of the object; or a framework hook that runs after every request.

Findings land in the module a reader would edit: PIN401 at the entry (def line or entry-object
binding), PIN402 at the destroying call, PIN403/PIN405 at the call that creates the object,
PIN404 at the call that opens the connection. Which method releases what comes from
rules/libraries/*.toml (`role`, `release`, `lifecycle`, `release-when`, `item`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pinless import catalog as catalog_mod
from pinless.checks import calls as calls_check
from pinless.finding import Edit, Finding, Fix
from pinless.fixes import lifecycle as fixer
from pinless.model.analyze import LOOP_RUNNERS
from pinless.model.facts import (
    REBIND_FINALLY,
    REBIND_NESTED,
    REBIND_NONE,
    REBIND_WHEN_CLOSED,
    CallSite,
    FunctionFacts,
    ModuleFacts,
)
from pinless.model.project import Project
from pinless.model.values import Func, Obj, ProjMod, Qual, Ref, Value

TRACKED_ROLES = frozenset({"connection", "pool", "engine", "session", "factory", "database"})
OWNER_ROLES = frozenset({"connection", "pool", "engine", "database"})
OPENED_ROLES = frozenset({"connection", "pool", "engine"})  # what PIN404 tracks when made per invocation
LOOP_ROLES = frozenset({"pool", "engine"})  # PIN405: objects whose connections belong to a loop
PIN_FAMILIES = ("PIN1", "PIN2", "PIN3")
# frameworks whose app has a hook that runs after every request (fixes/lifecycle.py HOOKS)
HOOK_FRAMEWORKS = {"chalice": "chalice-middleware", "flask": "flask-teardown"}
# decorator (final attributes) that registers such a hook, and whether it is called first
HOOK_DECORATORS = {
    "chalice-middleware": (("middleware",), True),
    "flask-teardown": (("teardown_appcontext", "teardown_request"), False),
}
ADAPTER_FRAMEWORKS = frozenset({"mangum", "apig-wsgi", "serverless-wsgi", "aws-wsgi"})
ASGI_ADAPTERS = frozenset({"mangum"})  # run an event loop per invocation


# ---------------------------------------------------------------------------------------------
# Library kinds, with `extends` followed


@dataclass(frozen=True)
class KindView:
    name: str
    library: str
    role: str
    release: str
    methods: dict[str, dict[str, Any]]
    item: str | None
    is_async: bool
    closes_on_return: bool  # every connection closes when handed back (NullPool): nothing to release
    with_closes: bool  # leaving `with <connection>` closes it (psycopg2's only ends the transaction)


def kind_view(lib, name: str) -> KindView | None:
    chain = []
    current = lib.kinds.get(name)
    seen = set()
    while current is not None and current.name not in seen:
        seen.add(current.name)
        chain.append(current)
        base = current.spec.get("extends") or current.spec.get("inherits")
        current = lib.kinds.get(base) if base else None
    if not chain:
        return None
    methods: dict[str, dict[str, Any]] = {}
    for k in reversed(chain):
        methods.update(k.methods)
    role = next((k.role for k in chain if k.role), "")
    release = next((k.spec["release"] for k in chain if k.spec.get("release")), "")
    item = next((k.item for k in chain if k.item), None)
    is_async = release.startswith("await ") or any(k.spec.get("async") for k in chain)
    closes = any(k.spec.get("closes-on-return") for k in chain)
    with_closes = next((k.spec["with-closes"] for k in chain if "with-closes" in k.spec), True)
    return KindView(name, chain[0].library, role, release, methods, item, is_async, closes, with_closes)


def _display(lib, library: str) -> str:
    from pinless.catalog import load

    data = load().libraries.get(library)
    return data.data.get("display", library) if data else library


# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class FnKey:
    module: str  # relpath
    qual: str


@dataclass(frozen=True)
class Use:
    obj: Obj  # the module-level object (origin set)
    fn: FnKey
    index: int  # into the module's calls
    call: CallSite
    method: str | None  # method called on it; "()" when the object is called; None when passed
    lifecycle: str  # "", acquire, release, return, destroy, leak (a release whose release-when fails)
    where: str  # "exit" (finally of a top-level try), "finally", "body"


@dataclass
class Group:
    module: ModuleFacts
    anchor: Any  # EntryPoint reported on
    functions: list[FnKey]  # the functions Lambda (or the framework) calls for this group
    app: str = ""
    framework: str = ""
    hook: str = ""  # a HOOKS key when the app has an idiomatic after-request hook
    hooks: list[FnKey] = field(default_factory=list)  # existing hook functions of the app
    loop: bool = False  # each invocation runs its own event loop


@dataclass
class Owner:
    """What must be released for a tracked object: the object itself, or the engine behind a
    session factory. ``obj`` None: the engine cannot be known (``reason`` says why)."""

    obj: Obj | None
    reason: str = ""


class Model:
    def __init__(self, project: Project, cat: catalog_mod.Catalog):
        self.project = project
        self.cat = cat
        self.lib = project.lib
        self.by_rel = {m.relpath: m for m in project.modules}
        self._scopes: dict[str, dict[str, list[int]]] = {}
        self._fn_info: dict[FnKey, tuple[list[Use], list[FnKey], list[tuple[FnKey, CallSite]]]] = {}
        self._reach: dict[FnKey, list[FnKey]] = {}
        self._pins: dict[str, list[Finding]] = {}
        self._owners: dict[str, Owner] = {}
        self.findings: dict[str, list[Finding]] = {}
        self._runs_loop: dict[FnKey, bool] = {}
        self._exit_callees: dict[FnKey, list[FnKey]] = {}  # functions called in a top-level `finally`
        self.reached: set[FnKey] = set()  # every function some entry point reaches
        self._listener_index: dict[str, list[FnKey]] | None = None
        self.entries = lambda_entries(project)
        self.is_lambda = bool(self.entries)

    # -- indexes ----------------------------------------------------------------------------

    def scopes(self, module: ModuleFacts) -> dict[str, list[int]]:
        out = self._scopes.get(module.relpath)
        if out is None:
            out = {}
            for i, c in enumerate(module.calls):
                out.setdefault(c.scope, []).append(i)
            self._scopes[module.relpath] = out
        return out

    def function(self, key: FnKey) -> FunctionFacts | None:
        module = self.by_rel.get(key.module)
        return module.functions.get(key.qual) if module else None

    def module_of(self, obj: Obj) -> tuple[ModuleFacts | None, str]:
        modname, _, name = obj.origin.rpartition(".")
        return self.project.module_named(modname), name

    def kind(self, obj: Obj) -> KindView | None:
        return kind_view(self.lib, obj.kind)

    # -- one function: its uses of module objects and its callees ---------------------------

    def fn_info(self, key: FnKey):
        info = self._fn_info.get(key)
        if info is not None:
            return info
        uses: list[Use] = []
        callees: list[FnKey] = []
        coroutines: list[tuple[FnKey, CallSite]] = []  # async functions called without await
        self._runs_loop[key] = False
        self._exit_callees[key] = []
        module = self.by_rel.get(key.module)
        fn = module.functions.get(key.qual) if module else None
        if module is None or fn is None:
            self._fn_info[key] = (uses, callees, coroutines)
            return self._fn_info[key]
        exits = set(getattr(fn, "exit_releases", ()))
        finals = set(fn.releases)
        managed = set(getattr(fn, "managed", ()))
        for i in self.scopes(module).get(key.qual, ()):
            c = module.calls[i]
            where = "exit" if i in exits else "finally" if i in finals else "body"
            recv = self.project.receiver(c.callee)
            target: Value | None = None
            if recv is not None and isinstance(recv[0], Obj):
                obj, method = recv
                if obj.origin:
                    life = self._lifecycle(obj, method, c)
                    if life == "scoped":  # `with db.connection_context():` closes when the block exits
                        life, where = ("release", "exit") if i in managed else ("", where)
                    uses.append(Use(obj, key, i, c, method, life, where))
            else:
                target = self.project.callee(c.callee)
                if isinstance(target, Ref):
                    target = self.project.resolve(target)
                if isinstance(target, Qual) and target.name in LOOP_RUNNERS:
                    self._runs_loop[key] = True
            if isinstance(target, Func):
                callee = self._fn_key(target)
                if callee is not None:
                    callees.append(callee)
                    if where == "exit":
                        self._exit_callees[key].append(callee)
                    facts = self.function(callee)
                    if facts is not None and facts.is_async and not fn.is_async and not c.awaited:
                        coroutines.append((callee, c))
            elif isinstance(target, Obj) and target.origin:
                uses.append(Use(target, key, i, c, "()", "", where))
            for value in list(c.args) + [v for _, v in c.kwargs]:
                v = self.project.resolve(value)
                if isinstance(v, Obj) and v.origin:
                    uses.append(Use(v, key, i, c, None, "", where))
                elif isinstance(v, Func):
                    callee = self._fn_key(v)
                    if callee is not None:
                        callees.append(callee)
        self._fn_info[key] = (uses, callees, coroutines)
        return self._fn_info[key]

    def _fn_key(self, func: Func) -> FnKey | None:
        module, facts = self.project.function(func)
        if module is None or facts is None:
            return None
        return FnKey(module.relpath, facts.qualname)

    def _lifecycle(self, obj: Obj, method: str, call: CallSite) -> str:
        kind = self.kind(obj)
        spec = kind.methods.get(method) if kind else None
        if not spec:
            return ""
        life = spec.get("lifecycle", "")
        when = spec.get("release-when")
        if life in ("release", "return") and when:
            holds = calls_check.conditions_hold(self.project, call, when)
            if life == "release" and not holds:
                return "leak"
            if life == "return" and holds:
                return "release"
        return life

    def reach(self, key: FnKey) -> list[FnKey]:
        out = self._reach.get(key)
        if out is not None:
            return out
        out, seen, todo = [], {key}, [key]
        while todo:
            current = todo.pop(0)
            out.append(current)
            for callee in self.fn_info(current)[1]:
                if callee not in seen:
                    seen.add(callee)
                    todo.append(callee)
        self._reach[key] = out
        return out

    def runs_loop(self, key: FnKey) -> bool:
        """Whether the function starts an event loop of its own (`asyncio.run(...)`)."""
        self.fn_info(key)
        return self._runs_loop.get(key, False)

    def uses_in(self, keys) -> list[Use]:
        return [u for k in keys for u in self.fn_info(k)[0]]

    def exit_releases(self, key: FnKey) -> list[Use]:
        """Releases that run when ``key`` exits: in its top-level `finally`, directly or in the
        body of a function called there (`finally: cleanup()`), attributed to ``key``'s exit."""
        out = [u for u in self.fn_info(key)[0] if u.where == "exit" and u.lifecycle in ("release", "destroy")]
        for callee in self._exit_callees.get(key, ()):
            for k in self.reach(callee):
                for u in self.fn_info(k)[0]:
                    if u.lifecycle in ("release", "destroy"):
                        out.append(Use(u.obj, key, u.index, u.call, u.method, u.lifecycle, "exit"))
        return out

    # -- owners: what to release for a tracked object ----------------------------------------

    def creating_call(self, obj: Obj) -> tuple[ModuleFacts, CallSite] | None:
        module, name = self.module_of(obj)
        if module is None or not obj.site:
            return None
        here = [c for c in module.calls if c.span.line == obj.site]
        here.sort(
            key=lambda c: (c.span.end_line - c.span.line, c.span.end_column - c.span.column), reverse=True
        )
        for c in here:
            if self._produces(c) == obj.kind:
                return module, c
        return (module, here[0]) if here else None

    def _produces(self, c: CallSite) -> str:
        callee = self.project.callee(c.callee)
        if isinstance(callee, Qual):
            spec = self.lib.calls.get(callee.name)
            return spec.get("returns", "") if spec else ""
        if isinstance(callee, Obj):
            k = self.lib.kinds.get(callee.kind)
            return k.call or "" if k else ""
        return ""

    def owner(self, obj: Obj, depth: int = 0) -> Owner:
        cached = self._owners.get(obj.origin)
        if cached is not None and depth == 0:
            return cached
        result = self._owner(obj, depth)
        if depth == 0:
            self._owners[obj.origin] = result
        return result

    def _owner(self, obj: Obj, depth: int) -> Owner:
        kind = self.kind(obj)
        role = kind.role if kind else ""
        name = obj.origin.rpartition(".")[2]
        if role in OWNER_ROLES:
            return Owner(obj)
        if depth > 6:
            return Owner(None, f"the engine behind `{name}` cannot be followed")
        made = self.creating_call(obj)
        if made is None:
            return Owner(None, f"pinless cannot see where `{name}` is created, so not which engine it uses")
        module, call = made
        callee = self.project.callee(call.callee)
        if isinstance(callee, Obj):  # `session = SessionFactory()`
            if callee.origin:
                return self.owner(callee, depth + 1)
            inner = self._inner_call(module, call, callee.kind)  # `sessionmaker(bind=engine)()`
            if inner is None:
                return Owner(None, f"the engine behind `{name}` cannot be known")
            call = inner
        bind = call.kwarg("bind")
        if bind is None and call.args:
            bind = call.args[0]
        if bind is None:
            return Owner(None, f"`{name}` is not bound to an engine pinless can see (no `bind=`)")
        value = self.project.resolve(bind)
        if isinstance(value, Obj) and value.origin:
            return self.owner(value, depth + 1)
        if isinstance(value, Obj):  # nested: scoped_session(sessionmaker(bind=engine))
            inner = self._inner_call(module, call, value.kind)
            if inner is not None:
                nested = inner.kwarg("bind") or (inner.args[0] if inner.args else None)
                nested = self.project.resolve(nested) if nested is not None else None
                if isinstance(nested, Obj) and nested.origin:
                    return self.owner(nested, depth + 1)
        return Owner(None, f"the engine `{name}` is bound to cannot be known statically")

    def _inner_call(self, module: ModuleFacts, call: CallSite, kind: str) -> CallSite | None:
        """The call inside ``call``'s own text that makes an object of ``kind``."""
        for c in module.calls:
            if (
                c.scope == call.scope
                and c is not call
                and (c.span.line, c.span.column) >= (call.span.line, call.span.column)
                and (c.span.end_line, c.span.end_column) <= (call.span.end_line, call.span.end_column)
                and self._produces(c) == kind
            ):
                return c
        return None

    def covers(self, releaser: Obj, obj: Obj) -> bool:
        """Whether releasing ``releaser`` releases the connections of ``obj``."""
        if releaser.origin == obj.origin:
            return True
        own = self.owner(obj)
        if own.obj is not None and own.obj.origin == releaser.origin:
            return True
        rk, ok = self.kind(releaser), self.kind(obj)
        if rk and ok and rk.item and rk.library == ok.library:
            return (
                rk.item == obj.kind
                or kind_view(self.lib, rk.item) is not None
                and kind_view(self.lib, rk.item).name == ok.name
            )
        return False

    # -- pins reachable from a group --------------------------------------------------------

    def pins(self, module: ModuleFacts) -> list[Finding]:
        out = self._pins.get(module.relpath)
        if out is None:
            out = [
                f
                for f in calls_check.check_module(self.project, module, self.cat)
                if f.code.startswith(PIN_FAMILIES)
            ]
            self._pins[module.relpath] = out
        return out

    def reachable_pins(self, keys: list[FnKey], objects: list[Obj]) -> list[tuple[ModuleFacts, Finding]]:
        fns = list(keys)
        spans: list[tuple[ModuleFacts, CallSite]] = []
        for obj in objects:
            made = self.creating_call(obj)
            if made is not None:
                spans.append(made)
                fns.extend(k for k in self._callbacks(made[0], made[1]))
            fns.extend(self._listeners(obj))
        found, seen = [], set()
        for key in fns:
            for k in self.reach(key):
                module = self.by_rel.get(k.module)
                if module is None:
                    continue
                for f in self.pins(module):
                    if f.scope == k.qual and id(f) not in seen:
                        seen.add(id(f))
                        found.append((module, f))
        for module, call in spans:
            for f in self.pins(module):
                if (
                    f.scope == call.scope
                    and call.span.line <= f.line <= call.span.end_line
                    and id(f) not in seen
                ):
                    seen.add(id(f))
                    found.append((module, f))
        return found

    def _callbacks(self, module: ModuleFacts, call: CallSite) -> list[FnKey]:
        out = []
        for value in list(call.args) + [v for _, v in call.kwargs]:
            v = self.project.resolve(value)
            if isinstance(v, Func):
                key = self._fn_key(v)
                if key is not None:
                    out.append(key)
        return out

    def _listeners(self, obj: Obj) -> list[FnKey]:
        """Functions a library calls back for this object (SQLAlchemy `connect` listeners)."""
        if self._listener_index is None:
            self._listener_index = self._index_listeners()
        return self._listener_index.get(obj.origin, [])

    def _index_listeners(self) -> dict[str, list[FnKey]]:
        """origin -> callback functions registered on it, over the whole project (once)."""
        index: dict[str, list[FnKey]] = {}
        for module in self.project.modules:
            below = None
            for c in module.calls:
                if c.scope != "" and not isinstance(c.callee, (Qual, Ref)):
                    continue
                callee = self.project.callee(c.callee)
                if not isinstance(callee, Qual):
                    continue
                spec = self.lib.calls.get(callee.name)
                if not spec or "callback" not in spec:
                    continue
                origins = [
                    v.origin for v in map(self.project.resolve, c.args) if isinstance(v, Obj) and v.origin
                ]
                if not origins:
                    continue
                found = self._callbacks(module, c)
                # decorator form: the function defined right below the call
                if below is None:
                    below = sorted(
                        (f for f in module.functions.values() if f.decorators and "." not in f.qualname),
                        key=lambda f: f.span.line,
                    )
                nxt = next((f for f in below if c.span.end_line < f.span.line <= c.span.end_line + 8), None)
                if nxt is not None:
                    found.append(FnKey(module.relpath, nxt.qualname))
                for origin in origins:
                    index.setdefault(origin, []).extend(found)
        return index


def model_for(project: Project, cat: catalog_mod.Catalog) -> Model:
    project.note(Project.ALL)  # the model follows reach over the whole project
    model = getattr(project, "_lifecycle_model", None)
    if model is None:
        model = Model(project, cat)
        project._lifecycle_model = model  # type: ignore[attr-defined]
        Analysis(model).run()
    return model


def lambda_entries(project: Project) -> list:
    """The project's resolved Lambda entry points (the runner puts their presence in its cache
    keys, so asking whether there are any is no lookup)."""
    return [e for e in getattr(project, "entry_points", []) or [] if e.module_path and not e.note]


# ---------------------------------------------------------------------------------------------
# Groups of entry points


def groups_of(model: Model, module: ModuleFacts, entries: list) -> list[Group]:
    functions = {e.function: e for e in entries if e.kind == "function" and e.function in module.functions}
    objects = {e.function: e for e in entries if e.kind == "object"}
    groups: list[Group] = []
    absorbed: set[str] = set()
    # an entry object called by an entry function (`return _handler(event, context)`) is only
    # reached through that function: the function is what Lambda calls
    wrapper_of: dict[str, str] = {}
    for name in objects:
        value = module.exports.get(name)
        if value is None:
            continue
        for fname in functions:
            if any(module.calls[i].callee == value for i in model.scopes(module).get(fname, ())):
                wrapper_of[name] = fname
    apps: dict[str, list] = {}
    for e in entries:
        if e.app:
            apps.setdefault(e.app, []).append(e)
    for app, members in apps.items():
        routes = [
            e
            for e in members
            # routes: decorated functions, methods of resources registered on the app's API
            if e.kind == "function" and e.source.startswith(("decorator", "route ")) and e.function in functions
        ]
        anchors = []
        for e in members:
            if e.kind == "object":
                anchors.append(functions[wrapper_of[e.function]] if e.function in wrapper_of else e)
        anchors += [
            e for e in members if e.kind == "function" and e not in routes and e.function in functions
        ]
        if not anchors:
            continue  # routes alone: each is its own group below
        anchor = anchors[0]
        framework = next((e.framework for e in routes if e.framework), "") or anchor.framework
        objs = [e for e in members if e.kind == "object"]
        if objs and objs[0].framework in HOOK_FRAMEWORKS:
            framework = objs[0].framework
        keys = [FnKey(module.relpath, e.function) for e in routes]
        if anchor.kind == "function":
            keys.insert(0, FnKey(module.relpath, anchor.function))
        group = Group(module, anchor, keys, app, framework, HOOK_FRAMEWORKS.get(framework, ""))
        group.hooks = _hook_functions(module, app, group.hook) if group.hook else []
        group.loop = any(e.framework in ASGI_ADAPTERS for e in objs) or anchor.is_async
        groups.append(group)
        absorbed.update(e.function for e in members)
        absorbed.update(e.function for e in anchors)
    absorbed.update(wrapper_of)
    for e in entries:
        if e.function in absorbed or e.kind != "function" or e.function not in functions:
            continue
        groups.append(Group(module, e, [FnKey(module.relpath, e.function)], loop=e.is_async))
    return groups


def _hook_functions(module: ModuleFacts, app: str, hook: str) -> list[FnKey]:
    names, called = HOOK_DECORATORS[hook]
    base = module.exports.get(app)
    out = []
    for fn in module.functions.values():
        for deco in fn.decorators:
            if not isinstance(deco, Ref) or not deco.ops:
                continue
            ops = deco.ops
            if called:
                if len(ops) < 2 or ops[-1] != ("call", "") or ops[-2][0] != "attr" or ops[-2][1] not in names:
                    continue
                head = ops[:-2]
            else:
                if ops[-1][0] != "attr" or ops[-1][1] not in names:
                    continue
                head = ops[:-1]
            if (
                base is None
                or not isinstance(base, Ref)
                or (base.module, base.name, base.ops) == (deco.module, deco.name, head)
            ):
                out.append(FnKey(module.relpath, fn.qualname))
    return out


# ---------------------------------------------------------------------------------------------
# The analysis: findings for every group of the project


@dataclass
class Exposure:
    """One tracked object a group reaches, and how (if at all) it is released."""

    owner: Owner
    objs: list[Obj]  # the tracked objects behind this owner
    uses: list[Use]  # every use of them in the group's reach
    state: str = "no"  # "yes" released on every path, "partial" released on some, "no"
    destroyed: bool = False  # released only through a destroy (see PIN402)


class Analysis:
    def __init__(self, model: Model):
        self.model = model
        self.project = model.project
        self.cat = model.cat
        self.out = model.findings
        self._reported: set[tuple] = set()
        self._fixes: dict[tuple, tuple[Fix | None, str]] = {}
        self._release_text: dict[tuple, str] = {}

    def emit_at_call(self, code: str, module: ModuleFacts, call: CallSite, fields: dict[str, str],
                     fix: Fix | None = None, reason: str = "") -> None:
        """A finding on a call (the destroying, opening or creating call)."""
        span = call.span
        self.emit(code, module, span.line, span.column, span.end_line, span.end_column, fields,
                  fix=fix, scope=call.scope, snippet=call.snippet, line_text=call.line_text,
                  reason=reason)

    def emit(
        self,
        code: str,
        module: ModuleFacts,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        fields: dict[str, str],
        fix: Fix | None = None,
        scope: str = "",
        snippet: str = "",
        line_text: str = "",
        reason: str = "",
    ) -> None:
        rule = self.cat.rules.get(code)
        if rule is None:
            return
        key = (module.path, code, line, column, fields.get("object", ""))
        if key in self._reported:
            return  # one object reached by several entry points is reported once where it is made
        self._reported.add(key)
        fields = dict(fields)
        template = rule.message
        if reason and "{reason}" not in template and fix is None:
            extra = f"; no fix: {reason}"
        else:
            extra = ""
        if reason and "{reason}" in template:
            fields["reason"] = f"; no fix: {reason}" if fix is None else ""
        message = template.format_map(calls_check._Default(fields)).strip()
        pin = fields.get("pin", "")
        if pin and "{pin}" not in template:
            message += pin
        message += extra
        self.out.setdefault(module.path, []).append(
            Finding(
                code=code,
                message=message,
                path=module.path,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                help=rule.help or None,
                fix=fix,
                scope=scope,
                snippet=snippet,
                line_text=line_text or _line(module, line, self.project),
            )
        )

    def run(self) -> None:
        model = self.model
        by_module: dict[str, list] = {}
        for e in model.entries:
            by_module.setdefault(e.module_path, []).append(e)
        groups = []
        for rel, entries in sorted(by_module.items()):
            module = model.by_rel.get(rel)
            if module is not None:
                groups.extend(groups_of(model, module, entries))
        reached: dict[str, list[tuple[Group, Exposure]]] = {}
        for group in groups:
            model.reached.update(self.group_keys(group))
            for exp in self.exposures(group):
                for obj in exp.objs:
                    reached.setdefault(obj.origin, []).append((group, exp))
                self.pin401(group, exp)
            self.pin402(group)
            self.pin404(group)
        self.pin403_405(reached)

    # -- what a group reaches ---------------------------------------------------------------

    def group_keys(self, group: Group) -> list[FnKey]:
        keys, seen = [], set()
        for start in group.functions:
            for k in self.model.reach(start):
                if k not in seen:
                    seen.add(k)
                    keys.append(k)
        return keys

    def exposures(self, group: Group) -> list[Exposure]:
        model = self.model
        keys = self.group_keys(group)
        uses = model.uses_in(keys)
        tracked: dict[str, Exposure] = {}
        for u in uses:
            kind = model.kind(u.obj)
            if kind is None or kind.role not in TRACKED_ROLES or kind.closes_on_return:
                continue
            # releasing one object of a library container (`connections.close_all()`) is not a use
            if u.lifecycle in ("release", "destroy", "return", "leak") and kind.item:
                continue
            owner = model.owner(u.obj)
            if owner.obj is not None and model.kind(owner.obj) and model.kind(owner.obj).closes_on_return:
                continue
            key = owner.obj.origin if owner.obj is not None else "?" + u.obj.origin
            exp = tracked.get(key)
            if exp is None:
                exp = tracked[key] = Exposure(owner, [], [])
            if u.obj not in exp.objs:
                exp.objs.append(u.obj)
        for exp in tracked.values():
            exp.uses = [
                u
                for u in uses
                if any(model.covers(u.obj, o) or u.obj.origin == o.origin for o in exp.objs)
                or (exp.owner.obj is not None and u.obj.origin == exp.owner.obj.origin)
            ]
            exp.state, exp.destroyed = self.released(group, exp, keys)
        return list(tracked.values())

    def released(self, group: Group, exp: Exposure, keys: list[FnKey]) -> tuple[str, bool]:
        model = self.model
        target = exp.owner.obj

        def relevant(u: Use) -> bool:
            return (
                target is not None
                and model.covers(u.obj, target)
                or any(model.covers(u.obj, o) for o in exp.objs)
            )

        releases = [u for u in model.uses_in(keys) if u.lifecycle in ("release", "destroy") and relevant(u)]
        releases += [
            u
            for k in keys
            for u in model.exit_releases(k)
            if u.fn == k and relevant(u) and u.call not in [r.call for r in releases if r.fn == k]
        ]
        users = {u.fn for u in exp.uses if u not in releases}
        for hook in group.hooks:
            hook_releases = [
                u
                for u in model.uses_in(model.reach(hook))
                if u.lifecycle in ("release", "destroy")
                and (target is not None and model.covers(u.obj, target))
            ]
            if hook_releases:
                return "yes", all(u.lifecycle == "destroy" for u in hook_releases)
        starts = group.functions
        good = [u for u in releases if u.where in ("exit", "finally")]
        if group.anchor.kind == "function":
            anchor = FnKey(group.module.relpath, group.anchor.function)
            # every invocation passes through the anchor: its own `finally` covers the routes too
            if any(u.fn == anchor and u.where == "exit" for u in good):
                return "yes", all(u.lifecycle == "destroy" for u in good if u.fn == anchor)
        if good and all(
            self._covered_start(start, good, users) for start in starts if users & set(model.reach(start))
        ):
            return "yes", all(u.lifecycle == "destroy" for u in good)
        if releases:
            return "partial", all(u.lifecycle == "destroy" for u in releases)
        return "no", False

    def _covered_start(self, start: FnKey, good: list[Use], users: set[FnKey]) -> bool:
        reach = set(self.model.reach(start))
        mine = users & reach
        for u in good:
            if u.fn in reach and mine <= set(self.model.reach(u.fn)):
                return True
        return False

    # -- PIN401 -----------------------------------------------------------------------------

    def pin401(self, group: Group, exp: Exposure) -> None:
        if exp.state == "yes":
            return
        model = self.model
        module, anchor = group.module, group.anchor
        obj = exp.owner.obj or exp.objs[0]
        kind = model.kind(obj)
        name = _expr_name(obj)
        pins = model.reachable_pins(
            self.group_keys(group), exp.objs + ([exp.owner.obj] if exp.owner.obj else [])
        )
        fix, reason, release = self.group_fix(group, exp)
        if exp.state == "partial":
            # never a second release: the existing one has to be moved by hand
            fix, reason = None, "it already releases on some paths; move that release into a `finally`"
        fields = {
            "object": name,
            "library": _display(model.lib, kind.library) if kind else "",
            "release": _call_line(release),
            "pin": _pin_text(pins, module, self.project),
            "construct": name,
        }
        line, col, end_line, end_col, text = _anchor_span(module, anchor, self.project)
        self.emit(
            "PIN401",
            module,
            line,
            col,
            end_line,
            end_col,
            fields,
            fix=fix,
            scope=anchor.function,
            snippet=text.strip(),
            line_text=text,
            reason=reason if fix is None else "",
        )

    # -- fixes for a group ------------------------------------------------------------------

    def group_fix(self, group: Group, exp: Exposure) -> tuple[Fix | None, str, str]:
        """(fix, reason when none, release text) for one exposure of a group."""
        key = (id(group), exp.owner.obj.origin if exp.owner.obj else id(exp))
        if key in self._fixes:
            fix, reason = self._fixes[key]
            return fix, reason, self._release_text.get(key, "")
        fix, reason, release = self._make_group_fix(group, exp)
        self._fixes[key] = (fix, reason)
        self._release_text[key] = release
        return fix, reason, release

    def _make_group_fix(self, group: Group, exp: Exposure) -> tuple[Fix | None, str, str]:
        model = self.model
        owner = exp.owner
        if owner.obj is None:
            return None, owner.reason, ""
        obj = owner.obj
        kind = model.kind(obj)
        if kind is None:
            return None, "pinless has no lifecycle facts for this object", ""
        oname = _expr_name(obj)
        # 1. pools whose connections go back with `return` calls: make them close the connection
        ret = [
            (m, spec)
            for m, spec in kind.methods.items()
            if spec.get("lifecycle") == "return" and spec.get("release-when")
        ]
        if ret and not kind.release:
            return self._return_fix(group, exp, ret)
        # 2. a template that keeps the object: the release goes where every use is covered
        release_method = _template_method(kind.release)
        life = kind.methods.get(release_method, {}).get("lifecycle", "") if release_method else ""
        container = self._container_release(obj, kind)
        if container is not None:
            cname, ckind, cmodule, cqual = container
            template = ckind.release
            return self._release_fix(group, exp, template, cname, (cmodule, cqual), False)
        if kind.release and life == "release":
            return self._release_fix(group, exp, kind.release, oname, None, False)
        # 3. no keep-the-object release: close it and re-create lazily (unsafe)
        destroy = (
            release_method
            if life == "destroy"
            else next((m for m, spec in kind.methods.items() if spec.get("lifecycle") == "destroy"), None)
        )
        if destroy is None:
            return (
                None,
                f"{_display(model.lib, kind.library)} offers no call that closes `{oname}`'s connections",
                "",
            )
        template = kind.release if release_method == destroy else "{object}." + destroy + "()"
        if not template.startswith("await ") and self._is_async_obj(obj, exp):
            template = "await " + template
        return self._release_fix(group, exp, template, oname, None, True)

    def _container_release(self, obj: Obj, kind: KindView):
        """A library object holding every object of this kind (`django.db.connections` for
        `connection`): its release closes them all, whichever alias the code used."""
        for qual, kname in self.model.lib.objects.items():
            ck = kind_view(self.model.lib, kname)
            if ck is None or not ck.release or ck.library != kind.library or not ck.item:
                continue
            if (
                ck.item == kind.name
                and _template_method(ck.release)
                and ck.methods.get(_template_method(ck.release), {}).get("lifecycle") == "release"
            ):
                module, _, name = qual.rpartition(".")
                return name, ck, module, name
        return None

    def _is_async_obj(self, obj: Obj, exp: Exposure) -> bool:
        kind = self.model.kind(obj)
        if kind is not None and kind.is_async:
            return True
        made = self.model.creating_call(obj)
        if made is not None and made[1].awaited:
            return True
        return any(
            u.call.awaited and u.method not in (None, "()") for u in exp.uses if u.obj.origin == obj.origin
        )

    def _placement(self, group: Group, exp: Exposure, is_async: bool) -> tuple[FnKey | None, str]:
        """The function whose exit `finally` gets the release, or (None, reason)."""
        model = self.model
        anchor = group.anchor
        if anchor.kind == "object":
            if group.hook:
                return None, ""  # handled by the hook
            if is_async:
                return None, "an async object must be released on the adapter's event loop"
            return None, ""
        start = FnKey(group.module.relpath, anchor.function)
        fn = model.function(start)
        if fn is None:
            return None, f"`{anchor.function}` is not a function pinless analysed"
        users = {u.fn for u in exp.uses if u.lifecycle not in ("release", "destroy")}
        if not is_async or fn.is_async:
            return start, ""  # routes behind it run inside its call: its `finally` covers them
        # an async object used from a sync handler: release inside the coroutine the loop runs
        roots = []
        for k in model.reach(start):
            for callee, _ in model.fn_info(k)[2]:
                if callee not in roots:
                    roots.append(callee)
        for root in roots:
            if users <= set(model.reach(root)):
                return root, ""
        return None, "the async object is used from several coroutines; release it in the one that runs last"

    def _release_fix(
        self,
        group: Group,
        exp: Exposure,
        template: str,
        name: str,
        imported: tuple[str, str] | None,
        destructive: bool,
    ) -> tuple[Fix | None, str, str]:
        model = self.model
        obj = exp.owner.obj
        is_async = template.startswith("await ")
        release = template.format(object=name)
        anchor = group.anchor
        if group.hook and not destructive and not is_async:
            return self._hook_fix(group, exp, template, name, imported)
        if anchor.kind == "object" and not group.hook:
            if destructive:
                return None, "the object would have to be re-created after every invocation", release
            if is_async:
                return None, "an async object must be released on the adapter's event loop", release
            return self._wrap_fix(group, exp, template, name, imported)
        if anchor.kind == "object":
            return None, f"the `{group.framework}` hook cannot release an async or destroyed object", release
        where, reason = self._placement(group, exp, is_async)
        if where is None:
            return None, reason, release
        module = model.by_rel[where.module]
        fn = module.functions[where.qual]
        if "." in where.qual:
            return None, f"`{where.qual}` is not a top-level function", release
        if is_async and not fn.is_async:
            return None, f"`{release}` needs an event loop and `{where.qual}` is not async", release
        text = self.project.texts.get(module.path)
        if text is None:
            return None, f"{module.relpath} is not among the files being fixed", release
        release, imports, why = self._release_code(module, obj, template, name, imported, destructive)
        if release is None:
            return None, why, template.format(object=name)
        rebind = ""
        if destructive:
            omod, oname = model.module_of(obj)
            if omod is None or omod.relpath != module.relpath:
                where = omod.relpath if omod else "another module"
                return None, f"`{oname}` belongs to {where}: only a rebinding there can re-create it", release
            derived = self._derived_names(obj)
            if derived:
                return None, (f"`{derived[0]}` is made from `{oname}` at import time and would keep "
                              "the closed object"), release
            rebind = oname
        plan = fixer.Plan(
            "function", where.qual, finals=(release,), imports=imports, rebind=rebind, guard=bool(rebind)
        )
        try:
            edits = fixer.edits_for(text, plan)
        except fixer.CannotFix as exc:
            return None, str(exc), release
        if not edits:
            return None, "the release is already in place", release
        applicability = "unsafe" if destructive else "safe"
        message = f"release with `{_call_line(release)}` in a `finally`" + (
            f" and rebind `{rebind}` lazily" if rebind else ""
        )
        return Fix(applicability, message, edits), "", release

    def _release_code(
        self, module: ModuleFacts, obj: Obj, template: str, name: str, imported, destructive: bool
    ) -> tuple[str | None, tuple, str]:
        """(statement code, imports it needs, reason when None) releasing ``obj`` from ``module``.

        An object created lazily (bound to its module-level name by a function) may not exist yet
        when the release runs, and a `from m import name` copy of it stays None: it is released
        through its module, under `if ... is not None:`."""
        lazy = not destructive and imported is None and self._lazy(obj)
        local, imports, why = self._local_name(module, obj, name, imported, lazy)
        if local is None:
            return None, (), why
        code = template.format(object=local)
        if lazy:
            code = f"if {local} is not None:\n    {code}"
        return code, imports, ""

    def _lazy(self, obj: Obj) -> bool:
        made = self.model.creating_call(obj)
        return made is not None and made[1].scope != ""

    def _derived_names(self, obj: Obj) -> list[str]:
        """Module-level names made from the object at import time (`cursor = db.cursor()`)."""
        import re

        module, _ = self.model.module_of(obj)
        out = []
        for c in module.calls if module is not None else ():
            if c.scope != "":
                continue
            recv = self.project.receiver(c.callee)
            if recv is not None and isinstance(recv[0], Obj) and recv[0].origin == obj.origin:
                m = re.match(r"^(\w+)\s*(?::[^=]*)?=", c.line_text)
                if m:
                    out.append(m.group(1))
        return out

    def _module_access(
        self, module: ModuleFacts, omod: ModuleFacts, oname: str
    ) -> tuple[str | None, tuple, str]:
        """``db.engine`` / ``chalicelib.db.engine``: the object read through its module when the
        release runs, importing the module the way this file already imports from it."""
        from pinless.model.project import module_key

        key = module_key(omod.relpath)
        for local, value in module.exports.items():
            resolved = self.project.resolve(value)
            if isinstance(resolved, ProjMod) and resolved.key == key:
                return f"{local}.{oname}", (), ""
        for value in module.exports.values():
            if isinstance(value, Ref) and value.name:
                base, _, modname = value.module.partition("|")
                if self.project.find_module(base, modname) is not omod:
                    continue
                parent, _, last = modname.rpartition(".")
                if last not in module.exports and (parent or modname.startswith(".")):
                    return f"{last}.{oname}", ((parent or ".", last),), ""  # from pkg import db
                if not modname.startswith(".") and modname.split(".")[0] not in module.exports:
                    return f"{modname}.{oname}", ((modname, ""),), ""  # import pkg.db
                break
        if "." not in omod.module and omod.module not in module.exports:
            return f"{omod.module}.{oname}", ((omod.module, ""),), ""
        return None, (), f"`{oname}` is created lazily in {omod.relpath}; release it there"

    def _local_name(
        self,
        module: ModuleFacts,
        obj: Obj,
        name: str,
        imported: tuple[str, str] | None,
        lazy: bool = False,
    ) -> tuple[str | None, tuple, str]:
        """How ``module`` spells the object (importing it when the plan says how)."""
        if lazy:
            omod, oname = self.model.module_of(obj)
            if omod is None:
                return None, (), f"`{name}` is not importable"
            if omod.relpath == module.relpath:
                return oname, (), ""
            return self._module_access(module, omod, oname)
        if imported is not None:
            mod, attr = imported
            value = module.exports.get(attr)
            if value is None:
                return attr, ((mod, attr),), ""
            resolved = self.project.resolve(value)
            if (
                isinstance(resolved, Obj)
                and self.model.kind(resolved)
                and self.model.kind(resolved).name == (self.model.lib.objects.get(f"{mod}.{attr}") or "")
            ):
                return attr, (), ""
            if isinstance(resolved, Qual) and resolved.name == f"{mod}.{attr}":
                return attr, (), ""
            return None, (), f"`{attr}` already means something else in {module.relpath}"
        for local, value in module.exports.items():
            resolved = self.project.resolve(value)
            if isinstance(resolved, Obj) and resolved.origin == obj.origin:
                return local, (), ""
        omod, oname = self.model.module_of(obj)
        if omod is None:
            return None, (), f"`{name}` is not importable"
        if oname in module.exports:
            return None, (), f"`{oname}` already means something else in {module.relpath}"
        # import it the way this module already imports from that module (`from .db import ...`),
        # else by its dotted name from the project root
        spec = omod.module
        for value in module.exports.values():
            if isinstance(value, Ref) and value.name:
                base, _, modname = value.module.partition("|")
                if self.project.find_module(base, modname) is omod:
                    spec = modname
                    break
        return oname, ((spec, oname),), ""

    def _return_fix(self, group: Group, exp: Exposure, ret) -> tuple[Fix | None, str, str]:
        model = self.model
        obj = exp.owner.obj
        methods = {m: spec for m, spec in ret}
        returns = [u for u in exp.uses if u.obj.origin == obj.origin and u.method in methods]
        oname = _expr_name(obj)
        method, spec = ret[0]
        kwarg = _kwarg_for(spec.get("release-when", []))
        release = f"{oname}.{method}(conn, {kwarg})" if kwarg else ""
        if not returns:
            return (
                None,
                f"hand each connection back with `{oname}.{method}(conn, {kwarg})` in a `finally`",
                release,
            )
        if any(u.where == "body" for u in returns):
            return None, f"`{oname}.{method}()` is not called in a `finally`", release
        if kwarg is None:
            return None, "pinless cannot tell which argument makes the pool close the connection", release
        edits = []
        for u in returns:
            if u.lifecycle == "release":
                continue
            edit = _add_kwarg_edit(u.call, kwarg)
            if edit is None:
                return None, f"`{u.call.snippet}` passes `*args`/`**kwargs`", release
            edits.append((model.by_rel[u.fn.module], edit))
        files = {m.path for m, _ in edits}
        if len(files) != 1:
            return None, "the connections are handed back in several files", release
        return (
            Fix(
                "safe",
                f"pass `{kwarg}` so the connection is closed, not kept in the pool",
                tuple(e for _, e in edits),
            ),
            "",
            release,
        )

    def _planned_fix(self, group: Group, exp: Exposure, template: str, name: str, imported,
                     plan, message) -> tuple[Fix | None, str, str]:
        """A safe fix whose edits libcst computes from ``plan(release, imports)``; ``message``
        names it from the release call. (fix, why no fix, release text)."""
        module = group.module
        text = self.project.texts.get(module.path)
        release, imports, why = self._release_code(module, exp.owner.obj, template, name, imported, False)
        if release is None:
            return None, why, template.format(object=name)
        if text is None:
            return None, f"{module.relpath} is not among the files being fixed", release
        try:
            edits = fixer.edits_for(text, plan(release, imports))
        except fixer.CannotFix as exc:
            return None, str(exc), release
        return Fix("safe", message(release), edits), "", release

    def _wrap_fix(
        self, group: Group, exp: Exposure, template: str, name: str, imported
    ) -> tuple[Fix | None, str, str]:
        return self._planned_fix(
            group, exp, template, name, imported,
            lambda release, imports: fixer.Plan(
                "wrap", group.anchor.function, finals=(release,), imports=imports,
                adapter=group.anchor.framework),
            lambda release: f"wrap `{group.anchor.function}` in a handler that calls "
                            f"`{_call_line(release)}` in a `finally`",
        )

    def _hook_fix(
        self, group: Group, exp: Exposure, template: str, name: str, imported
    ) -> tuple[Fix | None, str, str]:
        what = "middleware" if group.hook == "chalice-middleware" else "`teardown_appcontext` hook"
        return self._planned_fix(
            group, exp, template, name, imported,
            lambda release, imports: fixer.Plan(
                "hook", group.app, finals=(release,), imports=imports, hook=group.hook,
                after=(release.split("\n")[-1].strip().removeprefix("await ").split(".")[0],)),
            lambda release: f"add a {what} on `{group.app}` that calls `{_call_line(release)}`",
        )

    # -- PIN402 -----------------------------------------------------------------------------

    def pin402(self, group: Group) -> None:
        model = self.model
        keys = self.group_keys(group)
        for u in model.uses_in(keys):
            if u.lifecycle != "destroy":
                continue
            if self.recreated(u):
                continue
            module = model.by_rel[u.fn.module]
            kind = model.kind(u.obj)
            fix, reason = self.destroy_fix(u)
            name = _expr_name(u.obj)
            fields = {
                "object": name,
                "library": _display(model.lib, kind.library) if kind else "",
                "construct": _call_text(u.call),
                "release": _call_text(u.call),
            }
            c = u.call
            self.emit_at_call(
                "PIN402", module, c, fields, fix=fix, reason=reason if fix is None else "",
            )

    def recreated(self, use: Use) -> bool:
        module, name = self.model.module_of(use.obj)
        if module is None:
            return False
        creation = reset_after = unconditional = False
        for fn in module.functions.values():
            for rname, line, flags in getattr(fn, "rebinds", ()):
                if rname != name:
                    continue
                if flags & REBIND_NONE:
                    if (
                        fn.qualname == use.fn.qual
                        and module.relpath == use.fn.module
                        and line >= use.call.span.line
                    ):
                        reset_after = True
                else:
                    creation = True
                    # made anew on every call, or whenever the last one was closed
                    if not flags & (REBIND_NESTED | REBIND_FINALLY) or flags & REBIND_WHEN_CLOSED:
                        unconditional = True
        return unconditional or (reset_after and creation)

    def destroy_fix(self, use: Use) -> tuple[Fix | None, str]:
        model = self.model
        kind = model.kind(use.obj)
        module = model.by_rel[use.fn.module]
        text = self.project.texts.get(module.path)
        if text is None or kind is None:
            return None, "the file is not among the files being fixed"
        name = _expr_name(use.obj)
        fn = model.function(use.fn)
        # a pool whose connections can be closed on return: close them there, drop the destroy
        ret = [
            (m, spec)
            for m, spec in kind.methods.items()
            if spec.get("lifecycle") == "return" and spec.get("release-when")
        ]
        if ret:
            methods = {m for m, _ in ret}
            returns = [
                u
                for u in model.fn_info(use.fn)[0]
                if u.obj.origin == use.obj.origin and u.method in methods and u.where in ("exit", "finally")
            ]
            kwarg = _kwarg_for(ret[0][1]["release-when"])
            if kwarg is None:
                return None, "pinless cannot tell which argument makes the pool close the connection"
            if not returns:
                return self._return_instead(use, text, name, ret[0][0], kwarg)
            edits = [e for e in (_add_kwarg_edit(u.call, kwarg) for u in returns if u.lifecycle != "release")]
            if any(e is None for e in edits):
                return None, "the return call passes `*args`/`**kwargs`"
            delete = _delete_statement_edit(use.call, text)
            if delete is None:
                return None, f"`{_call_text(use.call)}` is not a statement of its own"
            return Fix(
                "safe",
                f"close the connection in `{ret[0][0]}()` and drop `{_call_text(use.call)}`",
                tuple(edits) + (delete,),
            ), ""
        # the library has a keep-the-object release: use it instead
        method = _template_method(kind.release)
        if kind.release and kind.methods.get(method or "", {}).get("lifecycle") == "release":
            release = kind.release.format(object=name)
            if release.startswith("await ") and not use.call.awaited:
                release = release[len("await ") :]
            edit = _replace_call_edit(use.call, release, text)
            if edit is None:
                return None, f"`{_call_text(use.call)}` is not a statement of its own"
            return Fix("safe", f"use `{release}`, which keeps `{name}` usable", (edit,)), ""
        # otherwise: reset the name after closing it, so the next invocation re-creates it
        omod, oname = model.module_of(use.obj)
        if omod is None or omod.relpath != module.relpath:
            where = omod.relpath if omod else "another module"
            return None, f"`{oname}` belongs to {where}: only a rebinding there can re-create it"
        if fn is None or "." in use.fn.qual:
            return None, f"`{use.fn.qual}` is not a top-level function"
        if use.where != "exit":
            return None, "the closing call is not in the `finally` of the function body"
        derived = self._derived_names(use.obj)
        if derived:
            return None, f"`{derived[0]}` is made from `{oname}` at import time and would keep the closed object"
        call = _call_text(use.call)
        plan = fixer.Plan(
            "function", use.fn.qual, rebind=oname, guard=True, reset_after=call.replace(" ", "")
        )
        try:
            edits = fixer.edits_for(text, plan)
        except fixer.CannotFix as exc:
            return None, str(exc)
        return Fix(
            "unsafe", f"set `{oname}` to None after closing it so the next invocation re-creates it", edits
        ), ""

    def _return_instead(
        self, use: Use, text: str, name: str, method: str, kwarg: str
    ) -> tuple[Fix | None, str]:
        """Replace the destroying call with `pool.putconn(conn, close=True)` when the function
        checked out exactly one connection into a local name."""
        import re

        acquired = [
            u
            for u in self.model.fn_info(use.fn)[0]
            if u.obj.origin == use.obj.origin and u.lifecycle == "acquire"
        ]
        if len(acquired) != 1:
            return None, f"hand each connection back with `{name}.{method}(conn, {kwarg})` instead"
        m = re.match(r"^\s*(\w+)\s*=\s*(await\s+)?", acquired[0].call.line_text)
        if m is None:
            return None, f"hand the connection back with `{name}.{method}(conn, {kwarg})` instead"
        release = f"{name}.{method}({m.group(1)}, {kwarg})"
        edit = _replace_call_edit(use.call, release, text)
        if edit is None:
            return None, f"`{_call_text(use.call)}` is not a statement of its own"
        return Fix("safe", f"hand the connection back with `{release}` instead", (edit,)), ""

    # -- PIN404 -----------------------------------------------------------------------------

    def pin404(self, group: Group) -> None:
        model = self.model
        for key in self.group_keys(group):
            module = model.by_rel.get(key.module)
            fn = model.function(key)
            if module is None or fn is None:
                continue
            returned = self.project.resolve(fn.returns)
            rebind_lines = {line for _, line, flags in getattr(fn, "rebinds", ()) if not flags & REBIND_NONE}
            managed = set(getattr(fn, "managed", ()))
            scope = model.scopes(module).get(key.qual, ())
            for i in scope:
                c = module.calls[i]
                opened = self.opens(c)
                if opened is None:
                    continue
                kind = model.kind(opened)
                if kind is None or kind.closes_on_return and kind.role != "connection":
                    continue
                if isinstance(returned, Obj) and returned.kind == opened.kind and not returned.origin:
                    continue  # handed to the caller, which owns it
                if c.span.line in rebind_lines:
                    continue  # bound to a module-level name: PIN401/PIN403 territory
                entered = i in managed or i in getattr(fn, "entered", ())
                if entered and kind.with_closes or i in set(getattr(fn, "closing", ())):
                    continue
                if self._handed_on(module, key, c, opened):
                    continue
                closes = [j for j in scope if self._closes(module.calls[j], opened)]
                if any(j in fn.releases or self._closed_next(module, c, module.calls[j]) for j in closes):
                    continue
                fix, reason = (None, "") if i in managed else self.local_fix(module, key, c, kind, closes)
                fields = {
                    "object": "connection",
                    "library": _display(model.lib, kind.library),
                    "construct": _call_text(c),
                    "release": _close_text(kind, "conn"),
                }
                self.emit_at_call(
                    "PIN404", module, c, fields, fix=fix, reason=reason,
                )

    def _closed_next(self, module: ModuleFacts, opened: CallSite, close: CallSite) -> bool:
        """The close is the very next statement after the one that opens, in the same block:
        nothing in between can raise, so no path skips it."""
        if close.span.line <= opened.span.end_line:
            return False
        indent = len(opened.line_text) - len(opened.line_text.lstrip())
        if len(close.line_text) - len(close.line_text.lstrip()) != indent:
            return False
        statement = close.line_text.strip()
        if not (statement.startswith(close.snippet.split("\n", 1)[0])
                or statement.startswith("await " + close.snippet.split("\n", 1)[0])):
            return False
        text = self.project.texts.get(module.path)
        if text is None:
            return close.span.line == opened.span.end_line + 1
        between = text.splitlines()[opened.span.end_line : close.span.line - 1]
        return all(not line.strip() or line.strip().startswith("#") for line in between)

    def _handed_on(self, module: ModuleFacts, key: FnKey, call: CallSite, opened: Obj) -> bool:
        """The opened object is stored where it outlives the call (an attribute, a container) or
        passed to another call: its owner is elsewhere. Read from the statement's first line."""
        import re

        text = call.line_text.strip()
        head = (call.snippet or "").split("\n", 1)[0][:20]
        m = re.match(r"^([\w.\[\]'\"]+)\s*(?::[^=]*)?=\s*(?:await\s+)?(.*)$", text)
        if m is not None and not text.startswith(("with ", "async with ")):
            target, rest = m.group(1), m.group(2)
            return not target.isidentifier() or not rest.startswith(head)
        if text.startswith(("with ", "async with ", "return ")):
            return False
        return not (text.startswith(head) or text.startswith("await " + head))

    def local_fix(
        self, module: ModuleFacts, key: FnKey, call: CallSite, kind: KindView, closes: list[int]
    ) -> tuple[Fix | None, str]:
        import re

        text = self.project.texts.get(module.path)
        if text is None:
            return None, ""
        m = re.match(r"^\s*(\w+)\s*=\s*(await\s+)?", call.line_text)
        if m is None or "." in key.qual:
            return None, ""
        var = m.group(1)
        close = _close_text(kind, var)
        if not close:
            return None, ""
        plan = fixer.Plan(
            "local", key.qual, finals=(close,), rebind=var, reset_after=_call_text(call).replace(" ", "")
        )
        try:
            edits = fixer.edits_for(text, plan)
        except fixer.CannotFix:
            return None, ""
        return Fix("safe", f"close `{var}` in a `finally`", edits), ""

    def opens(self, c: CallSite) -> Obj | None:
        """The per-invocation connection, engine or pool a call opens, if it opens one."""
        model = self.model
        callee = self.project.callee(c.callee)
        if isinstance(callee, Ref):
            callee = self.project.resolve(callee)
        if isinstance(callee, Qual):
            spec = model.lib.calls.get(callee.name)
            kind = kind_view(model.lib, spec.get("returns", "")) if spec else None
            if kind is not None and kind.role in OPENED_ROLES:
                return model.lib.obj(kind.name)
            return None
        if isinstance(callee, Func):
            returned = self.project.function_returns(callee)
            if isinstance(returned, Obj) and not returned.origin:
                kind = model.kind(returned)
                module, facts = self.project.function(callee)
                if (
                    kind is not None
                    and kind.role in OPENED_ROLES
                    and facts is not None
                    and self._opens_in(module, facts)
                ):
                    return returned
        return None

    def _opens_in(self, module: ModuleFacts, fn: FunctionFacts) -> bool:
        return any(
            self.opens(module.calls[i]) is not None for i in self.model.scopes(module).get(fn.qualname, ())
        )

    def _closes(self, c: CallSite, opened: Obj) -> bool:
        recv = self.project.receiver(c.callee)
        if recv is None or not isinstance(recv[0], Obj) or recv[0].origin:
            return False
        obj, method = recv
        view = kind_view(self.model.lib, obj.kind)
        opened_view = kind_view(self.model.lib, opened.kind)
        if view is None or opened_view is None:
            return False
        if obj.kind != opened.kind and view.role != opened_view.role:
            return False
        life = self.model._lifecycle(obj, method, c)
        return life in ("destroy", "release")

    # -- PIN403 / PIN405 --------------------------------------------------------------------

    def pin403_405(self, reached: dict[str, list[tuple[Group, Exposure]]]) -> None:
        model = self.model
        for origin, pairs in reached.items():
            obj = next(o for _, exp in pairs for o in exp.objs if o.origin == origin)
            kind = model.kind(obj)
            made = model.creating_call(obj)
            if kind is None or made is None:
                continue
            module, call = made
            if not self.model._produces(call):
                continue  # bound from an import, not made by a call here
            name = origin.rpartition(".")[2]
            fixes = {self.group_fix(g, e)[0] for g, e in pairs if self.group_fix(g, e)[0] is not None}
            fix = (
                fixes.pop()
                if len(fixes) == 1 and all(self.group_fix(g, e)[0] is not None for g, e in pairs)
                else None
            )
            reasons = [self.group_fix(g, e)[1] for g, e in pairs if self.group_fix(g, e)[1]]
            fields = {
                "object": name,
                "library": _display(model.lib, kind.library),
                "construct": _call_text(call),
                "release": next((self.group_fix(g, e)[2] for g, e in pairs if self.group_fix(g, e)[2]), ""),
            }
            # PIN403: a raw connection made at import time, reused with no reconnect
            if kind.role == "connection" and call.scope == "" and not self._rebound(obj) \
                    and not self._checked(obj):
                self.emit_at_call(  # call.scope is "" here: a module-level call
                    "PIN403", module, call, fields, fix=fix,
                    reason=reasons[0] if reasons and fix is None else "",
                )
            # PIN405: an async pool/engine reused by invocations that each run their own loop
            looped = [(g, e) for g, e in pairs if self._loops(g, e)]
            if (
                kind.role in LOOP_ROLES
                and looped
                and any(e.state != "yes" for _, e in looped)
                and self._is_async_obj(obj, looped[0][1])
            ):
                self.emit_at_call(
                    "PIN405", module, call, fields, fix=fix, reason=reasons[0] if reasons and fix is None else "",
                )

    def _checked(self, obj: Obj) -> bool:
        """Some code checks the connection and reconnects (`conn.ping(reconnect=True)`): a
        method whose library data says `lifecycle = "check"`, on this very object."""
        project = self.model.project
        for module in project.modules:
            for call in module.calls:
                recv = project.receiver(call.callee)
                if recv is None or not isinstance(recv[0], Obj) or recv[0].origin != obj.origin:
                    continue
                kind = project.lib.kinds.get(recv[0].kind)
                spec = kind.methods.get(recv[1], {}) if kind else {}
                if spec.get("lifecycle") == "check" and calls_check.conditions_hold(
                        project, call, spec.get("check-when", [])):
                    return True
        return False

    def _rebound(self, obj: Obj) -> bool:
        module, name = self.model.module_of(obj)
        if module is None:
            return False
        return any(
            rname == name and not flags & REBIND_NONE
            for fn in module.functions.values()
            for rname, _, flags in getattr(fn, "rebinds", ())
        )

    def _loops(self, group: Group, exp: Exposure) -> bool:
        """Each invocation runs its own event loop: an `async def` entry (run with `asyncio.run`
        per invocation), an ASGI adapter, or `asyncio.run(...)` in the code it reaches. A loop
        started another way (`loop.run_until_complete` on a module-level loop) is not one."""
        if group.loop:
            return True
        return any(self.model.runs_loop(k) for k in self.group_keys(group))


# ---------------------------------------------------------------------------------------------
# Helpers


def _call_line(code: str) -> str:
    """The releasing call of a release statement (`engine.dispose()` of a guarded release)."""
    return code.strip().split("\n")[-1].strip()


def _expr_name(obj: Obj) -> str:
    return obj.origin.rpartition(".")[2]


def _template_method(template: str) -> str | None:
    import re

    m = re.search(r"\{object\}\.(\w+)\(", template or "")
    return m.group(1) if m else None


def _call_text(call: CallSite) -> str:
    text = call.snippet or call.line_text.strip()
    return " ".join(text.split())


def _close_text(kind: KindView, name: str) -> str:
    """The call that closes a per-invocation object: its `release` template, or its `close()`."""
    if kind.release:
        return kind.release.format(object=name)
    method = next(
        (m for m, spec in kind.methods.items() if spec.get("lifecycle") in ("destroy", "release")), None
    )
    if method is None:
        return ""
    return ("await " if kind.is_async else "") + f"{name}.{method}()"


def _kwarg_for(conditions) -> str | None:
    for cond in conditions:
        test = cond.get("test")
        if test == "truthy":
            return f"{cond['arg']}=True"
        if test == "equals" and "value" in cond:
            return f"{cond['arg']}={cond['value']!r}"
    return None


def _add_kwarg_edit(call: CallSite, kwarg: str) -> Edit | None:
    if call.star:
        return None
    if call.last_arg_end is not None:
        row, col = call.last_arg_end
        return Edit(row, col, row, col, f", {kwarg}")
    row, col = call.span.end_line, call.span.end_column - 1
    return Edit(row, col, row, col, kwarg)


def _statement_lines(call: CallSite, text: str) -> tuple[int, int, str] | None:
    """(first line, last line, indent) when the call (maybe awaited) is a whole statement."""
    lines = text.splitlines(keepends=True)
    if call.span.end_line > len(lines):
        return None
    first = lines[call.span.line - 1]
    before = first[: call.span.column - 1]
    stripped = before.strip()
    if stripped not in ("", "await"):
        return None
    last = lines[call.span.end_line - 1]
    after = last[call.span.end_column - 1 :].strip()
    if after and not after.startswith("#"):
        return None
    indent = first[: len(first) - len(first.lstrip())]
    return call.span.line, call.span.end_line, indent


def _delete_statement_edit(call: CallSite, text: str) -> Edit | None:
    where = _statement_lines(call, text)
    if where is None:
        return None
    first, last, _ = where
    return Edit(first, 1, last + 1, 1, "")


def _replace_call_edit(call: CallSite, release: str, text: str) -> Edit | None:
    where = _statement_lines(call, text)
    if where is None:
        return None
    first, last, indent = where
    lines = text.splitlines(keepends=True)
    newline = lines[last - 1][len(lines[last - 1].rstrip("\r\n")) :] or "\n"
    prefix = "await " if call.awaited else ""
    return Edit(first, 1, last + 1, 1, f"{indent}{prefix}{release}{newline}")


def _line(module: ModuleFacts, line: int, project: Project) -> str:
    text = project.texts.get(module.path)
    if text is None:
        return ""
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _anchor_span(module: ModuleFacts, anchor, project: Project) -> tuple[int, int, int, int, str]:
    """The `def` line (from `def` to the colon) or the entry object's binding line."""
    fn = module.functions.get(anchor.function) if anchor.kind == "function" else None
    line = fn.span.line if fn is not None else anchor.line or 1
    text = fn.line_text if fn is not None else _line(module, line, project)
    stripped = text.lstrip()
    col = len(text) - len(stripped) + 1
    end = len(text.rstrip()) + 1
    return line, col, line, max(end, col + 1), text


def _pin_text(pins: list[tuple[ModuleFacts, Finding]], here: ModuleFacts, project: Project) -> str:
    """ ", and a pinning pattern is reachable from it (PIN101 at db.py:20)" or ""."""
    if not pins:
        return ""
    pins = sorted(pins, key=lambda p: (p[1].path, p[1].line, p[1].code))
    module, first = pins[0]
    where = f"line {first.line}" if module.path == here.path else f"{module.relpath}:{first.line}"
    more = f" and {len(pins) - 1} more" if len(pins) > 1 else ""
    return f", and a pinning pattern is reachable from it ({first.code} at {where}{more})"


# ---------------------------------------------------------------------------------------------
# Entry points of the check runner


def project_findings(project: Project, cat: catalog_mod.Catalog) -> Iterator[Finding]:
    """Every lifecycle finding of the project: entry points, what they reach, what they leave open."""
    if not lambda_entries(project):
        return
    for findings in model_for(project, cat).findings.values():
        yield from findings


def is_lambda_project(project: Project, cat: catalog_mod.Catalog) -> bool:
    return bool(lambda_entries(project))


def keep_pool_size_finding(
    project: Project, module: ModuleFacts, finding: Finding, cat: catalog_mod.Catalog
) -> bool:
    """PIN407 from library data holds only in a Lambda project: for pools built at import time,
    and for pools built in code an entry point reaches (per invocation, or lazily bound to a
    module-level name). A batch script's pool in the same repository is not reported."""
    if not is_lambda_project(project, cat):
        return False
    if finding.scope == "":
        return True
    return FnKey(module.relpath, finding.scope) in model_for(project, cat).reached
