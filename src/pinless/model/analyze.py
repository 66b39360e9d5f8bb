"""One pass over one module's ``ast``: what each name means, and every call that matters.

Name resolution is done here by hand (imports, aliases, assignments, ``with ... as``,
``global``, returns of local functions, ``self.x`` attributes) rather than with libcst's
scope and qualified-name providers, which cost ten times the parse (docs/internals.md).
It is flow-insensitive within a scope: the last binding of a name wins, which is right for
the module-level ``engine = create_engine(...)`` patterns the rules are about.

Names imported from modules that are not known libraries become ``Ref`` values that the
project linker (model/project.py) resolves, so every module is analysed on its own,
in parallel and from the cache.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from pinless.model.entrypoints import code_entry_points, import_qualifier
from pinless.model.facts import (
    REBIND_FINALLY, REBIND_NESTED, REBIND_NONE, REBIND_WHEN_CLOSED, CallSite, FunctionFacts, ModuleFacts, Span,
)
from pinless.model.library import LibraryIndex, index
from pinless.model.project import module_name
from pinless.model.values import (
    UNKNOWN, Bound, Const, DictV, Func, Obj, ProjMod, Qual, Ref, Str, Unknown, Value,
)

# Calls that run a coroutine to completion and give its result: the lifecycle rules need to know
# where each invocation starts an event loop (`asyncio.run`), and what a module-level
# `loop.run_until_complete(asyncpg.connect(...))` binds.
LOOP_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run"})
LOOP_METHODS = frozenset({"run_until_complete"})
# Context managers that close what their argument opened (`with closing(connect()) as c:`).
CLOSERS = frozenset({"closing", "aclosing"})

HOLE = "pinless_hole"  # stands for an unknown part of a string (f-string field, %-argument)
_MAX_SNIPPET = 300


@dataclass
class Scope:
    qualname: str  # "" for the module
    env: dict[str, Value] = field(default_factory=dict)
    parent: "Scope | None" = None
    globals: set[str] = field(default_factory=set)
    cls: str | None = None  # enclosing class name, for `self.x`
    returns: list[Value] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # name -> the call it was last bound to


def parse(source: str, path: str) -> tuple[ast.Module | None, tuple[int, int, str] | None]:
    """The module's tree, or the PIN001 error (line, column, message) that stops it."""
    try:
        return ast.parse(source, filename=path), None
    except SyntaxError as exc:
        return None, (exc.lineno or 1, exc.offset or 1, syntax_message(exc))
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        return None, (1, 1, str(exc) or type(exc).__name__)


def syntax_error(source: str, path: str) -> tuple[int, int, str] | None:
    """For files the prefilter drops: only the syntax check behind PIN001."""
    return parse(source, path)[1]


