"""The cross-module index, built once per run: resolves the ``Ref`` values each module's
analysis left for names imported from other project modules."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Callable, Iterator, Mapping

from pinless.model.facts import ModuleFacts
from pinless.model.library import LibraryIndex
from pinless.model.library import index as index_of_libraries
from pinless.model.values import UNKNOWN, Bound, DictV, Func, Obj, ProjMod, Qual, Ref, Unknown, Value

_MAX_DEPTH = 12


def module_name(relpath: str) -> str:
    """The dotted name of a module (``pkg/__init__.py`` -> ``pkg``)."""
    p = PurePosixPath(relpath)
    parts = list(p.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_key(relpath: str) -> str:
    p = PurePosixPath(relpath).with_suffix("")
    return str(p.parent) if p.name == "__init__" else str(p)


def import_keys(base: str, name: str) -> list[str]:
    """The ``module_key``s an import of ``name`` from a module in folder ``base`` may mean, in
    the order they are tried (the first that exists wins). A relative import means one module;
    an absolute one the importer's folder and each folder above it (a Lambda CodeUri is a
    sys.path root), then the usual source roots."""
    level = len(name) - len(name.lstrip("."))
    rel = name[level:].replace(".", "/")
    parts = [p for p in base.split("/") if p]
    if level:
        if level - 1 > len(parts):
            return []
        key = "/".join(parts[: len(parts) - (level - 1)] + ([rel] if rel else []))
        return [key or "."]
    keys = ["/".join([*parts[:i], rel]) for i in range(len(parts), -1, -1)]
    return keys + [f"{root}/{rel}" for root in ("src", "lib", "app")]


class Project:
    """The project's analysed modules, loaded on first use, and what resolving names across
    them depended on.

    ``index`` maps the relpath of every analysed module to its content hash; ``load(relpath)``
    returns that module's facts. While a module is checked (``track``), every lookup of another
    module is noted with the module it found, so the runner can keep that module's findings
    until one of those lookups would find something else. Reading every module (``modules``,
    ``called``, ``django_databases``) is noted as depending on all of them.
    """

    ALL = ("all", "")
    DATABASES = ("databases", "")  # the set of modules holding Django settings

    def __init__(self, index: dict[str, str], load: Callable[[str], ModuleFacts | None],
                 lib: LibraryIndex | None = None, versions: dict[str, str | None] | None = None,
                 texts: Mapping[str, str] | None = None, root=None, settings=None,
                 databases: list[str] | None = None):
        self.lib = lib or index_of_libraries()
        self.texts = texts or {}  # absolute path -> source text (fixes and locators need it)
        self.root = root
        self.settings = settings
        self.index = index
        self._load = load
        self._loaded: dict[str, ModuleFacts | None] = {}
        self._by_key = {module_key(rel): rel for rel in index}
        self._by_name = {module_name(rel): rel for rel in index}
        self.versions = versions or {}
        self.entry_points: list = []
        self.entry_notes: list[str] = []
        self._memo: dict[Value, tuple[Value, frozenset]] = {}
        # the modules with a literal Django `DATABASES` (None: look in every module)
        self._settings_modules = databases
        self._databases: list[DictV] | None = None
        self._called: frozenset[str] | None = None
        self._active: set[Value] = set()
        self._cut = False  # the resolution under way hit the depth limit or a cycle
        self._deps: list[set[tuple[str, str]]] = []

    @classmethod
    def of(cls, modules: list[ModuleFacts], **kwargs) -> "Project":
        """A project over facts already in memory."""
        by_rel = {m.relpath: m for m in modules}
        return cls({rel: "" for rel in by_rel}, by_rel.get, **kwargs)

    # -- dependencies -------------------------------------------------------------------------

    @contextmanager
    def track(self) -> Iterator[set[tuple[str, str]]]:
        """Collect the lookups made inside the block: ``("key"|"name"|"all", key)``."""
        deps: set[tuple[str, str]] = set()
        self._deps.append(deps)
        try:
            yield deps
        finally:
            self._deps.pop()
            if self._deps:
                self._deps[-1] |= deps

    def note(self, dep: tuple[str, str]) -> None:
        if self._deps:
            self._deps[-1].add(dep)

    def found(self, dep: tuple[str, str]) -> str:
        """What a lookup finds now: ``relpath:hash`` of the module, "" for none."""
        kind, key = dep
        if dep == self.DATABASES:
            return repr([(rel, self.index[rel]) for rel in self._settings_modules or ()])
        rel = (self._by_key if kind == "key" else self._by_name).get(key) if kind != "all" else None
        return f"{rel}:{self.index[rel]}" if rel is not None else ""

    # -- modules ----------------------------------------------------------------------------

    def module(self, rel: str) -> ModuleFacts | None:
        if rel not in self._loaded:
            self._loaded[rel] = self._load(rel)
        return self._loaded[rel]

    def module_at(self, key: str) -> ModuleFacts | None:
        """The module whose ``module_key`` is ``key``."""
        self.note(("key", key))
        rel = self._by_key.get(key)
        return self.module(rel) if rel is not None else None

    def module_named(self, name: str) -> ModuleFacts | None:
        """The module whose dotted name is ``name``."""
        self.note(("name", name))
        rel = self._by_name.get(name)
        return self.module(rel) if rel is not None else None

    @property
    def modules(self) -> list[ModuleFacts]:
        self.note(self.ALL)
        return [m for m in map(self.module, self.index) if m is not None]

    def find_module(self, base: str, name: str) -> ModuleFacts | None:
        keys = import_keys(base, name)
        if name.startswith("."):
            return self.module_at(keys[0]) if keys else None
        for key in keys:
            found = self.module_at(key)
            if found is not None:
                return found
        return None

    # -- values -----------------------------------------------------------------------------

    def resolve(self, value: Value, depth: int = 0) -> Value:
        if not isinstance(value, (Ref, Bound)):
            return value
        if isinstance(value, Bound):
            recv = self.resolve(value.receiver, depth + 1)
            return value if recv is value.receiver else self.lib.attr(recv, value.method) if not isinstance(recv, Unknown) else Bound(recv, value.method)
        memo = self._memo.get(value)
        if memo is not None:
            if self._deps:
                self._deps[-1] |= memo[1]  # a memoised answer carries the lookups behind it
            return memo[0]
        if value in self._active or depth > _MAX_DEPTH:
            self._cut = True
            return UNKNOWN
        self._active.add(value)
        outer, self._cut = self._cut, False
        try:
            with self.track() as deps:
                result = self._resolve_ref(value, depth)
        finally:
            self._active.discard(value)
            cut, self._cut = self._cut, outer or self._cut
        if not cut:
            # an answer cut short by the depth limit or a cycle depends on where the resolution
            # started: memoising it would make a module's findings depend on check order
            self._memo[value] = (result, frozenset(deps))
        return result

    def _resolve_ref(self, ref: Ref, depth: int) -> Value:
        base, _, name = ref.module.partition("|")
        module = self.find_module(base, name)
        ops = ref.ops
        if module is None:
            # `from pkg import mod` / `import pkg.mod` when pkg/__init__.py has no facts (an
            # empty package file is not analysed): the submodule itself
            sub, ops = self._submodule(base, name, ref)
            if sub is not None:
                current: Value = ProjMod(module_key(sub.relpath))
            else:
                dotted = name.lstrip(".")
                current = self.lib.qual(f"{dotted}.{ref.name}" if ref.name else dotted)
                if not name.startswith(".") and dotted.split(".")[0] not in self.lib.roots:
                    current = Unknown(ref.name or dotted)
        elif ref.name:
            current = self._export(module, ref.name, base, name, depth)
        else:
            current = ProjMod(module_key(module.relpath))
        for op, arg in ops:
            current = self._apply(current, op, arg, depth)
        return current

    def _submodule(self, base: str, name: str, ref: Ref) -> tuple[ModuleFacts | None, tuple]:
        child = ref.name or (ref.ops[0][1] if ref.ops and ref.ops[0][0] == "attr" else "")
        if not child:
            return None, ref.ops
        sub = self.find_module(base, f"{name}{child}" if name.endswith(".") else f"{name}.{child}")
        return sub, (ref.ops if ref.name else ref.ops[1:])

    def _export(self, module: ModuleFacts, name: str, base: str, modname: str, depth: int) -> Value:
        if name in module.exports:
            return self.resolve(module.exports[name], depth + 1)
        sub = self.find_module(base, f"{modname}.{name}" if modname.strip(".") else modname + name)
        if sub is not None:
            return ProjMod(module_key(sub.relpath))
        return Unknown(name)

    def _apply(self, current: Value, op: str, arg: str, depth: int) -> Value:
        if op == "attr":
            if isinstance(current, ProjMod):
                module = self.module_at(current.key)
                if module is None:
                    return Unknown(arg)
                return self._export(module, arg, module.base_dir, module.module, depth)
            if isinstance(current, Func):
                return Unknown(arg)
            return self.lib.attr(current, arg)  # Unknown too: attribute fallbacks (Model.objects)
        if op == "call":
            if isinstance(current, Func):
                return self.function_returns(current, depth)
            return self.lib.call(current, (), {})
        if op == "item":
            return self.lib.item(current)
        return UNKNOWN

    def called(self) -> frozenset[str]:
        """Every library callable the project calls (``requires-call`` gates in library data)."""
        self.note(self.ALL)
        if self._called is None:
            self._called = frozenset(
                c.name for m in self.modules for site in m.calls
                for c in (self.callee(site.callee),) if isinstance(c, Qual)
            )
        return self._called

    def django_databases(self) -> list[DictV]:
        """The entries of every literal Django ``DATABASES`` setting in the project (module-level
        ``DATABASES = {...}``); an empty list when the project shows none."""
        if self._settings_modules is None:
            self.note(self.ALL)
        else:
            self.note(self.DATABASES)
        if self._databases is None:
            self._databases = []
            named = self._settings_modules
            for module in self.modules if named is None else filter(None, map(self.module, named)):
                value = module.exports.get("DATABASES")
                if isinstance(value, DictV):
                    self._databases += [v for _, v in value.items if isinstance(v, DictV)]
        return self._databases

    def function_returns(self, func: Func, depth: int = 0) -> Value:
        name, _, qual = func.ref.partition(":")
        module = self.module_named(name)
        if module is None or qual not in module.functions:
            return UNKNOWN
        return self.resolve(module.functions[qual].returns, depth + 1)

    def function(self, func: Func):
        name, _, qual = func.ref.partition(":")
        module = self.module_named(name)
        if module is None:
            return None, None
        return module, module.functions.get(qual)

    def receiver(self, callee: Value) -> tuple[Value, str] | None:
        """(resolved receiver, method) of a method call, or None for a plain call."""
        if isinstance(callee, Bound):
            return self.resolve(callee.receiver), callee.method
        if isinstance(callee, Ref) and callee.ops and callee.ops[-1][0] == "attr":
            base = Ref(callee.module, callee.name, callee.ops[:-1])
            return self.resolve(base), callee.ops[-1][1]
        return None

    def callee(self, callee: Value) -> Value:
        """A plain callee resolved: Qual, Func, Obj or Unknown."""
        if isinstance(callee, Ref):
            return self.resolve(callee)
        return callee


__all__ = ["Project", "import_keys", "module_key", "module_name"]
