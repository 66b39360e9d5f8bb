"""The library facts of ``rules/libraries/*.toml`` as one index, and the rules of evaluation
that apply them: what an attribute or a call on a library value gives.

Shared by the per-module analysis and the cross-module linker, so a value means the same
whether it was met in its own module or reached through an import.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from pinless import catalog
from pinless.model.values import (
    UNKNOWN, Bound, Const, DictV, Obj, Qual, Str, Unknown, Value,
)


@dataclass(frozen=True)
class Kind:
    name: str
    library: str
    role: str
    dialect: str
    methods: dict[str, dict[str, Any]]
    attrs: dict[str, str]
    call: str | None
    item: str | None
    spec: dict[str, Any]


class LibraryIndex:
    def __init__(self, cat: catalog.Catalog):
        self.roots: dict[str, str] = {}  # import root -> library
        self.calls: dict[str, dict[str, Any]] = {}
        self.objects: dict[str, str] = {}
        self.kinds: dict[str, Kind] = {}
        self.distributions: dict[str, str] = {}
        self.untyped_sinks: dict[str, dict[str, Any]] = {}
        self.untyped_hints: tuple[str, ...] = ()
        self.keywords: tuple[str, ...] = ()  # byte strings that make the prefilter keep a file
        self.attr_fallbacks: dict[str, str] = {}  # attribute of an unknown object -> kind
        self.prefilter_imports: tuple[str, ...] = ()  # imported modules that make a file database code
        self.dialects: dict[str, str] = {}
        # attributes that say an object was closed (`pool.is_closing()`, `conn.closed`): a
        # re-creation guarded by one of them follows a destroy (checks/lifecycle.py, PIN402)
        self.closed_tests: frozenset[str] = frozenset()
        for lib in cat.libraries.values():
            self._add(lib.name, lib.data)
        self._inherit()
        hints = "|".join(self.untyped_hints) or "(?!)"
        self._hint_re = re.compile(rf"^_*(?:{hints})\d*_*$", re.IGNORECASE)

    def _add(self, name: str, data: dict[str, Any]) -> None:
        dialect = data.get("dialect", "postgres")
        self.dialects[name] = dialect
        for root in data.get("imports", ()):
            self.roots[root] = name
        for dist in data.get("distributions", ()):
            self.distributions[dist.lower()] = name
        for qual, spec in data.get("calls", {}).items():
            spec = dict(spec, library=name)
            spec["rules"] = [dict(r, library=name) for r in spec.get("rules", ())]
            self.calls[qual] = spec
            for alias in spec.get("aliases", ()):
                self.calls[alias] = spec
        for qual, kind in data.get("objects", {}).items():
            self.objects[qual] = kind
        for kname, spec in data.get("kinds", {}).items():
            self.closed_tests |= frozenset(spec.get("closed-test", ()))
            for method in spec.get("methods", {}).values():
                if "rules" in method:
                    method["rules"] = [dict(r, library=name) for r in method["rules"]]
            self.kinds[kname] = Kind(
                name=kname,
                library=name,
                role=spec.get("role", ""),
                dialect=spec.get("dialect", dialect),
                methods=spec.get("methods", {}),
                attrs=spec.get("attrs", {}),
                call=spec.get("call"),
                item=spec.get("item"),
                spec=spec,
            )
        untyped = data.get("untyped", {})
        self.untyped_sinks.update(untyped.get("methods", {}))
        self.keywords += tuple(data.get("prefilter-keywords", ()))
        self.attr_fallbacks.update(data.get("attribute-fallbacks", {}))
        self.prefilter_imports += tuple(data.get("prefilter-imports", data.get("imports", ())))
        self.untyped_hints += tuple(untyped.get("receiver-names", ()))

    def _inherit(self) -> None:
        """A kind with ``inherits = "other"`` has the other kind's methods and attributes,
        its own taking precedence (a connection in autocommit mode is still a connection)."""
        def merged(name: str, seen: tuple[str, ...] = ()) -> Kind:
            kind = self.kinds[name]
            parent = kind.spec.get("inherits")
            if not parent or parent not in self.kinds or parent in seen:
                return kind
            base = merged(parent, seen + (name,))
            return Kind(kind.name, kind.library, kind.role or base.role, kind.dialect,
                        {**base.methods, **kind.methods}, {**base.attrs, **kind.attrs},
                        kind.call or base.call, kind.item or base.item, {**base.spec, **kind.spec})
        self.kinds = {name: merged(name) for name in self.kinds}

    def on_assign(self, value: Value, attr: str, assigned: Value) -> Value | None:
        """The object after ``obj.attr = assigned`` when library data says it changes kind
        (``conn.autocommit = True``); None when nothing changes."""
        if not isinstance(value, Obj):
            return None
        kind = self.kinds.get(value.kind)
        spec = kind.spec.get("on-assign", {}).get(attr) if kind else None
        if not spec:
            return None
        const = const_of(assigned)
        if const is _NOT_CONST or not condition_test(spec.get("test", "truthy"), True, assigned,
                                                     spec.get("value"), False):
            return None
        return Obj(spec["kind"], value.origin, value.site, value.dialect)

    # -- evaluation ---------------------------------------------------------------------

    def qual(self, name: str) -> Value:
        kind = self.objects.get(name)
        if kind:
            return self.obj(kind)
        return Qual(name)

    def obj(self, kind: str, dialect: str = "", origin: str = "", site: int = 0) -> Obj:
        k = self.kinds.get(kind)
        d = dialect or (k.dialect if k else "")
        return Obj(kind, origin, site, "" if d == "auto" else d)

    def attr(self, value: Value, name: str) -> Value:
        if isinstance(value, Qual):
            return self.qual(f"{value.name}.{name}")
        if isinstance(value, Obj):
            kind = self.kinds.get(value.kind)
            if kind and name in kind.attrs:
                return self.obj(kind.attrs[name], value.dialect)
            return Bound(value, name)
        if isinstance(value, Str):
            return Bound(value, name)
        if isinstance(value, Unknown):
            if name in self.attr_fallbacks:
                return self.obj(self.attr_fallbacks[name])
            return Bound(value, name)
        return Unknown(name)

    def call(self, callee: Value, args: tuple[Value, ...], kwargs: dict[str, Value]) -> Value:
        if isinstance(callee, Qual):
            spec = self.calls.get(callee.name)
            if spec:
                return self._result(spec, None, args, kwargs)
            return Unknown(callee.name.rsplit(".", 1)[-1])
        if isinstance(callee, Bound):
            recv = callee.receiver
            if isinstance(recv, Obj):
                kind = self.kinds.get(recv.kind)
                spec = kind.methods.get(callee.method) if kind else None
                if spec:
                    return self._result(spec, recv, args, kwargs)
                if kind and kind.spec.get("chain"):  # query builders: every method returns the same kind
                    return self.obj(recv.kind, recv.dialect)
                return Unknown(callee.method)
            if isinstance(recv, Str) and callee.method in ("format", "join", "strip", "replace"):
                return Str(recv.text, False)
            return Unknown(callee.method)
        if isinstance(callee, Obj):
            kind = self.kinds.get(callee.kind)
            if kind and kind.call:
                return self.obj(kind.call, callee.dialect)
        return UNKNOWN

    def item(self, value: Value) -> Value:
        if isinstance(value, Obj):
            kind = self.kinds.get(value.kind)
            if kind and kind.item:
                return self.obj(kind.item, value.dialect)
        return UNKNOWN

    def enter(self, value: Value) -> Value:
        """What `with X as y` binds to y."""
        if isinstance(value, Obj):
            kind = self.kinds.get(value.kind)
            if kind and kind.spec.get("enter"):
                return self.obj(kind.spec["enter"], value.dialect)
        return value

    def _result(self, spec: dict[str, Any], recv: Obj | None, args, kwargs) -> Value:
        if "passthrough" in spec:
            v = arg_value(args, kwargs, spec["passthrough"])
            return v if isinstance(v, Str) else UNKNOWN
        returns = spec.get("returns")
        for alt in spec.get("returns-when", ()):  # e.g. a connection made with caching turned off
            if conditions_hold_static(args, kwargs, alt["when"]):
                returns = alt["returns"]
                break
        if not returns:
            return UNKNOWN
        dialect = recv.dialect if recv else ""
        if "dialect-from-url" in spec:
            url = arg_value(args, kwargs, spec["dialect-from-url"])
            if isinstance(url, Str):
                dialect = "mysql" if re.match(r"^\s*(mysql|mariadb)", url.text) else "postgres"
        return self.obj(returns, dialect)

    def is_untyped_sink(self, receiver: Unknown, method: str) -> dict[str, Any] | None:
        spec = self.untyped_sinks.get(method)
        if spec and self._hint_re.match(receiver.hint or ""):
            return spec
        return None


def arg_value(args, kwargs, where) -> Value | None:
    """The argument at position ``where`` (int), keyword ``where`` (str) or [pos, kw]."""
    if isinstance(where, list):
        pos, kw = where
        return kwargs.get(kw) if kw in kwargs else (args[pos] if pos < len(args) else None)
    if isinstance(where, int):
        return args[where] if where < len(args) else None
    return kwargs.get(where)


def lookup_path(args, kwargs, path: str, pos: int | None = None) -> tuple[bool, Value | None]:
    """(known, value) of a dotted argument path like ``connect_args.prepare_threshold``.

    known is False when the value cannot be read statically (the dict is a variable);
    value is None when the argument is certainly absent.
    """
    head, _, rest = path.partition(".")
    v = kwargs.get(head)
    if v is None and pos is not None and pos < len(args):
        v = args[pos]
    while rest:
        if v is None:
            return True, None
        if not isinstance(v, DictV):
            return False, None
        key, _, rest = rest.partition(".")
        v = v.get(key)
    return True, v


def const_of(v: Value | None) -> object:
    if isinstance(v, Const):
        return v.value
    if isinstance(v, Str) and v.exact:
        return v.text
    return _NOT_CONST


_NOT_CONST = object()


def conditions_hold_static(args, kwargs: dict, conditions) -> bool:
    """The `when` conditions of library data, on the values the module itself shows."""
    for cond in conditions:
        known, value = lookup_path(args, kwargs, cond["arg"], cond.get("pos"))
        if not condition_test(cond["test"], known, value, cond.get("value"), False):
            return False
    return True


def condition_test(test: str, known: bool, value: Value | None, expected: Any, star: bool) -> bool:
    if test == "absent":
        return known and value is None and not star
    if value is None or not known:
        return test == "not-false" and known and not star
    const = const_of(value)
    if test == "present":
        return True
    if test == "names":  # the argument is the library object named by value (a class, a constant)
        return isinstance(value, Qual) and value.name in (expected if isinstance(expected, list) else [expected])
    if isinstance(value, Str) and test in ("contains", "matches"):
        # the literal parts of an f-string or concatenation are facts: f"postgresql+asyncpg://{host}"
        # names its driver whatever the host is (unknown parts read as an identifier)
        return expected in value.text if test == "contains" else re.search(expected, value.text) is not None
    if const is _NOT_CONST:
        return False  # a value pinless cannot read: no guess
    if test == "truthy":
        return bool(const)
    if test == "not-none":
        return const is not None
    if test == "not-false":
        return const is not False
    if test == "equals":
        return const == expected
    if test == "greater":
        return isinstance(const, (int, float)) and not isinstance(const, bool) and const > expected
    if test == "contains":
        return isinstance(const, str) and expected in const
    if test == "matches":
        return isinstance(const, str) and re.search(expected, const) is not None
    raise ValueError(f"unknown condition test {test!r}")




@functools.lru_cache(maxsize=1)
def index() -> LibraryIndex:
    return LibraryIndex(catalog.load())
