"""What an expression means to pinless: the small value lattice of the semantic model.

Values are immutable and picklable, so a module's facts can be cached and sent between
worker processes. A project name that another module defines stays a ``Ref`` until the
project index links it (model/project.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Value:
    pass


@dataclass(frozen=True, slots=True)
class Unknown(Value):
    hint: str = ""  # the last name seen (``cur`` in ``cur.execute``), for name-based fallbacks


@dataclass(frozen=True, slots=True)
class Qual(Value):
    """A dotted name in an imported library: a module, class or function (``psycopg2.pool``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Obj(Value):
    """An object a library call created (``psycopg2.connection``).

    ``origin`` is ``module.name`` when the object is bound to a module-level name (what
    survives between warm invocations); ``site`` is the line of the creating call.
    """

    kind: str
    origin: str = ""
    site: int = 0
    dialect: str = ""


@dataclass(frozen=True, slots=True)
class Bound(Value):
    """A method looked up on a value but not called yet (``cur.execute``)."""

    receiver: Value
    method: str


@dataclass(frozen=True, slots=True)
class Str(Value):
    """Text recovered from string literals; ``exact`` is False when parts were unknown."""

    text: str
    exact: bool = True


@dataclass(frozen=True, slots=True)
class Func(Value):
    """A function defined in the project: ``module:qualname``."""

    ref: str


@dataclass(frozen=True, slots=True)
class Ref(Value):
    """A name imported from another project module, with what was done to it since.

    ``ops`` is a tuple of ``("attr", name)`` and ``("call", "")`` steps, replayed on the
    target once the project index knows it.
    """

    module: str
    name: str
    ops: tuple[tuple[str, str], ...] = ()

    def then(self, op: str, arg: str = "") -> "Ref":
        return Ref(self.module, self.name, self.ops + ((op, arg),))


UNKNOWN = Unknown()


@dataclass(frozen=True, slots=True)
class Const(Value):
    """A literal that is not text: None, True, 0, 1.5."""

    value: object


@dataclass(frozen=True, slots=True)
class DictV(Value):
    """A dict literal with constant string keys (``connect_args={...}``)."""

    items: tuple[tuple[str, Value], ...]

    def get(self, key: str) -> Value | None:
        for k, v in self.items:
            if k == key:
                return v
        return None


@dataclass(frozen=True, slots=True)
class ProjMod(Value):
    """A module of the project (``import db`` once linked): attribute access reads its exports."""

    key: str


def _reduce(self):
    # pickling by constructor: the cache loads thousands of these per run, and the default
    # for slotted dataclasses looks up dataclasses.fields() for every object
    return (type(self), tuple(getattr(self, name) for name in self.__slots__))


for _cls in [c for c in list(globals().values()) if isinstance(c, type) and c.__module__ == __name__
             and "__dataclass_fields__" in vars(c) and "__slots__" in vars(c)]:
    _cls.__reduce__ = _reduce
