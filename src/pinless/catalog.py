"""Loads the declarative knowledge in ``rules/`` once; the only reader of that folder.

- ``rules/PINnnn.toml``: one page per rule (metadata, prose, flagged/clean examples).
- ``rules/libraries/*.toml``: per library, what its calls create, send and release.
- ``rules/targets/*.toml``: per deployment target, facts such as the variables a proxy tracks.

In a wheel the folder is packaged as ``pinless/rules``; from a source checkout it is the
top-level ``rules/`` beside ``src/``.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOMEPAGE = "https://github.com/pinless-dev/pinless"
TARGETS = ("rds-proxy", "pgbouncer-transaction")
VERDICTS = ("pins", "breaks", "unsafe", "fine")
FAMILIES = {
    "0": "tool",
    "1": "session-state",
    "2": "prepared-statements",
    "3": "session-scoped",
    "4": "lifecycle",
}
SEVERITIES = ("error", "warning")
STATUSES = ("stable", "preview", "deprecated", "removed")
FIX_AVAILABILITY = ("always", "sometimes", "none")
FIX_SAFETY = ("safe", "unsafe", "display-only")
CODE_RE = re.compile(r"^PIN\d{3}$")
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Prose sections of a page, in the order they are rendered. ``True`` = mandatory.
DOC_SECTIONS = (
    ("what", "What it does", True),
    ("why", "Why it pins", True),  # "Why it breaks" for the lifecycle family
    ("use_instead", "Use instead", True),
    ("fix_safety", "Fix safety", True),
    ("limitations", "Known limitations", False),
)


class CatalogError(Exception):
    """A page or data file in rules/ is malformed (a bug in pinless itself)."""


@dataclass(frozen=True)
class Example:
    code: str
    expect: tuple[str, ...] = ()  # "PIN101:4" items; empty = exactly one finding of the rule
    fixed: str | None = None
    unsafe: bool = False
    target: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # extra project files, by relative path
    filename: str = "handler.py"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    family: str
    summary: str
    message: str
    help: str
    severity: str
    status: str
    since: str
    targets: dict[str, str]
    fix_availability: str
    fix_safety: str
    options: tuple[str, ...]
    references: tuple[str, ...]
    doc: dict[str, str]
    detect: dict[str, Any]
    flagged: tuple[Example, ...]
    clean: tuple[Example, ...]
    redirect: str | None = None

    @property
    def url(self) -> str:
        return f"{HOMEPAGE}/blob/main/rules/{self.code}.toml"

    @property
    def fixable(self) -> bool:
        return self.fix_availability != "none" and self.fix_safety != "display-only"

    def applies_to(self, targets: tuple[str, ...]) -> tuple[str, ...]:
        """The configured targets under which this rule reports (verdict other than fine)."""
        return tuple(t for t in targets if self.targets.get(t, "fine") != "fine")

    def render(self) -> str:
        """The rule page as Markdown: what `pinless explain` prints and SARIF `help` carries."""
        why_title = "Why it breaks" if self.family == "lifecycle" else "Why it pins"
        out = [f"# {self.code} {self.name}", "", self.summary, ""]
        meta = [
            f"Family: {self.family}",
            f"Severity: {self.severity}",
            f"Status: {self.status} (since {self.since})",
            f"Fix: {self.fix_availability}"
            + ("" if self.fix_availability == "none" else f", {self.fix_safety}"),
        ]
        out += [" · ".join(meta), ""]

        def section(title: str, body: str) -> None:
            out.extend([f"## {title}", "", body.strip(), ""])

        section("What it does", self.doc["what"])
        section(why_title, self.doc["why"])
        if self.flagged:
            section("Example", _code_block(self.flagged[0]))
        use = self.doc["use_instead"].strip()
        if self.flagged and self.flagged[0].fixed is not None:
            use += "\n\n" + _code_block(self.flagged[0], fixed=True)
        elif self.clean:
            use += "\n\n" + _code_block(self.clean[0])
        section("Use instead", use)
        section("Fix safety", self.doc["fix_safety"])
        rows = ["| target | verdict |", "| --- | --- |"]
        rows += [f"| `{t}` | {self.targets.get(t, 'fine')} |" for t in TARGETS]
        section("Targets", "\n".join(rows))
        if self.options:
            section("Options", "\n".join(f"- `{o}`" for o in self.options))
        if self.doc.get("limitations"):
            section("Known limitations", self.doc["limitations"])
        if self.references:
            section("References", "\n".join(f"- <{r}>" for r in self.references))
        return "\n".join(out).rstrip() + "\n"


def _code_block(example: Example, fixed: bool = False) -> str:
    text = example.fixed if fixed else example.code
    parts = []
    for name, body in example.files.items():
        lang = "yaml" if name.endswith((".yaml", ".yml")) else "json" if name.endswith(".json") else "python"
        parts.append(f"```{lang}\n# {name}\n{body.strip()}\n```")
    prefix = f"# {example.filename}\n" if example.files else ""
    parts.append(f"```python\n{prefix}{(text or '').strip()}\n```")
    return "\n\n".join(parts)


@dataclass(frozen=True)
class Library:
    """Facts about one database library, read from ``rules/libraries/<name>.toml``."""

    name: str
    data: dict[str, Any]

    @property
    def dialect(self) -> str:
        return self.data.get("dialect", "postgres")


@dataclass(frozen=True)
class Catalog:
    rules: dict[str, Rule]
    libraries: dict[str, Library]
    targets: dict[str, dict[str, Any]]

    def rule(self, code: str) -> Rule:
        rule = self.rules[code]
        while rule.redirect:
            rule = self.rules[rule.redirect]
        return rule

    def active_rules(self) -> list[Rule]:
        return [r for r in self.rules.values() if r.status != "removed" and not r.redirect]

    def sql_kinds(self) -> dict[str, str]:
        """SQL statement kind -> the rule code that reports it (from each page's [detect].sql)."""
        return self._sql_kinds

    @functools.cached_property
    def _sql_kinds(self) -> dict[str, str]:  # asked for every module of every run: built once
        out: dict[str, str] = {}
        for rule in self.active_rules():
            for kind in rule.detect.get("sql", ()):
                out[kind] = rule.code
        return out


def rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "rules"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "rules"


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):  # imported here, not by every `import pinless.catalog`
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc


