"""The end-of-invocation release, written into the source with libcst (PIN401-PIN405 fixes).

The checks (checks/lifecycle.py) decide *what* must run when an invocation ends and where; this
module turns such a ``Plan`` into text edits for the one applier (fixes/apply.py):

- ``function``: a top-level function gets a ``try``/``finally`` around its body (after its
  docstring, ``global`` statements and lazy-creation guards) whose ``finally`` runs the release;
  an existing top-level ``try``/``finally`` that covers the body gets the missing statements
  instead. For the rebinding pattern (module-level raw connections and pools that have no
  "disconnect, keep the object" call) the plan also asks for ``global name``, an
  ``if name is None:`` guard that re-creates the object from its module-level construction,
  and ``name = None`` after the closing call.
- ``wrap``: an entry object (``handler = Mangum(app)``) is renamed and a handler function with
  the same name calls it inside ``try``/``finally``.
- ``hook``: a framework hook on the app (Chalice middleware, Flask ``teardown_appcontext``).

libcst keeps every comment and the formatting of the code it does not touch; the rewritten
module is compared line by line with the original and each changed block becomes one
``Edit``. Only files that carry such a finding are parsed with libcst.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
from dataclasses import dataclass

from pinless.lazy import lazy_import

# libcst costs a third of a second to import; only files that get a lifecycle fix need it
cst = lazy_import("libcst")

from pinless import memo
from pinless.finding import Edit
from pinless.fixes.apply import lines


class CannotFix(Exception):
    """The fix cannot be made safely; ``str()`` says why (it goes into the finding)."""


@dataclass(frozen=True)
class Plan:
    kind: str  # "function" | "local" | "wrap" | "hook"
    target: str  # function name ("function", "local"), entry object name ("wrap") or app name ("hook")
    finals: tuple[str, ...] = ()  # statements the exit `finally` (or the hook) must run, in order
    imports: tuple[tuple[str, str], ...] = ()  # (module, name) to import at module level
    # the rebinding pattern (function plans only)
    rebind: str = ""  # the module-level name closed and rebound to None
    guard: bool = False  # add `if name is None: name = <module-level construction>` when missing
    reset_after: str = ""  # insert `name = None` after the `finally` statement holding this call
    # wrap plans
    adapter: str = ""  # "mangum", ...: names the renamed object
    # hook plans
    hook: str = ""  # "chalice-middleware" | "flask-teardown"
    after: tuple[str, ...] = ()  # hook plans: names the hook uses, so it goes below their binding


# Edits per (text, plan), across runs (memo.py): re-running the lifecycle rules after an edit
# elsewhere then needs neither libcst's import (0.15 s) nor its parse of each fixed file.
_EDITS = memo.named("fixes")


def edits_for(text: str, plan: Plan) -> tuple[Edit, ...]:
    """The edits that carry out ``plan`` on ``text``; raises CannotFix with the reason."""
    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), plan)
    found = _EDITS.get(key, lambda: _edits(text, plan))
    if isinstance(found, str):
        raise CannotFix(found)
    return found


def _edits(text: str, plan: Plan) -> tuple[Edit, ...] | str:
    try:
        return tuple(line_edits(text, rewrite(text, plan)))
    except CannotFix as exc:
        return str(exc)


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:  # pragma: no cover - ast parsed it already
        raise CannotFix(f"libcst cannot parse the file ({exc.message})") from exc


def rewrite(text: str, plan: Plan) -> str:
    module = _parse(text)
    if plan.kind == "function":
        new = _rewrite_function(module, plan)
    elif plan.kind == "local":
        new = _wrap_local(module, plan)
    elif plan.kind == "wrap":
        new = _wrap_object(module, plan)
    elif plan.kind == "hook":
        new = _add_hook(module, plan)
    else:  # pragma: no cover
        raise ValueError(plan.kind)
    if plan.imports:
        new = _add_imports(new, plan.imports)
    return new.code


def line_edits(old: str, new: str) -> tuple[Edit, ...]:
    """One whole-line ``Edit`` per changed block of lines."""
    a, b = lines(old), lines(new)  # Python's line breaks: rows must match the finding's
    edits = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        content = "".join(b[j1:j2])
        if i1 == len(a) and a and not a[-1].endswith(("\n", "\r")):
            # appending after a last line without newline: the edit starts at its end
            edits.append(Edit(i1, len(a[-1]) + 1, i1, len(a[-1]) + 1, content))
            continue
        edits.append(Edit(i1 + 1, 1, i2 + 1, 1, content))
    return tuple(edits)


# -- helpers ------------------------------------------------------------------------------


def _statement(code: str, module: cst.Module) -> cst.BaseStatement:
    try:
        config = module.config_for_parsing
    except ValueError as exc:  # libcst refuses the indentation it inferred (a form feed in it)
        raise CannotFix(f"libcst cannot take the file's indentation ({exc})") from exc
    return cst.parse_statement(code + module.default_newline, config=config)


def _code(node: cst.CSTNode, module: cst.Module) -> str:
    return module.code_for_node(node).strip()


def _stmt_code(stmt: cst.BaseStatement, module: cst.Module) -> str:
    """A simple statement's code without its leading lines and trailing comment."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return "; ".join(_code(s, module) for s in stmt.body)
    return _code(stmt.with_changes(leading_lines=()), module)


