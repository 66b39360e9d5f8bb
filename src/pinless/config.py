"""Configuration: the config file and the CLI folded into one frozen ``Settings``.

The file is ``[tool.pinless]`` in ``pyproject.toml``, or the same keys at the top level of
``pinless.toml`` / ``.pinless.toml``; the nearest one above the first path applies as a whole
(conventions section 10). Every key is declared once, in ``KEYS``: its type, default and doc line
drive validation, the defaults of ``Settings`` and the README reference (``reference_markdown``).
All validation lives here; a bad key or value raises ``ConfigError`` with a one-line message
naming the file, the key and the value.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from pinless import catalog

# In one directory the first name wins; a pyproject.toml counts only with a [tool.pinless] table.
CONFIG_NAMES = (".pinless.toml", "pinless.toml", "pyproject.toml")
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "github", "gitlab", "sarif", "junit")
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr",
    ".venv", "venv",
    "node_modules", "__pycache__", "build", "dist",
    ".aws-sam", "cdk.out", ".serverless", ".pinless_cache",
)
ALL = "ALL"
# "<module path>.<function>": a slash-separated module path (dots allowed in it), then the function.
HANDLER_RE = re.compile(r"^[^\s]+\.[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """A bad config file, key, value or option; ``str()`` is the one-line message."""


class BadValue(Exception):
    """A value failed validation; the caller adds where it came from."""

    def __init__(self, problem: str, suggestion: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.suggestion = suggestion


# ---------------------------------------------------------------------------------------------
# Value kinds: how a key is typed, validated and described


def _closest(word: str, choices: Iterable[str]) -> str | None:
    """The valid spelling the user most likely meant: the one choice it begins, or a close one."""
    import difflib  # error messages only: not loaded at start-up

    choices = list(choices)
    starts = [c for c in choices if word and c.startswith(word)]
    if len(starts) == 1:
        return starts[0]
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadValue("expected a list of strings")
    return value


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value in choices:
        return value
    expected = ", ".join(f"`{c}`" for c in choices)
    raise BadValue(f"unknown {what} `{value}` (expected {expected})", _closest(value, choices))


def known_codes() -> frozenset[str]:
    """Every code the catalog declares (removed and redirected ones too: old configs still load)."""
    return catalog.codes()  # not load(): the engine's first load may come from its memo


def check_selector(selector: str, codes: Iterable[str] | None = None) -> str:
    """A full code, a prefix of one (``PIN``, ``PIN1``, ``PIN10``) or ``ALL``; else ``BadValue``."""
    codes = known_codes() if codes is None else frozenset(codes)
    if selector == ALL or _is_prefix(selector, codes):
        return selector
    upper = selector.upper()
    hint = upper if upper == ALL or _is_prefix(upper, codes) else _one_slip(upper, codes)
    raise BadValue(f"unknown selector `{selector}`", hint)


def _one_slip(selector: str, codes: frozenset[str]) -> str | None:
    """The code one mistyped character away (`PIN1O1`), if exactly one is; prefixes get no
    suggestion, since any code "near" `PIN9` is a guess."""
    near = [
        code for code in codes
        if len(code) == len(selector)
        and sum(a != b for a, b in zip(code, selector, strict=True)) == 1
    ]
    return near[0] if len(near) == 1 else None


def _is_prefix(selector: str, codes: frozenset[str]) -> bool:
    return len(selector) >= 3 and any(code.startswith(selector) for code in codes)


def _selectors(value: Any) -> tuple[str, ...]:
    return tuple(check_selector(s) for s in _str_list(value))


def _globs(value: Any) -> tuple[str, ...]:
    items = _str_list(value)
    if any(not item.strip() for item in items):
        raise BadValue("an empty pattern matches nothing")
    return tuple(items)


def _targets(value: Any) -> tuple[str, ...]:
    items = tuple(_choice(t, catalog.TARGETS, "target") for t in _str_list(value))
    if not items:
        raise BadValue("needs at least one target")
    return tuple(dict.fromkeys(items))


def _handlers(value: Any) -> tuple[str, ...]:
    items = _str_list(value)
    for item in items:
        if not HANDLER_RE.match(item):
            raise BadValue(f"`{item}` is not `<module path>.<function>`")
    return tuple(items)


def _filters(value: Any) -> tuple[str, ...]:
    known = tuple(catalog.load().targets.get("rds-proxy", {}).get("session-pinning-filters", {}))
    return tuple(_choice(f, known, "session pinning filter") for f in _str_list(value))


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadValue("expected true or false")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadValue("expected a whole number, 0 or more")
    return value


def _output_format(value: Any) -> str:
    if not isinstance(value, str):
        raise BadValue("expected a string")
    return _choice(value, OUTPUT_FORMATS, "output format")


def _per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, Mapping):
        raise BadValue("expected a table of pattern = [selectors]")
    return tuple((pattern, _selectors(codes)) for pattern, codes in value.items())


@dataclass(frozen=True)
class Key:
    """One configuration key: where it lives, what it holds, its default and its doc line."""

    name: str  # kebab-case, dotted for a sub-table: "rds-proxy.session-pinning-filters"
    field: str  # the Settings attribute it fills
    type: str  # as the reference shows it
    default: Any
    doc: str
    check: Callable[[Any], Any] = field(repr=False, compare=False)
    flag: str | None = None  # the CLI option it mirrors


KEYS: tuple[Key, ...] = (
    Key("select", "select", "list of selectors", (ALL,),
        "Rules to enable: codes, prefixes (`PIN`, `PIN1`, `PIN10`) or `ALL`; prefixes and `ALL` "
        "enable stable rules, a preview rule needs its full code.", _selectors, "--select"),
    Key("extend-select", "extend_select", "list of selectors", (),
        "Rules to enable on top of `select`.", _selectors, "--extend-select"),
    Key("ignore", "ignore", "list of selectors", (),
        "Rules to disable; the more specific selector wins, on a tie `ignore` wins.",
        _selectors, "--ignore"),
    Key("per-file-ignores", "per_file_ignores", "table of glob = list of selectors", (),
        "Rules to disable in the files a glob matches (relative to the config file's directory; "
        "a glob without `/` matches any file or folder name).", _per_file_ignores,
        "--per-file-ignores"),
    Key("exclude", "exclude", "list of globs", DEFAULT_EXCLUDE,
        "Files and folders never searched; replaces the default list.", _globs, "--exclude"),
    Key("extend-exclude", "extend_exclude", "list of globs", (),
        "Files and folders never searched, on top of `exclude`.", _globs, "--extend-exclude"),
    Key("force-exclude", "force_exclude", "boolean", False,
        "Apply `exclude` and `.gitignore` to files named on the command line too (pre-commit).",
        _bool, "--force-exclude"),
    Key("respect-gitignore", "respect_gitignore", "boolean", True,
        "Skip files ignored by `.gitignore` (every level), `.git/info/exclude` and the global "
        "excludes file.", _bool, "--no-respect-gitignore"),
    Key("target", "targets", "list of targets", ("rds-proxy",),
        "What the code connects through: `rds-proxy` and/or `pgbouncer-transaction`.",
        _targets, "--target"),
    Key("handlers", "handlers", "list of handlers", (),
        "Entry points discovery cannot find, as `<module path>.<function>` relative to the "
        "config file (`orders/app.lambda_handler`).", _handlers, "--handler"),
    Key("unsafe-fixes", "unsafe_fixes", "boolean", False,
        "Let `pinless fix` apply unsafe fixes.", _bool, "--unsafe-fixes"),
    Key("output-format", "output_format", "string", "full",
        "Report format: " + ", ".join(f"`{f}`" for f in OUTPUT_FORMATS) + ".",
        _output_format, "--output-format"),
    Key("cache", "cache", "boolean", True,
        "Keep results in `.pinless_cache/`, keyed by content: unchanged files are not read again "
        "and an edit re-checks only what it can change.", _bool, "--no-cache"),
    Key("jobs", "jobs", "integer", 0,
        "Worker processes; 0 means one per CPU.", _count, "--jobs"),
    Key("rds-proxy.session-pinning-filters", "session_pinning_filters", "list of strings", (),
        "The proxy's session pinning filters (`EXCLUDE_VARIABLE_SETS`): the statements they "
        "exempt are not reported.", _filters),
    Key("pgbouncer-transaction.max-prepared-statements", "max_prepared_statements", "integer", 0,
        "PgBouncer's `max_prepared_statements`; above 0 (PgBouncer 1.21+) protocol-level "
        "prepared statements are supported.", _count),
)
KEYS_BY_NAME = {k.name: k for k in KEYS}
KEYS_BY_FIELD = {k.field: k for k in KEYS}
# Names that hold a table: the target sub-tables and per-file-ignores.
_TABLES = {k.name.split(".")[0] for k in KEYS if "." in k.name} | {"per-file-ignores"}


@dataclass(frozen=True)
class Settings:
    """The effective settings of a run; the defaults equal those in ``KEYS`` (a test holds them)."""

    select: tuple[str, ...] = (ALL,)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    # (pattern, selectors) pairs in file order; a tuple keeps Settings hashable
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    targets: tuple[str, ...] = ("rds-proxy",)
    respect_gitignore: bool = True
    handlers: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    output_format: str = "full"
    session_pinning_filters: tuple[str, ...] = ()
    max_prepared_statements: int = 0
    force_exclude: bool = False
    cache: bool = True
    jobs: int = 0
    config_path: Path | None = None
    root: Path = field(default_factory=Path.cwd)  # the config file's directory, else the cwd


# ---------------------------------------------------------------------------------------------
# Finding and reading the file


def find_config(start: Path) -> Path | None:
    """The nearest config file in ``start`` (a file's folder) or above it, else None."""
    start = Path(os.path.abspath(start))
    folder = start if start.is_dir() else start.parent
    for directory in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_table(candidate)):
                return candidate
    return None