def _example(raw: dict[str, Any], where: str) -> Example:
    if "code" not in raw:
        raise CatalogError(f"{where}: an example needs `code`")
    return Example(
        code=raw["code"],
        expect=tuple(raw.get("expect", ())),
        fixed=raw.get("fixed"),
        unsafe=bool(raw.get("unsafe", False)),
        target=tuple(raw.get("target", ())),
        config=dict(raw.get("config", {})),
        files=dict(raw.get("files", {})),
        filename=raw.get("filename", "handler.py"),
    )


def parse_rule(data: dict[str, Any], where: str) -> Rule:
    def need(key: str) -> Any:
        if key not in data:
            raise CatalogError(f"{where}: missing `{key}`")
        return data[key]

    code = need("code")
    if not CODE_RE.match(code):
        raise CatalogError(f"{where}: bad code {code!r}")
    redirect = data.get("redirect")
    if redirect:  # a renumbered rule: only the code, the name and where it went
        return Rule(code, need("name"), FAMILIES[code[3]], "", "", "", "error", "stable", "",
                    {}, "none", "display-only", (), (), {}, {}, (), (), redirect)
    name = need("name")
    if not NAME_RE.match(name):
        raise CatalogError(f"{where}: name {name!r} is not kebab-case")
    family = need("family")
    if family != FAMILIES[code[3]]:
        raise CatalogError(f"{where}: family {family!r} does not match code {code}")
    severity = need("severity")
    status = data.get("status", "stable")
    targets = dict(need("targets"))
    for t, v in targets.items():
        if t not in TARGETS or v not in VERDICTS:
            raise CatalogError(f"{where}: bad target verdict {t} = {v!r}")
    fix = data.get("fix", {})
    availability = fix.get("availability", "none")
    safety = fix.get("safety", "display-only")
    if severity not in SEVERITIES or status not in STATUSES:
        raise CatalogError(f"{where}: bad severity or status")
    if availability not in FIX_AVAILABILITY or safety not in FIX_SAFETY:
        raise CatalogError(f"{where}: bad fix availability or safety")
    doc = dict(data.get("doc", {}))
    if status != "removed":
        for key, title, mandatory in DOC_SECTIONS:
            if mandatory and not doc.get(key, "").strip():
                raise CatalogError(f"{where}: missing doc section `{key}` ({title})")
    return Rule(
        code=code,
        name=name,
        family=family,
        summary=need("summary"),
        message=need("message"),
        help=data.get("help", ""),
        severity=severity,
        status=status,
        since=data.get("since", "0.1.0"),
        targets=targets,
        fix_availability=availability,
        fix_safety=safety,
        options=tuple(data.get("options", ())),
        references=tuple(data.get("references", ())),
        doc=doc,
        detect=dict(data.get("detect", {})),
        flagged=tuple(_example(e, f"{where} flagged[{i}]") for i, e in enumerate(data.get("flagged", ()))),
        clean=tuple(_example(e, f"{where} clean[{i}]") for i, e in enumerate(data.get("clean", ()))),
    )