def _indent(code: str, width: int) -> str:
    return "\n".join(" " * width + line for line in code.split("\n"))


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _globals_of(stmt: cst.BaseStatement) -> set[str] | None:
    if isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, cst.Global) for s in stmt.body):
        return {n.name.value for s in stmt.body for n in s.names}
    return None


def _guarded_name(stmt: cst.BaseStatement) -> str | None:
    """``if name is None:`` / ``if not name:`` (optionally ``or ...``): the lazy-creation guard."""
    if not isinstance(stmt, cst.If):
        return None
    test = stmt.test
    while isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        test = test.left
    if isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        if (
            isinstance(comp.operator, (cst.Is, cst.Equal))
            and isinstance(comp.comparator, cst.Name)
            and comp.comparator.value == "None"
        ):
            return test.left.value
    if (
        isinstance(test, cst.UnaryOperation)
        and isinstance(test.operator, cst.Not)
        and isinstance(test.expression, cst.Name)
    ):
        return test.expression.value
    return None


def _module_binding(module: cst.Module, name: str) -> cst.BaseExpression | None:
    """The value of the last top-level ``name = <value>`` that is not ``None``."""
    found = None
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == name
            ):
                value = small.value
                if not (isinstance(value, cst.Name) and value.value == "None"):
                    found = value
            elif (
                isinstance(small, cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value == name
                and small.value is not None
            ):
                if not (isinstance(small.value, cst.Name) and small.value.value == "None"):
                    found = small.value
    return found


def _awaited(value: cst.BaseExpression) -> cst.BaseExpression:
    """Inside a coroutine, ``loop.run_until_complete(x)`` / ``asyncio.run(x)`` is ``await x``."""
    if isinstance(value, cst.Call) and len(value.args) == 1 and value.args[0].keyword is None:
        func = value.func
        name = (
            func.attr.value
            if isinstance(func, cst.Attribute)
            else func.value
            if isinstance(func, cst.Name)
            else ""
        )
        if (
            name == "run_until_complete"
            or name == "run"
            and (
                isinstance(func, cst.Name)
                or isinstance(func.value, cst.Name)
                and func.value.value == "asyncio"
            )
        ):
            return cst.Await(expression=value.args[0].value)
    return value


def _top_function(module: cst.Module, name: str) -> tuple[int, cst.FunctionDef]:
    for i, stmt in enumerate(module.body):
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
            return i, stmt
    raise CannotFix(f"`{name}` is not a top-level function of its module")


def _split_leading_blank(stmt: cst.BaseStatement) -> tuple[tuple[cst.EmptyLine, ...], cst.BaseStatement]:
    """Blank lines before a statement's own comments, split off (they stay outside the try)."""
    lines = list(getattr(stmt, "leading_lines", ()))
    blank = []
    while lines and lines[0].comment is None:
        blank.append(lines.pop(0))
    return tuple(blank), stmt.with_changes(leading_lines=tuple(lines))


def _finally_has(finalbody: list[cst.BaseStatement], code: str, module: cst.Module) -> bool:
    return any(_stmt_code(s, module) == code for s in finalbody)


def _calls_text(stmt: cst.BaseStatement, call: str, module: cst.Module) -> bool:
    return call in _stmt_code(stmt, module).replace(" ", "")


# -- function plans -----------------------------------------------------------------------


def _rewrite_function(module: cst.Module, plan: Plan) -> cst.Module:
    index, fn = _top_function(module, plan.target)
    if not isinstance(fn.body, cst.IndentedBlock):
        raise CannotFix(f"the body of `{plan.target}` is on the `def` line")
    body = list(fn.body.body)
    # the prelude stays in front of the try: docstring, `global`, lazy-creation guards
    prelude: list[cst.BaseStatement] = []
    declared: set[str] = set()
    guarded: set[str] = set()
    i = 0
    if body and _is_docstring(body[0]):
        prelude.append(body[0])
        i = 1
    while i < len(body):
        names = _globals_of(body[i])
        if names is not None:
            declared |= names
        else:
            guard = _guarded_name(body[i])
            if guard is None or guard not in declared:
                break
            guarded.add(guard)
        prelude.append(body[i])
        i += 1
    rest = body[i:]
    if plan.rebind and plan.rebind not in declared:
        at = 1 if prelude and _is_docstring(prelude[0]) else 0
        prelude.insert(at, _statement(f"global {plan.rebind}", module))
    if plan.rebind and plan.guard and plan.rebind not in guarded:
        value = _module_binding(module, plan.rebind)
        if value is None:
            raise CannotFix(f"no module-level construction of `{plan.rebind}` to re-create it from")
        if fn.asynchronous is not None:
            value = _awaited(value)
        guard = _statement(f"if {plan.rebind} is None:\n    {plan.rebind} = None", module)
        assign = guard.body.body[0].with_changes(body=[guard.body.body[0].body[0].with_changes(value=value)])
        prelude.append(guard.with_changes(body=guard.body.with_changes(body=[assign])))
    if not rest:
        raise CannotFix(f"`{plan.target}` has nothing to wrap after its guards")

    finals = list(plan.finals)
    reset = f"{plan.rebind} = None" if plan.rebind else ""
    # an existing top-level try/finally that is the whole rest of the body takes the statements
    existing = rest[0] if len(rest) == 1 and isinstance(rest[0], cst.Try) and rest[0].finalbody else None
    if plan.reset_after:
        target_try = next(
            (
                s
                for s in rest
                if isinstance(s, cst.Try)
                and s.finalbody
                and any(_calls_text(f, plan.reset_after, module) for f in s.finalbody.body.body)
            ),
            None,
        )
        if target_try is not None:
            new_try = _insert_reset(target_try, plan.reset_after, reset, finals, module)
            rest = [new_try if s is target_try else s for s in rest]
            return _replace_body(module, index, fn, prelude + rest)
    if existing is not None:
        fbody = list(existing.finalbody.body.body)
        for code in finals + ([reset] if reset else []):
            if not _finally_has(fbody, code, module):
                fbody.append(_statement(code, module))
        new_try = existing.with_changes(
            finalbody=existing.finalbody.with_changes(body=existing.finalbody.body.with_changes(body=fbody))
        )
        return _replace_body(module, index, fn, prelude + [new_try])
    blank, first = _split_leading_blank(rest[0])
    rest[0] = first
    fstmts = [_statement(code, module) for code in finals]
    if reset:
        fstmts.append(_statement(reset, module))
    new_try = cst.Try(
        body=cst.IndentedBlock(body=rest),
        finalbody=cst.Finally(body=cst.IndentedBlock(body=fstmts)),
        leading_lines=blank,
    )
    return _replace_body(module, index, fn, prelude + [new_try])


def _insert_reset(node: cst.Try, call: str, reset: str, finals: list[str], module: cst.Module) -> cst.Try:
    fbody = list(node.finalbody.body.body)
    for code in finals:
        if not _finally_has(fbody, code, module):
            fbody.append(_statement(code, module))
    if not _finally_has(fbody, reset, module):
        at = next(i for i, s in enumerate(fbody) if _calls_text(s, call, module))
        fbody.insert(at + 1, _statement(reset, module))
    return node.with_changes(
        finalbody=node.finalbody.with_changes(body=node.finalbody.body.with_changes(body=fbody))
    )


def _replace_body(module: cst.Module, index: int, fn: cst.FunctionDef, body: list) -> cst.Module:
    new_fn = fn.with_changes(body=fn.body.with_changes(body=body))
    stmts = list(module.body)
    stmts[index] = new_fn
    return module.with_changes(body=stmts)


# -- a connection opened in the function (PIN404) ------------------------------------------


def _wrap_local(module: cst.Module, plan: Plan) -> cst.Module:
    """``conn = connect(...)`` then the statements using it: those up to an existing
    ``conn.close()`` (or to the end) go into ``try:``, the close into ``finally:``."""
    import re

    index, fn = _top_function(module, plan.target)
    if not isinstance(fn.body, cst.IndentedBlock):
        raise CannotFix(f"the body of `{plan.target}` is on the `def` line")
    body = list(fn.body.body)
    var, call = plan.rebind, plan.reset_after
    at = next(
        (
            i
            for i, stmt in enumerate(body)
            if isinstance(stmt, cst.SimpleStatementLine)
            and len(stmt.body) == 1
            and isinstance(stmt.body[0], (cst.Assign, cst.AnnAssign))
            and _stmt_code(stmt, module).startswith(var)
            and call in _stmt_code(stmt, module).replace(" ", "")
        ),
        None,
    )
    if at is None:
        raise CannotFix(f"`{var}` is not assigned by a statement of its own at the top of `{plan.target}`")
    close = plan.finals[0]
    after = body[at + 1 :]
    end = next((j for j, stmt in enumerate(after) if _stmt_code(stmt, module) == close), None)
    wrapped, tail = (after, []) if end is None else (after[:end], after[end + 1 :])
    uses = re.compile(rf"\b{re.escape(var)}\b")
    if any(uses.search(module.code_for_node(stmt)) for stmt in tail):
        raise CannotFix(f"`{var}` is used after it is closed")
    if not wrapped:
        raise CannotFix(f"nothing runs between opening and closing `{var}`")
    blank, first = _split_leading_blank(wrapped[0])
    wrapped[0] = first
    new_try = cst.Try(
        body=cst.IndentedBlock(body=wrapped),
        finalbody=cst.Finally(body=cst.IndentedBlock(body=[_statement(close, module)])),
        leading_lines=blank,
    )
    return _replace_body(module, index, fn, body[: at + 1] + [new_try] + tail)


# -- entry objects and hooks --------------------------------------------------------------


def _binding_index(module: cst.Module, name: str) -> int:
    for i, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == name
            ):
                return i
            if (
                isinstance(small, cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value == name
            ):
                return i
    raise CannotFix(f"`{name}` is not bound by a plain top-level assignment")


def _top_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for node in module.body:
        for sub in _walk(node):
            if isinstance(sub, cst.Name):
                names.add(sub.value)
    return names


def _walk(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _walk(child)


def _fresh(module: cst.Module, base: str) -> str:
    taken = _top_names(module)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _insert_after(module: cst.Module, index: int, new: list[cst.BaseStatement]) -> cst.Module:
    stmts = list(module.body)
    nl = cst.EmptyLine()
    new = [s.with_changes(leading_lines=(nl, nl)) for s in new]
    following = stmts[index + 1 :]
    if following:
        blank = sum(1 for line in following[0].leading_lines if line.comment is None)
        if blank < 2:
            following[0] = following[0].with_changes(
                leading_lines=(nl,) * (2 - blank) + tuple(following[0].leading_lines)
            )
    return module.with_changes(body=stmts[: index + 1] + new + following)


def _wrap_object(module: cst.Module, plan: Plan) -> cst.Module:
    index = _binding_index(module, plan.target)
    stmt = module.body[index]
    inner = _fresh(module, f"_{(plan.adapter or 'inner').replace('-', '_')}_{plan.target}")
    small = stmt.body[0]
    if isinstance(small, cst.Assign):
        renamed = small.with_changes(targets=[small.targets[0].with_changes(target=cst.Name(inner))])
    else:
        renamed = small.with_changes(target=cst.Name(inner))
    stmts = list(module.body)
    stmts[index] = stmt.with_changes(body=[renamed])
    module = module.with_changes(body=stmts)
    finals = "\n".join(_indent(code, 8) for code in plan.finals)
    fn = _statement(
        f"def {plan.target}(event, context):\n    try:\n        return {inner}(event, context)\n"
        f"    finally:\n{finals}",
        module,
    )
    return _insert_after(module, index, [fn])


HOOKS = {
    # Chalice runs "all" middleware around every Lambda invocation of the app, also on errors.
    "chalice-middleware": (
        '@{app}.middleware("all")\ndef {name}(event, get_response):\n    try:\n'
        "        return get_response(event)\n    finally:\n{finals8}"
    ),
    # Flask calls app-context teardown functions when each request's context ends, also after
    # an unhandled exception.
    "flask-teardown": "@{app}.teardown_appcontext\ndef {name}(exception):\n{finals4}",
}


def _last_binding(module: cst.Module, names: tuple[str, ...]) -> int:
    """Index of the last top-level statement that binds one of ``names`` (assignment or import)."""
    last = -1
    for i, stmt in enumerate(module.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            bound: list[str] = []
            if isinstance(small, cst.Assign):
                bound = [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                bound = [small.target.value]
            elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
                small.names, cst.ImportStar
            ):
                for alias in small.names:
                    node = alias.asname.name if alias.asname else alias.name
                    while isinstance(node, cst.Attribute):
                        node = node.value
                    if isinstance(node, cst.Name):
                        bound.append(node.value)
            if any(b in names for b in bound):
                last = i
    return last


def _add_hook(module: cst.Module, plan: Plan) -> cst.Module:
    index = max(_binding_index(module, plan.target), _last_binding(module, plan.after))
    name = _fresh(module, "_release_connections")
    template = HOOKS[plan.hook]
    code = template.format(
        app=plan.target,
        name=name,
        finals8="\n".join(_indent(c, 8) for c in plan.finals),
        finals4="\n".join(_indent(c, 4) for c in plan.finals),
    )
    return _insert_after(module, index, [_statement(code, module)])


# -- imports ------------------------------------------------------------------------------


def _imported_names(module: cst.Module) -> set[str]:
    """Names bound by top-level `from ... import` statements, and `import a.b` modules as "a.b"."""
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is None:
                            names.add(module.code_for_node(alias.name))
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        bound = alias.asname.name if alias.asname else alias.name
                        if isinstance(bound, cst.Name):
                            names.add(bound.value)
    return names


def _add_imports(module: cst.Module, imports: tuple[tuple[str, str], ...]) -> cst.Module:
    have = _imported_names(module)
    wanted = [(m, n) for m, n in imports if (n or m) not in have]
    if not wanted:
        return module
    stmts = list(module.body)
    last = -1
    for i, stmt in enumerate(stmts):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            last = i
    new = [_statement(f"from {m} import {n}" if n else f"import {m}", module) for m, n in wanted]
    if last == -1:
        at = 1 if stmts and _is_docstring(stmts[0]) else 0
        if at < len(stmts):
            new[-1] = new[-1].with_changes(leading_lines=())
        return module.with_changes(body=stmts[:at] + new + stmts[at:])
    return module.with_changes(body=stmts[: last + 1] + new + stmts[last + 1 :])
