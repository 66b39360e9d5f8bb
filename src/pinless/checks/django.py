"""Django `DATABASES` settings: PIN406 (`CONN_MAX_AGE` not 0 in a Lambda), PIN107 (options that
make every new connection send `SET ROLE`, `SET default_transaction_*` or
`set_config('TimeZone', ...)`) and the other rules the `[django-settings]` table of
rules/libraries/django.toml attaches to a database alias (PIN105, PIN202, PIN106, PIN407).

Settings are read where they are written as literals: a module-level ``DATABASES = {...}``
(with ``USE_TZ`` / ``TIME_ZONE`` beside it) or ``settings.configure(DATABASES={...}, ...)``.
The values come from the semantic model (exports and call arguments); only the positions of
the keys, which the model does not keep, are read from the module's ``ast``, and only for a
module that has such settings.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Iterator

from pinless import catalog as catalog_mod
from pinless.checks import calls as calls_check
from pinless.finding import Finding
from pinless.model.analyze import python_lines
from pinless.model.facts import ModuleFacts
from pinless.model.library import _NOT_CONST, condition_test, const_of
from pinless.model.project import Project
from pinless.model.sql import classify
from pinless.model.values import Const, DictV, Qual, Str, Value

CONFIGURE = "django.conf.settings.configure"
LAMBDA_ONLY = frozenset({"PIN406", "PIN407"})  # about connections kept between invocations
DJANGO_DEFAULT_TIME_ZONE = "America/Chicago"


@dataclass
class SettingsBlock:
    """One place settings are written: module-level names, or one configure() call."""

    databases: DictV
    values: dict[str, Value]  # USE_TZ, TIME_ZONE, ... as the model sees them
    line: int  # the configure() call's line; 0 for module-level settings


def _table(cat: catalog_mod.Catalog) -> dict[str, Any]:
    lib = cat.libraries.get("django")
    return lib.data.get("django-settings", {}) if lib else {}


def _blocks(project: Project, module: ModuleFacts) -> list[SettingsBlock]:
    blocks = []
    databases = module.exports.get("DATABASES")
    if isinstance(databases, DictV):
        blocks.append(SettingsBlock(databases, dict(module.exports), 0))
    for call in module.calls:
        if call.scope != "":
            continue
        callee = project.callee(call.callee)
        if isinstance(callee, Qual) and callee.name == CONFIGURE:
            value = call.kwarg("DATABASES")
            value = project.resolve(value) if value is not None else None
            if isinstance(value, DictV):
                blocks.append(SettingsBlock(value, dict(call.kwargs), call.span.line))
    return blocks


def check_module(project: Project, module: ModuleFacts, cat: catalog_mod.Catalog) -> Iterator[Finding]:
    table = _table(cat)
    if not table:
        return
    blocks = _blocks(project, module)
    if not blocks:
        return
    from pinless.checks.lifecycle import is_lambda_project

    lambda_project = is_lambda_project(project, cat) or _zappa_django(project)
    text = project.texts.get(module.path)
    locator = _Locator(text) if text is not None else None
    for block in blocks:
        for alias, entry in block.databases.items:
            entry = project.resolve(entry)
            if not isinstance(entry, DictV):
                continue
            family = _engine_family(table, entry)
            for spec in table.get("rules", ()):
                code = spec["rule"]
                if code not in cat.rules or (code in LAMBDA_ONLY and not lambda_project):
                    continue
                if spec.get("engine") and spec["engine"] != family:
                    continue
                if spec.get("driver") and not _driver_holds(project, spec["driver"]):
                    continue
                if not all(_holds(project, entry, cond) for cond in spec.get("when", ())):
                    continue
                construct = spec.get("construct", "")
                if spec.get("sql-arg"):
                    sql = _path(entry, spec["sql-arg"])[1]
                    if not isinstance(sql, Str):
                        continue
                    kinds = cat.sql_kinds()
                    dialect = spec.get("dialect") or ("mysql" if family == "mysql" else "postgres")
                    facts = [f for f in classify(sql.text, dialect) if f.kind in kinds]
                    if not facts:
                        continue
                    construct = facts[0].construct
                path = spec["when"][0]["arg"] if spec.get("when") else ""
                yield _finding(cat.rules[code], module, locator, block, alias, path, construct)
            tz = table.get("timezone")
            if (
                tz
                and tz.get("rule") in cat.rules
                and (not tz.get("engine") or tz["engine"] == family)
                and _tz_applies(cat.rules[tz["rule"]], project)
            ):
                where = _timezone(block, entry)
                if where is not None:
                    yield _finding(cat.rules[tz["rule"]], module, locator, block, alias, where, "TIME_ZONE")


ZAPPA_FILES = ("zappa_settings.json", "zappa_settings.yaml", "zappa_settings.yml", "zappa_settings.toml")


def _zappa_django(project: Project) -> bool:
    """Zappa serves a Django project named by `django_settings` (no handler in the code).
    Read once per run, from the project root only."""
    cached = getattr(project, "_zappa_django", None)
    if cached is not None:
        return cached
    found = False
    root = project.root
    for name in ZAPPA_FILES if root is not None else ():
        path = root / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            if name.endswith(".json"):
                import json

                data = json.loads(text)
            elif name.endswith(".toml"):
                import tomllib

                data = tomllib.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text)
        except Exception:  # a broken deployment file never stops a run
            continue
        if isinstance(data, dict) and any(
            isinstance(stage, dict) and stage.get("django_settings") for stage in data.values()
        ):
            found = True
    project._zappa_django = found  # type: ignore[attr-defined]
    return found


def _engine_family(table: dict[str, Any], entry: DictV) -> str:
    engine = entry.get("ENGINE")
    if not isinstance(engine, Str):
        return ""
    for family, names in table.get("engines", {}).items():
        if engine.text in names:
            return family
    return ""


def _driver_holds(project: Project, driver: str) -> bool:
    """Django uses psycopg 3 when it is installed and falls back to psycopg2."""
    declared = {project.lib.distributions.get(name) for name in project.versions}
    if driver == "psycopg2":
        return "psycopg2" in declared and "psycopg" not in declared
    if driver == "psycopg":
        return not ("psycopg2" in declared and "psycopg" not in declared)
    return driver in declared


def _path(entry: DictV, path: str) -> tuple[bool, Value | None]:
    value: Value | None = entry
    for key in path.split("."):
        if value is None:
            return True, None
        if not isinstance(value, DictV):
            return False, None
        value = value.get(key)
    return True, value


def _holds(project: Project, entry: DictV, cond: dict[str, Any]) -> bool:
    known, value = _path(entry, cond["arg"])
    if value is not None:
        value = project.resolve(value)
    if cond["test"] == "not-equals":
        if value is None or not known:
            return False
        const = const_of(value)
        return const is not _NOT_CONST and const != cond.get("value")
    return condition_test(cond["test"], known, value, cond.get("value"), False)


def _tz_applies(rule, project: Project) -> bool:
    """The time zone finding is `fine` under some targets (detect.override on the page)."""
    targets = tuple(getattr(project.settings, "targets", ()) or ())
    for override in rule.detect.get("override", ()):
        if "TIME_ZONE" in override.get("constructs", ()):
            verdicts = override.get("targets", {})
            if targets and all(verdicts.get(t, rule.targets.get(t, "fine")) == "fine" for t in targets):
                return False
    return True


def _timezone(block: SettingsBlock, entry: DictV) -> str | None:
    """Where a time zone other than the server's is set: the alias's TIME_ZONE, or the global
    TIME_ZONE when USE_TZ is False (Django then uses it for every connection)."""
    own = entry.get("TIME_ZONE")
    if own is not None:
        value = const_of(own)
        return "TIME_ZONE" if isinstance(value, str) and value != "UTC" else None
    use_tz = const_of(block.values.get("USE_TZ", Const(True)))
    if use_tz is not False:
        return None  # Django sends 'UTC'; only a server not reporting exactly UTC pins (not visible)
    zone = block.values.get("TIME_ZONE")
    value = DJANGO_DEFAULT_TIME_ZONE if zone is None else const_of(zone)
    if not isinstance(value, str) or value == "UTC":
        return None
    return "@TIME_ZONE" if zone is not None else "@USE_TZ"


def _finding(
    rule, module: ModuleFacts, locator, block: SettingsBlock, alias: str, path: str, construct: str
) -> Finding:
    span = locator.find(block.line, alias, path) if locator is not None else None
    if span is None:
        span = (block.line or 1, 1, block.line or 1, 2)
    line, col, end_line, end_col = span
    message = rule.message.format_map(calls_check._Default(construct=construct, object=alias)).strip()
    text = locator.line(line) if locator is not None else ""
    finding = Finding(
        code=rule.code,
        message=message,
        path=module.path,
        line=line,
        column=col,
        end_line=end_line,
        end_column=end_col,
        help=rule.help or None,
        scope="",
        snippet=f"{alias}.{path}",
        line_text=text,
    )
    return with_construct(finding, construct)


def with_construct(finding: Finding, construct: str) -> Finding:
    """Record what the message names (rule pages' `[[detect.override]]` match on it)."""
    if construct and hasattr(finding, "construct"):
        return finding.with_(construct=construct)
    return finding


class _Locator:
    """Positions of settings keys, from the module's `ast` (parsed on first use)."""

    def __init__(self, text: str):
        self.text = text
        self._tree: ast.Module | None = None
        self._lines = python_lines(text)

    def line(self, n: int) -> str:
        return self._lines[n - 1] if 0 < n <= len(self._lines) else ""

    def tree(self) -> ast.Module | None:
        if self._tree is None:
            try:
                self._tree = ast.parse(self.text)
            except (SyntaxError, ValueError):
                return None
        return self._tree

    def _settings(self, call_line: int) -> tuple[ast.Dict | None, dict[str, ast.AST]]:
        tree = self.tree()
        if tree is None:
            return None, {}
        if call_line:
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and node.lineno == call_line:
                    kws = {k.arg: k for k in node.keywords if k.arg}
                    db = kws.get("DATABASES")
                    if db is not None and isinstance(db.value, ast.Dict):
                        return db.value, kws
            return None, {}
        names: dict[str, ast.AST] = {}
        databases = None
        for stmt in tree.body:
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if isinstance(stmt, ast.AnnAssign)
                else []
            )
            for t in targets:
                if isinstance(t, ast.Name):
                    names[t.id] = t
                    if t.id == "DATABASES" and isinstance(stmt.value, ast.Dict):
                        databases = stmt.value
        return databases, names

    def find(self, call_line: int, alias: str, path: str) -> tuple[int, int, int, int] | None:
        databases, names = self._settings(call_line)
        if path.startswith("@"):  # a top-level setting
            node = names.get(path[1:])
            return _span(node, self._lines) if node is not None else None
        if databases is None:
            return None
        node: ast.AST | None = _key(databases, alias)
        if node is None:
            return None
        best = node
        container = _value(databases, alias)
        for part in path.split(".") if path else ():
            if not isinstance(container, ast.Dict):
                break
            key = _key(container, part)
            if key is None:
                break
            best, container = key, _value(container, part)
        return _span(best, self._lines)


def _key(d: ast.Dict, name: str) -> ast.AST | None:
    for k in d.keys:
        if isinstance(k, ast.Constant) and k.value == name:
            return k
    return None


def _value(d: ast.Dict, name: str) -> ast.AST | None:
    for k, v in zip(d.keys, d.values):
        if isinstance(k, ast.Constant) and k.value == name:
            return v
    return None


def _span(node: ast.AST, lines: list[str]) -> tuple[int, int, int, int]:
    def col(line: int, byte_col: int) -> int:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1

    if isinstance(node, ast.keyword):  # configure(USE_TZ=False): the keyword itself
        line = node.lineno
        return (
            line,
            col(line, node.col_offset),
            node.end_lineno or line,
            col(node.end_lineno or line, node.end_col_offset or 0),
        )
    line = node.lineno
    end_line = node.end_lineno or line
    return line, col(line, node.col_offset), end_line, col(end_line, node.end_col_offset or 0)