_LOADED: dict[str | None, Catalog] = {}  # by ``directory``: every call returns the same object


def load(memo_dir: Path | str | None = None, *, directory: Path | str | None = None) -> Catalog:
    """The catalog, parsed once per process; every later call returns the same object.

    ``memo_dir`` (the project's ``.pinless_cache`` folder): when the process has not loaded the
    catalog yet, read it from ``catalog-<hash>.pickle`` there, the hash covering every file of
    the rules folder and this module's source, else parse it and write that file. A missing or
    read-only folder just means no memo. ``directory`` reads another rules folder (tests).
    """
    key = None if directory is None else str(directory)
    cat = _LOADED.get(key)
    if cat is None:
        root = Path(directory) if directory else rules_dir()
        cat = _parse(root) if memo_dir is None else _memoized(root, Path(memo_dir))
        cat = _LOADED.setdefault(key, cat)
    return cat


load.cache_clear = _LOADED.clear  # type: ignore[attr-defined]  # as when load was an lru_cache


def codes() -> frozenset[str]:
    """Every rule code (removed and redirected ones too). The page file names are the codes
    (``load`` checks it), so this needs no parsing when the catalog is not loaded yet."""
    cat = _LOADED.get(None)
    if cat is not None:
        return frozenset(cat.rules)
    return frozenset(p.stem for p in rules_dir().glob("PIN*.toml"))


def _parse(root: Path) -> Catalog:
    if not root.is_dir():
        raise CatalogError(f"rule catalog not found at {root}")
    rules: dict[str, Rule] = {}
    names: dict[str, str] = {}
    for path in sorted(root.glob("PIN*.toml")):
        rule = parse_rule(_load_toml(path), str(path))
        if path.stem != rule.code:
            raise CatalogError(f"{path}: file name does not match code {rule.code}")
        if rule.name in names:
            raise CatalogError(f"{path}: name {rule.name} already used by {names[rule.name]}")
        names[rule.name] = rule.code
        rules[rule.code] = rule
    libraries = {
        p.stem: Library(p.stem, _load_toml(p)) for p in sorted((root / "libraries").glob("*.toml"))
    }
    targets = {p.stem: _load_toml(p) for p in sorted((root / "targets").glob("*.toml"))}
    return Catalog(rules, libraries, targets)


# Parsing the pages (tomllib over ~50 files) costs more than the rest of a warm run's start-up;
# the parsed catalog is pickled in the project's cache folder, keyed by what it is made from.


def _memo_key(root: Path) -> str:
    """A hash of every file under ``root`` (names and bytes), this module's source and the
    Python version (the pickle's format)."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    h.update(repr(sys.version_info[:2]).encode())
    h.update(Path(__file__).read_bytes())
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            h.update(b"\0" + os.path.relpath(path, root).replace(os.sep, "/").encode() + b"\0")
            with open(path, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def _memoized(root: Path, memo_dir: Path) -> Catalog:
    import pickle

    if not root.is_dir():
        raise CatalogError(f"rule catalog not found at {root}")
    memo = memo_dir / f"catalog-{_memo_key(root)}.pickle"
    try:
        with open(memo, "rb") as fh:
            cat = pickle.load(fh)
        if isinstance(cat, Catalog):
            os.utime(memo)  # in use: the cache's sweep keeps it
            return cat
    except Exception:  # no memo yet, or an unreadable one: parse
        pass
    cat = _parse(root)
    try:
        from pinless.source import write_atomic

        write_atomic(memo, pickle.dumps(cat, protocol=pickle.HIGHEST_PROTOCOL), create=True)
    except OSError:
        pass  # a missing or read-only folder: no memo
    return cat