def _has_table(pyproject: Path) -> bool:
    # Reading is cheap; parsing is skipped for the many pyproject.toml files that never mention us.
    if "pinless" not in _read_text(pyproject):
        return False
    return _table(pyproject) is not None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc


def _table(path: Path) -> dict[str, Any] | None:
    """The pinless table of a config file (None for a pyproject.toml without one)."""
    if sys.version_info >= (3, 11):  # imported here: a run without a config file never parses TOML
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    if path.name != "pyproject.toml":
        return data
    table = data.get("tool", {}).get("pinless") if isinstance(data.get("tool"), dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.pinless = {show(table)}: expected a table")
    return table


# ---------------------------------------------------------------------------------------------
# Validation


def show(value: Any, limit: int = 80) -> str:
    """A value as TOML would write it, cut to ``limit`` characters for a one-line message."""
    import json  # messages and the reference only: not loaded at start-up

    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show(v, 0) for v in value) + "]"
    elif isinstance(value, Mapping):
        text = "{ " + ", ".join(f"{_key(str(k))} = {show(v, 0)}" for k, v in value.items()) + " }"
    else:
        text = str(value)
    return text if not limit or len(text) <= limit else text[: limit - 3] + "..."


def _key(name: str) -> str:
    import json  # messages and the reference only

    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name, ensure_ascii=False)


