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
from pinless.model.library import const_of, lookup_path, _NOT_CONST
from pinless.model.project import Project
from pinless.model.sql import classify
from pinless.model.values import Obj, Qual, Str, Unknown, Value
from pinless.model.analyze import HOLE


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return ""


def make_finding(rule: catalog_mod.Rule, module: ModuleFacts, site: CallSite, fix: Fix | None = None,
                 note: str = "", **fields: str) -> Finding:
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
    for fact in classify(value.text, dialect or "postgres"):
        code = sql_rules.get(fact.kind)
        if code is None or code not in cat.rules:
            continue
        construct = fact.construct.replace(HOLE, "…")
        note = "" if fact.parsed else "read from the statement's leading keywords: sqlglot could not parse it"
        yield make_finding(cat.rules[code], module, site, construct=construct, note=note)


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
        if not _test(cond["test"], known, value, cond.get("value"), site.star):
            return False
    return True


def _test(test: str, known: bool, value: Value | None, expected: Any, star: bool) -> bool:
    if test == "absent":
        return known and value is None and not star
    if value is None or not known:
        return test == "not-false" and known and not star
    const = const_of(value)
    if test == "present":
        return True
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


def _rule_finding(project, module, site, entry, cat) -> Finding | None:
    code = entry["rule"]
    if code not in cat.rules:
        return None
    if not conditions_hold(project, site, entry.get("when", [])):
        return None
    note = ""
    version = entry.get("version")
    if version:
        declared = project.versions.get(version["distribution"])
        if declared is None:
            note = f"{version['note']}; the project declares no {version['distribution']} version"
        elif _version_tuple(declared) < _version_tuple(version["min"]):
            return None
    fix = _fix(site, entry.get("fix"), cat.rules[code])
    return make_finding(cat.rules[code], module, site, fix=fix, note=note,
                        construct=entry.get("construct", ""), call=entry.get("call", ""))


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _fix(site: CallSite, spec: dict[str, Any] | None, rule: catalog_mod.Rule) -> Fix | None:
    if not spec or "add-kwarg" not in spec:
        return None
    if site.star:
        return None  # **kwargs may already carry it
    absent = spec.get("requires-absent")
    if absent and site.kwarg(absent) is not None:
        return None
    text = spec["add-kwarg"]
    if site.last_arg_end is not None:
        row, col = site.last_arg_end
        edit = Edit(row, col, row, col, f", {text}")
    else:  # f() -> f(text): insert before the closing parenthesis
        row, col = site.span.end_line, site.span.end_column - 1
        edit = Edit(row, col, row, col, text)
    safety = rule.fix_safety if rule.fix_safety != "display-only" else "safe"
    return Fix(safety, spec.get("message", f"pass `{text}`"), (edit,))
