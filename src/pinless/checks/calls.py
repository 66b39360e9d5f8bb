"""Findings from library calls: SQL reaching a sink (PIN1xx-PIN3xx by statement kind) and
the argument conditions that library data attaches to calls (``rules = [...]``).

Everything library-specific is in rules/libraries/*.toml; this module only evaluates it.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from pinless import catalog as catalog_mod
from pinless.finding import Edit, Finding, Fix
from pinless.model.facts import CallSite, ModuleFacts
from pinless.model.library import condition_test, const_of, lookup_path
from pinless.model.project import Project
from pinless.model.sql import classify
from pinless.model.values import Func, Obj, Qual, Str, Unknown, Value
from pinless.model.analyze import HOLE


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return ""


def make_finding(rule: catalog_mod.Rule, module: ModuleFacts, site: CallSite, fix: Fix | None = None,
                 note: str = "", dialect: str = "", kind: str = "", **fields: str) -> Finding:
    message = rule.message.format_map(_Default(fields)).strip()
    if note:
        message = f"{message}; {note}"
    return Finding(
        code=rule.code,
        message=message,
        path=module.path,
        line=site.span.line,
        column=site.span.column,
        end_line=site.span.end_line,
        end_column=site.span.end_column,
        help=rule.help or None,
        fix=fix,
        scope=site.scope,
        snippet=site.snippet,
        line_text=site.line_text,
        dialect=dialect,
        kind=kind,
        construct=fields.get("construct", ""),
    )


def sink_spec(project: Project, site: CallSite) -> tuple[dict[str, Any] | None, str]:
    """The library spec of the called function or method, and the SQL dialect it implies."""
    lib = project.lib
    recv = project.receiver(site.callee)
    if recv is not None:
        receiver, method = recv
        if isinstance(receiver, Obj):
            kind = lib.kinds.get(receiver.kind)
            spec = kind.methods.get(method) if kind else None
            return spec, receiver.dialect
        if isinstance(receiver, Unknown):
            return lib.is_untyped_sink(receiver, method), ""
        return None, ""
    callee = project.callee(site.callee)
    if isinstance(callee, Qual):
        spec = lib.calls.get(callee.name)
        dialect = lib.dialects.get(spec["library"], "") if spec else ""
        return spec, "" if dialect == "auto" else dialect
    return None, ""


def check_module(project: Project, module: ModuleFacts, cat: catalog_mod.Catalog) -> Iterator[Finding]:
    seen: set[tuple] = set()
    for finding in _check_module(project, module, cat):
        key = (finding.code, finding.line, finding.column, finding.end_line, finding.end_column)
        if key not in seen:  # several data entries may describe one construct (OR of conditions)
            seen.add(key)
            yield finding


def _check_module(project: Project, module: ModuleFacts, cat: catalog_mod.Catalog) -> Iterator[Finding]:
    sql_rules = cat.sql_kinds()
    for site in module.calls:
        spec, dialect = sink_spec(project, site)
        if not spec:
            continue
        if "sql" in spec:
            yield from _sql_findings(project, module, site, spec, dialect or module.dialect, sql_rules, cat)
        for entry in spec.get("rules", ()):
            finding = _rule_finding(project, module, site, entry, cat)
            if finding is not None:
                yield finding


def _sql_findings(project, module, site, spec, dialect, sql_rules, cat) -> Iterator[Finding]:
    where = spec["sql"]
    value = _arg(site, where)
    value = project.resolve(value) if value is not None else None
    if not isinstance(value, Str):
        return
    dialect = dialect or "postgres"
    for fact in classify(value.text, dialect):
        code = sql_rules.get(fact.kind)
        if code is None or code not in cat.rules:
            continue
        construct = fact.construct.replace(HOLE, "…")
        note = "" if fact.parsed else "read from the statement's leading keywords: sqlglot could not parse it"
        yield make_finding(cat.rules[code], module, site, construct=construct, note=note, dialect=dialect,
                            kind=fact.kind)


def _arg(site: CallSite, where) -> Value | None:
    if isinstance(where, list):
        pos, kw = where
        return site.kwarg(kw) or (site.args[pos] if pos < len(site.args) else None)
    if isinstance(where, int):
        return site.args[where] if where < len(site.args) else None
    return site.kwarg(where)


def conditions_hold(project: Project, site: CallSite, conditions: list[dict[str, Any]]) -> bool:
    kwargs = dict(site.kwargs)
    for cond in conditions:
        known, value = lookup_path(site.args, kwargs, cond["arg"], cond.get("pos"))
        if value is not None:
            value = project.resolve(value)
        if not condition_test(cond["test"], known, value, cond.get("value"), site.star):
            return False
    return True


def _rule_finding(project, module, site, entry, cat) -> Finding | None:
    code = entry["rule"]
    if code not in cat.rules:
        return None
    if not conditions_hold(project, site, entry.get("when", [])):
        return None
    if not _settings_allow(project, entry):
        return None
    if "requires-call" in entry and entry["requires-call"] not in project.called():
        return None
    if "harmless-uses" in entry and _only_harmless_uses(project, module, site, entry["harmless-uses"]):
        return None
    construct = entry.get("construct", "")
    if "sql-arg" in entry:  # the rule holds only when the SQL in that argument pins
        facts = _sql_arg_facts(project, site, entry, cat)
        if not facts:
            return None
        construct = f"{construct} {'; '.join(dict.fromkeys(f.construct for f in facts))}".strip()
    note = ""
    version = entry.get("version")
    if version:
        declared = project.versions.get(version["distribution"])
        if declared is None:
            note = f"{version['note']}; the project declares no {version['distribution']} version"
        elif _version_tuple(declared) < _version_tuple(version["min"]):
            return None
    fix = _fix(site, entry.get("fix"), cat.rules[code], module)
    dialect = project.lib.dialects.get(entry.get("library", ""), "")
    return make_finding(cat.rules[code], module, site, fix=fix, note=note,
                        dialect="" if dialect == "auto" else dialect,
                        construct=construct, call=entry.get("call", ""))


def _only_harmless_uses(project: Project, module: ModuleFacts, site: CallSite,
                        harmless: dict[str, Any]) -> bool:
    """Every use of the object this call creates is one that cannot pin (asyncpg's execute()
    without arguments runs the simple protocol and prepares nothing). ``harmless`` maps a
    method to the most positional arguments it may have. No use seen (the object is returned
    or handed on) is not harmless: the rule stays."""
    uses = []
    for call in module.calls:
        recv = project.receiver(call.callee)
        if recv is not None and isinstance(recv[0], Obj) and recv[0].site == site.span.line \
                and not recv[0].origin and call.scope == site.scope:
            uses.append((recv[1], call))
    if not uses:
        return False
    return all(method in harmless and not call.star and not call.kwargs
               and len(call.args) <= harmless[method] for method, call in uses)


def _settings_allow(project: Project, entry: dict[str, Any]) -> bool:
    """Django-backed rules: `engine` (a DATABASES ENGINE family the rule needs) and
    `unless-setting` (a DATABASES key that turns the behaviour off). Without literal settings in
    the project the rule applies."""
    if "engine" not in entry and "unless-setting" not in entry:
        return True
    entries = project.django_databases()
    if not entries:
        return True
    family = entry.get("engine", "")
    matching = [e for e in entries if family in str(const_of(e.get("ENGINE")))]
    if family and not matching:
        return False
    key = entry.get("unless-setting")
    return not key or not all(const_of(e.get(key)) is True for e in matching or entries)


def _sql_arg_facts(project, site, entry, cat) -> list:
    known, value = lookup_path(site.args, dict(site.kwargs), entry["sql-arg"], entry.get("sql-pos"))
    value = project.resolve(value) if value is not None else None
    if not known or not isinstance(value, Str):
        return []
    dialect = entry.get("dialect") or project.lib.dialects.get(entry.get("library", ""), "")
    sql_rules = cat.sql_kinds()
    return [f for f in classify(value.text, "mysql" if dialect == "mysql" else "postgres")
            if f.kind in sql_rules]


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _fix(site: CallSite, spec: dict[str, Any] | None, rule: catalog_mod.Rule,
         module: ModuleFacts) -> Fix | None:
    """`add-kwarg` adds a keyword argument (none when already passed); `set-kwarg` adds it or
    replaces the value passed; `define` is a module-level helper inserted once above the
    statement that holds the call."""
    if not spec or not ("add-kwarg" in spec or "set-kwarg" in spec):
        return None
    if site.star:
        return None  # **kwargs may already carry it
    text = spec.get("set-kwarg") or spec["add-kwarg"]
    name, _, value = text.partition("=")
    absent = spec.get("requires-absent")
    if absent and site.kwarg(absent) is not None:
        return None
    existing = dict(site.kwarg_spans).get(name)
    if existing is not None:
        if "set-kwarg" not in spec:
            return None
        edit = Edit(existing.line, existing.column, existing.end_line, existing.end_column, value)
    elif site.last_arg_end is not None:
        row, col = site.last_arg_end
        edit = Edit(row, col, row, col, f", {text}")
    else:  # f() -> f(text): insert before the closing parenthesis
        row, col = site.span.end_line, site.span.end_column - 1
        edit = Edit(row, col, row, col, text)
    edits = [edit]
    define = spec.get("define")
    if define:
        m = re.match(r"\s*(?:async\s+)?def\s+(\w+)", define)
        helper = m.group(1) if m else ""
        if helper in module.exports:
            if not isinstance(module.exports[helper], Func):
                return None  # the name is taken by something else: no safe spelling to invent
        else:
            line = site.top_line or 1
            edits.insert(0, Edit(line, 1, line, 1, define.rstrip("\n") + "\n\n\n"))
    safety = spec.get("safety") or (rule.fix_safety if rule.fix_safety != "display-only" else "safe")
    return Fix(safety, spec.get("message", f"pass `{text}`"), tuple(edits))