class _Source:
    """Where values come from, to word the messages: a file's (sub-)table, or the command line."""

    def __init__(self, path: Path | None, header: str) -> None:
        self.path = path
        self.header = header  # "tool.pinless" in a pyproject.toml, "" at a file's top level

    def error(self, table: str, key: str, value: Any, bad: BadValue) -> ConfigError:
        hint = f"; did you mean `{bad.suggestion}`?" if bad.suggestion else ""
        if self.path is None:
            name = table or key
            flag = KEYS_BY_NAME[name].flag or name
            shown = f"{_key(key)} = {show(value)}" if table else show(value)
            return ConfigError(f"option {flag} {shown}: {bad.problem}{hint}")
        header = ".".join(p for p in (self.header, table) if p)
        where = f"[{header}] " if header else ""
        return ConfigError(f"{self.path}: {where}{_key(key)} = {show(value)}: {bad.problem}{hint}")


def _read_table(raw: Mapping[str, Any], source: _Source) -> dict[str, Any]:
    """Validated values by Settings field, for the keys present in the pinless table."""
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name in _TABLES and name != "per-file-ignores":
            values.update(_read_subtable(name, value, source))
            continue
        key = KEYS_BY_NAME.get(name)
        if key is None or "." in name:
            top_level = [k.name for k in KEYS if "." not in k.name] + sorted(_TABLES)
            raise source.error("", name, value, BadValue("unknown key", _closest(name, top_level)))
        values[key.field] = _checked(key, value, source)
    return values