class Analyzer:
    def __init__(self, source: str, path: str, relpath: str, lib: LibraryIndex | None = None):
        self.source = source
        self.lines = python_lines(source)
        self.lib = lib or index()
        rel = relpath.replace("\\", "/")
        parent = str(PurePosixPath(rel).parent)
        self.facts = ModuleFacts(
            path=path, relpath=rel, module=module_name(rel), base_dir="" if parent == "." else parent,
        )
        self.module = Scope("")
        self.pending: dict[str, tuple[ast.AST, Scope, str | None]] = {}
        self.done: dict[str, Value] = {}
        self.in_progress: set[str] = set()
        self.class_attrs: dict[str, dict[str, Value]] = {}
        self.param_kinds: dict[str, dict[int, str]] = {}
        self.decorators: dict[str, tuple[Value, ...]] = {}
        self.nodes: dict[str, tuple[ast.AST, Scope, str | None]] = {}
        self.redo: set[str] = set()
        self.finally_depth = 0
        self.await_depth = 0
        self.scope = self.module
        self.import_roots: set[str] = set()
        self.tree: ast.Module | None = None
        self.top_line = 1  # first line of the module-level statement being analysed
        self.top_lines: dict[str, int] = {}  # function qualname -> its top-level statement line
        # exit-path facts of the function being analysed (saved and restored around nested ones)
        self.fn_body: frozenset[int] = frozenset()  # id() of its top-level statements
        self.exit_depth = 0  # inside the `finally` of a top-level try
        self.exit_calls: list[int] = []
        self.managed: list[int] = []
        self.entered: list[int] = []  # calls bound to a name that a later `with` enters
        self.guards: list[ast.expr] = []  # tests of the `if` statements around the statement
        self.rebinds: list[tuple[str, int, int]] = []
        self.with_calls: set[int] = set()  # id() of `with` context expressions being evaluated
        self.call_index: dict[int, int] = {}  # id() of a call node in a function -> its index in calls
        self.closer_calls: set[int] = set()  # id() of calls wrapped by `closing(...)` in a `with`
        self.closing: list[int] = []
        self.cur_line = 0
        self.cur_top = False

    # -- driver ---------------------------------------------------------------------------

    def run(self) -> ModuleFacts:
        self.facts.lines = len(self.lines)
        tree, self.facts.error = parse(self.source, self.facts.path)
        if tree is None:
            return self.facts
        self.tree = tree
        try:
            self.block(tree.body)
            while self.pending:
                qual = next(iter(self.pending))
                self.function(qual)
                self.pending.pop(qual, None)  # never loop on a name function() declined
            if self.redo:
                self._reanalyse(self.redo)
        except RecursionError:
            self.facts.error = (1, 1, "expressions nested too deeply to analyse")
            return self.facts
        self.facts.exports = {k: v for k, v in self.module.env.items()}
        self.facts.imports = tuple(sorted(self.import_roots))
        libs = {self.lib.roots[r] for r in self.import_roots if r in self.lib.roots}
        dialects = {self.lib.dialects.get(lib, "postgres") for lib in libs} - {"auto"}
        self.facts.dialect = "mysql" if dialects == {"mysql"} else "postgres"
        self.facts.entry_points = code_entry_points(tree, self.facts.relpath, self.qualifier(tree))
        return self.facts

    def qualifier(self, tree: ast.Module):
        """``qualify(expr)`` for the entry-point finder: the library name this module's own
        resolution gives a name (``Mangum`` -> ``mangum.Mangum``), else what its imports say."""
        imports = import_qualifier(tree)
        env = self.module.env

        def qualify(expr: ast.expr) -> str | None:
            if isinstance(expr, ast.Name):
                value = env.get(expr.id)
                if isinstance(value, Qual):
                    return value.name
                return imports(expr)
            if isinstance(expr, ast.Attribute):
                base = qualify(expr.value)
                return f"{base}.{expr.attr}" if base else None
            return None

        return qualify

    # -- names ----------------------------------------------------------------------------

    def lookup(self, name: str) -> Value:
        scope = self.scope
        if name in scope.globals:
            return self.module.env.get(name, Unknown(name))
        while scope is not None:
            if name in scope.env:
                return scope.env[name]
            scope = scope.parent
        return Unknown(name)

    def _tests_closed(self, name: str) -> bool:
        """An enclosing `if` of this function asks whether ``name``'s object is closed."""
        return any(
            isinstance(n, ast.Attribute) and n.attr in self.lib.closed_tests
            and isinstance(n.value, ast.Name) and n.value.id == name
            for test in self.guards for n in ast.walk(test)
        )

    def s_If(self, node: ast.If) -> None:
        self.expr(node.test)
        self.guards.append(node.test)
        try:
            self.block(node.body)
        finally:
            self.guards.pop()
        self.block(node.orelse)

    def bind(self, name: str, value: Value) -> None:
        if self.scope is self.module or name in self.scope.globals:
            existing = self.module.env.get(name)
            if self.scope is not self.module:
                flags = (REBIND_NONE if isinstance(value, Const) and value.value is None else 0) \
                    | (REBIND_FINALLY if self.finally_depth else 0) | (0 if self.cur_top else REBIND_NESTED) \
                    | (REBIND_WHEN_CLOSED if self._tests_closed(name) else 0)
                self.rebinds.append((name, self.cur_line, flags))
            if isinstance(value, Obj):
                # the first line that creates the object is where it is made (a lazy re-creation
                # inside a handler keeps the module-level site)
                same = isinstance(existing, Obj) and existing.kind == value.kind and existing.site
                site = existing.site if same else (value.site or self.cur_line)
                value = Obj(value.kind, f"{self.facts.module}.{name}", site, value.dialect)
            elif isinstance(value, Const) and value.value is None and isinstance(existing, Obj):
                return  # `pool = None`: a reset of a lazily created module object, not a new meaning
            self.module.env[name] = value
        else:
            self.scope.env[name] = value

    def bind_target(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value)
        elif isinstance(target, ast.Attribute):
            base = target.value
            if isinstance(base, ast.Name) and base.id == "self" and self.scope.cls:
                self.class_attrs.setdefault(self.scope.cls, {})[target.attr] = value
            else:
                changed = self.lib.on_assign(self.expr(base), target.attr, value)
                if changed is not None and isinstance(base, ast.Name):
                    self.bind(base.id, changed)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind_target(elt.value if isinstance(elt, ast.Starred) else elt, UNKNOWN)
        elif isinstance(target, ast.Subscript):
            self.expr(target.value)
            self.expr(target.slice)

    # -- statements -----------------------------------------------------------------------

    def block(self, body: list[ast.stmt]) -> None:
        top = self.scope is self.module and not self.in_progress
        for stmt in body:
            if top:
                self.top_line = stmt.lineno
                if getattr(stmt, "decorator_list", None):
                    self.top_line = min(d.lineno for d in stmt.decorator_list)
            self.stmt(stmt)

    def stmt(self, node: ast.stmt) -> None:
        outer = self.cur_line, self.cur_top
        self.cur_line, self.cur_top = node.lineno, id(node) in self.fn_body
        method = getattr(self, "s_" + type(node).__name__, None)
        if method:
            method(node)
        else:
            self.generic(node)
        self.cur_line, self.cur_top = outer

    def generic(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.stmt(child)
            elif isinstance(child, ast.expr):
                self.expr(child)
            else:
                self.generic(child)

    def s_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            root = alias.name.split(".")[0]
            self.import_roots.add(root)
            if alias.asname:
                self.bind(alias.asname, self._import_value(alias.name, ""))
            else:
                self.bind(root, self._import_value(root, ""))

    def s_ImportFrom(self, node: ast.ImportFrom) -> None:
        mod = "." * node.level + (node.module or "")
        if node.level == 0 and node.module:
            self.import_roots.add(node.module.split(".")[0])
        for alias in node.names:
            if alias.name == "*":
                continue
            self.bind(alias.asname or alias.name, self._import_value(mod, alias.name))

    def _import_value(self, module: str, name: str) -> Value:
        root = module.split(".")[0]
        if not module.startswith(".") and (root in self.lib.roots or _is_stdlib(root)):
            return self.lib.qual(f"{module}.{name}" if name else module)
        base = self.facts.base_dir
        return Ref(f"{base}|{module}", name)

    def s_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    s_Nonlocal = s_Global

    def s_Assign(self, node: ast.Assign) -> None:
        value = self.expr(node.value)
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                self._setitem(node, target, value)
            self.bind_target(target, value)
            if isinstance(target, ast.Name):
                if id(call) in self.call_index:
                    self.scope.calls[target.id] = self.call_index[id(call)]
                else:
                    self.scope.calls.pop(target.id, None)

    def _setitem(self, node: ast.Assign, target: ast.Subscript, value: Value) -> None:
        """``os.environ["PGOPTIONS"] = ...``: an item assignment library data knows about."""
        base = self.expr(target.value)
        if isinstance(base, Qual) and f"{base.name}.__setitem__" in self.lib.calls:
            key = self.expr(target.slice)
            self.record(node, Qual(f"{base.name}.__setitem__"), (key, value), {}, False, False)

    def s_AnnAssign(self, node: ast.AnnAssign) -> None:
        value = self.expr(node.value) if node.value else UNKNOWN
        if node.value is not None:
            self.bind_target(node.target, value)

    def s_AugAssign(self, node: ast.AugAssign) -> None:
        value = self.expr(node.value)
        if isinstance(node.target, ast.Name):
            old = self.lookup(node.target.id)
            if isinstance(old, Str) and isinstance(value, Str) and isinstance(node.op, ast.Add):
                self.bind(node.target.id, Str(old.text + value.text, old.exact and value.exact))

    def s_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.scope.returns.append(self.expr(node.value))

    def s_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            ctx = item.context_expr.value if isinstance(item.context_expr, ast.Await) else item.context_expr
            managed = [ctx]
            if isinstance(ctx, ast.Call) and ctx.args and isinstance(ctx.args[0], ast.Call) and (
                    isinstance(ctx.func, ast.Name) and ctx.func.id in CLOSERS
                    or isinstance(ctx.func, ast.Attribute) and ctx.func.attr in CLOSERS):
                managed.append(ctx.args[0])
            self.with_calls.update(id(m) for m in managed)
            if len(managed) > 1:
                self.closer_calls.add(id(managed[1]))
            if isinstance(ctx, ast.Name) and ctx.id in self.scope.calls and self.scope is not self.module:
                # `conn = connect(...)` then `with conn:`: the block's exit reaches that connection
                opened = self.scope.calls[ctx.id]
                if opened not in self.entered:
                    self.entered.append(opened)
            value = self.expr(item.context_expr)
            self.with_calls.difference_update(id(m) for m in managed)
            self.closer_calls.difference_update(id(m) for m in managed)
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars, self.lib.enter(value))
        self.block(node.body)

    s_AsyncWith = s_With

    def s_Try(self, node: ast.Try) -> None:
        self.block(node.body)
        for handler in node.handlers:
            if handler.type is not None:
                self.expr(handler.type)
            if handler.name:
                self.bind(handler.name, UNKNOWN)
            self.block(handler.body)
        self.block(node.orelse)
        top = id(node) in self.fn_body
        self.finally_depth += 1
        self.exit_depth += top
        self.block(node.finalbody)
        self.exit_depth -= top
        self.finally_depth -= 1

    s_TryStar = s_Try

    def s_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.expr(node.iter)
        self.bind_target(node.target, UNKNOWN)
        self.block(node.body)
        self.block(node.orelse)

    s_AsyncFor = s_For

    def s_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorators = tuple(self.expr(deco) for deco in node.decorator_list)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.expr(default)
        qual = f"{self.scope.qualname}.{node.name}" if self.scope.qualname else node.name
        if self.scope.cls and self.scope.qualname == self.scope.cls:
            qual = f"{self.scope.cls}.{node.name}"
        # a second `def` of the same name supersedes the first, which may have been analysed
        # already because a call reached it
        self.done.pop(qual, None)
        self.pending[qual] = (node, self.scope, self.scope.cls)
        self.top_lines[qual] = self.top_line
        self.decorators[qual] = decorators
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call):
                self._register_decorator(qual, deco)
        if not (self.scope.cls and self.scope.qualname == self.scope.cls):
            self.bind(node.name, Func(f"{self.facts.module}:{qual}"))

    s_AsyncFunctionDef = s_FunctionDef

    def s_ClassDef(self, node: ast.ClassDef) -> None:
        for deco in node.decorator_list:
            self.expr(deco)
        bases = [self.expr(base) for base in node.bases]
        qual = f"{self.scope.qualname}.{node.name}" if self.scope.qualname else node.name
        outer = self.scope
        self.scope = Scope(qual, parent=outer, cls=qual)
        self.block(node.body)
        self.scope = outer
        # a class deriving from a library class whose kind says `subclasses = true` (a peewee
        # or Django model) is an object of that kind: `Order.raw(sql)` is a sink
        inherited = next((b for b in bases if isinstance(b, Obj) and self.lib.kinds.get(b.kind)
                          and self.lib.kinds[b.kind].spec.get("subclasses")), None)
        self.bind(node.name, Obj(inherited.kind, dialect=inherited.dialect) if inherited else Unknown(node.name))

    # -- functions ------------------------------------------------------------------------

    def function(self, qual: str) -> Value:
        if qual in self.done:
            return self.done[qual]
        if qual in self.in_progress or qual not in self.pending:
            return UNKNOWN
        node, parent, cls = self.pending.pop(qual)
        self.nodes[qual] = (node, parent, cls)
        self.in_progress.add(qual)
        outer, outer_finally, outer_top = self.scope, self.finally_depth, self.top_line
        self.top_line = self.top_lines.get(qual, self.top_line)
        outer_exit = (self.fn_body, self.exit_depth, self.exit_calls, self.managed, self.rebinds,
                      self.cur_line, self.cur_top, self.closing, self.entered, self.guards)
        self.fn_body = frozenset(id(s) for s in node.body)
        self.exit_depth, self.exit_calls, self.managed, self.rebinds, self.closing = 0, [], [], [], []
        self.entered, self.guards = [], []
        # class bodies are not enclosing scopes for methods: skip to the class's parent
        enclosing = parent.parent if parent.cls and parent.qualname == parent.cls else parent
        self.scope = Scope(qual, parent=enclosing, cls=cls)
        self.finally_depth = 0
        params = [a.arg for a in node.args.posonlyargs + node.args.args]
        if node.args.vararg:
            params.append("*" + node.args.vararg.arg)
        params += [a.arg for a in node.args.kwonlyargs]
        for i, name in enumerate(params):
            kind = self.param_kinds.get(qual, {}).get(i)
            self.scope.env[name.lstrip("*")] = self.lib.obj(kind) if kind else Unknown(name.lstrip("*"))
        first_call = len(self.facts.calls)
        self.block(node.body)
        returns = next((r for r in reversed(self.scope.returns) if not isinstance(r, Unknown)), UNKNOWN)
        releases = tuple(
            i for i in range(first_call, len(self.facts.calls))
            if self.facts.calls[i].in_finally and self.facts.calls[i].scope == qual
        )
        self.facts.functions[qual] = FunctionFacts(
            qualname=qual,
            span=self.span(node),
            is_async=isinstance(node, ast.AsyncFunctionDef),
            params=tuple(params),
            decorators=self.decorators.get(qual, ()),
            returns=returns,
            globals=tuple(sorted(self.scope.globals)),
            body_line=node.body[0].lineno,
            line_text=self.line_text(node.lineno),
            releases=releases,
            exit_releases=tuple(self.exit_calls),
            managed=tuple(self.managed),
            entered=tuple(self.entered),
            closing=tuple(self.closing),
            rebinds=tuple(self.rebinds),
        )
        self.scope, self.finally_depth = outer, outer_finally
        (self.fn_body, self.exit_depth, self.exit_calls, self.managed, self.rebinds,
         self.cur_line, self.cur_top, self.closing, self.entered, self.guards) = outer_exit
        self.in_progress.discard(qual)
        self.done[qual] = returns
        return returns

    def _reanalyse(self, quals: set[str]) -> None:
        """Analyse again the functions whose parameter kinds arrived late (a callback defined
        above the ``create_pool(init=...)`` that registers it), then drop their first calls."""
        stale = {id(c) for c in self.facts.calls if c.scope in quals}
        for qual in quals:
            self.done.pop(qual, None)
            self.facts.functions.pop(qual, None)
            self.pending[qual] = self.nodes[qual]
        self.redo = set()
        for qual in sorted(quals):
            self.function(qual)
        old = self.facts.calls
        keep = [i for i, c in enumerate(old) if id(c) not in stale]
        remap = {i: n for n, i in enumerate(keep)}
        self.facts.calls = [old[i] for i in keep]
        for qual, fn in self.facts.functions.items():
            self.facts.functions[qual] = replace(
                fn,
                releases=tuple(remap[i] for i in fn.releases if i in remap),
                exit_releases=tuple(remap[i] for i in fn.exit_releases if i in remap),
            )

    # -- expressions ----------------------------------------------------------------------

    def expr(self, node: ast.expr | None) -> Value:
        if node is None:
            return UNKNOWN
        method = getattr(self, "e_" + type(node).__name__, None)
        if method:
            return method(node)
        self.generic(node)
        return UNKNOWN

    def e_Name(self, node: ast.Name) -> Value:
        return self.lookup(node.id)

    def e_Constant(self, node: ast.Constant) -> Value:
        if isinstance(node.value, str):
            return Str(node.value)
        if isinstance(node.value, bytes):
            return UNKNOWN
        return Const(node.value)

    def e_JoinedStr(self, node: ast.JoinedStr) -> Value:
        parts, exact = [], True
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                inner = self.expr(value.value)
                if isinstance(inner, Str) and value.conversion == -1 and value.format_spec is None:
                    parts.append(inner.text)
                    exact = exact and inner.exact
                else:
                    parts.append(HOLE)
                    exact = False
        return Str("".join(parts), exact)

    def e_BinOp(self, node: ast.BinOp) -> Value:
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(node.op, ast.Add):
            if isinstance(left, Str) and isinstance(right, Str):
                return Str(left.text + right.text, left.exact and right.exact)
            if isinstance(left, Str):
                return Str(left.text + HOLE, False)
            if isinstance(right, Str):
                return Str(HOLE + right.text, False)
        if isinstance(node.op, ast.Mult):
            text, count = (left, right) if isinstance(left, Str) else (right, left)
            if isinstance(text, Str) and isinstance(count, Const) and type(count.value) is int:
                if 0 <= count.value and len(text.text) * count.value <= 4_000_000:
                    return Str(text.text * count.value, text.exact)
        if isinstance(node.op, ast.Mod) and isinstance(left, Str):
            return Str(left.text, False)  # %s placeholders stay; sql.py normalizes them
        return UNKNOWN

    def e_Attribute(self, node: ast.Attribute) -> Value:
        base_node = node.value
        if isinstance(base_node, ast.Name) and base_node.id == "self" and self.scope.cls:
            attrs = self.class_attrs.get(self.scope.cls, {})
            if node.attr in attrs:
                return attrs[node.attr]
        base = self.expr(base_node)
        if isinstance(base, Ref):
            return base.then("attr", node.attr)
        if isinstance(base, Func) or isinstance(base, ProjMod):
            return Unknown(node.attr)
        return self.lib.attr(base, node.attr)

    def e_Subscript(self, node: ast.Subscript) -> Value:
        base = self.expr(node.value)
        self.expr(node.slice)
        if isinstance(base, Ref):
            return base.then("item")
        return self.lib.item(base)

    def e_Await(self, node: ast.Await) -> Value:
        self.await_depth += 1
        try:
            return self.expr(node.value)
        finally:
            self.await_depth -= 1

    def e_Dict(self, node: ast.Dict) -> Value:
        items = []
        for k, v in zip(node.keys, node.values):
            value = self.expr(v)
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                items.append((k.value, value))
            elif k is not None:
                self.expr(k)
        return DictV(tuple(items))

    def e_IfExp(self, node: ast.IfExp) -> Value:
        self.expr(node.test)
        a, b = self.expr(node.body), self.expr(node.orelse)
        return a if not isinstance(a, Unknown) else b

    def e_BoolOp(self, node: ast.BoolOp) -> Value:
        values = [self.expr(v) for v in node.values]
        return next((v for v in values if not isinstance(v, (Unknown, Const))), values[-1])

    def e_NamedExpr(self, node: ast.NamedExpr) -> Value:
        value = self.expr(node.value)
        self.bind_target(node.target, value)
        return value

    def e_Lambda(self, node: ast.Lambda) -> Value:
        outer = self.scope
        self.scope = Scope(outer.qualname, parent=outer, cls=outer.cls, globals=outer.globals)
        for a in node.args.args:
            self.scope.env[a.arg] = Unknown(a.arg)
        self.expr(node.body)
        self.scope = outer
        return UNKNOWN

    def _comprehension(self, node) -> Value:
        outer = self.scope
        self.scope = Scope(outer.qualname, parent=outer, cls=outer.cls, globals=outer.globals)
        for gen in node.generators:
            self.expr(gen.iter)
            self.bind_target(gen.target, UNKNOWN)
            for cond in gen.ifs:
                self.expr(cond)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.expr(getattr(node, part))
        self.scope = outer
        return UNKNOWN

    e_ListComp = e_SetComp = e_GeneratorExp = e_DictComp = _comprehension

    def e_Call(self, node: ast.Call) -> Value:
        awaited = self.await_depth > 0
        self.await_depth = 0
        try:
            return self._call(node, awaited)
        finally:
            self.await_depth = 1 if awaited else 0

    def _call(self, node: ast.Call, awaited: bool) -> Value:
        callee = self.expr(node.func)
        star = False
        args: list[Value] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                star = True
                self.expr(a.value)
            else:
                args.append(self.expr(a))
        kwargs: dict[str, Value] = {}
        for kw in node.keywords:
            value = self.expr(kw.value)
            if kw.arg is None:
                star = True
            else:
                kwargs[kw.arg] = value
        result = self._apply(callee, tuple(args), kwargs)
        if isinstance(result, Obj) and not result.site and self._tracks_uses(result):
            # remember where it was made, so a rule can look at how it is used (`uses` in data)
            result = Obj(result.kind, result.origin, node.lineno, result.dialect)
        if self._interesting(callee, args, kwargs):
            self.record(node, callee, tuple(args), kwargs, star, awaited)
        return result

    def _tracks_uses(self, value: Obj) -> bool:
        kind = self.lib.kinds.get(value.kind)
        return bool(kind and kind.spec.get("track-uses"))

    def _apply(self, callee: Value, args: tuple[Value, ...], kwargs: dict[str, Value]) -> Value:
        if isinstance(callee, Func):
            module, _, qual = callee.ref.partition(":")
            if module == self.facts.module:
                return self.function(qual)
            return UNKNOWN
        if isinstance(callee, Ref):
            return callee.then("call")
        if isinstance(callee, Bound) and isinstance(callee.receiver, Ref):
            return callee.receiver.then("attr", callee.method).then("call")
        if isinstance(callee, Qual):
            self._register_callbacks(callee, args, kwargs)
        if args and (isinstance(callee, Qual) and callee.name in LOOP_RUNNERS
                     or isinstance(callee, Bound) and callee.method in LOOP_METHODS):
            return args[0]  # the coroutine's result
        return self.lib.call(callee, args, kwargs)

    def _callback_spec(self, callee: Value, args) -> dict | None:
        """The callback spec of a library call that hands a project function a connection
        (SQLAlchemy ``event.listen(engine, "connect", fn)`` / ``@event.listens_for``)."""
        spec = self.lib.calls.get(callee.name) if isinstance(callee, Qual) else None
        if not spec or "callback" not in spec:
            return None
        cb = spec["callback"]
        event_pos = cb.get("event-arg")
        if event_pos is not None:
            event = args[event_pos] if event_pos < len(args) else None
            if not isinstance(event, Str) or event.text not in cb.get("events", ()):
                return None
        return cb

    def _register_callbacks(self, callee: Qual, args, kwargs) -> None:
        cb = self._callback_spec(callee, args)
        if cb is None:
            return
        for value in list(args) + list(kwargs.values()):
            if isinstance(value, Func):
                _, _, qual = value.ref.partition(":")
                self._set_param_kinds(qual, cb)

    def _set_param_kinds(self, qual: str, cb: dict) -> None:
        self.param_kinds[qual] = {int(k): v for k, v in cb.get("params", {}).items()}
        if qual in self.done:
            self.redo.add(qual)  # analysed before the call that types its parameters

    def _register_decorator(self, qual: str, deco: ast.Call) -> None:
        callee = self.expr(deco.func)
        args = tuple(self.expr(a) for a in deco.args)
        cb = self._callback_spec(callee, args)
        if cb is not None:
            self._set_param_kinds(qual, cb)

    def _interesting(self, callee: Value, args, kwargs) -> bool:
        if isinstance(callee, (Func, Ref, Obj)):
            return True
        if isinstance(callee, Qual):
            return callee.name.split(".")[0] in self.lib.roots or callee.name in self.lib.calls \
                or callee.name in LOOP_RUNNERS
        if isinstance(callee, Bound):
            recv = callee.receiver
            if isinstance(recv, (Obj, Ref)):
                return True
            if isinstance(recv, Unknown):
                return callee.method in self.lib.untyped_sinks
        return any(isinstance(v, Obj) and v.origin for v in list(args) + list(kwargs.values()))

    # -- positions ------------------------------------------------------------------------

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def col(self, line: int, byte_col: int) -> int:
        text = self.line_text(line)
        if text.isascii():
            return byte_col + 1
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (ast.get_source_segment re-splits the whole file per call)."""
        first, last = node.lineno, getattr(node, "end_lineno", None) or node.lineno
        rows = [self.line_text(n).encode("utf-8") for n in range(first, last + 1)]
        if not rows:
            return ""
        end = getattr(node, "end_col_offset", None)
        rows[-1] = rows[-1][:end] if end is not None else rows[-1]
        rows[0] = rows[0][node.col_offset:]
        return b"\n".join(rows).decode("utf-8", "replace")

    def span(self, node: ast.AST) -> Span:
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_col = getattr(node, "end_col_offset", None) or 0
        return Span(node.lineno, self.col(node.lineno, node.col_offset), end_line,
                    self.col(end_line, end_col))

    def record(self, node: ast.Call | ast.Assign, callee, args, kwargs, star, awaited) -> None:
        span = self.span(node)
        last = None
        parts = list(getattr(node, "args", ())) + [k.value for k in getattr(node, "keywords", ())]
        if parts:
            end = max(parts, key=lambda n: (n.end_lineno, n.end_col_offset))
            last = (end.end_lineno, self.col(end.end_lineno, end.end_col_offset))
        snippet = self.segment(node) if span.end_line - span.line < 20 else ""
        if self.scope is not self.module:
            index = len(self.facts.calls)
            if self.exit_depth:
                self.exit_calls.append(index)
            self.call_index[id(node)] = index
            if id(node) in self.with_calls:
                self.managed.append(index)
            if id(node) in self.closer_calls:
                self.closing.append(index)
        self.facts.calls.append(CallSite(
            callee=callee,
            args=args,
            kwargs=tuple(kwargs.items()),
            star=star,
            span=span,
            last_arg_end=last,
            scope=self.scope.qualname,
            in_finally=self.finally_depth > 0,
            awaited=awaited,
            snippet=snippet[:_MAX_SNIPPET],
            top_line=self.top_line,
            kwarg_spans=tuple((k.arg, self.span(k.value)) for k in getattr(node, "keywords", ()) if k.arg),
            line_text=self.line_text(span.line),
        ))


_FSTRING = re.compile(r"""(?i)(?<![\w])(?:rf|fr|f)["']""")


def syntax_message(exc: SyntaxError) -> str:
    """The parser's message, naming the grammar: code valid only on a newer Python (PEP 701
    f-strings, Python 3.12, on an older interpreter) is then recognisable as such."""
    message = f"{exc.msg} (Python {sys.version_info.major}.{sys.version_info.minor} grammar)"
    if sys.version_info < (3, 12) and _FSTRING.search(exc.text or ""):
        message += "; the line may use Python 3.12 f-string syntax: run pinless on the Lambda runtime's Python"
    return message


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def python_lines(source: str) -> list[str]:
    """Lines as Python counts them: str.splitlines also breaks at form feeds and other
    characters the tokenizer treats as whitespace, which would shift every later line."""
    return _LINE_BREAK.split(source)


def _is_stdlib(root: str) -> bool:
    return root in sys.stdlib_module_names


def analyze(source: str, path: str, relpath: str) -> ModuleFacts:
    return Analyzer(source, path, relpath).run()
