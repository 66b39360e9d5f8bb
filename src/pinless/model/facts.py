"""What one module's analysis records: picklable, cacheable, linked later across modules."""

from __future__ import annotations

from dataclasses import dataclass, field

from pinless.model.values import Value


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    column: int  # 1-based, code points
    end_line: int
    end_column: int  # one past the end


@dataclass(frozen=True, slots=True)
class CallSite:
    callee: Value  # Qual, Bound, Func, Ref or Obj (calling an object)
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    star: bool  # *args or **kwargs: absence of a keyword cannot be concluded
    span: Span
    last_arg_end: tuple[int, int] | None  # where a new keyword argument goes
    scope: str  # qualname of the enclosing function, "" at module level
    in_finally: bool
    awaited: bool
    snippet: str
    line_text: str
    top_line: int = 0  # first line of the module-level statement that holds the call
    kwarg_spans: tuple[tuple[str, Span], ...] = ()  # where each keyword argument's value is

    def kwarg(self, name: str) -> Value | None:
        for k, v in self.kwargs:
            if k == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    qualname: str
    span: Span  # the `def` line through the end of the body
    is_async: bool
    params: tuple[str, ...]
    decorators: tuple[Value, ...]
    returns: Value
    globals: tuple[str, ...]  # names declared `global`
    body_line: int  # first line of the body
    line_text: str
    releases: tuple[int, ...] = ()  # indexes into ModuleFacts.calls made in a `finally`
    # Exit-path facts for the lifecycle rules (PIN4xx):
    # calls in the `finally` of a try that is a top-level statement of the body (every exit path)
    exit_releases: tuple[int, ...] = ()
    managed: tuple[int, ...] = ()  # calls that are the context expression of a `with` item
    entered: tuple[int, ...] = ()  # calls bound to a name a later `with` item enters (`with conn:`)
    closing: tuple[int, ...] = ()  # calls wrapped by `with closing(...)`: closed on every path
    # assignments to names declared `global`: (name, line, flags), flags REBIND_NONE | ...
    rebinds: tuple[tuple[str, int, int], ...] = ()


REBIND_NONE = 1  # the value assigned is None (a reset, not a creation)
REBIND_FINALLY = 2  # inside a `finally`
REBIND_NESTED = 4  # not a top-level statement of the function body (under an if, with, loop, ...)
REBIND_WHEN_CLOSED = 8  # under an `if` whose test asks whether the name's object is closed


@dataclass
class ModuleFacts:
    path: str  # absolute
    relpath: str  # relative to the project root, forward slashes
    module: str  # dotted name from relpath
    base_dir: str  # directory of relpath ("" at the root)
    exports: dict[str, Value] = field(default_factory=dict)
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    calls: list[CallSite] = field(default_factory=list)
    dialect: str = "postgres"  # the dialect the module's imports suggest, for untyped receivers
    imports: tuple[str, ...] = ()  # import roots seen
    entry_points: list = field(default_factory=list)
    error: tuple[int, int, str] | None = None  # PIN001: (line, column, message)
    lines: int = 0


def _reduce(self):
    # pickling by constructor: the cache loads thousands of these per run, and the default
    # for slotted dataclasses looks up dataclasses.fields() for every object
    return (type(self), tuple(getattr(self, name) for name in self.__slots__))


for _cls in [c for c in list(globals().values()) if isinstance(c, type) and c.__module__ == __name__
             and "__dataclass_fields__" in vars(c) and "__slots__" in vars(c)]:
    _cls.__reduce__ = _reduce