def _read_subtable(table: str, raw: Any, source: _Source) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise source.error("", table, raw, BadValue("expected a table"))
    values = {}
    names = [k.name.split(".", 1)[1] for k in KEYS if k.name.startswith(table + ".")]
    for name, value in raw.items():
        key = KEYS_BY_NAME.get(f"{table}.{name}")
        if key is None:
            raise source.error(table, name, value, BadValue("unknown key", _closest(name, names)))
        try:
            values[key.field] = key.check(value)
        except BadValue as bad:
            raise source.error(table, name, value, bad) from None
    return values


def _checked(key: Key, value: Any, source: _Source) -> Any:
    if key.name == "per-file-ignores" and isinstance(value, Mapping):
        for pattern, codes in value.items():  # name the entry, not the whole table
            try:
                _selectors(codes)
            except BadValue as bad:
                raise source.error(key.name, pattern, codes, bad) from None
    try:
        return key.check(value)
    except BadValue as bad:
        raise source.error("", key.name, value, bad) from None


def _read_overrides(overrides: Mapping[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """CLI values by field (None = not given): they replace the file's, ``extend_*`` add to them."""
    values: dict[str, Any] = {}
    cli = _Source(None, "")
    for name, value in overrides.items():
        if name not in KEYS_BY_FIELD:
            raise TypeError(f"unknown settings field {name!r}")
        if value is None:
            continue
        key = KEYS_BY_FIELD[name]
        if isinstance(value, tuple):
            value = list(value)
        if key.field == "per_file_ignores" and isinstance(value, Mapping):
            value = {p: list(c) for p, c in value.items()}
        checked = _checked(key, value, cli)
        if name in ("extend_select", "extend_exclude"):
            checked = tuple(base.get(name, key.default)) + checked
        values[name] = checked
    return values


# ---------------------------------------------------------------------------------------------
# Entry point


def load_settings(
    *,
    first_path: Path | None,
    config_file: Path | None,
    isolated: bool,
    overrides: Mapping[str, Any],
) -> Settings:
    """The effective settings: defaults, then the config file, then the CLI ``overrides``.

    ``config_file`` (``--config``) is used alone; ``isolated`` uses no file at all; otherwise the
    nearest config above ``first_path`` (else the working directory) applies.
    """
    if config_file is not None and isolated:
        raise ConfigError("options --config and --isolated cannot be used together")
    path: Path | None = None
    if config_file is not None:
        path = Path(os.path.abspath(config_file))
        if not path.is_file():
            raise ConfigError(f"{config_file}: config file not found")
    elif not isolated:
        path = find_config(first_path if first_path is not None else Path.cwd())
    values: dict[str, Any] = {}
    if path is not None:
        header = "tool.pinless" if path.name == "pyproject.toml" else ""
        values = _read_table(_table(path) or {}, _Source(path, header))
    values.update(_read_overrides(overrides, values))
    root = path.parent if path is not None else Path.cwd()
    return Settings(**values, config_path=path, root=root)


def reference_markdown() -> str:
    """The configuration reference table, generated from ``KEYS`` (the README embeds it)."""
    rows = ["| Key | Type | Default | CLI | Description |", "| --- | --- | --- | --- | --- |"]
    for key in KEYS:
        if key.field == "per_file_ignores":
            default = "{}"
        else:
            default = show(list(key.default) if isinstance(key.default, tuple) else key.default, 0)
        flag = f"`{key.flag}`" if key.flag else ""
        rows.append(f"| `{key.name}` | {key.type} | `{default}` | {flag} | {key.doc} |")
    return "\n".join(rows) + "\n"


def settings_fields() -> tuple[str, ...]:
    """Settings attributes that come from keys (not ``config_path`` / ``root``)."""
    return tuple(f.name for f in fields(Settings) if f.name not in ("config_path", "root"))


# ---------------------------------------------------------------------------------------------
# Path patterns (`exclude`, `extend-exclude`, `per-file-ignores`)


def glob_regex(pattern: str) -> str:
    """A glob as a regex: `*` and `?` stay within a name, `[...]` is a class, a `**` that stands
    alone between slashes spans folders (`a/**/b`, `**/b`, `a/**`), `\\` escapes."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**", i) and (i == 0 or pattern[i - 1] == "/"):
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
                continue
            if i + 2 == n:
                out.append(".*")
                i += 2
                continue
        if c == "*":
            while i + 1 < n and pattern[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            end = _class_end(pattern, i)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\").replace("[", "\\[") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing the class opened at ``start`` (a leading `]` is literal), or -1."""
    i = start + 1
    if i < len(pattern) and pattern[i] in "!^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    end = pattern.find("]", i)
    return -1 if "/" in pattern[start:max(end, start)] else end


class PathPatterns:
    """Globs relative to ``root``. A glob without `/` matches any file or folder name below
    ``root``; one with `/` matches a root-relative path; an absolute one, an absolute path. A
    folder that matches covers everything in it."""

    def __init__(self, patterns: Iterable[str], root: Path) -> None:
        self.root = os.path.abspath(root)
        names, anchored, absolute = [], [], []
        for raw in patterns:
            pattern = raw.strip()
            while pattern.startswith("./"):
                pattern = pattern[2:]
            pattern = pattern.rstrip("/") or pattern
            if os.path.isabs(pattern):
                absolute.append(glob_regex(Path(pattern).as_posix()))
            elif "/" in pattern:
                anchored.append(glob_regex(pattern))
            elif pattern:
                names.append(glob_regex(pattern))
        self._names = _alternation(names)
        self._anchored = _alternation(anchored)
        self._absolute = _alternation(absolute)

    def relative(self, path: str) -> str | None:
        """``path`` (absolute) relative to the root with `/` separators, None when outside it."""
        if path == self.root:
            return ""
        prefix = self.root.rstrip(os.sep) + os.sep
        return path[len(prefix):].replace(os.sep, "/") if path.startswith(prefix) else None

    def match_entry(self, path: str, name: str, rel: str | None) -> bool:
        """Whether this file or folder itself matches (its folders were checked on the way down)."""
        return bool(
            (self._names and self._names.fullmatch(name))
            or (self._anchored and rel and self._anchored.fullmatch(rel))
            or (self._absolute and self._absolute.fullmatch(Path(path).as_posix()))
        )

    def match_path(self, path: str) -> bool:
        """Whether the absolute ``path`` or any folder containing it matches."""
        rel = self.relative(path)
        if rel is None:  # outside the root only a name or an absolute glob can match
            return self.match_entry(path, os.path.basename(path), None) or self._match_parents(path)
        parts = rel.split("/") if rel else []
        for i, name in enumerate(parts):
            sub = "/".join(parts[: i + 1])
            if self.match_entry(os.path.join(self.root, *parts[: i + 1]), name, sub):
                return True
        return False

    def _match_parents(self, path: str) -> bool:
        if not self._absolute:
            return False
        parent = Path(path)
        return any(self._absolute.fullmatch(p.as_posix()) for p in parent.parents)


def _alternation(regexes: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL) if regexes else None
